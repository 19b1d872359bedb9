package client

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"lawtrail/sync/protocol"
)

// startHubRewritingFeed is a real hub whose feed answers pass through
// rewrite first: a hub replaying or padding its feed.
func startHubRewritingFeed(t *testing.T, rewrite func(protocol.Feed) protocol.Feed) *testHub {
	t.Helper()
	return startHubRewriting(t, http.MethodGet, protocol.PathFeed, func(b []byte) []byte {
		var f protocol.Feed
		if err := json.Unmarshal(b, &f); err != nil {
			t.Errorf("feed answer: %v", err)
		}
		out, _ := json.Marshal(rewrite(f))
		return out
	})
}

// A hub that pads its feed with thousands of copies of a signed item, or
// sends cursors out of order, is refused before any item is kept: the feed
// cursor does not move and nothing is stored. Before, every copy was
// verified and written (10,000 writes for one page).
func TestPaddedOrReplayedFeedIsRefused(t *testing.T) {
	cases := []struct {
		name    string
		rewrite func(protocol.Feed) protocol.Feed
		want    string
	}{
		{"10,000 copies of one item", func(f protocol.Feed) protocol.Feed {
			items := make([]protocol.FeedItem, 0, 10_000)
			for len(f.Items) > 0 && len(items) < 10_000 {
				it := f.Items[0]
				it.Cursor += uint64(len(items))
				items = append(items, it)
			}
			f.Items = items
			return f
		}, "more than the 500"},
		{"a cursor going back", func(f protocol.Feed) protocol.Feed {
			if len(f.Items) > 0 {
				again := f.Items[0]
				f.Items = append(f.Items, again)
			}
			return f
		}, "replayed or out of order"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			th := startHubRewritingFeed(t, tc.rewrite)
			tm, c := joined(t, th)
			_, err := c.Once(context.Background())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
			st, err := ReadStatus(context.Background(), tm.store, tm.key.ID())
			if err != nil || st.FeedCursor != 0 {
				t.Fatalf("feed cursor %d after a refused page (%v)", st.FeedCursor, err)
			}
		})
	}
}
