package terminal

import (
	"context"
	"time"
)

// The PIN lockout: after MaxPINFailures wrong PINs in a row an officer's
// login (and co-signing) is refused for PINLockFor, so a lost tablet gives no
// unlimited guesses at a six-digit PIN — from the app or from a script, since
// the count is kept in the data folder, not in a process.
const (
	MaxPINFailures = 5
	PINLockFor     = 5 * time.Minute
)

// unsealOfficer unseals officer id's key on this terminal with pin,
// counting wrong PINs towards the lockout.
func (d *Desk) unsealOfficer(ctx context.Context, id string, pin []byte) (officerKey, error) {
	now := d.now()
	g, err := d.st.PINGuard(ctx, id)
	if err != nil {
		return officerKey{}, err
	}
	if now.Before(g.LockedUntil) {
		return officerKey{}, &LockedError{Officer: id, Until: g.LockedUntil}
	}
	key, err := d.readOfficerKey(id, pin)
	if err == nil {
		return key, d.st.SetPINGuard(ctx, id, 0, time.Time{})
	}
	if Code(err) != CodeWrongPIN {
		return officerKey{}, err
	}
	failures := g.Failures + 1
	if failures >= MaxPINFailures {
		until := now.Add(PINLockFor)
		if serr := d.st.SetPINGuard(ctx, id, 0, until); serr != nil {
			return officerKey{}, serr
		}
		return officerKey{}, &LockedError{Officer: id, Until: until}
	}
	if serr := d.st.SetPINGuard(ctx, id, failures, time.Time{}); serr != nil {
		return officerKey{}, serr
	}
	return officerKey{}, &WrongPINError{Officer: id, Left: MaxPINFailures - failures}
}
