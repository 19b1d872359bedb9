package client

import (
	"context"
	"encoding/json"
	"fmt"

	"lawtrail/sync/protocol"
)

// maxAckRounds bounds the requests one pass spends on lost acknowledgments.
const maxAckRounds = 10

// fillAcks learns the log place of this terminal's own events that the hub
// holds but whose acknowledgment never arrived (the answer to a batch was
// cut after the hub stored it): it asks for them back (GET /v1/events, as
// recovery does) with proofs against the kept checkpoint, checks each is the
// event this folder holds and is in the log, and keeps the place. The log
// order of the projections (store/order.go) then places them where the other
// terminals of the agency do.
func (c *Client) fillAcks(ctx context.Context, hubLast uint64, cp protocol.Checkpoint) error {
	for round := 0; round < maxAckRounds; round++ {
		missing, err := c.st.UnackedSeqs(ctx, c.key.ID(), hubLast, protocol.MaxHeldEvents)
		if err != nil || len(missing) == 0 {
			return err
		}
		want := map[uint64]bool{}
		for _, seq := range missing {
			want[seq] = true
		}
		ans, err := c.heldEvents(ctx, missing[0]-1, protocol.MaxHeldEvents, cp.Size)
		if err != nil {
			return fmt.Errorf("acknowledgments: %w", err)
		}
		filled := 0
		for _, he := range ans.Events {
			if !want[he.Seq] {
				continue
			}
			if err := c.checkHeld(ctx, he, cp); err != nil {
				return fmt.Errorf("acknowledgment of seq %d: %w", he.Seq, err)
			}
			proof, _ := json.Marshal(he.Inclusion)
			if err := c.st.SaveAck(ctx, he.Seq, he.LogIndex, cp.Size, proof); err != nil {
				return err
			}
			filled++
		}
		if filled == 0 {
			return nil // logged after the kept checkpoint: the next pass
		}
	}
	return nil
}

// checkHeld: the hub's event is this folder's own at that seq, and its
// inclusion proof leads to the kept checkpoint.
func (c *Client) checkHeld(ctx context.Context, he protocol.HeldEvent, cp protocol.Checkpoint) error {
	mine, found, err := c.st.EventHash(ctx, c.key.ID(), he.Seq)
	if err != nil {
		return err
	}
	h := he.Event.Hash()
	if !found || mine != h {
		return fmt.Errorf("the hub's event %d is not this folder's", he.Seq)
	}
	return protocol.VerifyInclusion(protocol.EventLeaf(h[:]), he.LogIndex, cp.Size, he.Inclusion, cp.Root)
}
