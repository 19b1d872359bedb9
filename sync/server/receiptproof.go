package server

import (
	"net/http"

	"lawtrail/sync/protocol"
)

// receiptWithProof answers GET /v1/receipts/{digest}?size=N: the receipt
// with the inclusion proof of its leaf in the log of size N (a checkpoint
// the terminal holds), so the terminal and its case files can show the
// receipt is in the hub's log like the events are.
func (h *Handler) receiptWithProof(w http.ResponseWriter, r *http.Request, rc protocol.Receipt) {
	size, err := protocol.ParseUint(r.URL.Query().Get("size"))
	if err != nil || size <= rc.LogIndex {
		writeError(w, http.StatusBadRequest, &protocol.Error{Code: protocol.CodeMalformed, Message: "size: must be a log size above the receipt's log index"})
		return
	}
	proof, err := h.backend.InclusionProof(r.Context(), rc.LogIndex, size)
	if err != nil {
		writeError(w, http.StatusBadRequest, &protocol.Error{Code: protocol.CodeMalformed, Message: err.Error()})
		return
	}
	rc.CheckpointSize, rc.Inclusion = size, proof
	writeJSON(w, http.StatusOK, rc)
}
