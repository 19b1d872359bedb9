package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"lawtrail/evidence"
)

// FootageOrigin is what the record says of a footage item whose bytes a
// terminal may fetch from the hub.
type FootageOrigin struct {
	Size int64
	// Source is the terminal whose custody event first named the footage.
	Source string
	// Here reports whether this terminal's own chain already holds a custody
	// event that took the bytes in (ingested, re-based or fetched).
	Here bool
}

// FootageOrigin returns the record of footage d; ErrNoFootage when there is none.
func (s *Store) FootageOrigin(ctx context.Context, d evidence.Digest) (FootageOrigin, error) {
	var o FootageOrigin
	err := s.db.QueryRowContext(ctx, `SELECT f.size,
		coalesce((SELECT c.terminal FROM custody c WHERE c.digest = f.digest AND c.type IN ('footage.ingested', 'event.rebased')
			ORDER BY c.time, c.terminal, c.seq LIMIT 1), ''),
		EXISTS (SELECT 1 FROM custody c WHERE c.digest = f.digest AND c.type IN ('footage.ingested', 'event.rebased', 'footage.fetched')
			AND c.terminal = (SELECT terminal FROM events ORDER BY id LIMIT 1))
		FROM footage f WHERE f.digest = ?`, d.String()).Scan(&o.Size, &o.Source, &o.Here)
	if errors.Is(err, sql.ErrNoRows) {
		return o, fmt.Errorf("%w: %s", ErrNoFootage, d)
	}
	if err != nil {
		return o, fmt.Errorf("footage %s: %w", d, err)
	}
	return o, nil
}

// ErrNoFootage is returned for a digest the record holds no footage of.
var ErrNoFootage = errors.New("no such footage in the record")
