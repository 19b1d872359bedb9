package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"lawtrail/casework"
	"lawtrail/evidence"
)

// StoredEvent is an event as the log holds it, with the position the store
// filed it under (which Check compares with what the body itself says).
type StoredEvent struct {
	Terminal string
	Seq      uint64
	Hash     []byte // the stored hash column
	Event    evidence.Event
}

// Events calls fn for every event, ordered by terminal and sequence number.
func (s *Store) Events(ctx context.Context, fn func(StoredEvent) error) error {
	return s.eachEvent(ctx, "terminal, seq", fn)
}

// eachEvent calls fn for every event in the given order ("terminal, seq",
// or "id": the order the log received them).
func (s *Store) eachEvent(ctx context.Context, order string, fn func(StoredEvent) error) error {
	rows, err := s.db.QueryContext(ctx, "SELECT terminal, seq, hash, body, sig, cosigs FROM events ORDER BY "+order)
	if err != nil {
		return fmt.Errorf("read events: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var se StoredEvent
		var cosigs string
		if err := rows.Scan(&se.Terminal, &se.Seq, &se.Hash, &se.Event.Body, &se.Event.Sig, &cosigs); err != nil {
			return fmt.Errorf("read event: %w", err)
		}
		if err := json.Unmarshal([]byte(cosigs), &se.Event.CoSigs); err != nil {
			return fmt.Errorf("read event %s#%d: co-signatures: %w", se.Terminal, se.Seq, err)
		}
		if err := fn(se); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read events: %w", err)
	}
	return nil
}

// scanEvents reads rows of (body, sig, cosigs) and closes them.
func scanEvents(rows *sql.Rows) ([]evidence.Event, error) {
	defer rows.Close()
	var out []evidence.Event
	for rows.Next() {
		var ev evidence.Event
		var cosigs string
		if err := rows.Scan(&ev.Body, &ev.Sig, &cosigs); err != nil {
			return nil, err
		}
		if err := jsonUnmarshal(cosigs, &ev.CoSigs); err != nil {
			return nil, err
		}
		out = append(out, ev)
	}
	return out, rows.Err()
}

// Head returns the last sequence number and hash of terminal's chain.
func (s *Store) Head(ctx context.Context, terminal string) (uint64, evidence.Digest, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, evidence.Digest{}, fmt.Errorf("read head: %w", err)
	}
	defer tx.Rollback()
	return chainHead(ctx, tx, terminal)
}

// EventCount returns how many events the log holds.
func (s *Store) EventCount(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM events").Scan(&n); err != nil {
		return 0, fmt.Errorf("count events: %w", err)
	}
	return n, nil
}

// Officers lists the enrolled officers, admins first, then by id.
func (s *Store) Officers(ctx context.Context) ([]casework.Officer, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+officerColumns+` FROM officers
		ORDER BY (',' || roles || ',' LIKE '%,admin,%') DESC, id`)
	if err != nil {
		return nil, fmt.Errorf("list officers: %w", err)
	}
	defer rows.Close()
	var out []casework.Officer
	for rows.Next() {
		o, _, err := scanOfficer(rows)
		if err != nil {
			return nil, fmt.Errorf("list officers: %w", err)
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }
