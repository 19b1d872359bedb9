package server

import (
	"fmt"
	"net/http"
	"regexp"

	"lawtrail/sync/protocol"
)

// terminalID is the form of a terminal id: k and 16 lowercase hex digits.
var terminalID = regexp.MustCompile(`^k[0-9a-f]{16}$`)

// agencyEvents serves GET /v1/agency/events?from=INDEX[&limit=N][&size=S]
// [&writer=ID]: the accepted events of the other terminals of the asking
// terminal's agency, in log order, with inclusion proofs against the
// checkpoint of size S (default: the latest) that the answer carries.
func (h *Handler) agencyEvents(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	bad := func(msg string) {
		writeError(w, http.StatusBadRequest, &protocol.Error{Code: protocol.CodeMalformed, Message: msg})
	}
	from, err := protocol.ParseUint(q.Get("from"))
	if err != nil {
		bad("from: " + err.Error())
		return
	}
	limit := uint64(protocol.MaxAgencyEvents)
	if s := q.Get("limit"); s != "" {
		if limit, err = protocol.ParseUint(s); err != nil || limit == 0 || limit > protocol.MaxAgencyEvents {
			bad(fmt.Sprintf("limit: want 1..%d", protocol.MaxAgencyEvents))
			return
		}
	}
	size, err := protocol.ParseUint(q.Get("size"))
	if err != nil {
		bad("size: " + err.Error())
		return
	}
	writer := q.Get("writer")
	if writer != "" && !terminalID.MatchString(writer) {
		bad("writer: not a terminal id")
		return
	}
	ans, err := h.backend.AgencyEvents(r.Context(), terminalOf(r), from, int(limit), size, writer)
	if err != nil {
		h.refuse(w, err)
		return
	}
	writeJSON(w, http.StatusOK, ans)
}
