package store

import (
	"context"
	"fmt"

	"lawtrail/evidence"
)

// EventHash returns the hash of the terminal's event seq, if this folder
// holds it (seq 0 is the zero hash before the first event).
func (s *Store) EventHash(ctx context.Context, terminal string, seq uint64) (evidence.Digest, bool, error) {
	return hashAt(ctx, s.db, terminal, seq)
}

// SetDiverged records (text) or clears ("") the finding that this folder's
// chain diverges from the hub's; `sync status` shows it until a re-base.
func (s *Store) SetDiverged(ctx context.Context, text string) error {
	if _, err := s.db.ExecContext(ctx, "UPDATE sync_status SET diverged = ? WHERE id = 1", text); err != nil {
		return fmt.Errorf("record divergence: %w", err)
	}
	return nil
}

// Diverged returns the divergence recorded by the last sync pass, or "".
func (s *Store) Diverged(ctx context.Context) (string, error) {
	var text string
	if err := s.db.QueryRowContext(ctx, "SELECT diverged FROM sync_status WHERE id = 1").Scan(&text); err != nil {
		return "", fmt.Errorf("read divergence: %w", err)
	}
	return text, nil
}

// QuarantinedEvents returns the events re-bases set aside, in the order
// they were set aside, verbatim.
func (s *Store) QuarantinedEvents(ctx context.Context) ([]StoredEvent, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT terminal, seq, hash, body, sig, cosigs FROM events_quarantine ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("read quarantined events: %w", err)
	}
	defer rows.Close()
	var out []StoredEvent
	for rows.Next() {
		var se StoredEvent
		var cosigs string
		if err := rows.Scan(&se.Terminal, &se.Seq, &se.Hash, &se.Event.Body, &se.Event.Sig, &cosigs); err != nil {
			return nil, fmt.Errorf("read quarantined event: %w", err)
		}
		if err := jsonUnmarshal(cosigs, &se.Event.CoSigs); err != nil {
			return nil, fmt.Errorf("read quarantined event %s#%d: %w", se.Terminal, se.Seq, err)
		}
		out = append(out, se)
	}
	return out, rows.Err()
}
