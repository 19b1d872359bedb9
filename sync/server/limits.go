package server

import (
	"context"
	"net/http"
	"sync"
	"time"
)

// Options are the handler's time limits; zero fields take the defaults.
type Options struct {
	// RequestTimeout bounds every request but the tus ones: its body must
	// arrive, the hub's work finish and the answer be written within it
	// (default DefaultRequestTimeout). It is also how long an upload's
	// answer may take to write once tusd starts writing it.
	RequestTimeout time.Duration
	// StallTimeout cuts a tus request whose body makes no progress for this
	// long; every byte received restarts it, so a slow upload that keeps
	// moving is never cut (default DefaultStallTimeout).
	StallTimeout time.Duration
	// Live serves live view's signalling (protocol.PathLiveICE and
	// protocol.PathLive…, hub/live) for enrolled terminals only; nil: those
	// paths are not found. It learns the terminal from EnrolledTerminal.
	Live http.Handler
}

// Defaults of Options.
const (
	DefaultRequestTimeout = 30 * time.Second
	DefaultStallTimeout   = 30 * time.Second
)

func (o Options) withDefaults() Options {
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = DefaultRequestTimeout
	}
	if o.StallTimeout <= 0 {
		o.StallTimeout = DefaultStallTimeout
	}
	return o
}

// limitRequest gives a small request its whole deadline: reading the body,
// the work and writing the answer. The returned context ends with it.
func (h *Handler) limitRequest(w http.ResponseWriter, r *http.Request) (*http.Request, context.CancelFunc) {
	deadline := time.Now().Add(h.opt.RequestTimeout)
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(deadline) // unsupported only by test recorders, which have no connection
	_ = rc.SetWriteDeadline(deadline)
	ctx, cancel := context.WithDeadline(r.Context(), deadline)
	return r.WithContext(ctx), cancel
}

// answerDeadline is the response writer tusd gets. tusd moves the write
// deadline on with every body read; the hub re-hashes a finished upload
// before answering, which for a large blob outlasts that. Here the write
// deadline starts when the answer starts: RequestTimeout to write it.
// tusd's read deadlines (its stall cut) pass through unchanged.
type answerDeadline struct {
	http.ResponseWriter
	timeout time.Duration
	once    sync.Once
}

func (a *answerDeadline) start() {
	a.once.Do(func() {
		_ = http.NewResponseController(a.ResponseWriter).SetWriteDeadline(time.Now().Add(a.timeout))
	})
}

func (a *answerDeadline) WriteHeader(code int) {
	if code >= 200 { // not for 1xx informational answers
		a.start()
	}
	a.ResponseWriter.WriteHeader(code)
}

func (a *answerDeadline) Write(p []byte) (int, error) {
	a.start()
	return a.ResponseWriter.Write(p)
}

// SetWriteDeadline ignores tusd's write deadlines (see answerDeadline).
func (a *answerDeadline) SetWriteDeadline(time.Time) error { return nil }

// Unwrap lets http.ResponseController reach the connection.
func (a *answerDeadline) Unwrap() http.ResponseWriter { return a.ResponseWriter }
