package terminal

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"lawtrail/assets"
	"lawtrail/casework"
	"lawtrail/evidence"
	"lawtrail/store"
)

// Terminal is an opened data folder: its record and the agency
// configuration its rules use. The record is sealed at rest, so even
// reading needs the passphrase (Options.Passphrase); acting needs an
// officer logged in too (Desk, then Login).
type Terminal struct {
	dir string
	st  *store.Store
	cfg *casework.Config
	now func() time.Time
	kdf evidence.KDFParams
	key evidence.KeyPair // the terminal key, unsealed by Open
}

// Options adjust Open. The zero value is the normal configuration.
type Options struct {
	Now    func() time.Time // the terminal clock; time.Now when nil
	Config *casework.Config // the agency configuration; the bundled one when nil
	// Passphrase unseals the terminal key, and with it the record's keys:
	// without the right one nothing of the record can be read.
	Passphrase []byte
	// KDF seals new officer keys and changed PINs; evidence.DefaultKDFParams
	// when zero (tests pass cheaper ones).
	KDF evidence.KDFParams
}

// BundledConfig is the configuration a terminal uses before its agency
// publishes one: the templates, AV matters list and list of major
// decisions built into lawtrail.
func BundledConfig() (*casework.Config, error) {
	cfg, err := casework.Bundled{Templates: assets.Templates, TemplateDir: "templates", AVMatters: assets.AVMatters, Retention: assets.Retention,
		MajorList: assets.MajorDecisions}.Load()
	if err != nil {
		return nil, err
	}
	cfg.RecorderProfiles, cfg.CheckProfiles = assets.RecorderProfiles, checkProfiles
	return cfg, nil
}

// Open opens the terminal in dir with its passphrase; the folder must hold
// a terminal already, so a mistyped path creates nothing. It unseals the
// terminal key, derives the record's keys (store.DeriveRecordKeys) and
// opens the sealed record — sealing a plaintext one from an older lawtrail
// in place first (store.Open). A wrong passphrase is ErrWrongPassphrase.
func Open(ctx context.Context, dir string, opt Options) (*Terminal, error) {
	cfg := opt.Config
	if cfg == nil {
		var err error
		if cfg, err = BundledConfig(); err != nil {
			return nil, err
		}
	}
	now := opt.Now
	if now == nil {
		now = time.Now
	}
	if len(opt.Passphrase) == 0 {
		return nil, fmt.Errorf("open %s: %w", dir, ErrWrongPassphrase)
	}
	key, err := store.UnlockTerminal(dir, opt.Passphrase)
	if err != nil {
		return nil, wrongSecret(err, ErrWrongPassphrase)
	}
	keys, err := store.DeriveRecordKeys(key)
	if err != nil {
		return nil, err
	}
	defer keys.Wipe()
	st, err := store.OpenExisting(ctx, dir, store.Options{Now: now, Config: cfg, Keys: keys})
	if err != nil {
		return nil, err
	}
	kdf := opt.KDF
	if kdf == (evidence.KDFParams{}) {
		kdf = evidence.DefaultKDFParams
	}
	return &Terminal{dir: dir, st: st, cfg: cfg, now: now, kdf: kdf, key: key}, nil
}

// Close closes the record.
func (t *Terminal) Close() error { return t.st.Close() }

// Store is the record, for reading (cases, footage, documents, the log).
// Acts go through a Session.
func (t *Terminal) Store() *store.Store { return t.st }

// Config is the agency configuration in force: the bundled one overlaid by
// the latest version of each kind the agency published (config.go). Should
// the record be unreadable, the bundled one.
func (t *Terminal) Config() *casework.Config {
	cfg, err := t.st.Config(context.Background())
	if err != nil || cfg == nil {
		return t.cfg
	}
	return cfg
}

// Dir is the data folder.
func (t *Terminal) Dir() string { return t.dir }

// Now is the terminal clock.
func (t *Terminal) Now() time.Time { return t.now() }

// Desk is an unlocked terminal: its key is unsealed, so it can sign events,
// and officers can log in.
type Desk struct {
	*Terminal
	key  evidence.KeyPair
	Info store.TerminalInfo
}

// Desk is the terminal unlocked with the key Open unsealed.
func (t *Terminal) Desk(ctx context.Context) (*Desk, error) { return t.desk(ctx, t.key) }

// Unlock unseals the terminal key with the passphrase again (the app's
// lock screen asks for it anew).
func (t *Terminal) Unlock(ctx context.Context, passphrase []byte) (*Desk, error) {
	key, err := store.UnlockTerminal(t.dir, passphrase)
	if err != nil {
		return nil, wrongSecret(err, ErrWrongPassphrase)
	}
	return t.desk(ctx, key)
}

func (t *Terminal) desk(ctx context.Context, key evidence.KeyPair) (*Desk, error) {
	info, err := t.st.Terminal(ctx)
	if err != nil {
		return nil, err
	}
	if info.ID != key.ID() {
		return nil, fmt.Errorf("unlock: the key file is terminal %s, the record is terminal %s", key.ID(), info.ID)
	}
	return &Desk{Terminal: t, key: key, Info: info}, nil
}

// Key is the terminal's signing key (the sync client presents it).
func (d *Desk) Key() evidence.KeyPair { return d.key }

// Session is an officer logged in at an unlocked terminal: every act is
// theirs, signed by the terminal and, where the act is their own
// signature, by their key.
type Session struct {
	*Desk
	Officer casework.Officer
	key     evidence.KeyPair
}

// OfficerKey is the logged-in officer's key.
func (s *Session) OfficerKey() evidence.KeyPair { return s.key }

// append records drafts as the session officer's acts.
func (s *Session) append(ctx context.Context, drafts ...store.Draft) ([]evidence.Event, error) {
	for i := range drafts {
		if drafts[i].Actor == "" {
			drafts[i].Actor = s.Officer.ID
		}
	}
	evs, err := s.st.Append(ctx, s.Desk.key, drafts...)
	if err != nil {
		return nil, Explain(err)
	}
	return evs, nil
}

// newID makes a random identifier such as c-1a2b3c4d5e6f: the one way ids
// of cases, steps and documents are made on every front end.
func newID(prefix string) string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err)) // the system has no randomness: nothing can be signed safely
	}
	return prefix + "-" + hex.EncodeToString(b)
}

// Init creates a terminal in dir (first run): its key, the first officer —
// an admin — and the first signed events. See store.InitTerminal.
func Init(ctx context.Context, dir string, setup store.TerminalSetup) error {
	_, err := store.InitTerminal(ctx, dir, setup)
	return err
}
