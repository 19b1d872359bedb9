package server

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"net/http"
	"runtime"

	"lawtrail/casework"
	"lawtrail/evidence"
	"lawtrail/sync/protocol"
)

// events verifies a batch completely before anything is stored: every
// signature, the terminal, contiguity from the hub's last event, the hash
// links. Events the hub holds already are accepted again idempotently; a
// known sequence number with another body is a fork, quarantined and
// refused.
func (h *Handler) events(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	terminal := terminalOf(r)
	var batch protocol.EventBatch
	if !h.decode(w, r, &batch) {
		return
	}
	if len(batch.Events) > protocol.MaxBatchEvents {
		writeError(w, http.StatusRequestEntityTooLarge, &protocol.Error{Code: protocol.CodeTooLarge,
			Message: fmt.Sprintf("%d events in one batch, at most %d", len(batch.Events), protocol.MaxBatchEvents)})
		return
	}
	officers, err := h.backend.OfficerKeys(ctx, terminal)
	if err != nil {
		h.internal(w, err)
		return
	}
	last, lastHash, err := h.backend.Head(ctx, terminal)
	if err != nil {
		h.internal(w, err)
		return
	}
	known := &evidence.Keys{}
	known.AddTerminal(terminal, enrolledOf(r).PublicKey)
	for id, pub := range officers {
		known.AddOfficer(id, pub)
	}
	keys := casework.NewEnrollingKeys(known)
	checked := evidence.CheckSignatures(ctx, signatureChecks(batch.Events, enrolledOf(r).PublicKey, known), runtime.GOMAXPROCS(0))
	var fresh []Verified
	var dups []protocol.Accepted
	for _, ev := range batch.Events {
		body, perr := h.check(r, keys, checked, ev, terminal, &last, &lastHash)
		if perr == errDuplicate {
			dups = append(dups, protocol.Accepted{Seq: body.Seq, Duplicate: true})
			continue
		}
		if perr != nil {
			writeError(w, statusOf(perr.Code), perr)
			return
		}
		fresh = append(fresh, Verified{Event: ev, Body: body})
	}
	res, err := h.backend.Append(ctx, terminal, fresh, batch.KnownSize, batch.RangeProof)
	if err != nil {
		h.refuse(w, err)
		return
	}
	res.Accepted = append(dups, res.Accepted...)
	writeJSON(w, http.StatusOK, res)
}

var errDuplicate = &protocol.Error{Code: "duplicate"}

// signatureChecks lists the batch's signatures whose keys are known before
// the batch: the sending terminal's (an event naming another terminal is
// refused in order anyway) and the co-signatures of officers already
// enrolled. They are verified on every core at once, without parsing a
// body; the in-order pass then verifies only the rest (officers the batch
// itself enrolls, or signatures that failed here, to name the failure).
func signatureChecks(events []evidence.Event, terminal ed25519.PublicKey, known *evidence.Keys) []evidence.SignatureCheck {
	checks := make([]evidence.SignatureCheck, 0, len(events))
	for _, ev := range events {
		checks = append(checks, evidence.SignatureCheck{Pub: terminal, Msg: ev.Body, Sig: ev.Sig})
		for _, cs := range ev.CoSigs {
			if pub, ok := known.OfficerKey(cs.Officer); ok {
				checks = append(checks, evidence.SignatureCheck{Pub: pub, Msg: ev.Body, Sig: cs.Sig})
			}
		}
	}
	return checks
}

// check verifies one event against the chain so far (last, lastHash move
// on when it is new).
func (h *Handler) check(r *http.Request, keys *casework.EnrollingKeys, checked *evidence.CheckedSignatures, ev evidence.Event, terminal string, last *uint64, lastHash *evidence.Digest) (evidence.Body, *protocol.Error) {
	keys.Expect(ev.Body)
	body, err := evidence.VerifyEventChecked(ev, keys, checked)
	keys.Settle(err == nil)
	if err != nil {
		code := protocol.CodeBadSignature
		if errors.Is(err, evidence.ErrMalformed) {
			code = protocol.CodeMalformed
		}
		if errors.Is(err, evidence.ErrUnknownKey) {
			code = protocol.CodeWrongTerminal
		}
		return body, &protocol.Error{Code: code, Message: err.Error()}
	}
	if body.Terminal != terminal {
		return body, &protocol.Error{Code: protocol.CodeWrongTerminal, Seq: body.Seq,
			Message: fmt.Sprintf("event of terminal %s sent by %s", body.Terminal, terminal)}
	}
	hash := ev.Hash()
	if body.Seq <= *last {
		stored, found, err := h.backend.EventHash(r.Context(), terminal, body.Seq)
		if err != nil {
			h.log.Error("sync request failed: the stored event's hash", "terminal", terminal, "seq", body.Seq, "err", err)
			return body, &protocol.Error{Code: protocol.CodeInternal, Message: internalMessage}
		}
		if found && stored == hash {
			return body, errDuplicate
		}
		if qerr := h.backend.Quarantine(r.Context(), terminal, ev, body); qerr != nil {
			h.log.Error("quarantine fork", "terminal", terminal, "seq", body.Seq, "err", qerr)
		}
		h.log.Warn("FORK: a second body under a known sequence number, quarantined", "terminal", terminal, "seq", body.Seq)
		return body, &protocol.Error{Code: protocol.CodeFork, Seq: body.Seq,
			Message: fmt.Sprintf("seq %d is held with body %s; this body %s is quarantined", body.Seq, stored, hash)}
	}
	if body.Seq != *last+1 {
		return body, &protocol.Error{Code: protocol.CodeGap, Seq: body.Seq, Message: fmt.Sprintf("expected seq %d", *last+1)}
	}
	if body.Prev != *lastHash {
		return body, &protocol.Error{Code: protocol.CodeBrokenChain, Seq: body.Seq,
			Message: fmt.Sprintf("prev %s, the hub's seq %d is %s", body.Prev, *last, *lastHash)}
	}
	*last, *lastHash = body.Seq, hash
	return body, nil
}
