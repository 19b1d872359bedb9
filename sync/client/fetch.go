package client

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"time"

	"lawtrail/evidence"
	"lawtrail/sync/protocol"
)

// Footage another terminal of the agency took in reaches this one by the
// agency feed as custody only. FetchBlob brings its bytes from the hub on
// demand (GET /v1/blobs/<digest>): streamed into the blob store's temporary
// folder, hashed while they arrive, fsynced, re-read and only then moved into
// the store. Bytes that do not hash to the digest are removed and refused.

// Errors of FetchBlob.
var (
	// ErrNotOnHub: the hub holds no footage of this digest for this
	// terminal's agency (not received yet, or never named in the agency).
	ErrNotOnHub = errors.New("the hub holds no such footage for this agency")
	// ErrFetchMismatch: the hub's bytes do not hash to the digest asked
	// for, or are not the size the custody record says. Nothing is kept.
	ErrFetchMismatch = errors.New("the hub's bytes do not match the footage asked for")
)

// Fetched is footage brought from the hub.
type Fetched struct {
	Digest evidence.Digest
	Size   int64
	From   string // the hub: its key id and address
	Held   bool   // the blob store held it already: nothing was downloaded
}

// FetchBlob brings the bytes of footage d from the hub into the blob store.
// size is what the custody record says (negative: not known; the hub's size
// is then taken, up to protocol.MaxBlobSize). A blob the store holds and
// that verifies is not fetched again.
func (c *Client) FetchBlob(ctx context.Context, d evidence.Digest, size int64) (Fetched, error) {
	f := Fetched{Digest: d, Size: size, From: c.HubName()}
	blobs := c.st.Blobs()
	if held, err := blobs.Has(d); err != nil {
		return f, err
	} else if held && blobs.Verify(ctx, d) == nil {
		fi, err := os.Stat(blobs.Path(d))
		if err != nil {
			return f, fmt.Errorf("fetch %s: %w", d, err)
		}
		f.Size, f.Held = fi.Size(), true
		return f, nil
	}
	tmp, err := blobs.TempFile()
	if err != nil {
		return f, fmt.Errorf("fetch %s: %w", d, err)
	}
	committed := false
	defer func() {
		if !committed {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	n, err := c.download(ctx, d, size, tmp)
	if err != nil {
		return f, fmt.Errorf("fetch %s: %w", d, err)
	}
	if err := tmp.Sync(); err != nil {
		return f, fmt.Errorf("fetch %s: fsync: %w", d, err)
	}
	if err := tmp.Close(); err != nil {
		return f, fmt.Errorf("fetch %s: close: %w", d, err)
	}
	if err := blobs.Adopt(ctx, tmp.Name(), d); err != nil { // re-reads the copy from disk
		return f, fmt.Errorf("fetch %s: %w", d, err)
	}
	committed = true
	f.Size = n
	return f, nil
}

// HubName names the hub this terminal joined: its key id and address.
func (c *Client) HubName() string {
	return evidence.KeyID(c.hub.HubKey) + " " + c.hub.URL
}

// download streams the hub's bytes of d into w, hashing them, and returns
// how many arrived. Only the 32 KiB copy buffer is held.
func (c *Client) download(ctx context.Context, d evidence.Digest, size int64, w io.Writer) (int64, error) {
	ctx, watch := c.watchDownload(ctx, d)
	defer watch.stop()
	path := protocol.PathBlobs + d.String()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url(path), nil)
	if err != nil {
		return 0, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, watch.explain(ctx, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return 0, fmt.Errorf("%w: %w", ErrNotOnHub, decodeAnswer(resp, nil))
	case resp.StatusCode != http.StatusOK:
		return 0, decodeAnswer(resp, nil)
	}
	limit := int64(protocol.MaxBlobSize)
	if size >= 0 {
		limit = size
	}
	if resp.ContentLength > limit || (size >= 0 && resp.ContentLength >= 0 && resp.ContentLength != size) {
		return 0, fmt.Errorf("%w: the hub sends %d bytes, the custody record says %d", ErrFetchMismatch, resp.ContentLength, size)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(w, h), io.LimitReader(&progressReader{r: resp.Body, watch: watch}, limit+1))
	if err != nil {
		return n, watch.explain(ctx, fmt.Errorf("read: %w", err))
	}
	if cause := context.Cause(ctx); cause != nil { // cut: the body may end as if complete
		return n, watch.explain(ctx, cause)
	}
	if n > limit || (size >= 0 && n != size) {
		return n, fmt.Errorf("%w: %d bytes arrived, the custody record says %d", ErrFetchMismatch, n, size)
	}
	var got evidence.Digest
	h.Sum(got[:0])
	if got != d {
		return n, fmt.Errorf("%w: the %d bytes hash to %s", ErrFetchMismatch, n, got)
	}
	return n, nil
}

// downloadWatch cuts a download that makes no progress for the client's
// stall limit (each read that brings bytes restarts it), and bounds the
// wait for the answer's headers by the timeout.
type downloadWatch struct {
	mu     sync.Mutex
	timer  *time.Timer
	stall  time.Duration
	cancel context.CancelCauseFunc
	cause  error
}

func (c *Client) watchDownload(ctx context.Context, d evidence.Digest) (context.Context, *downloadWatch) {
	ctx, cancel := context.WithCancelCause(ctx)
	w := &downloadWatch{stall: c.opt.StallTimeout, cancel: cancel,
		cause: fmt.Errorf("%w: the download of %s made no progress for %s", ErrTimeout, d, c.opt.StallTimeout)}
	w.timer = time.AfterFunc(c.opt.Timeout, func() { cancel(w.cause) })
	return ctx, w
}

func (w *downloadWatch) progress() {
	w.mu.Lock()
	w.timer.Reset(w.stall)
	w.mu.Unlock()
}

func (w *downloadWatch) stop() {
	w.timer.Stop()
	w.cancel(nil)
}

// explain names the limit when the watch cut the download.
func (w *downloadWatch) explain(ctx context.Context, err error) error {
	if cause := context.Cause(ctx); cause != nil && errors.Is(cause, ErrTimeout) {
		return cause
	}
	return err
}

type progressReader struct {
	r     io.Reader
	watch *downloadWatch
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if n > 0 {
		p.watch.progress()
	}
	return n, err
}
