package hub

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"

	"lawtrail/sync/protocol"
)

// AgencyEvents implements server.Backend: the accepted events of the other
// terminals of the asking terminal's agency with log index ≥ from and below
// the checkpoint of size (0: the latest), in log order, at most limit and
// about protocol.MaxAgencyPageBytes of bodies, each with an inclusion proof
// against that checkpoint. writer, when not empty, keeps one writer's
// events only (a terminal retrying a writer whose chain it found broken).
// Quarantined forks are never events, so never served.
func (h *Hub) AgencyEvents(ctx context.Context, terminal string, from uint64, limit int, size uint64, writer string) (protocol.AgencyEvents, error) {
	ans := protocol.AgencyEvents{Events: []protocol.AgencyEvent{}, Terminals: []protocol.AgencyTerminal{}}
	cp, err := h.checkpointOfSize(ctx, size)
	if err != nil {
		return ans, err
	}
	ans.Checkpoint, ans.Next = cp, max(from, cp.Size)
	if from >= cp.Size {
		return ans, nil
	}
	var agency string
	if err := h.db.QueryRowContext(ctx, "SELECT agency FROM terminals WHERE id = ?", terminal).Scan(&agency); err != nil {
		return ans, fmt.Errorf("agency of %s: %w", terminal, err)
	}
	if writer == terminal {
		return ans, &protocol.Error{Code: protocol.CodeMalformed, Message: "writer: a terminal's own events are not in its agency feed"}
	}
	var cut bool
	if ans.Events, cut, err = h.agencyPage(ctx, agency, terminal, writer, from, cp.Size, limit); err != nil {
		return ans, err
	}
	if cut {
		ans.Next = ans.Events[len(ans.Events)-1].LogIndex + 1
	}
	nodes := nodeCache{q: h.db, hashes: map[compact.NodeID][]byte{}}
	for i := range ans.Events {
		if ans.Events[i].Inclusion, err = nodes.inclusionProof(ctx, ans.Events[i].LogIndex, cp.Size); err != nil {
			return ans, err
		}
	}
	ans.Terminals, err = h.writersOf(ctx, ans.Events)
	return ans, err
}

// checkpointOfSize is the signed checkpoint of that size (0: the latest).
func (h *Hub) checkpointOfSize(ctx context.Context, size uint64) (protocol.Checkpoint, error) {
	if size == 0 {
		return latestCheckpoint(ctx, h.db)
	}
	var body string
	err := h.db.QueryRowContext(ctx, "SELECT body FROM checkpoints WHERE size = ?", size).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return protocol.Checkpoint{}, &protocol.Error{Code: protocol.CodeMalformed, Message: fmt.Sprintf("size %d: the hub signed no checkpoint of that size", size)}
	}
	if err != nil {
		return protocol.Checkpoint{}, fmt.Errorf("checkpoint %d: %w", size, err)
	}
	var cp protocol.Checkpoint
	return cp, json.Unmarshal([]byte(body), &cp)
}

// agencyPageQuery selects a page's events (from, below, agency, asker).
// CROSS JOIN keeps events the outer loop, so the page walks
// events_log_index from `from` and stops at the limit, whatever the
// agencies' sizes, with no sort.
const (
	agencyPageQuery = `SELECT e.log_index, e.terminal, e.seq, e.body, e.sig, e.cosigs FROM events e CROSS JOIN terminals t
		WHERE t.id = e.terminal AND e.log_index >= ? AND e.log_index < ? AND t.agency = ? AND e.terminal != ?`
	agencyPageOrder = " ORDER BY e.log_index LIMIT ?"
)

// agencyPage reads the page's events: log index in [from, below), of a
// terminal of agency other than the asking one (and writer's only, if
// given), by log index, within limit and the byte budget; cut says more
// events were due than the page holds.
func (h *Hub) agencyPage(ctx context.Context, agency, terminal, writer string, from, below uint64, limit int) (_ []protocol.AgencyEvent, cut bool, _ error) {
	q := agencyPageQuery
	args := []any{from, below, agency, terminal}
	if writer != "" {
		q += " AND e.terminal = ?"
		args = append(args, writer)
	}
	rows, err := h.db.QueryContext(ctx, q+agencyPageOrder, append(args, limit+1)...)
	if err != nil {
		return nil, false, fmt.Errorf("agency events from %d: %w", from, err)
	}
	defer rows.Close()
	out := []protocol.AgencyEvent{}
	bytes := 0
	for rows.Next() {
		if len(out) == limit || bytes >= protocol.MaxAgencyPageBytes {
			return out, true, nil
		}
		var ae protocol.AgencyEvent
		var cosigs string
		if err := rows.Scan(&ae.LogIndex, &ae.Terminal, &ae.Seq, &ae.Event.Body, &ae.Event.Sig, &cosigs); err != nil {
			return nil, false, err
		}
		if err := json.Unmarshal([]byte(cosigs), &ae.Event.CoSigs); err != nil {
			return nil, false, fmt.Errorf("event %s#%d: co-signatures: %w", ae.Terminal, ae.Seq, err)
		}
		bytes += len(ae.Event.Body)
		out = append(out, ae)
	}
	return out, false, rows.Err()
}

// writersOf names the writers of evs with their pinned keys.
func (h *Hub) writersOf(ctx context.Context, evs []protocol.AgencyEvent) ([]protocol.AgencyTerminal, error) {
	out := []protocol.AgencyTerminal{}
	seen := map[string]bool{}
	for _, e := range evs {
		if seen[e.Terminal] {
			continue
		}
		seen[e.Terminal] = true
		t := protocol.AgencyTerminal{ID: e.Terminal}
		if err := h.db.QueryRowContext(ctx, "SELECT name, public_key FROM terminals WHERE id = ?", e.Terminal).Scan(&t.Name, &t.PublicKey); err != nil {
			return nil, fmt.Errorf("terminal %s: %w", e.Terminal, err)
		}
		out = append(out, t)
	}
	return out, nil
}

// nodeCache reads log nodes once per answer: the inclusion proofs of a
// page's events, which sit close together in the log, share most nodes.
type nodeCache struct {
	q      querier
	hashes map[compact.NodeID][]byte
}

func (c nodeCache) inclusionProof(ctx context.Context, index, size uint64) ([][]byte, error) {
	nodes, err := proof.Inclusion(index, size)
	if err != nil {
		return nil, fmt.Errorf("inclusion proof %d/%d: %w", index, size, err)
	}
	hashes := make([][]byte, len(nodes.IDs))
	for i, id := range nodes.IDs {
		h, ok := c.hashes[id]
		if !ok {
			if h, err = nodeHash(ctx, c.q, id.Level, id.Index); err != nil {
				return nil, err
			}
			c.hashes[id] = h
		}
		hashes[i] = h
	}
	return nodes.Rehash(hashes, hasher.HashChildren)
}
