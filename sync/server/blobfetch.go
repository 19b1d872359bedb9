package server

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"lawtrail/evidence"
	"lawtrail/sync/protocol"
)

// fetchBlob serves GET /v1/blobs/<digest>: footage another terminal of the
// asking terminal's agency took in (or the asker itself), for a terminal
// that holds its custody through the agency feed but not its bytes. Only a
// blob a terminal of the same agency sent (and holds the receipt of) is
// served; every other digest is not_found, the same answer whether
// the blob exists for another agency or not at all, so nothing about another
// agency's footage is disclosed. Range requests are served (a cut download
// resumes); the bytes stream from the file, and the terminal hashes every
// byte against the digest it asked for.
func (h *Handler) fetchBlob(w http.ResponseWriter, r *http.Request) {
	escaped := r.URL.EscapedPath()
	name := strings.TrimPrefix(escaped, protocol.PathBlobs)
	d, err := evidence.ParseDigest(name)
	if escaped != r.URL.Path || err != nil {
		writeError(w, http.StatusBadRequest, &protocol.Error{Code: protocol.CodeMalformed,
			Message: "a blob is fetched at " + protocol.PathBlobs + "<SHA-256, 64 lowercase hex digits>"})
		return
	}
	f, found, err := h.backend.OpenAgencyBlob(r.Context(), terminalOf(r), d)
	if pe := (*protocol.Error)(nil); errors.As(err, &pe) && pe.Code == protocol.CodeDeleted {
		writeError(w, http.StatusGone, pe)
		return
	}
	if err != nil {
		h.internal(w, err)
		return
	}
	if !found {
		writeError(w, http.StatusNotFound, &protocol.Error{Code: protocol.CodeNotFound,
			Message: "no footage " + d.String() + " of this terminal's agency is held"})
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", "application/octet-stream")
	// The content never changes under its name: an ETag of the digest lets
	// a resumed download say If-Range safely.
	w.Header().Set("ETag", `"`+d.String()+`"`)
	http.ServeContent(&stallWriter{ResponseWriter: w, stall: h.opt.StallTimeout}, r, "", time.Time{}, f)
}

// stallWriter moves the write deadline on with every write: a download the
// terminal keeps reading is never cut, one it stopped reading is cut after
// stall.
type stallWriter struct {
	http.ResponseWriter
	stall time.Duration
}

func (s *stallWriter) Write(p []byte) (int, error) {
	_ = http.NewResponseController(s.ResponseWriter).SetWriteDeadline(time.Now().Add(s.stall))
	return s.ResponseWriter.Write(p)
}

func (s *stallWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }
