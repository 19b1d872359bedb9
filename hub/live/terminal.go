package live

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"lawtrail/sync/protocol"
	"lawtrail/sync/server"
)

// MaxOfferBody bounds a terminal's PUT body: a LiveOffer whose SDP is at
// most protocol.MaxLiveSDP, JSON-escaped.
const MaxOfferBody = 128 << 10

// CodeBusy answers a request over live view's limits (HTTP 429): too many
// sessions of the terminal or in all, too many viewers.
const CodeBusy = "busy"

// TerminalHandler serves the terminals' signalling (see the package doc).
// sync/server mounts it as Options.Live, behind its check that the
// terminal is enrolled and not revoked.
func (s *SFU) TerminalHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+protocol.PathLiveICE, s.terminal(s.terminalICE))
	mux.HandleFunc("PUT "+protocol.PathLive+"{session}", s.terminal(s.publish))
	mux.HandleFunc("GET "+protocol.PathLive+"{session}", s.terminal(s.status))
	mux.HandleFunc("DELETE "+protocol.PathLive+"{session}", s.terminal(s.endSession))
	return mux
}

// terminal passes the enrolled terminal and a valid session id (when the
// path has one) to next.
func (s *SFU) terminal(next func(http.ResponseWriter, *http.Request, Terminal)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		t, ok := server.EnrolledTerminal(r)
		if !ok {
			writeError(w, http.StatusUnauthorized, protocol.CodeNotEnrolled, "live view is for enrolled terminals")
			return
		}
		if id := r.PathValue("session"); r.URL.Path != protocol.PathLiveICE && !protocol.ValidLiveSession(id) {
			writeError(w, http.StatusBadRequest, protocol.CodeMalformed, fmt.Sprintf("bad live session id %q", id))
			return
		}
		next(w, r, Terminal{ID: t.ID, Agency: t.Agency})
	}
}

func (s *SFU) terminalICE(w http.ResponseWriter, _ *http.Request, t Terminal) {
	writeJSON(w, http.StatusOK, s.ICE(t.ID))
}

func (s *SFU) publish(w http.ResponseWriter, r *http.Request, t Terminal) {
	r.Body = http.MaxBytesReader(w, r.Body, MaxOfferBody)
	var offer protocol.LiveOffer
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	err := dec.Decode(&offer)
	if err == nil {
		err = protocol.EndOfJSON(dec)
	}
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		writeError(w, http.StatusRequestEntityTooLarge, protocol.CodeTooLarge, fmt.Sprintf("live offer over %d bytes", MaxOfferBody))
		return
	case err != nil:
		writeError(w, http.StatusBadRequest, protocol.CodeMalformed, "live offer: "+err.Error())
		return
	}
	if err := offer.Validate(); err != nil {
		writeError(w, http.StatusBadRequest, protocol.CodeMalformed, err.Error())
		return
	}
	ans, err := s.Publish(r.Context(), t, r.PathValue("session"), offer)
	if err != nil {
		s.refuse(w, err)
		return
	}
	writeJSON(w, http.StatusOK, protocol.LiveAnswer{SDP: ans})
}

func (s *SFU) status(w http.ResponseWriter, r *http.Request, t Terminal) {
	st, err := s.Status(t, r.PathValue("session"))
	if err != nil {
		s.refuse(w, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *SFU) endSession(w http.ResponseWriter, r *http.Request, t Terminal) {
	if err := s.End(t, r.PathValue("session")); err != nil {
		s.refuse(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// refuse answers an SFU error as a protocol.Error.
func (s *SFU) refuse(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, ErrBadSDP):
		writeError(w, http.StatusBadRequest, protocol.CodeMalformed, err.Error())
	case errors.Is(err, ErrNoSession):
		writeError(w, http.StatusNotFound, protocol.CodeNotFound, err.Error())
	case errors.Is(err, ErrTaken):
		writeError(w, http.StatusConflict, protocol.CodeWrongTerminal, err.Error())
	case errors.Is(err, ErrBusy):
		writeError(w, http.StatusTooManyRequests, CodeBusy, err.Error())
	default:
		s.log.Error("live", "err", err)
		writeError(w, http.StatusInternalServerError, protocol.CodeInternal, "internal error; see the hub's log")
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, &protocol.Error{Code: code, Message: msg})
}
