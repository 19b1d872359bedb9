package client

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"lawtrail/evidence"
	"lawtrail/store"
	"lawtrail/sync/protocol"
)

const tusVersion = "1.0.0"

// errUploadGone: the hub no longer knows an upload URL (it was finished,
// refused, or lost); start a new one.
var errUploadGone = errors.New("upload no longer known to the hub")

// errOffsetMismatch: the hub holds a different number of bytes than the
// offset sent (tus 409).
var errOffsetMismatch = errors.New("the hub holds another offset")

// uploadBlob sends one blob by tus, resuming a recorded upload from the
// offset the hub confirms, and records each confirmed offset so a restart
// resumes too. It returns the bytes sent.
func (c *Client) uploadBlob(ctx context.Context, b store.PendingBlob) (int64, error) {
	u, found, err := c.st.UploadOf(ctx, b.Digest)
	if err != nil {
		return 0, err
	}
	if found {
		off, err := c.head(ctx, u.URL)
		switch {
		case errors.Is(err, errUploadGone):
			found = false
		case err != nil:
			return 0, err
		default:
			u.Offset = off
		}
	}
	if !found {
		if u, err = c.create(ctx, b); err != nil {
			return 0, err
		}
	}
	f, err := c.st.Blobs().OpenAt(b.Digest) // the plaintext: the hub keeps what the digest names
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var sent int64
	mismatches := 0
	for u.Offset < b.Size {
		n := min(c.opt.ChunkSize, b.Size-u.Offset)
		var chunkSent atomic.Int64
		next, err := c.patchCounting(ctx, u, io.NewSectionReader(f, u.Offset, n), &chunkSent)
		sent += chunkSent.Load()
		if errors.Is(err, errOffsetMismatch) && mismatches < 10 {
			// An earlier connection is still delivering bytes the hub
			// had not counted when we asked: ask again, then go on.
			mismatches++
			time.Sleep(time.Duration(mismatches) * 100 * time.Millisecond)
			if u.Offset, err = c.head(ctx, u.URL); err == nil {
				continue
			}
		}
		if err != nil {
			return sent, err
		}
		u.Offset = next
		if err := c.st.SaveUpload(ctx, u); err != nil {
			return sent, err
		}
	}
	if b.Size == 0 { // tus completes an empty upload at creation
		u.Offset = 0
	}
	return sent, c.st.DropUpload(ctx, b.Digest)
}

func (c *Client) url(path string) string { return strings.TrimRight(c.hub.URL, "/") + path }

// create starts an upload and records its URL before any byte is sent.
func (c *Client) create(ctx context.Context, b store.PendingBlob) (store.Upload, error) {
	ctx, cancel, limit := c.bounded(ctx, http.MethodPost, protocol.PathBlobs)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url(protocol.PathBlobs), nil)
	if err != nil {
		return store.Upload{}, err
	}
	req.Header.Set("Tus-Resumable", tusVersion)
	req.Header.Set("Upload-Length", strconv.FormatInt(b.Size, 10))
	req.Header.Set("Upload-Metadata", "digest "+base64.StdEncoding.EncodeToString([]byte(b.Digest.String())))
	resp, err := c.http.Do(req)
	if err != nil {
		return store.Upload{}, fmt.Errorf("create upload of %s: %w", b.Digest, explain(ctx, err, limit))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		return store.Upload{}, fmt.Errorf("create upload of %s: %w", b.Digest, tusError(resp))
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || loc.Path == "" {
		return store.Upload{}, fmt.Errorf("create upload of %s: bad Location %q", b.Digest, resp.Header.Get("Location"))
	}
	// Keep only the path: the hub may come back at another address.
	u := store.Upload{Digest: b.Digest, URL: loc.Path, Size: b.Size}
	return u, c.st.SaveUpload(ctx, u)
}

// head asks the hub how many bytes of the upload it holds.
func (c *Client) head(ctx context.Context, url string) (int64, error) {
	ctx, cancel, limit := c.bounded(ctx, http.MethodHead, url)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, c.url(url), nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Tus-Resumable", tusVersion)
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, fmt.Errorf("resume upload: %w", explain(ctx, err, limit))
	}
	resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK, http.StatusNoContent:
		return strconv.ParseInt(resp.Header.Get("Upload-Offset"), 10, 64)
	case http.StatusNotFound, http.StatusGone, http.StatusForbidden:
		return 0, errUploadGone
	}
	return 0, fmt.Errorf("resume upload: %w", tusError(resp))
}

// patch sends one chunk at u.Offset and returns the offset the hub confirms.
// A stall watch cuts it when the network takes no byte of the chunk for
// Options.StallTimeout, or when the answer does not come within
// Options.Timeout once the chunk is sent; a slow chunk that keeps moving
// is never cut.
func (c *Client) patch(ctx context.Context, u store.Upload, chunk *io.SectionReader) (int64, error) {
	var sent atomic.Int64
	return c.patchCounting(ctx, u, chunk, &sent)
}

// patchCounting is patch that also adds the bytes handed to the network
// to sent (other uploads run beside it, so BytesOnWire cannot tell).
func (c *Client) patchCounting(ctx context.Context, u store.Upload, chunk *io.SectionReader, sent *atomic.Int64) (int64, error) {
	ctx, watch := c.watchUpload(ctx, u)
	defer watch.stop()
	body := &limitedReader{ctx: ctx, r: chunk, lim: c.limiter, counters: []*atomic.Int64{&c.bodyBytes, sent}, progress: watch.progress}
	req, err := http.NewRequestWithContext(ctx, http.MethodPatch, c.url(u.URL), body)
	if err != nil {
		return 0, err
	}
	req.ContentLength = chunk.Size()
	req.Header.Set("Tus-Resumable", tusVersion)
	req.Header.Set("Content-Type", "application/offset+octet-stream")
	req.Header.Set("Upload-Offset", strconv.FormatInt(u.Offset, 10))
	req.Header.Set("Expect", "100-continue") // a refused chunk is not sent at all
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, fmt.Errorf("upload %s at %d: %w", u.Digest, u.Offset, explain(ctx, err, watch.current()))
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusConflict {
		return 0, fmt.Errorf("upload %s at %d: %w", u.Digest, u.Offset, errOffsetMismatch)
	}
	if resp.StatusCode != http.StatusNoContent {
		err := tusError(resp)
		if resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusUnprocessableEntity || resp.StatusCode == 460 {
			_ = c.st.DropUpload(ctx, u.Digest) // refused or lost: the next attempt starts over
		}
		return 0, fmt.Errorf("upload %s at %d: %w", u.Digest, u.Offset, err)
	}
	return strconv.ParseInt(resp.Header.Get("Upload-Offset"), 10, 64)
}

// uploadWatch cancels a PATCH that stops moving. Until the first byte of
// the body is taken (dial, handshake, 100-continue) and once every byte is
// sent and acknowledged (the hub re-hashes, then answers) it allows
// Options.Timeout; in between, Options.StallTimeout from the last
// progress. Progress is a read of the body by the network, or — where the
// system tells (Linux) — fewer bytes in the socket waiting for the hub's
// acknowledgment, so bytes sitting in buffers are not taken for bytes
// delivered, and a slow link draining them is not taken for a stall.
type uploadWatch struct {
	mu        sync.Mutex
	timer     *time.Timer
	cause     error
	stalled   error
	waiting   error
	stall     time.Duration
	answer    time.Duration
	bodyDone  bool
	ackKnown  bool
	unacked   int
	answering bool
	done      chan struct{}
	polling   bool
}

func (c *Client) watchUpload(ctx context.Context, u store.Upload) (context.Context, *uploadWatch) {
	ctx, cancel := context.WithCancelCause(ctx)
	w := &uploadWatch{
		stall: c.opt.StallTimeout, answer: c.opt.Timeout, done: make(chan struct{}),
		stalled: fmt.Errorf("%w: the upload of %s made no progress for %s", ErrTimeout, u.Digest, c.opt.StallTimeout),
		waiting: fmt.Errorf("%w: no answer to PATCH %s within %s", ErrTimeout, u.URL, c.opt.Timeout),
	}
	w.cause, w.answering = w.waiting, true
	w.timer = time.AfterFunc(w.answer, func() {
		w.mu.Lock()
		cause := w.cause
		w.mu.Unlock()
		cancel(cause)
	})
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) { w.watchConn(i.Conn) }})
	return ctx, w
}

// progress is told of every read of the body.
func (w *uploadWatch) progress(n int, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if n > 0 {
		w.moved()
	}
	if err != nil {
		w.bodyDone = true
	}
	w.settle()
}

// watchConn polls the connection's unacknowledged bytes while the watch
// lasts, where the system tells them.
func (w *uploadWatch) watchConn(conn net.Conn) {
	if _, ok := unacked(conn); !ok {
		return
	}
	w.mu.Lock()
	if w.polling {
		w.mu.Unlock()
		return
	}
	w.polling = true
	w.mu.Unlock()
	every := max(w.stall/5, 20*time.Millisecond)
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-w.done:
				return
			case <-t.C:
			}
			n, ok := unacked(conn)
			if !ok {
				return
			}
			w.mu.Lock()
			if w.ackKnown && n < w.unacked {
				w.moved()
			}
			w.ackKnown, w.unacked = true, n
			w.settle()
			w.mu.Unlock()
		}
	}()
}

// moved restarts the stall window (w.mu held).
func (w *uploadWatch) moved() {
	w.cause, w.answering = w.stalled, false
	w.timer.Reset(w.stall)
}

// settle starts the wait for the answer once the body is sent and, where
// known, acknowledged (w.mu held).
func (w *uploadWatch) settle() {
	if w.bodyDone && !w.answering && (!w.ackKnown || w.unacked == 0) {
		w.cause, w.answering = w.waiting, true
		w.timer.Reset(w.answer)
	}
}

// current is the limit that applies now.
func (w *uploadWatch) current() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.cause
}

func (w *uploadWatch) stop() {
	w.timer.Stop()
	close(w.done)
}

func tusError(resp *http.Response) error {
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	var pe protocol.Error
	if json.Unmarshal(raw, &pe) == nil && pe.Code != "" {
		return &pe
	}
	// tusd sends refusals from the hub's hooks as "code: message".
	if code, msg, ok := strings.Cut(strings.TrimSpace(string(raw)), ": "); ok && code != "" && !strings.ContainsAny(code, " \n") {
		return &protocol.Error{Code: code, Message: msg}
	}
	return fmt.Errorf("hub answered %s: %s", resp.Status, strings.TrimSpace(string(raw)))
}

// receipt asks for a blob's receipt and verifies the hub's signature.
func (c *Client) receipt(ctx context.Context, d evidence.Digest) (protocol.Receipt, bool, error) {
	var rc protocol.Receipt
	err := c.call(ctx, http.MethodGet, protocol.PathReceipt+d.String(), nil, &rc)
	var pe *protocol.Error
	if errors.As(err, &pe) && pe.Code == protocol.CodeNotFound {
		return rc, false, nil
	}
	if err != nil {
		return rc, false, fmt.Errorf("receipt of %s: %w", d, err)
	}
	if err := rc.Verify(c.hub.HubKey); err != nil {
		return rc, false, err
	}
	if rc.Digest != d || rc.Terminal != c.key.ID() {
		return rc, false, fmt.Errorf("receipt of %s names %s for %s", d, rc.Digest, rc.Terminal)
	}
	return rc, true, nil
}

// limitedReader paces a body to the client's rate cap and reports each
// read to progress (when set) once its bytes are paced.
type limitedReader struct {
	ctx      context.Context
	r        io.Reader
	counters []*atomic.Int64
	progress func(n int, err error)
	lim      interface {
		WaitN(ctx context.Context, n int) error
		Burst() int
	}
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if b := l.lim.Burst(); b > 0 && len(p) > b {
		p = p[:b]
	}
	n, err := l.r.Read(p)
	for _, c := range l.counters {
		c.Add(int64(n))
	}
	if n > 0 && l.lim.Burst() > 0 {
		if werr := l.lim.WaitN(l.ctx, n); werr != nil {
			return n, werr
		}
	}
	if l.progress != nil {
		l.progress(n, err)
	}
	return n, err
}
