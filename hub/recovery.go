package hub

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"lawtrail/evidence"
	"lawtrail/sync/protocol"
	"lawtrail/sync/server"
)

// HeldEvents implements server.Backend: the terminal's accepted events
// after seq, verbatim, each with an inclusion proof against the log of
// size (0: the latest checkpoint's). An event logged after size ends the
// answer early: the terminal asks again with a newer checkpoint.
func (h *Hub) HeldEvents(ctx context.Context, terminal string, after uint64, limit int, size uint64) (protocol.HeldEvents, error) {
	ans := protocol.HeldEvents{Events: []protocol.HeldEvent{}}
	cp, err := latestCheckpoint(ctx, h.db)
	if err != nil {
		return ans, err
	}
	if size == 0 {
		size = cp.Size
	}
	if size > cp.Size {
		return ans, &protocol.Error{Code: protocol.CodeMalformed, Message: fmt.Sprintf("size %d is beyond the latest checkpoint (%d)", size, cp.Size)}
	}
	ans.CheckpointSize = size
	if ans.LastSeq, _, err = h.Head(ctx, terminal); err != nil {
		return ans, err
	}
	rows, err := h.db.QueryContext(ctx, "SELECT seq, body, sig, cosigs, log_index FROM events WHERE terminal = ? AND seq > ? ORDER BY seq LIMIT ?",
		terminal, after, limit)
	if err != nil {
		return ans, fmt.Errorf("events of %s after %d: %w", terminal, after, err)
	}
	var held []protocol.HeldEvent
	for rows.Next() {
		var he protocol.HeldEvent
		var cosigs string
		if err := rows.Scan(&he.Seq, &he.Event.Body, &he.Event.Sig, &cosigs, &he.LogIndex); err != nil {
			rows.Close()
			return ans, err
		}
		if err := json.Unmarshal([]byte(cosigs), &he.Event.CoSigs); err != nil {
			rows.Close()
			return ans, fmt.Errorf("event %s#%d: co-signatures: %w", terminal, he.Seq, err)
		}
		held = append(held, he)
	}
	if err := rows.Close(); err != nil {
		return ans, err
	}
	for _, he := range held {
		if he.LogIndex >= size {
			break
		}
		if he.Inclusion, err = inclusionProof(ctx, h.db, he.LogIndex, size); err != nil {
			return ans, err
		}
		ans.Events = append(ans.Events, he)
	}
	return ans, nil
}

// RecordDivergence implements server.Backend: the reported events that do
// not belong to the hub's chain — another body under a held seq, or an
// event that does not continue the hub's chain — are quarantined as forks,
// and the report is recorded once per pair of heads.
func (h *Hub) RecordDivergence(ctx context.Context, terminal string, rep protocol.DivergenceReport, events []server.Verified) (protocol.DivergenceRecorded, error) {
	var out protocol.DivergenceRecorded
	hubSeq, hubHash, err := h.Head(ctx, terminal)
	if err != nil {
		return out, err
	}
	diverging, err := h.diverging(ctx, terminal, events)
	if err != nil {
		return out, err
	}
	behind := rep.LocalSeq < hubSeq
	if len(diverging) == 0 && !behind {
		if held, found, err := h.EventHash(ctx, terminal, rep.LocalSeq); err != nil || (found && held == rep.LocalHash) || rep.LocalSeq > hubSeq {
			return out, errors.Join(err, &protocol.Error{Code: protocol.CodeMalformed,
				Message: fmt.Sprintf("nothing diverges: the hub's chain runs to %d and holds this head", hubSeq)})
		}
	}
	for _, v := range diverging {
		if err := h.Quarantine(ctx, terminal, v.Event, v.Body); err != nil {
			return out, err
		}
	}
	out.Quarantined, out.Kind = len(diverging), "behind"
	if len(diverging) > 0 || !behind {
		out.Kind = "forked"
	}
	now := h.now().UTC().Format(time.RFC3339Nano)
	if _, err := h.db.ExecContext(ctx, `INSERT INTO divergences (terminal, kind, local_seq, local_hash, hub_seq, hub_hash, fork_seq,
		quarantined, reported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		terminal, out.Kind, rep.LocalSeq, rep.LocalHash[:], hubSeq, hubHash[:], rep.ForkSeq, out.Quarantined, now); err != nil {
		return out, fmt.Errorf("record divergence of %s: %w", terminal, err)
	}
	err = h.db.QueryRowContext(ctx, `SELECT id FROM divergences WHERE terminal = ? AND local_seq = ? AND local_hash = ? AND hub_seq = ? AND hub_hash = ?`,
		terminal, rep.LocalSeq, rep.LocalHash[:], hubSeq, hubHash[:]).Scan(&out.ID)
	return out, err
}

// diverging keeps the events that are not the hub's and do not continue
// the hub's chain (events that would be accepted as the next ones are not
// a fork, whatever a report says).
func (h *Hub) diverging(ctx context.Context, terminal string, events []server.Verified) ([]server.Verified, error) {
	continues := map[evidence.Digest]bool{}
	var out []server.Verified
	for _, v := range events {
		hash := v.Event.Hash()
		held, found, err := h.EventHash(ctx, terminal, v.Body.Seq)
		if err != nil {
			return nil, err
		}
		if found {
			if held == hash {
				continues[hash] = true
			} else {
				out = append(out, v)
			}
			continue
		}
		prev, found, err := h.EventHash(ctx, terminal, v.Body.Seq-1)
		if err != nil {
			return nil, err
		}
		if (found && prev == v.Body.Prev) || continues[v.Body.Prev] || (v.Body.Seq == 1 && v.Body.Prev.IsZero()) {
			continues[hash] = true
			continue
		}
		out = append(out, v)
	}
	return out, nil
}

// Fork is a quarantined event: a body the hub holds apart, never applied.
type Fork struct {
	Terminal   string          `json:"terminal"`
	Seq        uint64          `json:"seq"`
	Hash       evidence.Digest `json:"hash"`
	Type       string          `json:"type"`
	ReceivedAt string          `json:"received_at"`
}

// Divergence is a divergence a terminal reported.
type Divergence struct {
	ID          int64  `json:"id"`
	Terminal    string `json:"terminal"`
	Kind        string `json:"kind"`
	LocalSeq    uint64 `json:"local_seq"`
	HubSeq      uint64 `json:"hub_seq"`
	ForkSeq     uint64 `json:"fork_seq"`
	Quarantined int    `json:"quarantined"`
	ReportedAt  string `json:"reported_at"`
}

// Forks lists the quarantined events, by terminal and seq.
func (h *Hub) Forks(ctx context.Context) ([]Fork, error) {
	rows, err := h.db.QueryContext(ctx, "SELECT terminal, seq, hash, body, received_at FROM forks ORDER BY terminal, seq, received_at")
	if err != nil {
		return nil, fmt.Errorf("list forks: %w", err)
	}
	defer rows.Close()
	var out []Fork
	for rows.Next() {
		var f Fork
		var hash, body []byte
		if err := rows.Scan(&f.Terminal, &f.Seq, &hash, &body, &f.ReceivedAt); err != nil {
			return nil, err
		}
		copy(f.Hash[:], hash)
		if b, err := evidence.ParseBody(body); err == nil {
			f.Type = b.Type
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// Divergences lists the divergences terminals reported, oldest first.
func (h *Hub) Divergences(ctx context.Context) ([]Divergence, error) {
	rows, err := h.db.QueryContext(ctx, `SELECT id, terminal, kind, local_seq, hub_seq, fork_seq, quarantined, reported_at
		FROM divergences ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list divergences: %w", err)
	}
	defer rows.Close()
	var out []Divergence
	for rows.Next() {
		var d Divergence
		if err := rows.Scan(&d.ID, &d.Terminal, &d.Kind, &d.LocalSeq, &d.HubSeq, &d.ForkSeq, &d.Quarantined, &d.ReportedAt); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// checkForks verifies each quarantined body: it hashes to its name and is
// signed by its terminal (a fork the terminal did not sign is a problem of
// the hub's record, not evidence about the terminal).
func (h *Hub) checkForks(ctx context.Context, keys *evidence.Keys, add func(string, error)) error {
	rows, err := h.db.QueryContext(ctx, "SELECT terminal, seq, hash, body, sig FROM forks")
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var terminal string
		var seq uint64
		var hash []byte
		var ev evidence.Event
		if err := rows.Scan(&terminal, &seq, &hash, &ev.Body, &ev.Sig); err != nil {
			return err
		}
		item := fmt.Sprintf("fork %s#%d", terminal, seq)
		sum := ev.Hash()
		if !bytes.Equal(hash, sum[:]) {
			add(item, errors.New("body does not match its stored hash"))
			continue
		}
		pub, ok := keys.TerminalKey(terminal)
		if !ok {
			add(item, fmt.Errorf("%w: terminal %s", evidence.ErrUnknownKey, terminal))
			continue
		}
		body, err := evidence.ParseBody(ev.Body)
		switch {
		case err != nil:
			add(item, err)
		case body.Terminal != terminal || body.Seq != seq:
			add(item, fmt.Errorf("filed as %s#%d but the body says %s#%d", terminal, seq, body.Terminal, body.Seq))
		case !ed25519.Verify(pub, ev.Body, ev.Sig):
			add(item, fmt.Errorf("%w: terminal %s", evidence.ErrBadSignature, terminal))
		}
	}
	return rows.Err()
}
