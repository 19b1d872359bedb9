package casework

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"lawtrail/evidence"
)

// Retention and legal hold (DOMAIN R6, and the retention rules of
// 公安机关现场执法视音频记录工作规定: at least 6 months; as long as the case
// when used as evidence). How long footage is kept is agency configuration
// of kind retention (a RetentionPolicy, bundled in
// assets/lists/retention.json): footage linked to no case is kept a number
// of months counted from its recording time; footage linked to a case, and
// the case file, are kept with the case record (long-term). A legal hold
// (footage.held, by an admin or head, released by footage.released naming
// it) keeps a file whatever the period says. A terminal frees its local copy
// of a file the hub holds a receipt for (footage.freed): the custody
// record, digest and receipt stay; only this terminal's bytes go.

// ConfigRetention is the kind of the retention policy (ParseRetention).
const ConfigRetention ConfigKind = "retention"

// Event types of retention.
const (
	TypeFootageHeld     = "footage.held"
	TypeFootageReleased = "footage.released"
	TypeFootageFreed    = "footage.freed"
	TypeFootageDeleted  = "footage.deleted"
)

// KeptWithCase is the one period the policy knows for footage linked to a
// case and for case files: as long as the case record is kept.
const KeptWithCase = "with_case_record"

// RetentionPolicy is how long the agency keeps footage, and when a terminal
// frees its copies.
type RetentionPolicy struct {
	Version int    `json:"version"`
	Name    string `json:"name"`
	// UnlinkedFootageMonths is how long footage linked to no case is kept,
	// counted from its recording time (its start; the docking time when the
	// recorder gave none). At least 6 (the rules' floor).
	UnlinkedFootageMonths int `json:"unlinked_footage_months"`
	// LinkedFootage and CaseFiles say how long footage linked to a case and
	// the case file are kept: KeptWithCase.
	LinkedFootage string `json:"linked_footage"`
	CaseFiles     string `json:"case_files"`
	// Terminal is when a terminal frees its copies of receipted footage.
	Terminal TerminalRetention `json:"terminal"`
	// Authority is the legal basis a deletion of expired footage names
	// (footage.deleted authority); empty: DefaultDeletionAuthority.
	Authority string `json:"authority,omitempty"`
}

// DefaultDeletionAuthority is the legal basis a deletion of expired footage
// names when the policy in force names none.
const DefaultDeletionAuthority = "《公安机关现场执法视音频记录工作规定》第十五条 / 本机关执法音视频记录保存期限规定"

// DeletionAuthority is the legal basis a deletion under this policy names.
func (p RetentionPolicy) DeletionAuthority() string {
	if p.Authority != "" {
		return p.Authority
	}
	return DefaultDeletionAuthority
}

// TerminalRetention is when a terminal frees its local copy of footage the
// hub holds a receipt for.
type TerminalRetention struct {
	// FreeAfterDays: a copy is freed this many days after docking.
	FreeAfterDays int `json:"free_after_days"`
	// MinFreeMiB: below this much free disk space, receipted copies are
	// freed sooner, oldest first, until it is reached (0: never).
	MinFreeMiB int64 `json:"min_free_mib"`
}

// Bounds of a retention policy.
const (
	MinUnlinkedMonths = 6
	MaxUnlinkedMonths = 1200
	MaxFreeAfterDays  = 3650
	MaxMinFreeMiB     = 1 << 30
)

// ParseRetention reads a retention policy strictly: one JSON object, no
// unknown field, every period within its bounds.
func ParseRetention(raw []byte) (*RetentionPolicy, error) {
	var p RetentionPolicy
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("retention: a JSON object: %w", err)
	}
	if dec.More() {
		return nil, errors.New("retention: data after the object")
	}
	if err := p.validate(); err != nil {
		return nil, fmt.Errorf("retention: %w", err)
	}
	return &p, nil
}

func (p RetentionPolicy) validate() error {
	switch {
	case p.Version < 1:
		return fmt.Errorf("version %d, want 1 or more", p.Version)
	case p.UnlinkedFootageMonths < MinUnlinkedMonths || p.UnlinkedFootageMonths > MaxUnlinkedMonths:
		return fmt.Errorf("unlinked_footage_months %d, want %d to %d", p.UnlinkedFootageMonths, MinUnlinkedMonths, MaxUnlinkedMonths)
	case p.LinkedFootage != KeptWithCase || p.CaseFiles != KeptWithCase:
		return fmt.Errorf("linked_footage %q, case_files %q: both %q", p.LinkedFootage, p.CaseFiles, KeptWithCase)
	case p.Terminal.FreeAfterDays < 1 || p.Terminal.FreeAfterDays > MaxFreeAfterDays:
		return fmt.Errorf("terminal.free_after_days %d, want 1 to %d", p.Terminal.FreeAfterDays, MaxFreeAfterDays)
	case p.Terminal.MinFreeMiB < 0 || p.Terminal.MinFreeMiB > MaxMinFreeMiB:
		return fmt.Errorf("terminal.min_free_mib %d, want 0 to %d", p.Terminal.MinFreeMiB, MaxMinFreeMiB)
	}
	if p.Authority != "" {
		if err := checkText("retention authority", p.Authority, MaxDeletionText); err != nil {
			return err
		}
	}
	return checkText("retention name", p.Name, 200)
}

// ExpiresAt is when footage linked to no case, recorded at recorded, is
// past its period.
func (p RetentionPolicy) ExpiresAt(recorded time.Time) time.Time {
	return recorded.In(Shanghai).AddDate(0, p.UnlinkedFootageMonths, 0)
}

// FootageHeld puts a legal hold on a footage file: nothing deletes or frees
// it until the hold is released.
type FootageHeld struct {
	Hold   string          `json:"hold"`
	Digest evidence.Digest `json:"digest"`
	Reason string          `json:"reason"`
}

// FootageReleased releases one hold, named, with the reason.
type FootageReleased struct {
	Hold   string          `json:"hold"`
	Digest evidence.Digest `json:"digest"`
	Reason string          `json:"reason"`
}

// FreeCause says why a terminal freed a copy.
type FreeCause string

// The causes of freeing.
const (
	FreeAfterPeriod FreeCause = "after_period" // terminal.free_after_days since docking
	FreeLowSpace    FreeCause = "low_space"    // free disk space below terminal.min_free_mib
)

// FreeCauses lists the causes.
var FreeCauses = []FreeCause{FreeAfterPeriod, FreeLowSpace}

// FootageFreed records that the terminal that signs it removed its local
// copy of a footage file the hub holds a receipt for. Recorded before the
// removal, so no removal goes unrecorded; one cut short is completed when
// the record is next opened.
type FootageFreed struct {
	Digest evidence.Digest `json:"digest"`
	Cause  FreeCause       `json:"cause"`
}

func (FootageHeld) EventType() string     { return TypeFootageHeld }
func (FootageReleased) EventType() string { return TypeFootageReleased }
func (FootageFreed) EventType() string    { return TypeFootageFreed }
func (FootageDeleted) EventType() string  { return TypeFootageDeleted }

// DeleteReason says why footage is deleted at the hub.
type DeleteReason string

// The reasons of deletion.
const (
	DeleteExpired DeleteReason = "expired" // past unlinked_footage_months under the policy in force
	DeleteOrdered DeleteReason = "ordered" // a written order, named by Order
)

// DeleteReasons lists the reasons.
var DeleteReasons = []DeleteReason{DeleteExpired, DeleteOrdered}

// FootageDeleted records that footage is deleted from the agency's record
// at the hub: the digest, custody trail, receipts and log stay; the bytes go
// wherever they are kept (the hub's blob store, any terminal's copy). An
// admin's or head's own act, written by a terminal and co-signed: the hub
// signs nothing of an agency's record.
type FootageDeleted struct {
	Digest        evidence.Digest `json:"digest"`
	Reason        DeleteReason    `json:"reason"`
	PolicyVersion int             `json:"policy_version,omitempty"` // the retention policy's version (expired)
	Order         string          `json:"order,omitempty"`          // the written order (ordered)
	Authority     string          `json:"authority"`                // the legal basis
	Note          string          `json:"note,omitempty"`
}

// Bounds of a deletion's texts, in characters.
const (
	MaxDeletionText = 200 // order, authority
	MaxDeletionNote = 2000
)

// MaxHoldReason bounds a hold's or a release's reason, in characters.
const MaxHoldReason = 2000

// Validate checks the payload on its own.
func (p FootageHeld) Validate() error {
	if p.Digest.IsZero() {
		return fmt.Errorf("hold %s: no digest", p.Hold)
	}
	return firstError(checkID("hold", p.Hold), checkWords("hold reason", p.Reason, true, MaxHoldReason))
}

// Validate checks the payload on its own.
func (p FootageReleased) Validate() error {
	if p.Digest.IsZero() {
		return fmt.Errorf("release of hold %s: no digest", p.Hold)
	}
	return firstError(checkID("hold", p.Hold), checkWords("release reason", p.Reason, true, MaxHoldReason))
}

// Validate checks the payload on its own.
func (p FootageFreed) Validate() error {
	if p.Digest.IsZero() {
		return fmt.Errorf("footage freed: no digest")
	}
	if !slices.Contains(FreeCauses, p.Cause) {
		return fmt.Errorf("footage freed %s: cause %q (one of %v)", p.Digest, p.Cause, FreeCauses)
	}
	return nil
}

// Validate checks the payload on its own.
func (p FootageDeleted) Validate() error {
	if p.Digest.IsZero() {
		return fmt.Errorf("footage deleted: no digest")
	}
	switch p.Reason {
	case DeleteExpired:
		if p.PolicyVersion < 1 {
			return fmt.Errorf("footage deleted %s: expired under no policy version", p.Digest)
		}
	case DeleteOrdered:
		if strings.TrimSpace(p.Order) == "" {
			return fmt.Errorf("footage deleted %s: ordered by no order", p.Digest)
		}
	default:
		return fmt.Errorf("footage deleted %s: reason %q (one of %v)", p.Digest, p.Reason, DeleteReasons)
	}
	if p.PolicyVersion < 0 {
		return fmt.Errorf("footage deleted %s: policy version %d", p.Digest, p.PolicyVersion)
	}
	errs := []error{checkWords("deletion authority", p.Authority, true, MaxDeletionText)}
	if p.Order != "" {
		errs = append(errs, checkWords("deletion order", p.Order, true, MaxDeletionText))
	}
	if p.Note != "" {
		errs = append(errs, checkWords("deletion note", p.Note, true, MaxDeletionNote))
	}
	return firstError(errs...)
}

// HoldRecord is what the record holds of one hold.
type HoldRecord struct {
	ID       string
	Digest   evidence.Digest
	Released bool
}

// RetentionState is what the rules of retention read beyond State; the
// store's State answers it.
type RetentionState interface {
	Hold(ctx context.Context, id string) (HoldRecord, bool, error)
	// HoldsInForce lists the holds in force on a file.
	HoldsInForce(ctx context.Context, digest evidence.Digest) ([]string, error)
	// OpenCasesLinking lists the cases, not yet in 送达执行, one of whose
	// steps links the file.
	OpenCasesLinking(ctx context.Context, digest evidence.Digest) ([]string, error)
	// FreedHere reports whether the terminal that records the act freed its
	// copy already.
	FreedHere(ctx context.Context, digest evidence.Digest) (bool, error)
	// CasesLinking lists every case, open or closed, one of whose steps
	// links the file.
	CasesLinking(ctx context.Context, digest evidence.Digest) ([]string, error)
	// Deleted reports whether a footage.deleted names the file already.
	Deleted(ctx context.Context, digest evidence.Digest) (bool, error)
	// FootageRecorded is the file's recording time: its footage.ingested
	// start, else that event's time.
	FootageRecorded(ctx context.Context, digest evidence.Digest) (time.Time, error)
}

// ReceiptState is answered only where the terminal's own sync state is at
// hand: when it appends. A receipt is not part of the signed record, so a
// replay elsewhere (another terminal, a check's replica) does not judge it;
// check compares the freed files with the receipts kept instead.
type ReceiptState interface {
	HubReceipt(ctx context.Context, digest evidence.Digest) (bool, error)
}

// ErrHeld marks an act refused because a legal hold is in force.
var ErrHeld = errors.New("under legal hold")

// checkRetentionAct: a hold and its release are the acting admin's or
// head's own act (their key co-signs); a hold names existing footage and a
// new id; a release names a hold in force on that file. Freeing needs the
// hub's receipt, no hold in force and no open case linking the file.
func checkRetentionAct(ctx context.Context, st State, a Act) error {
	rs, ok := st.(RetentionState)
	if !ok {
		return refuse(nil, "this record cannot judge retention")
	}
	switch p := a.Payload.(type) {
	case *FootageHeld:
		if err := ownAct(a); err != nil {
			return err
		}
		if found, err := st.FootageExists(ctx, p.Digest.String()); err != nil || !found {
			return refuse(err, "hold %s: no footage %s", p.Hold, p.Digest)
		}
		if _, taken, err := rs.Hold(ctx, p.Hold); err != nil || taken {
			return refuse(err, "hold %s exists already", p.Hold)
		}
	case *FootageReleased:
		if err := ownAct(a); err != nil {
			return err
		}
		h, found, err := rs.Hold(ctx, p.Hold)
		switch {
		case err != nil || !found:
			return refuse(err, "no hold %s", p.Hold)
		case h.Released:
			return refuse(nil, "hold %s was released already", p.Hold)
		case h.Digest != p.Digest:
			return refuse(nil, "hold %s is on %s, not %s", p.Hold, h.Digest, p.Digest)
		}
	case *FootageFreed:
		return checkFreed(ctx, st, rs, p)
	case *FootageDeleted:
		if err := ownAct(a); err != nil {
			return err
		}
		return checkDeleted(ctx, st, rs, a, p)
	}
	return nil
}

// checkDeleted: the file exists, is not deleted already, is held by no
// hold in force and linked by no case at all (linked footage is kept with
// the case record); deleted as expired, its period under the policy in
// force, whose version the event names, has ended by the act's time.
func checkDeleted(ctx context.Context, st State, rs RetentionState, a Act, p *FootageDeleted) error {
	if found, err := st.FootageExists(ctx, p.Digest.String()); err != nil || !found {
		return refuse(err, "footage %s: no custody record of it", p.Digest)
	}
	if gone, err := rs.Deleted(ctx, p.Digest); err != nil || gone {
		return refuse(err, "footage %s was deleted already", p.Digest)
	}
	if holds, err := rs.HoldsInForce(ctx, p.Digest); err != nil || len(holds) > 0 {
		if err != nil {
			return refuse(err, "")
		}
		return fmt.Errorf("%w: %w: footage %s is held (%v); it is not deleted", ErrRule, ErrHeld, p.Digest, holds)
	}
	if cases, err := rs.CasesLinking(ctx, p.Digest); err != nil || len(cases) > 0 {
		return refuse(err, "footage %s is linked to case %v; it is kept with the case record", p.Digest, cases)
	}
	if p.Reason != DeleteExpired {
		return nil
	}
	var pol *RetentionPolicy
	if cfg := st.Config(); cfg != nil {
		pol = cfg.Retention
	}
	if pol == nil {
		return refuse(nil, "footage %s: no retention policy is known here, so its expiry cannot be judged", p.Digest)
	}
	if p.PolicyVersion != pol.Version {
		return refuse(nil, "footage %s: deleted under retention policy version %d, the one in force is %d", p.Digest, p.PolicyVersion, pol.Version)
	}
	recorded, err := rs.FootageRecorded(ctx, p.Digest)
	if err != nil {
		return refuse(err, "")
	}
	if end := pol.ExpiresAt(recorded); end.After(a.At) {
		return refuse(nil, "footage %s: its retention period (%d months from %s) ends %s, after %s", p.Digest,
			pol.UnlinkedFootageMonths, recorded.Format(time.RFC3339), end.Format(time.RFC3339), a.At.Format(time.RFC3339))
	}
	return nil
}

func ownAct(a Act) error {
	if !slices.Contains(a.CoSigners, a.Actor) {
		return fmt.Errorf("%w: %w: %s is signed by the officer who makes it: %s must co-sign", ErrRule, ErrNotCoSigned, a.Payload.EventType(), a.Actor)
	}
	return nil
}

func checkFreed(ctx context.Context, st State, rs RetentionState, p *FootageFreed) error {
	if found, err := st.FootageExists(ctx, p.Digest.String()); err != nil || !found {
		return refuse(err, "footage %s: no custody record of it", p.Digest)
	}
	if freed, err := rs.FreedHere(ctx, p.Digest); err != nil || freed {
		return refuse(err, "footage %s was freed on this terminal already", p.Digest)
	}
	if holds, err := rs.HoldsInForce(ctx, p.Digest); err != nil || len(holds) > 0 {
		if err != nil {
			return refuse(err, "")
		}
		return fmt.Errorf("%w: %w: footage %s is held (%v); it is not freed", ErrRule, ErrHeld, p.Digest, holds)
	}
	if cases, err := rs.OpenCasesLinking(ctx, p.Digest); err != nil || len(cases) > 0 {
		return refuse(err, "footage %s is linked to open case %v; it is kept here until the case reaches %s", p.Digest, cases, PhaseExecution)
	}
	if r, ok := st.(ReceiptState); ok {
		if has, err := r.HubReceipt(ctx, p.Digest); err != nil || !has {
			return refuse(err, "footage %s: the hub holds no receipt for it here; only what the hub holds is freed", p.Digest)
		}
	}
	return nil
}
