package store

import (
	"context"
	"fmt"
	"time"
)

// PINGuardState is an officer's run of wrong PINs on this terminal.
type PINGuardState struct {
	Failures    int
	LockedUntil time.Time // zero: not locked
}

// PINGuard returns officer's run of wrong PINs.
func (s *Store) PINGuard(ctx context.Context, officer string) (PINGuardState, error) {
	var g PINGuardState
	var until string
	err := s.db.QueryRowContext(ctx, "SELECT failures, locked_until FROM pin_guard WHERE officer = ?", officer).Scan(&g.Failures, &until)
	if err != nil {
		return PINGuardState{}, notFoundIsNil(err)
	}
	if until != "" {
		if g.LockedUntil, err = time.Parse(time.RFC3339Nano, until); err != nil {
			return g, fmt.Errorf("pin guard of %s: %w", officer, err)
		}
	}
	return g, nil
}

// SetPINGuard keeps officer's run of wrong PINs.
func (s *Store) SetPINGuard(ctx context.Context, officer string, failures int, lockedUntil time.Time) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO pin_guard (officer, failures, locked_until) VALUES (?, ?, ?)
		ON CONFLICT (officer) DO UPDATE SET failures = excluded.failures, locked_until = excluded.locked_until`,
		officer, failures, formatOptionalTime(lockedUntil))
	if err != nil {
		return fmt.Errorf("pin guard of %s: %w", officer, err)
	}
	return nil
}
