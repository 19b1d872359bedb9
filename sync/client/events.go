package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"lawtrail/evidence"
	"lawtrail/store"
	"lawtrail/sync/protocol"
)

// ErrHistoryRewritten is the alarm raised when a new hub checkpoint is not
// consistent with one this terminal verified before.
var ErrHistoryRewritten = fmt.Errorf("ALARM: the hub's log is not consistent with a checkpoint verified before (history rewritten)")

// state asks the hub what it holds for this terminal.
func (c *Client) state(ctx context.Context) (protocol.State, error) {
	var st protocol.State
	if err := c.call(ctx, http.MethodGet, protocol.PathState, nil, &st); err != nil {
		return st, fmt.Errorf("state handshake: %w", err)
	}
	return st, nil
}

// knownCheckpoint is the latest checkpoint this terminal verified.
func (c *Client) knownCheckpoint(ctx context.Context) (protocol.Checkpoint, error) {
	var cp protocol.Checkpoint
	raw, err := c.st.LatestCheckpoint(ctx)
	if err != nil || raw == nil {
		return cp, err
	}
	return cp, json.Unmarshal(raw, &cp)
}

// shorterLog is the alarm for a hub whose signed log is now shorter than a
// checkpoint it signed before: restored from an old backup, or rewritten.
// Nothing is sent to it.
func (c *Client) shorterLog(known, now protocol.Checkpoint) error {
	if err := now.Verify(c.hub.HubKey); err != nil {
		return err
	}
	return fmt.Errorf("%w: the hub now signs a log of %d entries (root %x) after signing one of %d (root %x): restored from an older backup, or rewritten; nothing was sent — tell the hub's operator",
		ErrHistoryRewritten, now.Size, now.Root, known.Size, known.Root)
}

// acceptCheckpoint verifies a new checkpoint's signature and its
// consistency with the last one kept, then keeps it.
func (c *Client) acceptCheckpoint(ctx context.Context, known, next protocol.Checkpoint, consistency [][]byte) error {
	if err := next.Verify(c.hub.HubKey); err != nil {
		return err
	}
	if next.Size < known.Size {
		return fmt.Errorf("%w: size went from %d to %d", ErrHistoryRewritten, known.Size, next.Size)
	}
	if err := protocol.VerifyConsistency(known.Size, next.Size, consistency, known.Root, next.Root); err != nil {
		return fmt.Errorf("%w: %v", ErrHistoryRewritten, err)
	}
	raw, _ := json.Marshal(next)
	return c.st.SaveCheckpoint(ctx, next.Size, raw)
}

// pushEvents sends every event the hub lacks, in gapless batches, and
// checks each acknowledgment's inclusion proof — one range proof for a
// batch when the hub offers it (ranged). It returns the hub's last
// sequence number.
func (c *Client) pushEvents(ctx context.Context, hubLast uint64, ranged bool) (uint64, int, error) {
	sent := 0
	for {
		evs, err := c.st.EventsFrom(ctx, c.key.ID(), hubLast+1, c.opt.BatchSize)
		if err != nil {
			return hubLast, sent, err
		}
		if len(evs) == 0 {
			return hubLast, sent, nil
		}
		known, err := c.knownCheckpoint(ctx)
		if err != nil {
			return hubLast, sent, err
		}
		var res protocol.BatchResult
		if err := c.call(ctx, http.MethodPost, protocol.PathEvents, protocol.EventBatch{Events: evs, KnownSize: known.Size, RangeProof: ranged}, &res); err != nil {
			return hubLast, sent, fmt.Errorf("send events from %d: %w", hubLast+1, err)
		}
		if err := c.acceptCheckpoint(ctx, known, res.Checkpoint, res.Consistency); err != nil {
			return hubLast, sent, err
		}
		if err := c.checkAcks(ctx, evs, res); err != nil {
			return hubLast, sent, err
		}
		hubLast = res.LastSeq
		sent += len(evs)
	}
}

// checkAcks verifies that each newly accepted event is in the hub's log:
// by the batch's range proof, which gives each one's inclusion proof, or
// by the proof each acknowledgment carries.
func (c *Client) checkAcks(ctx context.Context, evs []evidence.Event, res protocol.BatchResult) error {
	bySeq := map[uint64]evidence.Event{}
	for _, ev := range evs {
		if b, err := evidence.ParseBody(ev.Body); err == nil {
			bySeq[b.Seq] = ev
		}
	}
	if len(res.Accepted) > len(evs) {
		return fmt.Errorf("hub acknowledged %d events of a batch of %d: refused", len(res.Accepted), len(evs))
	}
	ranged, err := protocol.RangeInclusion(res, func(seq uint64) ([]byte, bool) {
		ev, ok := bySeq[seq]
		h := ev.Hash()
		return protocol.EventLeaf(h[:]), ok
	})
	if err != nil {
		return fmt.Errorf("hub's range proof: %w", err)
	}
	acks := make([]store.Ack, 0, len(res.Accepted))
	for _, a := range res.Accepted {
		if a.Duplicate {
			continue
		}
		ev, ok := bySeq[a.Seq]
		if !ok {
			return fmt.Errorf("hub acknowledged seq %d, which was not sent", a.Seq)
		}
		inclusion, ok := ranged[a.Seq]
		if !ok {
			h := ev.Hash()
			if err := protocol.VerifyInclusion(protocol.EventLeaf(h[:]), a.LogIndex, res.Checkpoint.Size, a.Inclusion, res.Checkpoint.Root); err != nil {
				return fmt.Errorf("hub's inclusion proof for seq %d does not verify: %w", a.Seq, err)
			}
			inclusion = a.Inclusion
		}
		proof, _ := json.Marshal(inclusion)
		acks = append(acks, store.Ack{Seq: a.Seq, LogIndex: a.LogIndex, CheckpointSize: res.Checkpoint.Size, Proof: proof})
	}
	return c.st.SaveAcks(ctx, acks)
}
