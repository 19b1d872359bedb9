package server

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"lawtrail/evidence"
	"lawtrail/sync/protocol"
)

// Handler serves protocol v1.
type Handler struct {
	backend Backend
	mux     *http.ServeMux
	tus     http.Handler
	log     *slog.Logger
	opt     Options
}

// New returns the handler with the default Options.
func New(b Backend, log *slog.Logger) (*Handler, error) {
	return NewWithOptions(b, log, Options{})
}

// NewWithOptions returns the handler. It must be served over TLS with
// client certificates required (see hub's TLS configuration).
func NewWithOptions(b Backend, log *slog.Logger, opt Options) (*Handler, error) {
	if log == nil {
		log = slog.Default()
	}
	h := &Handler{backend: b, mux: http.NewServeMux(), log: log, opt: opt.withDefaults()}
	tus, err := h.newTus()
	if err != nil {
		return nil, err
	}
	h.tus = tus
	h.mux.HandleFunc("POST "+protocol.PathEnroll, h.enroll)
	h.mux.HandleFunc("GET "+protocol.PathState, h.enrolled(h.state))
	h.mux.HandleFunc("POST "+protocol.PathEvents, h.enrolled(h.events))
	h.mux.HandleFunc("GET "+protocol.PathEvents, h.enrolled(h.heldEvents))      // recovery.go
	h.mux.HandleFunc("POST "+protocol.PathDivergence, h.enrolled(h.divergence)) // recovery.go
	h.mux.HandleFunc("GET "+protocol.PathReceipt+"{digest}", h.enrolled(h.receipt))
	h.mux.HandleFunc("GET "+protocol.PathCheckpoint, h.enrolled(h.checkpoint))
	h.mux.HandleFunc("GET "+protocol.PathFeed, h.enrolled(h.feed))
	h.mux.HandleFunc("GET "+protocol.PathTimestamps, h.enrolled(h.timestamps))     // timestamps.go
	h.mux.HandleFunc("GET "+protocol.PathAgencyEvents, h.enrolled(h.agencyEvents)) // agencyfeed.go
	if opt.Live != nil {
		h.mux.HandleFunc("GET "+protocol.PathLiveICE, h.enrolled(opt.Live.ServeHTTP))
		h.mux.HandleFunc(protocol.PathLive+"{session}", h.enrolled(opt.Live.ServeHTTP))
	}
	return h, nil
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		writeError(w, http.StatusUnauthorized, &protocol.Error{Code: protocol.CodeNotEnrolled, Message: "a client certificate is required"})
		return
	}
	enrollConn := r.TLS.ServerName == protocol.ServerNameEnroll
	if enrollConn != (r.URL.Path == protocol.PathEnroll) {
		writeError(w, http.StatusForbidden, &protocol.Error{Code: protocol.CodeNotEnrolled,
			Message: fmt.Sprintf("connections for %s serve only %s", protocol.ServerNameEnroll, protocol.PathEnroll)})
		return
	}
	// Upload paths go to tusd before the mux could clean and redirect
	// them: blobs checks them as sent. tusd cuts a stalled body itself.
	if strings.HasPrefix(r.URL.EscapedPath(), protocol.PathBlobs) {
		if r.Method == http.MethodGet && !enrollConn {
			h.enrolled(h.fetchBlob)(w, r) // blobfetch.go: its own stall limit, like an upload's
			return
		}
		h.enrolled(h.blobs)(&answerDeadline{ResponseWriter: w, timeout: h.opt.RequestTimeout}, r)
		return
	}
	if enrollConn {
		// One request per connection from a key the hub does not know,
		// so the connection does not hold its place while idle.
		w.Header().Set("Connection", "close")
	}
	r, cancel := h.limitRequest(w, r)
	defer cancel()
	h.mux.ServeHTTP(w, r)
}

// maxEnrollBody bounds an enrollment request, which any key may send: a
// code and a terminal name fit in far less.
const maxEnrollBody = 4 << 10

type terminalKey struct{}

// clientKey is the Ed25519 key of the TLS client certificate.
func clientKey(r *http.Request) (ed25519.PublicKey, bool) {
	pub, ok := r.TLS.PeerCertificates[0].PublicKey.(ed25519.PublicKey)
	return pub, ok
}

// enrolled admits only enrolled, unrevoked terminals and puts the terminal
// id in the request context.
func (h *Handler) enrolled(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		pub, ok := clientKey(r)
		if !ok {
			writeError(w, http.StatusUnauthorized, &protocol.Error{Code: protocol.CodeNotEnrolled, Message: "client key is not Ed25519"})
			return
		}
		id := evidence.KeyID(pub)
		t, found, err := h.backend.Terminal(r.Context(), id)
		switch {
		case err != nil:
			h.internal(w, err)
			return
		case !found || !t.PublicKey.Equal(pub):
			writeError(w, http.StatusUnauthorized, &protocol.Error{Code: protocol.CodeNotEnrolled, Message: "terminal " + id + " is not enrolled"})
			return
		case t.Revoked:
			writeError(w, http.StatusForbidden, &protocol.Error{Code: protocol.CodeRevoked, Message: "terminal " + id + " was revoked"})
			return
		}
		next(w, r.WithContext(context.WithValue(r.Context(), terminalKey{}, t)))
	}
}

// terminalOf is the enrolled terminal the middleware admitted.
func terminalOf(r *http.Request) string { return enrolledOf(r).ID }

func enrolledOf(r *http.Request) Terminal { return r.Context().Value(terminalKey{}).(Terminal) }

// EnrolledTerminal is the enrolled terminal a request passed to
// Options.Live comes from; false outside the handler's admission.
func EnrolledTerminal(r *http.Request) (Terminal, bool) {
	t, ok := r.Context().Value(terminalKey{}).(Terminal)
	return t, ok
}

func (h *Handler) enroll(w http.ResponseWriter, r *http.Request) {
	pub, ok := clientKey(r)
	if !ok {
		writeError(w, http.StatusUnauthorized, &protocol.Error{Code: protocol.CodeNotEnrolled, Message: "client key is not Ed25519"})
		return
	}
	var req protocol.EnrollRequest
	if !h.decodeAtMost(w, r, &req, maxEnrollBody) {
		return
	}
	resp, err := h.backend.Enroll(r.Context(), req.Code, pub, req.TerminalName)
	if err != nil {
		h.refuse(w, err)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

func (h *Handler) state(w http.ResponseWriter, r *http.Request) {
	st, err := h.backend.State(r.Context(), terminalOf(r))
	if err != nil {
		h.internal(w, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (h *Handler) receipt(w http.ResponseWriter, r *http.Request) {
	d, err := evidence.ParseDigest(r.PathValue("digest"))
	if err != nil {
		writeError(w, http.StatusBadRequest, &protocol.Error{Code: protocol.CodeMalformed, Message: err.Error()})
		return
	}
	rc, found, err := h.backend.Receipt(r.Context(), terminalOf(r), d)
	if err != nil {
		h.internal(w, err)
		return
	}
	if !found {
		writeError(w, http.StatusNotFound, &protocol.Error{Code: protocol.CodeNotFound, Message: "no receipt for " + d.String()})
		return
	}
	if r.URL.Query().Has("size") {
		h.receiptWithProof(w, r, rc) // receiptproof.go
		return
	}
	writeJSON(w, http.StatusOK, rc)
}

func (h *Handler) checkpoint(w http.ResponseWriter, r *http.Request) {
	from, err := protocol.ParseUint(r.URL.Query().Get("from"))
	if err != nil {
		writeError(w, http.StatusBadRequest, &protocol.Error{Code: protocol.CodeMalformed, Message: "from: " + err.Error()})
		return
	}
	ans, err := h.backend.Consistency(r.Context(), from)
	if err != nil {
		h.refuse(w, err)
		return
	}
	writeJSON(w, http.StatusOK, ans)
}

func (h *Handler) feed(w http.ResponseWriter, r *http.Request) {
	after, err := protocol.ParseUint(r.URL.Query().Get("after"))
	if err != nil {
		writeError(w, http.StatusBadRequest, &protocol.Error{Code: protocol.CodeMalformed, Message: "after: " + err.Error()})
		return
	}
	f, err := h.backend.Feed(r.Context(), terminalOf(r), after, 500)
	if err != nil {
		h.internal(w, err)
		return
	}
	writeJSON(w, http.StatusOK, f)
}

// decode reads a JSON request body of at most protocol.MaxRequestBody
// bytes holding exactly one JSON value (see decodeAtMost).
func (h *Handler) decode(w http.ResponseWriter, r *http.Request, v any) bool {
	return h.decodeAtMost(w, r, v, protocol.MaxRequestBody)
}

// decodeAtMost reads a JSON request body of at most limit bytes holding
// exactly one JSON value: a second value or anything but white space after
// the first is malformed, never ignored.
func (h *Handler) decodeAtMost(w http.ResponseWriter, r *http.Request, v any, limit int64) bool {
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		err = protocol.EndOfJSON(dec)
	}
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, &protocol.Error{Code: protocol.CodeTooLarge,
				Message: fmt.Sprintf("request body over %d bytes", limit)})
			return false
		}
		writeError(w, http.StatusBadRequest, &protocol.Error{Code: protocol.CodeMalformed, Message: err.Error()})
		return false
	}
	return true
}

// refuse sends a protocol error as it is, anything else as internal.
func (h *Handler) refuse(w http.ResponseWriter, err error) {
	var pe *protocol.Error
	if errors.As(err, &pe) {
		writeError(w, statusOf(pe.Code), pe)
		return
	}
	h.internal(w, err)
}

func (h *Handler) internal(w http.ResponseWriter, err error) {
	h.log.Error("sync request failed", "err", err)
	writeError(w, http.StatusInternalServerError, &protocol.Error{Code: protocol.CodeInternal, Message: internalMessage})
}

// internalMessage is all a terminal learns of a failure inside the hub;
// the detail (a database's or an object store's words) is in the hub's log.
const internalMessage = "internal error; see the hub's log"

func statusOf(code string) int {
	switch code {
	case protocol.CodeMalformed:
		return http.StatusBadRequest
	case protocol.CodeTooLarge:
		return http.StatusRequestEntityTooLarge
	case protocol.CodeNotEnrolled, protocol.CodeBadCode:
		return http.StatusUnauthorized
	case protocol.CodeRevoked, protocol.CodeWrongTerminal:
		return http.StatusForbidden
	case protocol.CodeNotFound:
		return http.StatusNotFound
	case protocol.CodeFork, protocol.CodeGap, protocol.CodeBrokenChain:
		return http.StatusConflict
	case protocol.CodeBadSignature, protocol.CodeUnnamedBlob, protocol.CodeDigestMismatch:
		return http.StatusUnprocessableEntity
	}
	return http.StatusInternalServerError
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, e *protocol.Error) {
	writeJSON(w, status, e)
}

// blobs hands tus requests to tusd. The path must be exactly what the hub
// issues, spelled without any escape, so the id checked here is the id tusd
// resolves: POST on the base path creates, HEAD and PATCH act on
// /v1/blobs/<upload id>, whose id starts with the asking terminal's. tusd's
// store then finds an upload only for the terminal recorded as its owner
// (ownedStore), whatever its id says.
func (h *Handler) blobs(w http.ResponseWriter, r *http.Request) {
	escaped := r.URL.EscapedPath()
	id := strings.TrimPrefix(escaped, protocol.PathBlobs)
	switch {
	case escaped != r.URL.Path || (id != "" && !uploadID.MatchString(id)):
		writeError(w, http.StatusBadRequest, &protocol.Error{Code: protocol.CodeMalformed,
			Message: "an upload path is " + protocol.PathBlobs + "<upload id as issued>, without escapes or further segments"})
		return
	case id == "" && r.Method != http.MethodPost, id != "" && r.Method != http.MethodHead && r.Method != http.MethodPatch:
		w.Header().Set("Allow", map[bool]string{true: "POST", false: "HEAD, PATCH"}[id == ""])
		writeError(w, http.StatusMethodNotAllowed, &protocol.Error{Code: protocol.CodeMalformed, Message: r.Method + " is not served on " + escaped})
		return
	case id != "" && !strings.HasPrefix(id, terminalOf(r)+"-"):
		// Refused before tusd takes the upload's lock, which would
		// interrupt the owner's transfer in progress.
		writeError(w, http.StatusForbidden, &protocol.Error{Code: protocol.CodeWrongTerminal, Message: "upload " + id + " is not this terminal's"})
		return
	}
	r.Header.Set(terminalHeader, terminalOf(r)) // overwrites anything the client sent
	hw := &internalHidden{ResponseWriter: w}
	h.tus.ServeHTTP(hw, r)
	if hw.status >= 500 {
		h.log.Error("upload request failed", "terminal", terminalOf(r), "method", r.Method, "path", escaped,
			"status", hw.status, "detail", strings.TrimSpace(hw.detail.String()))
	}
}

// terminalHeader carries the authenticated terminal id to tusd's hooks.
const terminalHeader = "X-Lawtrail-Terminal"
