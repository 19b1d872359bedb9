package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"lawtrail/evidence"
	"lawtrail/sync/protocol"
)

// ErrDiverged is the finding that this data folder's chain and the hub's
// copy of it disagree: the folder was restored from a backup, copied, or
// had the tail of its events cut. A pass that finds it sends nothing.
var ErrDiverged = errors.New("this data folder's record diverges from what the hub holds: it was probably restored from a backup or copied; nothing was sent; see `lawtrailctl sync recover`")

// Kinds of divergence.
const (
	// DivergedBehind: the hub holds events past this folder's head, and the
	// folder has none the hub lacks (as far as the pass could tell).
	DivergedBehind = "behind"
	// DivergedForked: this folder holds another event under a seq the hub
	// holds, or events the hub's chain does not lead to.
	DivergedForked = "forked"
)

// Divergence is how this folder's chain and the hub's disagree.
type Divergence struct {
	Kind      string          `json:"kind"`
	HubSeq    uint64          `json:"hub_seq"`
	HubHash   evidence.Digest `json:"hub_hash"`
	LocalSeq  uint64          `json:"local_seq"`
	LocalHash evidence.Digest `json:"local_hash"`
	// LocalAtHub is this folder's event at HubSeq, zero when it has none.
	LocalAtHub evidence.Digest `json:"local_at_hub"`
}

// DivergedError carries the divergence a pass found; it is ErrDiverged.
type DivergedError struct{ Divergence }

func (e *DivergedError) Error() string {
	d := e.Divergence
	local := fmt.Sprintf("this folder's head is %d (%s)", d.LocalSeq, short(d.LocalHash))
	if d.LocalSeq >= d.HubSeq {
		local += fmt.Sprintf(", its event %d is %s", d.HubSeq, short(d.LocalAtHub))
	}
	return fmt.Sprintf("%v [%s: the hub holds this terminal's events to %d (%s); %s]", ErrDiverged, d.Kind, d.HubSeq, short(d.HubHash), local)
}

// Unwrap makes a DivergedError an ErrDiverged.
func (e *DivergedError) Unwrap() error { return ErrDiverged }

func short(d evidence.Digest) string {
	if d.IsZero() {
		return "none"
	}
	return d.String()[:16]
}

// Compare says whether this folder's chain continues the hub's: the hub's
// head (hubSeq, hubHash) must be an event this folder holds, with the same
// hash. localAtHub/haveAtHub are this folder's event at hubSeq. A folder
// whose head is below the hub's lost events (a restored backup, a cut
// tail); one whose event at the hub's head differs forked. It returns nil
// when the chains agree.
func Compare(hubSeq uint64, hubHash evidence.Digest, localSeq uint64, localHash, localAtHub evidence.Digest, haveAtHub bool) *Divergence {
	d := &Divergence{HubSeq: hubSeq, HubHash: hubHash, LocalSeq: localSeq, LocalHash: localHash}
	if haveAtHub {
		d.LocalAtHub = localAtHub
	}
	switch {
	case hubSeq == 0:
		return nil // the hub holds nothing of this terminal yet
	case localSeq < hubSeq:
		d.Kind = DivergedBehind
	case !haveAtHub || localAtHub != hubHash:
		d.Kind = DivergedForked
	default:
		return nil
	}
	return d
}

// checkDivergence compares the hub's head with this folder's chain before
// anything is sent. On divergence it reports the diverging events to the
// hub (which quarantines them as a fork), records the finding for `sync
// status`, and returns a *DivergedError (joined with any error of the
// report: the finding stands either way).
func (c *Client) checkDivergence(ctx context.Context, st protocol.State) error {
	d, err := c.compareWithHub(ctx, st)
	if err != nil {
		return err
	}
	if d == nil {
		return c.st.SetDiverged(ctx, "")
	}
	derr := &DivergedError{*d}
	fork, ferr := c.forkPoint(ctx, st.LastSeq, d.LocalSeq, 0)
	if ferr == nil {
		if fork < d.LocalSeq {
			derr.Kind = DivergedForked
		}
		_, ferr = c.reportDivergence(ctx, derr.Divergence, fork)
	}
	if err := c.st.SetDiverged(ctx, derr.Error()); err != nil {
		return errors.Join(derr, err)
	}
	if ferr != nil {
		return errors.Join(derr, fmt.Errorf("report the divergence to the hub: %w", ferr))
	}
	return derr
}

func (c *Client) compareWithHub(ctx context.Context, st protocol.State) (*Divergence, error) {
	id := c.key.ID()
	head, headHash, err := c.st.Head(ctx, id)
	if err != nil {
		return nil, err
	}
	at, have, err := c.st.EventHash(ctx, id, st.LastSeq)
	if err != nil {
		return nil, err
	}
	return Compare(st.LastSeq, st.LastHash, head, headHash, at, have), nil
}

// forkPoint finds the last seq both chains hold alike (proofs asked
// against the log of size; 0: the hub's latest). It probes back from the
// lower head in growing steps until an event matches; every earlier event
// matches then too, since each links the one before. Only events up to the
// lower head are fetched: past it the chains cannot agree.
func (c *Client) forkPoint(ctx context.Context, hubSeq, localSeq, size uint64) (uint64, error) {
	id := c.key.ID()
	lower := min(hubSeq, localSeq)
	probe, step := lower, uint64(1)
	for probe > 0 {
		held, err := c.heldEvents(ctx, probe-1, 1, size)
		if err != nil {
			return 0, err
		}
		if len(held.Events) == 0 || held.Events[0].Seq != probe {
			return 0, fmt.Errorf("the hub did not return its event %d", probe)
		}
		local, ok, err := c.st.EventHash(ctx, id, probe)
		if err != nil {
			return 0, err
		}
		if ok && local == held.Events[0].Event.Hash() {
			break
		}
		probe -= min(step, probe)
		step *= 2
	}
	between, err := c.heldRange(ctx, probe, lower, size)
	if err != nil {
		return 0, err
	}
	fork := probe
	for _, he := range between {
		local, ok, err := c.st.EventHash(ctx, id, he.Seq)
		if err != nil {
			return 0, err
		}
		if !ok || local != he.Event.Hash() {
			break
		}
		fork = he.Seq
	}
	return fork, nil
}

// heldRange fetches the hub's events after..last, page by page.
func (c *Client) heldRange(ctx context.Context, after, last, size uint64) ([]protocol.HeldEvent, error) {
	var out []protocol.HeldEvent
	for next := after; next < last; {
		held, err := c.heldEvents(ctx, next, protocol.MaxHeldEvents, size)
		if err != nil {
			return nil, err
		}
		if len(held.Events) == 0 {
			return nil, fmt.Errorf("the hub returned no events after %d, its head is %d (ask again)", next, last)
		}
		for _, he := range held.Events {
			if he.Seq != next+1 {
				return nil, fmt.Errorf("the hub returned event %d where %d was due", he.Seq, next+1)
			}
			if he.Seq > last {
				return out, nil
			}
			out = append(out, he)
			next = he.Seq
		}
	}
	return out, nil
}

func (c *Client) heldEvents(ctx context.Context, after, limit, size uint64) (protocol.HeldEvents, error) {
	var ans protocol.HeldEvents
	path := fmt.Sprintf("%s?after=%d&limit=%d", protocol.PathEvents, after, limit)
	if size > 0 {
		path += fmt.Sprintf("&size=%d", size)
	}
	if err := c.call(ctx, http.MethodGet, path, nil, &ans); err != nil {
		return ans, fmt.Errorf("fetch own events after %d: %w", after, err)
	}
	return ans, nil
}

// reportDivergence sends the hub this folder's head and its events after
// the fork point, in reports of at most MaxBatchEvents.
func (c *Client) reportDivergence(ctx context.Context, d Divergence, fork uint64) (protocol.DivergenceRecorded, error) {
	var last protocol.DivergenceRecorded
	from := fork + 1
	for {
		evs, err := c.st.EventsFrom(ctx, c.key.ID(), from, protocol.MaxBatchEvents)
		if err != nil {
			return last, err
		}
		rep := protocol.DivergenceReport{HubSeq: d.HubSeq, HubHash: d.HubHash, LocalSeq: d.LocalSeq, LocalHash: d.LocalHash,
			ForkSeq: fork, Events: evs}
		if rep.Events == nil {
			rep.Events = []evidence.Event{}
		}
		if err := c.call(ctx, http.MethodPost, protocol.PathDivergence, rep, &last); err != nil {
			return last, fmt.Errorf("report divergence: %w", err)
		}
		if len(evs) < protocol.MaxBatchEvents {
			return last, nil
		}
		from += uint64(len(evs))
	}
}
