package casework

import (
	"context"
	"errors"
	"fmt"

	"lawtrail/evidence"
)

// TypeEventRebased re-records an event that a restored or copied data
// folder signed after the hub's copy of the chain had moved on (see
// docs/SYNC.md, "Divergence and recovery"). The original event keeps its
// place nowhere in the chain any more — its sequence number belongs to the
// hub's event — so it travels whole inside this one: body, signature and
// co-signatures, verbatim.
const TypeEventRebased = "event.rebased"

// EventRebased carries an original event verbatim. Unless Conflict is set,
// the original's act takes effect in the projections exactly as if it had
// been recorded at this event's position (once: the original itself is kept
// only in the terminal's quarantine, never applied). With Conflict set, the
// act no longer fits the record (for instance both timelines opened the
// same case): it is kept and sent, but takes no effect, and Conflict says
// why in words.
type EventRebased struct {
	OriginalSeq    uint64                 `json:"original_seq"`
	OriginalHash   evidence.Digest        `json:"original_hash"`
	OriginalBody   []byte                 `json:"original_body"` // base64 of the signed bytes
	OriginalSig    []byte                 `json:"original_sig"`
	OriginalCoSigs []evidence.CoSignature `json:"original_cosigs"`
	ForkSeq        uint64                 `json:"fork_seq"` // the last seq both chains held alike
	HubSeq         uint64                 `json:"hub_seq"`  // the hub's head the event was re-based onto
	HubHash        evidence.Digest        `json:"hub_hash"`
	Conflict       string                 `json:"conflict,omitempty"`
}

// EventType implements Payload.
func (EventRebased) EventType() string { return TypeEventRebased }

// Validate checks the payload on its own: the original body parses, is the
// one its hash and seq name, sits after the fork point, and carries a
// payload this program understands.
func (p EventRebased) Validate() error {
	body, _, err := p.Original()
	if err != nil {
		return err
	}
	switch {
	case body.Seq != p.OriginalSeq:
		return fmt.Errorf("rebased event: original body has seq %d, payload says %d", body.Seq, p.OriginalSeq)
	case p.OriginalSeq <= p.ForkSeq:
		return fmt.Errorf("rebased event: original seq %d is not after the fork point %d", p.OriginalSeq, p.ForkSeq)
	case p.HubSeq < p.ForkSeq:
		return fmt.Errorf("rebased event: hub head %d is before the fork point %d", p.HubSeq, p.ForkSeq)
	case len(p.OriginalSig) != 64:
		return fmt.Errorf("rebased event: original signature has %d bytes, want 64", len(p.OriginalSig))
	case len([]rune(p.Conflict)) > 1000:
		return errors.New("rebased event: conflict text longer than 1000 characters")
	}
	return nil
}

// Original parses the original body and decodes its payload.
func (p EventRebased) Original() (evidence.Body, Payload, error) {
	if evidence.Sum(p.OriginalBody) != p.OriginalHash {
		return evidence.Body{}, nil, fmt.Errorf("rebased event: original body does not hash to %s", p.OriginalHash)
	}
	body, err := evidence.ParseBody(p.OriginalBody)
	if err != nil {
		return body, nil, fmt.Errorf("rebased event: original body: %w", err)
	}
	if body.Type == TypeTerminalInitialized {
		return body, nil, errors.New("rebased event: a terminal's first event is never re-based")
	}
	inner, err := Decode(body.Type, body.Payload)
	if err != nil {
		return body, nil, fmt.Errorf("rebased event: original: %w", err)
	}
	return body, inner, nil
}

// OriginalEvent is the original event as it was signed.
func (p EventRebased) OriginalEvent() evidence.Event {
	return evidence.Event{Body: p.OriginalBody, Sig: p.OriginalSig, CoSigs: p.OriginalCoSigs}
}

// Effective returns the payload whose act takes effect: p itself, or for a
// rebased event without a conflict the original's payload and body (the
// original's time and actor); ok is false for a conflicting rebased event,
// which takes no effect.
func Effective(p Payload) (inner Payload, original *evidence.Body, ok bool) {
	r, is := p.(*EventRebased)
	if !is {
		return p, nil, true
	}
	if r.Conflict != "" {
		return nil, nil, false
	}
	body, in, err := r.Original()
	if err != nil {
		return nil, nil, false
	}
	return in, &body, true
}

// checkRebased: the rebased event is recorded by the original's actor; the
// original's act must satisfy the rules now, at its new place, unless the
// event says it conflicts (then it is kept without effect).
func checkRebased(ctx context.Context, st State, a Act, p *EventRebased) error {
	body, inner, err := p.Original()
	if err != nil {
		return refuse(nil, "%v", err)
	}
	if a.Actor != body.Actor {
		return refuse(nil, "rebased event acted by %q, the original by %q", a.Actor, body.Actor)
	}
	if p.Conflict != "" {
		return nil
	}
	cosigners := make([]string, len(p.OriginalCoSigs))
	for i, c := range p.OriginalCoSigs {
		cosigners[i] = c.Officer
	}
	return CheckRules(ctx, st, Act{Actor: body.Actor, At: body.Time, CoSigners: cosigners, Payload: inner})
}
