package hub

import (
	"context"
	"encoding/json"
	"fmt"
)

// FeedHubWeb is the feed item that tells every terminal the public web
// address of the hub, so the QR of an officer's credential card points
// there (terminal.FeedHubWeb reads it). Body: {"url": "https://…"}.
const FeedHubWeb = "hub.web"

// PublishWebURL puts url in every terminal's feed unless the newest such
// item already says it; it reports whether it published.
func (h *Hub) PublishWebURL(ctx context.Context, url string) (bool, error) {
	rows, err := h.db.QueryContext(ctx, "SELECT item FROM feed WHERE terminal = '*' ORDER BY cursor DESC")
	if err != nil {
		return false, fmt.Errorf("read feed: %w", err)
	}
	var last string
	for rows.Next() {
		var raw string
		if err := rows.Scan(&raw); err != nil {
			rows.Close()
			return false, err
		}
		var it struct {
			Type string `json:"type"`
			Body struct {
				URL string `json:"url"`
			} `json:"body"`
		}
		if json.Unmarshal([]byte(raw), &it) == nil && it.Type == FeedHubWeb {
			last = it.Body.URL
			break
		}
	}
	if err := rows.Close(); err != nil {
		return false, err
	}
	if last == url {
		return false, nil
	}
	if err := h.Publish(ctx, "*", FeedHubWeb, map[string]string{"url": url}); err != nil {
		return false, fmt.Errorf("publish web address: %w", err)
	}
	return true, nil
}
