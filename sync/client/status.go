package client

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"net/http"

	"lawtrail/store"
	"lawtrail/sync/protocol"
)

// Status is what `sync status` shows, from local records only (it works
// offline): what is waiting, what the hub confirmed, what went wrong last.
type Status struct {
	Hub           string `json:"hub"`
	Joined        bool   `json:"joined"`
	LocalLastSeq  uint64 `json:"local_last_seq"`
	HubLastSeq    uint64 `json:"hub_last_seq"`
	PendingEvents uint64 `json:"pending_events"`
	PendingBlobs  int    `json:"pending_blobs"`
	PendingBytes  int64  `json:"pending_bytes"`
	Receipts      int    `json:"receipts"`
	LastSuccess   string `json:"last_success"`
	LastError     string `json:"last_error"`
	LastErrorAt   string `json:"last_error_at"`
	FeedCursor    uint64 `json:"feed_cursor"`
	// Diverged is set when the last pass found this folder's chain diverging
	// from the hub's (see `lawtrailctl sync recover`); nothing is sent then.
	Diverged string `json:"diverged,omitempty"`
	// AgencyCursor is where the agency feed goes on from (a log index).
	AgencyCursor uint64 `json:"agency_cursor"`
	// FeedRefusals are the latest agency feed items refused (nothing of
	// them stored), and Blocked the terminals whose later items wait.
	FeedRefusals []store.FeedRefusal   `json:"feed_refusals"`
	Blocked      []store.BlockedWriter `json:"blocked_terminals"`
}

// maxStatusRefusals is how many refused feed items the status shows.
const maxStatusRefusals = 20

// ReadStatus reads the sync status of the terminal's store.
func ReadStatus(ctx context.Context, st *store.Store, terminal string) (Status, error) {
	var s Status
	link, err := st.Hub(ctx)
	switch {
	case errors.Is(err, store.ErrNoHub):
	case err != nil:
		return s, err
	default:
		s.Hub, s.Joined = link.URL, true
	}
	if s.LocalLastSeq, _, err = st.Head(ctx, terminal); err != nil {
		return s, err
	}
	ss, err := st.SyncStatus(ctx)
	if err != nil {
		return s, err
	}
	s.HubLastSeq, s.Receipts, s.LastSuccess, s.LastError, s.LastErrorAt, s.FeedCursor =
		ss.HubLastSeq, ss.Receipts, ss.LastSuccess, ss.LastError, ss.LastErrorAt, ss.FeedCursor
	if s.Diverged, err = st.Diverged(ctx); err != nil {
		return s, err
	}
	if s.AgencyCursor, err = st.AgencyCursor(ctx); err != nil {
		return s, err
	}
	if s.FeedRefusals, err = st.FeedRefusals(ctx, maxStatusRefusals); err != nil {
		return s, err
	}
	if s.Blocked, err = st.BlockedWriters(ctx); err != nil {
		return s, err
	}
	if s.LocalLastSeq > s.HubLastSeq {
		s.PendingEvents = s.LocalLastSeq - s.HubLastSeq
	}
	pending, err := st.PendingBlobs(ctx)
	if err != nil {
		return s, err
	}
	for _, p := range pending {
		s.PendingBlobs++
		s.PendingBytes += p.Size
	}
	return s, nil
}

// maxFeedItems is the most items one feed answer may carry: sync/server
// pages the feed by 500. A longer page, or cursors that do not climb past
// the one asked after, is a hub replaying or padding its feed: refused
// before any item is kept.
const maxFeedItems = 500

func checkFeedPage(f protocol.Feed, after uint64) error {
	if len(f.Items) > maxFeedItems {
		return fmt.Errorf("feed: %d items in one answer, more than the %d a hub sends: refused", len(f.Items), maxFeedItems)
	}
	last := after
	for _, it := range f.Items {
		if it.Cursor <= last {
			return fmt.Errorf("feed: item cursor %d does not follow %d (replayed or out of order): refused", it.Cursor, last)
		}
		last = it.Cursor
	}
	return nil
}

// pullFeed reads the hub's feed from the kept cursor, checks each item's
// signature and keeps it.
func (c *Client) pullFeed(ctx context.Context) (int, error) {
	ss, err := c.st.SyncStatus(ctx)
	if err != nil {
		return 0, err
	}
	var f protocol.Feed
	if err := c.call(ctx, http.MethodGet, fmt.Sprintf("%s?after=%d", protocol.PathFeed, ss.FeedCursor), nil, &f); err != nil {
		return 0, fmt.Errorf("feed: %w", err)
	}
	if err := checkFeedPage(f, ss.FeedCursor); err != nil {
		return 0, err
	}
	for _, it := range f.Items {
		if !ed25519.Verify(c.hub.HubKey, it.Body, it.Sig) {
			return 0, fmt.Errorf("feed item %d: %w", it.Cursor, protocol.ErrBadHubSignature)
		}
		raw, _ := jsonMarshal(it)
		if err := c.st.SaveFeedItem(ctx, it.Cursor, raw); err != nil {
			return 0, err
		}
	}
	return len(f.Items), nil
}
