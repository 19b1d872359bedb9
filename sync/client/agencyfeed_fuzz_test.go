package client

import (
	"context"
	"encoding/json"
	"testing"

	"lawtrail/evidence"
	"lawtrail/store"
	"lawtrail/sync/protocol"
)

// FuzzAgencyPage feeds arbitrary answers of GET /v1/agency/events through
// the client's checks and into a real store: whatever a hub sends, nothing
// panics, and every item is refused or stored as the chain rules say.
func FuzzAgencyPage(f *testing.F) {
	ctx := context.Background()
	w, r := officerTerminal(f, "采集站-W", agencyOne), officerTerminal(f, "采集站-R", agencyOne)
	w.openCase(f, "c-1")
	evs, err := w.store.EventsFrom(ctx, w.key.ID(), 1, 100)
	if err != nil {
		f.Fatal(err)
	}
	page := protocol.AgencyEvents{Terminals: []protocol.AgencyTerminal{{ID: w.key.ID(), Name: "采集站-W", PublicKey: w.key.Public}}}
	for i, ev := range evs {
		body, _ := evidence.ParseBody(ev.Body)
		page.Events = append(page.Events, protocol.AgencyEvent{LogIndex: uint64(i), Terminal: body.Terminal, Seq: body.Seq, Event: ev,
			Inclusion: [][]byte{make([]byte, 32)}})
	}
	page.Checkpoint.Size, page.Next = uint64(len(evs)), uint64(len(evs))
	raw, _ := json.Marshal(page)
	f.Add(raw)
	f.Add([]byte(`{"checkpoint":{},"events":[{"log_index":0,"terminal":"k0000000000000000","seq":1,"event":{"body":"e30=","sig":""}}],"terminals":[],"next":0}`))
	c := &Client{st: r.store, key: r.key, hub: store.HubLink{HubKey: w.key.Public}}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var page protocol.AgencyEvents
		if json.Unmarshal(raw, &page) != nil {
			return
		}
		_ = checkAgencyPage(page, page.Checkpoint, c.hub.HubKey, 0, "")
		items := c.foreignItems(page.Checkpoint, page)
		for i := range items {
			if items[i].Refused != "" && len(page.Events[i].Inclusion) == 1 {
				items[i].Refused = "" // let the chain checks run on the seed's items
			}
		}
		if _, err := r.store.ApplyForeign(ctx, store.ForeignBatch{Items: items}); err != nil {
			t.Logf("page refused whole: %v", err) // e.g. a log index held by another event
		}
		if _, err := r.store.FinishForeign(ctx); err != nil {
			t.Fatal(err)
		}
	})
}
