package store

import (
	"context"
	"fmt"
)

// TerminalPublicKey returns the public key a terminal's terminal.initialized
// event carries, as the projections hold it.
func (s *Store) TerminalPublicKey(ctx context.Context, id string) ([]byte, error) {
	var k []byte
	if err := s.db.QueryRowContext(ctx, "SELECT public_key FROM terminals WHERE id = ?", id).Scan(&k); err != nil {
		return nil, fmt.Errorf("public key of terminal %s: %w", id, err)
	}
	return k, nil
}
