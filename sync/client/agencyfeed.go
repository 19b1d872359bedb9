package client

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"lawtrail/store"
	"lawtrail/sync/protocol"
)

// The agency feed (docs/SYNC.md, "The agency feed"): after pushing its own
// events, a pass brings the events of the other terminals of its agency
// from the kept cursor up to the checkpoint it holds, page by page. The
// client checks the hub's part of each page — the checkpoint is the one it
// verified (signature, and the root it kept for that size), the events climb
// in log order within the asked range, each event's inclusion proof leads to
// that root — and hands the page to the store, which checks each writer's
// chain and applies the page in one transaction with the cursor. An item
// whose proof fails is refused and recorded like one whose chain fails; its
// writer's later items wait and are asked for again, by writer, on every
// pass, so a good item is never skipped for good.

// AgencyReport is what a pass took from the agency feed.
type AgencyReport struct {
	Applied   int `json:"applied"`
	Refused   int `json:"refused"`
	Waiting   int `json:"waiting"`
	Conflicts int `json:"conflicts"`
	Pages     int `json:"pages"`
	// RebuildMillis is how long the projections' rebuild in the log order
	// took, when the pass needed one (the app's writes wait meanwhile).
	RebuildMillis int64 `json:"rebuild_ms,omitempty"`
}

func (r *AgencyReport) add(res store.ForeignResult) {
	r.Applied += res.Applied
	r.Refused += res.Refused
	r.Waiting += res.Waiting
	r.Conflicts += res.Conflicts
	r.Pages++
}

// pullAgency brings the agency's events up to the kept checkpoint: first
// the log places of own events whose acknowledgment was lost, then the
// writers whose chains wait on a refused item, then the feed from the kept
// cursor.
func (c *Client) pullAgency(ctx context.Context, hubLast uint64) (rep AgencyReport, err error) {
	defer func() {
		// The projections, if a page placed events before ones applied
		// already, are rebuilt in the log order once, after every page.
		start := time.Now()
		rebuilt, ferr := c.st.FinishForeign(ctx)
		if ferr != nil && err == nil {
			err = ferr
		}
		if rebuilt {
			rep.RebuildMillis = max(1, time.Since(start).Milliseconds())
		}
	}()
	cp, err := c.knownCheckpoint(ctx)
	if err != nil || cp.Size == 0 {
		return rep, err
	}
	if err := c.fillAcks(ctx, hubLast, cp); err != nil { // acks.go
		return rep, err
	}
	blocked, err := c.st.BlockedWriters(ctx)
	if err != nil {
		return rep, err
	}
	for _, b := range blocked {
		if err := c.retryWriter(ctx, cp, b, &rep); err != nil {
			return rep, err
		}
	}
	from, err := c.st.AgencyCursor(ctx)
	if err != nil {
		return rep, err
	}
	for from < cp.Size {
		page, err := c.agencyPage(ctx, cp, from, "")
		if err != nil {
			return rep, err
		}
		res, err := c.st.ApplyForeign(ctx, store.ForeignBatch{Items: c.foreignItems(cp, page), Next: page.Next})
		if err != nil {
			return rep, fmt.Errorf("agency feed from %d: %w", from, err)
		}
		rep.add(res)
		from = page.Next
	}
	return rep, nil
}

// retryWriter asks for one writer's events again from after its last event
// held (so an event the hub left out comes too).
func (c *Client) retryWriter(ctx context.Context, cp protocol.Checkpoint, b store.BlockedWriter, rep *AgencyReport) error {
	retry := b.Terminal
	for from := b.From; from < cp.Size; {
		page, err := c.agencyPage(ctx, cp, from, b.Terminal)
		if err != nil {
			return err
		}
		res, err := c.st.ApplyForeign(ctx, store.ForeignBatch{Items: c.foreignItems(cp, page), Retry: retry})
		if err != nil {
			return fmt.Errorf("agency feed: retry %s from %d: %w", b.Terminal, from, err)
		}
		rep.add(res)
		if res.Refused > 0 || res.Waiting > 0 || len(page.Events) == 0 {
			return nil // still waiting, or caught up
		}
		retry, from = "", page.Next
	}
	return nil
}

// agencyPage asks for one page and checks the hub's part of it.
func (c *Client) agencyPage(ctx context.Context, cp protocol.Checkpoint, from uint64, writer string) (protocol.AgencyEvents, error) {
	q := url.Values{"from": {fmt.Sprint(from)}, "size": {fmt.Sprint(cp.Size)}}
	if writer != "" {
		q.Set("writer", writer)
	}
	var page protocol.AgencyEvents
	if err := c.call(ctx, http.MethodGet, protocol.PathAgencyEvents+"?"+q.Encode(), nil, &page); err != nil {
		return page, fmt.Errorf("agency feed from %d: %w", from, err)
	}
	if err := checkAgencyPage(page, cp, c.hub.HubKey, from, writer); err != nil {
		return page, fmt.Errorf("agency feed from %d: %w", from, err)
	}
	return page, nil
}

// checkAgencyPage refuses a page whose checkpoint is not the one asked for
// and verified before, or whose events do not climb within [from, size),
// or whose next does not move on: the hub's word for the whole page.
func checkAgencyPage(page protocol.AgencyEvents, cp protocol.Checkpoint, hubKey ed25519.PublicKey, from uint64, writer string) error {
	if err := page.Checkpoint.Verify(hubKey); err != nil {
		return err
	}
	if page.Checkpoint.Size != cp.Size || !bytes.Equal(page.Checkpoint.Root, cp.Root) {
		return fmt.Errorf("the page's checkpoint (size %d) is not the one asked for (size %d, verified before): refused", page.Checkpoint.Size, cp.Size)
	}
	if len(page.Events) > protocol.MaxAgencyEvents {
		return fmt.Errorf("%d events in one page, more than the %d a hub sends: refused", len(page.Events), protocol.MaxAgencyEvents)
	}
	next := from
	for _, e := range page.Events {
		if e.LogIndex < next || e.LogIndex >= cp.Size {
			return fmt.Errorf("event at log index %d out of order or outside [%d, %d): refused", e.LogIndex, from, cp.Size)
		}
		if writer != "" && e.Terminal != writer {
			return fmt.Errorf("an event of %s in a page asked for %s only: refused", e.Terminal, writer)
		}
		next = e.LogIndex + 1
	}
	if page.Next < next || page.Next > cp.Size || (page.Next == from && from < cp.Size) {
		return fmt.Errorf("next %d does not follow the page (from %d, last %d, size %d): refused", page.Next, from, next, cp.Size)
	}
	return nil
}

// maxWriterName bounds the name a hub gives a writer (the hub enrolls names
// of at most a few dozen characters).
const maxWriterName = 256

// foreignItems turns a checked page into the store's items, each with its
// writer's pinned key; an item whose inclusion proof fails, or whose
// writer the page does not name, is marked refused.
func (c *Client) foreignItems(cp protocol.Checkpoint, page protocol.AgencyEvents) []store.ForeignItem {
	writers := map[string]protocol.AgencyTerminal{}
	for _, t := range page.Terminals {
		writers[t.ID] = t
	}
	items := make([]store.ForeignItem, len(page.Events))
	for i, e := range page.Events {
		w, named := writers[e.Terminal]
		proof, _ := json.Marshal(e.Inclusion)
		name := w.Name
		if len(name) > maxWriterName {
			name = "" // the hub's word only; the writer's own terminal.initialized names it
		}
		it := store.ForeignItem{Event: e.Event, Terminal: e.Terminal, Seq: e.Seq, LogIndex: e.LogIndex,
			CheckpointSize: cp.Size, Inclusion: proof, WriterKey: w.PublicKey, WriterName: name}
		h := e.Event.Hash()
		switch {
		case !named || len(w.PublicKey) != ed25519.PublicKeySize:
			it.Refused = "the hub names no key for the writer " + e.Terminal
		case protocol.VerifyInclusion(protocol.EventLeaf(h[:]), e.LogIndex, cp.Size, e.Inclusion, cp.Root) != nil:
			it.Refused = fmt.Sprintf("no valid inclusion proof of log index %d in the checkpoint of size %d", e.LogIndex, cp.Size)
		}
		items[i] = it
	}
	return items
}
