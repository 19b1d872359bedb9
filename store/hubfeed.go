package store

import (
	"context"
	"encoding/json"
	"fmt"
)

// LatestFeedItem returns the body of the newest kept item of the hub's feed
// of type typ (its signature was checked when it was kept); ok is false when
// the hub sent none.
func (s *Store) LatestFeedItem(ctx context.Context, typ string) (body json.RawMessage, ok bool, err error) {
	rows, err := s.db.QueryContext(ctx, "SELECT item FROM sync_feed ORDER BY cursor DESC")
	if err != nil {
		return nil, false, fmt.Errorf("read hub feed: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var raw string
		if err := rows.Scan(&raw); err != nil {
			return nil, false, fmt.Errorf("read hub feed: %w", err)
		}
		var it struct {
			Type string          `json:"type"`
			Body json.RawMessage `json:"body"`
		}
		if err := json.Unmarshal([]byte(raw), &it); err != nil {
			return nil, false, fmt.Errorf("read hub feed item: %w", err)
		}
		if it.Type == typ {
			return it.Body, true, nil
		}
	}
	return nil, false, rows.Err()
}
