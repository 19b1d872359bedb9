package hub

import (
	"context"
	"database/sql"
	"fmt"
)

// TerminalRecord is one terminal in the hub's register: the key its events
// and case files must be signed with.
type TerminalRecord struct {
	ID         string `json:"terminal"`
	PublicKey  []byte `json:"public_key"`
	Name       string `json:"name"`
	Agency     string `json:"agency"`
	EnrolledAt string `json:"enrolled_at"`
	RevokedAt  string `json:"revoked_at,omitempty"`
}

// Terminals lists the register of terminals, oldest enrollment first.
func (h *Hub) Terminals(ctx context.Context) ([]TerminalRecord, error) {
	rows, err := h.db.QueryContext(ctx, "SELECT id, public_key, name, agency, enrolled_at, revoked_at FROM terminals ORDER BY enrolled_at, id")
	if err != nil {
		return nil, fmt.Errorf("read terminals: %w", err)
	}
	defer rows.Close()
	var out []TerminalRecord
	for rows.Next() {
		var t TerminalRecord
		var revoked sql.NullString
		if err := rows.Scan(&t.ID, &t.PublicKey, &t.Name, &t.Agency, &t.EnrolledAt, &revoked); err != nil {
			return nil, fmt.Errorf("read terminals: %w", err)
		}
		t.RevokedAt = revoked.String
		out = append(out, t)
	}
	return out, rows.Err()
}

// InclusionProof implements server.Backend: leaf index in the log of size,
// which must not exceed the log's size now.
func (h *Hub) InclusionProof(ctx context.Context, index, size uint64) ([][]byte, error) {
	now, err := logSize(ctx, h.db)
	if err != nil {
		return nil, err
	}
	if size > now || index >= size {
		return nil, fmt.Errorf("no leaf %d in a log of size %d (the log has %d leaves)", index, size, now)
	}
	return inclusionProof(ctx, h.db, index, size)
}
