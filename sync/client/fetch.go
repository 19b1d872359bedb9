package client

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"os"
	"sync"
	"time"

	"lawtrail/evidence"
	"lawtrail/sealstream"
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
// that verifies is not fetched again. A download cut by the network or a
// stall keeps what arrived (blobs/tmp/partial-fetch<digest>) and the next
// call asks only for the rest (Range); bytes that turn out not to match are
// removed with the partial copy.
func (c *Client) FetchBlob(ctx context.Context, d evidence.Digest, size int64) (Fetched, error) {
	f := Fetched{Digest: d, Size: size, From: c.HubName()}
	blobs := c.st.Blobs()
	if held, err := blobs.Has(d); err != nil {
		return f, err
	} else if held && blobs.Verify(ctx, d) == nil {
		r, err := blobs.OpenAt(d)
		if err != nil {
			return f, fmt.Errorf("fetch %s: %w", d, err)
		}
		r.Close()
		f.Size, f.Held = r.Size, true
		return f, nil
	}
	path, err := blobs.PartialPath("fetch" + d.String())
	if err != nil {
		return f, err
	}
	file, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return f, fmt.Errorf("fetch %s: %w", d, err)
	}
	part := &fetchCopy{f: file, key: blobs.SealKey()}
	keep := false // a cut download keeps its partial copy; a refused one does not
	committed := false
	defer func() {
		if !committed {
			part.Close()
			if !keep {
				os.Remove(path)
			}
		}
	}()
	n, err := c.resume(ctx, d, size, part)
	if err != nil {
		keep = errors.Is(err, ErrTimeout) || (!errors.Is(err, ErrFetchMismatch) && !errors.Is(err, ErrNotOnHub) && n > 0)
		return f, fmt.Errorf("fetch %s: %w", d, err)
	}
	if err := part.finish(); err != nil {
		return f, fmt.Errorf("fetch %s: seal: %w", d, err)
	}
	if err := part.f.Sync(); err != nil {
		return f, fmt.Errorf("fetch %s: fsync: %w", d, err)
	}
	if err := part.Close(); err != nil {
		return f, fmt.Errorf("fetch %s: close: %w", d, err)
	}
	if err := blobs.Adopt(ctx, path, d); err != nil { // re-reads the copy from disk
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

// resume hashes what a partial copy holds already and downloads the rest
// into it; it returns the copy's length.
func (c *Client) resume(ctx context.Context, d evidence.Digest, size int64, part *fetchCopy) (int64, error) {
	h := sha256.New()
	have, err := part.reopen(h)
	if err != nil {
		return 0, fmt.Errorf("read the partial copy: %w", err)
	}
	limit := int64(protocol.MaxBlobSize)
	if size >= 0 {
		limit = size
	}
	if have > limit {
		if have, err = restart(part, h); err != nil {
			return 0, err
		}
	}
	if size < 0 || have < size {
		if have, err = c.download(ctx, d, limit, part, h, have); err != nil {
			return have, err
		}
	}
	if size >= 0 && have != size {
		return have, fmt.Errorf("%w: %d bytes arrived, the custody record says %d", ErrFetchMismatch, have, size)
	}
	var got evidence.Digest
	h.Sum(got[:0])
	if got != d {
		return have, fmt.Errorf("%w: the %d bytes hash to %s", ErrFetchMismatch, have, got)
	}
	return have, nil
}

// restart empties a partial copy and its hash.
func restart(part *fetchCopy, h hash.Hash) (int64, error) {
	if err := part.empty(); err != nil {
		return 0, fmt.Errorf("restart the partial copy: %w", err)
	}
	h.Reset()
	return 0, nil
}

// fetchCopy is the partial copy a download appends to: on a sealed store
// it is written through a sealing writer, so the fetched footage never
// sits on the disk in plaintext, and a cut download resumes after its last
// whole chunk.
type fetchCopy struct {
	f   *os.File
	key *sealstream.Key    // nil: a plaintext store
	sw  *sealstream.Writer // the sealing writer, once reopen made it
}

// reopen hashes what the copy holds into h, positions it to append and
// returns its plaintext length. A sealed copy that does not authenticate
// starts over.
func (p *fetchCopy) reopen(h hash.Hash) (int64, error) {
	if p.key == nil {
		return io.Copy(h, p.f)
	}
	fi, err := p.f.Stat()
	if err != nil {
		return 0, err
	}
	full := int64(0)
	if sealed := fi.Size() - sealstream.HeaderSize; sealed > 0 {
		full = sealed / (sealstream.ChunkSize + sealstream.TagSize) * sealstream.ChunkSize
	}
	if full > 0 {
		sw, err := sealstream.ResumeWriter(p.f, p.key, full, func(b []byte) error { h.Write(b); return nil })
		if err == nil {
			p.sw = sw
			return full, nil
		}
		h.Reset()
	}
	return 0, p.empty()
}

// empty cuts the copy to nothing and starts a new sealed stream on it.
func (p *fetchCopy) empty() error {
	if err := p.f.Truncate(0); err != nil {
		return err
	}
	if _, err := p.f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	if p.key == nil {
		return nil
	}
	sw, err := sealstream.NewWriter(p.f, p.key, nil)
	p.sw = sw
	return err
}

func (p *fetchCopy) Write(b []byte) (int, error) {
	if p.sw != nil {
		return p.sw.Write(b)
	}
	return p.f.Write(b)
}

// finish seals the last chunk of a complete copy.
func (p *fetchCopy) finish() error {
	if p.sw != nil {
		return p.sw.Close()
	}
	return nil
}

// Close closes the file.
func (p *fetchCopy) Close() error { return p.f.Close() }

// download asks the hub for d from byte have on and appends what arrives to
// part, hashing it into h; it returns the copy's new length. Only the 32 KiB
// copy buffer is held, and at most limit bytes are taken in all.
func (c *Client) download(ctx context.Context, d evidence.Digest, limit int64, part *fetchCopy, h hash.Hash, have int64) (int64, error) {
	ctx, watch := c.watchDownload(ctx, d)
	defer watch.stop()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url(protocol.PathBlobs+d.String()), nil)
	if err != nil {
		return have, err
	}
	if have > 0 {
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-", have))
		req.Header.Set("If-Range", `"`+d.String()+`"`)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return have, watch.explain(ctx, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound, resp.StatusCode == http.StatusGone: // 410: deleted (protocol.CodeDeleted)
		return have, fmt.Errorf("%w: %w", ErrNotOnHub, decodeAnswer(resp, nil))
	case resp.StatusCode == http.StatusPartialContent && have > 0:
		if start, total, ok := contentRange(resp.Header.Get("Content-Range")); !ok || start != have || total > limit {
			return have, fmt.Errorf("%w: the hub answers range %q to bytes=%d-", ErrFetchMismatch, resp.Header.Get("Content-Range"), have)
		}
	case resp.StatusCode == http.StatusOK:
		if have, err = restart(part, h); err != nil {
			return have, err
		}
	default:
		return have, decodeAnswer(resp, nil)
	}
	if resp.ContentLength > limit-have {
		return have, fmt.Errorf("%w: the hub sends %d more bytes after %d, the custody record says %d in all", ErrFetchMismatch, resp.ContentLength, have, limit)
	}
	n, err := io.Copy(io.MultiWriter(part, h), io.LimitReader(&progressReader{r: resp.Body, watch: watch}, limit-have+1))
	have += n
	if err != nil {
		return have, watch.explain(ctx, fmt.Errorf("read: %w", err))
	}
	if cause := context.Cause(ctx); cause != nil { // cut: the body may end as if complete
		return have, watch.explain(ctx, cause)
	}
	if have > limit {
		return have, fmt.Errorf("%w: more than the %d bytes the custody record says", ErrFetchMismatch, limit)
	}
	return have, nil
}

// contentRange reads "bytes START-END/TOTAL".
func contentRange(v string) (start, total int64, ok bool) {
	var end int64
	if _, err := fmt.Sscanf(v, "bytes %d-%d/%d", &start, &end, &total); err != nil || start < 0 || end < start || total <= end {
		return 0, 0, false
	}
	return start, total, true
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
