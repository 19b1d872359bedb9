package hub

import (
	"context"
	"fmt"
)

// Stats are the hub's counts.
type Stats struct {
	Terminals int    `json:"terminals"`
	Revoked   int    `json:"revoked"`
	Events    int    `json:"events"`
	Blobs     int    `json:"blobs"`
	Bytes     int64  `json:"bytes"`
	Forks     int    `json:"quarantined_forks"`
	Diverged  int    `json:"divergences"` // reported by terminals (restored, copied or truncated folders)
	LogSize   uint64 `json:"log_size"`
}

// Stats counts what the hub holds.
func (h *Hub) Stats(ctx context.Context) (Stats, error) {
	var s Stats
	err := h.db.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM terminals), (SELECT count(*) FROM terminals WHERE revoked_at IS NOT NULL),
		(SELECT count(*) FROM events), (SELECT count(*) FROM blobs), (SELECT coalesce(sum(size), 0) FROM blobs),
		(SELECT count(*) FROM forks), (SELECT count(*) FROM divergences), (SELECT count(*) FROM log_leaves)`).
		Scan(&s.Terminals, &s.Revoked, &s.Events, &s.Blobs, &s.Bytes, &s.Forks, &s.Diverged, &s.LogSize)
	if err != nil {
		return s, fmt.Errorf("hub stats: %w", err)
	}
	return s, nil
}
