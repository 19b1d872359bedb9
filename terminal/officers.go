package terminal

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"lawtrail/casework"
	"lawtrail/evidence"
	"lawtrail/store"
)

type officerKey = evidence.KeyPair

// readOfficerKey unseals officer id's key file on this terminal.
func (d *Desk) readOfficerKey(id string, pin []byte) (officerKey, error) {
	if err := checkOfficerID(id); err != nil {
		return officerKey{}, err
	}
	sk, err := store.ReadSealedKey(store.OfficerKeyPath(d.dir, id))
	if errors.Is(err, store.ErrNotInitialized) {
		return officerKey{}, fmt.Errorf("officer %s: %w", id, ErrNotEnrolledHere)
	}
	if err != nil {
		return officerKey{}, err
	}
	k, err := sk.Unseal(pin)
	if err != nil {
		return officerKey{}, wrongSecret(err, ErrWrongPIN)
	}
	return k, nil
}

func checkOfficerID(id string) error {
	if err := casework.CheckID("officer", id); err != nil {
		return fmt.Errorf("%w: %w", ErrBadInput, err)
	}
	return nil
}

// Login unseals officer id's key with their PIN and starts their session.
// A revoked officer, or one the agency's record does not know, is refused;
// wrong PINs count towards the lockout.
func (d *Desk) Login(ctx context.Context, id string, pin []byte) (*Session, error) {
	o, err := d.officer(ctx, id)
	if err != nil {
		return nil, err
	}
	if o.Revoked {
		return nil, fmt.Errorf("%w: %w: %s (%s) may no longer log in: %s", casework.ErrRule, casework.ErrRevoked, o.Name, o.ID, o.RevokeReason)
	}
	key, err := d.unsealOfficer(ctx, id, pin)
	if err != nil {
		return nil, err
	}
	return &Session{Desk: d, Officer: o, key: key}, nil
}

// officer returns officer id as the agency's record knows them.
func (t *Terminal) officer(ctx context.Context, id string) (casework.Officer, error) {
	list, err := t.st.Officers(ctx)
	if err != nil {
		return casework.Officer{}, err
	}
	for _, o := range list {
		if o.ID == id {
			return o, nil
		}
	}
	return casework.Officer{}, fmt.Errorf("%w: %q", ErrNoOfficer, id)
}

// Officers lists the agency's officers as this terminal knows them, with
// whether each can log in here.
func (t *Terminal) Officers(ctx context.Context) ([]OfficerRow, error) {
	list, err := t.st.Officers(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]OfficerRow, len(list))
	for i, o := range list {
		_, err := os.Stat(store.OfficerKeyPath(t.dir, o.ID))
		out[i] = OfficerRow{Officer: o, Here: err == nil}
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("officer %s: %w", o.ID, err)
		}
	}
	return out, nil
}

// OfficerRow is an officer with whether they hold a key on this terminal.
type OfficerRow struct {
	casework.Officer
	Here bool // enrolled on this terminal: can log in and co-sign here
}

// NewOfficer is what enrolling an officer needs. The PIN is the new
// officer's own, typed by them at the terminal.
type NewOfficer struct {
	ID, Name, CredentialNo string
	ValidUntil             string // YYYY-MM-DD; empty: no end
	Roles                  []casework.Role
	PIN                    []byte
}

// EnrollOfficer enrolls an officer on this terminal, by the session's
// officer (an admin: the rule runs at append). The new key is sealed with
// the new officer's PIN and written before the event, so a cut-off enroll
// leaves at most an unused key file, never an enrolled officer without one.
func (s *Session) EnrollOfficer(ctx context.Context, n NewOfficer) (casework.Officer, error) {
	if err := store.CheckSecrets(nil, n.PIN); err != nil {
		return casework.Officer{}, err
	}
	p := &casework.OfficerEnrolled{Officer: n.ID, Name: n.Name, CredentialNo: n.CredentialNo, Agency: s.Info.Agency,
		Roles: n.Roles, ValidUntil: n.ValidUntil}
	key, err := evidence.GenerateKeyPair(rand.Reader)
	if err != nil {
		return casework.Officer{}, err
	}
	p.PublicKey = key.Public
	if err := p.Validate(); err != nil {
		return casework.Officer{}, fmt.Errorf("%w: %w", ErrBadInput, err)
	}
	if _, err := os.Stat(store.OfficerKeyPath(s.dir, n.ID)); err == nil {
		return casework.Officer{}, fmt.Errorf("%w: officer %s is enrolled on this terminal already", casework.ErrRule, n.ID)
	}
	if err := store.SaveOfficerKey(s.dir, n.ID, key, n.PIN, s.kdf, rand.Reader); err != nil {
		return casework.Officer{}, err
	}
	if _, err := s.append(ctx, store.Draft{Payload: p, CoSigners: []evidence.OfficerKey{{Officer: n.ID, Key: key}}}); err != nil {
		os.Remove(store.OfficerKeyPath(s.dir, n.ID))
		return casework.Officer{}, err
	}
	return s.officer(ctx, n.ID)
}

// RevokeOfficer ends an officer's standing in the agency, with the reason.
func (s *Session) RevokeOfficer(ctx context.Context, id, reason string) error {
	_, err := s.append(ctx, store.Draft{Payload: &casework.OfficerRevoked{Officer: id, Reason: reason}})
	return err
}

// SetRoles replaces an officer's roles.
func (s *Session) SetRoles(ctx context.Context, id string, roles []casework.Role) error {
	_, err := s.append(ctx, store.Draft{Payload: &casework.OfficerRolesChanged{Officer: id, Roles: roles}})
	return err
}

// ChangePIN re-seals officer id's key under a new PIN after the old one
// unseals it. The key stays the same, so no event is needed and every
// signature stays valid.
func (d *Desk) ChangePIN(ctx context.Context, id string, oldPIN, newPIN []byte) error {
	if err := store.CheckSecrets(nil, newPIN); err != nil {
		return err
	}
	key, err := d.unsealOfficer(ctx, id, oldPIN)
	if err != nil {
		return err
	}
	return store.SaveOfficerKey(d.dir, id, key, newPIN, d.kdf, rand.Reader)
}

// Witness is an officer present at an act who co-signs it with their own
// PIN on this terminal (the second officer on site).
type Witness struct {
	Officer string
	PIN     []byte
}

// cosigners unseals each witness's key (wrong PINs count towards that
// officer's lockout) and adds the session officer's own key.
func (s *Session) cosigners(ctx context.Context, witnesses []Witness) ([]evidence.OfficerKey, error) {
	out := []evidence.OfficerKey{{Officer: s.Officer.ID, Key: s.key}}
	for _, w := range witnesses {
		if w.Officer == s.Officer.ID {
			continue
		}
		k, err := s.unsealOfficer(ctx, w.Officer, w.PIN)
		if err != nil {
			return nil, err
		}
		out = append(out, evidence.OfficerKey{Officer: w.Officer, Key: k})
	}
	return out, nil
}
