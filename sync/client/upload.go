package client

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
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
	f, err := os.Open(c.st.Blobs().Path(b.Digest))
	if err != nil {
		return 0, fmt.Errorf("open blob %s: %w", b.Digest, err)
	}
	defer f.Close()
	var sent int64
	mismatches := 0
	for u.Offset < b.Size {
		n := min(c.opt.ChunkSize, b.Size-u.Offset)
		before := c.bodyBytes.Load()
		next, err := c.patch(ctx, u, io.NewSectionReader(f, u.Offset, n))
		sent += c.bodyBytes.Load() - before
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
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url(protocol.PathBlobs), nil)
	if err != nil {
		return store.Upload{}, err
	}
	req.Header.Set("Tus-Resumable", tusVersion)
	req.Header.Set("Upload-Length", strconv.FormatInt(b.Size, 10))
	req.Header.Set("Upload-Metadata", "digest "+base64.StdEncoding.EncodeToString([]byte(b.Digest.String())))
	resp, err := c.http.Do(req)
	if err != nil {
		return store.Upload{}, fmt.Errorf("create upload of %s: %w", b.Digest, err)
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
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, c.url(url), nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Tus-Resumable", tusVersion)
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, fmt.Errorf("resume upload: %w", err)
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
func (c *Client) patch(ctx context.Context, u store.Upload, chunk *io.SectionReader) (int64, error) {
	body := &limitedReader{ctx: ctx, r: chunk, lim: c.limiter, counter: &c.bodyBytes}
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
		return 0, fmt.Errorf("upload %s at %d: %w", u.Digest, u.Offset, err)
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

// limitedReader paces a body to the client's rate cap.
type limitedReader struct {
	ctx     context.Context
	r       io.Reader
	counter *atomic.Int64
	lim     interface {
		WaitN(ctx context.Context, n int) error
		Burst() int
	}
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if b := l.lim.Burst(); b > 0 && len(p) > b {
		p = p[:b]
	}
	n, err := l.r.Read(p)
	if l.counter != nil {
		l.counter.Add(int64(n))
	}
	if n > 0 && l.lim.Burst() > 0 {
		if werr := l.lim.WaitN(l.ctx, n); werr != nil {
			return n, werr
		}
	}
	return n, err
}
