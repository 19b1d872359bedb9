package server

import (
	"net/http"

	"lawtrail/sync/protocol"
)

// timestamps serves GET /v1/timestamps?after=SIZE: the hub's RFC 3161
// tokens of checkpoints larger than SIZE, by size, a page at a time.
func (h *Handler) timestamps(w http.ResponseWriter, r *http.Request) {
	after, err := protocol.ParseUint(r.URL.Query().Get("after"))
	if err != nil {
		writeError(w, http.StatusBadRequest, &protocol.Error{Code: protocol.CodeMalformed, Message: "after: " + err.Error()})
		return
	}
	ts, err := h.backend.Timestamps(r.Context(), after, protocol.MaxTimestampsPage)
	if err != nil {
		h.internal(w, err)
		return
	}
	writeJSON(w, http.StatusOK, ts)
}
