package terminal

import (
	"errors"
	"fmt"
	"time"

	"lawtrail/casework"
	"lawtrail/evidence"
	"lawtrail/store"
	"lawtrail/sync/client"
)

// Errors a person can act on. Front ends map each (with Code) to translated
// text and show the error's own text as the detail.
var (
	ErrWrongPassphrase = errors.New("wrong terminal passphrase")
	ErrWrongPIN        = errors.New("wrong PIN")
	ErrNoOfficer       = errors.New("no such officer on this terminal")
	ErrNotEnrolledHere = errors.New("officer not enrolled on this terminal")
	ErrBadInput        = errors.New("invalid input")
)

// LockedError is a login refused because of repeated wrong PINs.
type LockedError struct {
	Officer string
	Until   time.Time
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("officer %s: too many wrong PINs; locked until %s", e.Officer, e.Until.Format(time.TimeOnly))
}

// WrongPINError is a wrong PIN, with how many tries are left before the lock.
type WrongPINError struct {
	Officer string
	Left    int
}

func (e *WrongPINError) Error() string {
	return fmt.Sprintf("officer %s: wrong PIN (%d tries left before the lock)", e.Officer, e.Left)
}

func (e *WrongPINError) Unwrap() error { return ErrWrongPIN }

// Codes of Code, stable: front ends key their translations on them.
const (
	CodeWrongPassphrase   = "wrong_passphrase"
	CodeWrongPIN          = "wrong_pin"
	CodeLocked            = "locked"
	CodeRevoked           = "revoked"
	CodeCredentialExpired = "credential_expired"
	CodeRole              = "role"
	CodeNotCoSigned       = "not_cosigned"
	CodeFields            = "fields"
	CodeRule              = "rule"
	CodeNoOfficer         = "no_officer"
	CodeNotEnrolledHere   = "not_enrolled_here"
	CodeBadInput          = "bad_input"
	CodeSecrets           = "weak_secret"
	CodeNotTerminal       = "not_a_terminal"
	CodeNoFootage         = "no_footage"
	CodeNotOnHub          = "not_on_hub"
	CodeFetchMismatch     = "fetch_mismatch"
	CodeReviewRequired    = "review_required"
	CodeRecused           = "recused"
	CodeOther             = "other"
)

// Code names the kind of err for a front end's translation: the most
// specific kind it carries.
func Code(err error) string {
	var locked *LockedError
	var fields casework.FieldErrors
	switch {
	case err == nil:
		return ""
	case errors.As(err, &locked):
		return CodeLocked
	case errors.Is(err, ErrWrongPassphrase):
		return CodeWrongPassphrase
	case errors.Is(err, ErrWrongPIN):
		return CodeWrongPIN
	case errors.Is(err, casework.ErrRevoked):
		return CodeRevoked
	case errors.Is(err, casework.ErrCredentialExpired):
		return CodeCredentialExpired
	case errors.Is(err, casework.ErrReviewRequired):
		return CodeReviewRequired
	case errors.Is(err, casework.ErrRecused):
		return CodeRecused
	case errors.Is(err, casework.ErrRole):
		return CodeRole
	case errors.Is(err, casework.ErrNotCoSigned):
		return CodeNotCoSigned
	case errors.As(err, &fields):
		return CodeFields
	case errors.Is(err, casework.ErrRule):
		return CodeRule
	case errors.Is(err, ErrNoOfficer):
		return CodeNoOfficer
	case errors.Is(err, ErrNotEnrolledHere):
		return CodeNotEnrolledHere
	case errors.Is(err, ErrBadInput):
		return CodeBadInput
	case errors.Is(err, store.ErrPassphraseShort), errors.Is(err, store.ErrPINShort),
		errors.Is(err, store.ErrPINNotDigits), errors.Is(err, store.ErrPINIsPassphrase):
		return CodeSecrets
	case errors.Is(err, store.ErrNotInitialized):
		return CodeNotTerminal
	case errors.Is(err, store.ErrNoFootage):
		return CodeNoFootage
	case errors.Is(err, client.ErrNotOnHub):
		return CodeNotOnHub
	case errors.Is(err, client.ErrFetchMismatch):
		return CodeFetchMismatch
	}
	return CodeOther
}

// Explain returns err unchanged; it is where append errors pass on their
// way to a front end, so their kinds stay visible to Code.
func Explain(err error) error { return err }

// wrongSecret turns a failed unseal into kind, keeping other errors.
func wrongSecret(err error, kind error) error {
	if errors.Is(err, evidence.ErrWrongPassphrase) {
		return fmt.Errorf("%w", kind)
	}
	return err
}

func badInput(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrBadInput, fmt.Sprintf(format, args...))
}
