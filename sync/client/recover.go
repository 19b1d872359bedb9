package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"lawtrail/casework"
	"lawtrail/evidence"
	"lawtrail/store"
	"lawtrail/sync/protocol"
)

// Recovery is what `lawtrailctl sync recover` did.
type Recovery struct {
	// Diverged is false when the chains agreed: nothing was changed.
	Diverged   bool                        `json:"diverged"`
	Divergence *Divergence                 `json:"divergence,omitempty"`
	Reported   protocol.DivergenceRecorded `json:"reported"`
	Rebase     store.RebaseResult          `json:"rebase"`
}

// Recover re-bases a diverged data folder onto the hub's chain, losing
// nothing: it takes back this terminal's own events the hub holds after
// the fork point — each verified against the terminal's key, the chain
// from this folder's own events and the hub's log (inclusion proofs
// against a checkpoint this terminal verified) — reports the divergence
// so the hub keeps this folder's diverging events as a fork, and has the
// store set those events aside (kept verbatim) and re-record each as a new
// signed event.rebased after the hub's head. The next sync sends them.
func (c *Client) Recover(ctx context.Context) (Recovery, error) {
	var out Recovery
	st, err := c.state(ctx)
	if err != nil {
		return out, err
	}
	if err := c.catchUp(ctx, st.Checkpoint); err != nil {
		return out, err
	}
	cp, err := c.knownCheckpoint(ctx)
	if err != nil {
		return out, err
	}
	d, err := c.compareWithHub(ctx, st)
	if err != nil || d == nil {
		return out, errors.Join(err, c.st.SetDiverged(ctx, ""))
	}
	out.Diverged, out.Divergence = true, d
	fork, err := c.forkPoint(ctx, st.LastSeq, d.LocalSeq, cp.Size)
	if err != nil {
		return out, fmt.Errorf("recover: %w", err)
	}
	tail, err := c.heldRange(ctx, fork, st.LastSeq, cp.Size)
	if err != nil {
		return out, fmt.Errorf("recover: %w", err)
	}
	if fork < d.LocalSeq {
		d.Kind = DivergedForked
	}
	if err := c.verifyHubTail(ctx, fork, tail, st, cp); err != nil {
		return out, fmt.Errorf("recover: the hub's events do not verify, nothing was changed: %w", err)
	}
	if out.Reported, err = c.reportDivergence(ctx, *d, fork); err != nil {
		return out, fmt.Errorf("recover: %w", err)
	}
	events := make([]evidence.Event, len(tail))
	for i, he := range tail {
		events[i] = he.Event
	}
	if out.Rebase, err = c.st.RebaseOnto(ctx, c.key, store.Rebase{Fork: fork, HubSeq: st.LastSeq, HubHash: st.LastHash, HubEvents: events}); err != nil {
		return out, fmt.Errorf("recover: %w", err)
	}
	for _, he := range tail {
		proof, _ := json.Marshal(he.Inclusion)
		if err := c.st.SaveAck(ctx, he.Seq, he.LogIndex, cp.Size, proof); err != nil {
			return out, err
		}
	}
	return out, nil
}

// verifyHubTail checks the hub's events after the fork point as if they
// continued this folder's own chain: replaying this folder's events 1..fork
// (which learns the officer keys), then each hub event — this terminal's
// signature, officers' co-signatures, seq and link — and its inclusion in
// the log of the verified checkpoint cp; the last must be the hub's head.
func (c *Client) verifyHubTail(ctx context.Context, fork uint64, tail []protocol.HeldEvent, st protocol.State, cp protocol.Checkpoint) error {
	id := c.key.ID()
	keys := &evidence.Keys{}
	keys.AddTerminal(id, c.key.Public)
	ring := casework.NewEnrollingKeys(keys)
	v := evidence.NewChainVerifier(ring)
	for next := uint64(1); next <= fork; {
		evs, err := c.st.EventsFrom(ctx, id, next, int(min(1000, fork-next+1)))
		if err != nil {
			return err
		}
		if len(evs) == 0 {
			return fmt.Errorf("this folder lacks its event %d", next)
		}
		for _, ev := range evs {
			if _, err := ring.AddChain(v, ev); err != nil {
				return fmt.Errorf("this folder's own event: %w (run lawtrailctl check)", err)
			}
		}
		next += uint64(len(evs))
	}
	last := st.LastHash
	if fork == st.LastSeq {
		last, _, _ = c.st.EventHash(ctx, id, fork)
	}
	for _, he := range tail {
		body, err := ring.AddChain(v, he.Event)
		if err != nil {
			return err
		}
		if body.Seq != he.Seq {
			return fmt.Errorf("event filed as %d says %d", he.Seq, body.Seq)
		}
		h := he.Event.Hash()
		if err := protocol.VerifyInclusion(protocol.EventLeaf(h[:]), he.LogIndex, cp.Size, he.Inclusion, cp.Root); err != nil {
			return fmt.Errorf("event %d is not in the hub's log: %w", he.Seq, err)
		}
		last = h
	}
	if last != st.LastHash {
		return fmt.Errorf("the hub's events end at %s, its head is %s", last, st.LastHash)
	}
	return nil
}
