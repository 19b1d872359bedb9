package server

import (
	"crypto/ed25519"
	"fmt"
	"net/http"

	"lawtrail/evidence"
	"lawtrail/sync/protocol"
)

// heldEvents serves GET /v1/events?after=SEQ[&limit=N][&size=S]: the
// asking terminal's own accepted events, verbatim, with inclusion proofs,
// so a terminal whose data folder lost them (a restored backup, a cut
// tail) can take them back. Only the connection's own terminal's events
// are ever served.
func (h *Handler) heldEvents(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	after, err := protocol.ParseUint(q.Get("after"))
	if err != nil {
		writeError(w, http.StatusBadRequest, &protocol.Error{Code: protocol.CodeMalformed, Message: "after: " + err.Error()})
		return
	}
	limit := uint64(protocol.MaxHeldEvents)
	if s := q.Get("limit"); s != "" {
		if limit, err = protocol.ParseUint(s); err != nil || limit == 0 || limit > protocol.MaxHeldEvents {
			writeError(w, http.StatusBadRequest, &protocol.Error{Code: protocol.CodeMalformed,
				Message: fmt.Sprintf("limit: want 1..%d", protocol.MaxHeldEvents)})
			return
		}
	}
	var size uint64
	if s := q.Get("size"); s != "" {
		if size, err = protocol.ParseUint(s); err != nil {
			writeError(w, http.StatusBadRequest, &protocol.Error{Code: protocol.CodeMalformed, Message: "size: " + err.Error()})
			return
		}
	}
	ans, err := h.backend.HeldEvents(r.Context(), terminalOf(r), after, int(limit), size)
	if err != nil {
		h.refuse(w, err)
		return
	}
	writeJSON(w, http.StatusOK, ans)
}

// divergence serves POST /v1/divergence: a terminal reports that its chain
// diverges from the hub's. Every reported event must be this terminal's,
// signed by its key (co-signatures are not checked, since the officers may
// be known only to the diverging chain, and not kept: a fork keeps the body
// and the terminal's signature); the hub quarantines those that are
// not its own and do not continue its chain, and records the report.
func (h *Handler) divergence(w http.ResponseWriter, r *http.Request) {
	var rep protocol.DivergenceReport
	if !h.decode(w, r, &rep) {
		return
	}
	if len(rep.Events) > protocol.MaxBatchEvents {
		writeError(w, http.StatusRequestEntityTooLarge, &protocol.Error{Code: protocol.CodeTooLarge,
			Message: fmt.Sprintf("%d events in one report, at most %d", len(rep.Events), protocol.MaxBatchEvents)})
		return
	}
	t := enrolledOf(r)
	events := make([]Verified, 0, len(rep.Events))
	for _, ev := range rep.Events {
		v, perr := signedByTerminal(ev, t)
		if perr != nil {
			writeError(w, statusOf(perr.Code), perr)
			return
		}
		events = append(events, v)
	}
	ans, err := h.backend.RecordDivergence(r.Context(), t.ID, rep, events)
	if err != nil {
		h.refuse(w, err)
		return
	}
	h.log.Warn("DIVERGENCE: a terminal's data folder diverges from the hub's chain (restored, copied or truncated)",
		"terminal", t.ID, "kind", ans.Kind, "local_seq", rep.LocalSeq, "fork_seq", rep.ForkSeq, "quarantined", ans.Quarantined)
	writeJSON(w, http.StatusOK, ans)
}

func signedByTerminal(ev evidence.Event, t Terminal) (Verified, *protocol.Error) {
	body, err := evidence.ParseBody(ev.Body)
	if err != nil {
		return Verified{}, &protocol.Error{Code: protocol.CodeMalformed, Message: err.Error()}
	}
	if body.Terminal != t.ID {
		return Verified{}, &protocol.Error{Code: protocol.CodeWrongTerminal, Seq: body.Seq,
			Message: fmt.Sprintf("event of terminal %s reported by %s", body.Terminal, t.ID)}
	}
	if !ed25519.Verify(t.PublicKey, ev.Body, ev.Sig) {
		return Verified{}, &protocol.Error{Code: protocol.CodeBadSignature, Seq: body.Seq, Message: "not signed by terminal " + t.ID}
	}
	return Verified{Event: ev, Body: body}, nil
}
