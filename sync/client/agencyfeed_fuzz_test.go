package client

import (
	"context"
	"encoding/json"
	"testing"

	"lawtrail/store"
	"lawtrail/sync/protocol"
)

// FuzzAgencyPage feeds arbitrary answers of GET /v1/agency/events through
// the client's checks and into a real store: whatever a hub sends, nothing
// panics, and every item is refused or stored as the chain rules say.
func FuzzAgencyPage(f *testing.F) {
	ctx := context.Background()
	th := startHub(f, f.TempDir())
	w := agencyTerminal(f, th, "采集站-W", agencyOne)
	r := agencyTerminal(f, th, "采集站-R", agencyOne)
	w.openCase(f, "c-1")
	w.sync(f, Options{})
	c, err := New(ctx, r.store, r.key, Options{})
	if err != nil {
		f.Fatal(err)
	}
	seed, err := th.hub.AgencyEvents(ctx, r.key.ID(), 0, 500, 0, "")
	if err != nil {
		f.Fatal(err)
	}
	raw, _ := json.Marshal(seed)
	f.Add(raw)
	seed.Events = seed.Events[1:]
	raw, _ = json.Marshal(seed)
	f.Add(raw)
	f.Add([]byte(`{"checkpoint":{},"events":[{"log_index":0,"terminal":"k0000000000000000","seq":1,"event":{"body":"e30=","sig":""}}],"terminals":[],"next":0}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		var page protocol.AgencyEvents
		if json.Unmarshal(raw, &page) != nil {
			return
		}
		_ = checkAgencyPage(page, page.Checkpoint, c.hub.HubKey, 0, "")
		items := c.foreignItems(page.Checkpoint, page)
		if _, err := r.store.ApplyForeign(ctx, store.ForeignBatch{Items: items}); err != nil {
			t.Logf("page refused whole: %v", err) // e.g. a log index held by another event
		}
		if _, err := r.store.FinishForeign(ctx); err != nil {
			t.Fatal(err)
		}
	})
}
