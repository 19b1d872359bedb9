package client

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"lawtrail/casework"
	"lawtrail/evidence"
	"lawtrail/hub"
	"lawtrail/hub/blobstore/s3test"
	"lawtrail/hub/hubtest"
	"lawtrail/store"
	"lawtrail/sync/protocol"
	"lawtrail/sync/server"
)

// fetchSetup: terminal A of agency one took in a clip and sent it to the
// hub; B of the same agency and C of another synced.
func fetchSetup(t *testing.T, size int) (th *testHub, a, b, c *terminal, d evidence.Digest) {
	t.Helper()
	th = startHub(t, t.TempDir())
	a = agencyTerminal(t, th, "采集站-A", agencyOne)
	b = agencyTerminal(t, th, "采集站-B", agencyOne)
	c = agencyTerminal(t, th, "采集站-C", agencyTwo)
	d = a.addFootage(t, size)[0]
	if rep := a.sync(t, Options{}); rep.BlobsSent != 1 {
		t.Fatalf("A uploaded %d clips", rep.BlobsSent)
	}
	b.sync(t, Options{})
	c.sync(t, Options{})
	return th, a, b, c, d
}

func (tm *terminal) client(t testing.TB) *Client {
	t.Helper()
	cl, err := New(context.Background(), tm.store, tm.key, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

// tempFiles lists what the blob store's temporary folder holds.
func (tm *terminal) tempFiles(t testing.TB) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(tm.dir, store.BlobDir, "tmp", "*"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestFetchFootageOfAnotherTerminal(t *testing.T) {
	ctx := context.Background()
	th, a, b, _, d := fetchSetup(t, 3<<20)
	if held, _ := b.store.Blobs().Has(d); held {
		t.Fatal("B holds A's bytes before fetching them")
	}
	f, err := b.client(t).FetchBlob(ctx, d, 3<<20)
	if err != nil {
		t.Fatal(err)
	}
	if f.Size != 3<<20 || f.Held || f.From != evidence.KeyID(th.hub.PublicKey())+" "+th.url() {
		t.Fatalf("fetched %+v", f)
	}
	if err := b.store.Blobs().Verify(ctx, d); err != nil {
		t.Fatal(err)
	}
	// The custody event, and the record still checks on both sides.
	if _, err := b.store.Append(ctx, b.key, store.Draft{Actor: "o-001", Blobs: []evidence.Digest{d},
		Payload: &casework.FootageFetched{Digest: d, Size: f.Size, From: f.From, Source: a.key.ID()}}); err != nil {
		t.Fatal(err)
	}
	b.sync(t, Options{})
	a.sync(t, Options{})
	b.check(t)
	a.check(t)
	if pend, _ := b.store.PendingBlobs(ctx); len(pend) != 0 {
		t.Fatalf("B would upload fetched footage back: %v", pend)
	}
	// Asked again: held, nothing downloaded.
	if f, err := b.client(t).FetchBlob(ctx, d, 3<<20); err != nil || !f.Held {
		t.Fatalf("second fetch: %+v %v", f, err)
	}
}

func TestFetchRefusesWrongBytes(t *testing.T) {
	for _, tc := range []struct {
		name  string
		bytes func(orig []byte) []byte
	}{
		{"same size, one byte changed", func(o []byte) []byte { o[len(o)/2] ^= 1; return o }},
		{"longer", func(o []byte) []byte { return append(o, make([]byte, 1<<20)...) }},
		{"shorter", func(o []byte) []byte { return o[:len(o)-1] }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			th, _, b, _, d := fetchSetup(t, 256<<10)
			// The hub's copy is damaged: it serves other bytes.
			hubtest.PlantBlob(t, th.hub, d, tc.bytes(hubtest.BlobBytes(t, th.hub, d)))
			_, err := b.client(t).FetchBlob(ctx, d, 256<<10)
			if !errors.Is(err, ErrFetchMismatch) {
				t.Fatalf("fetching damaged bytes: %v", err)
			}
			if held, _ := b.store.Blobs().Has(d); held {
				t.Fatal("damaged bytes kept")
			}
			if left := b.tempFiles(t); len(left) != 0 {
				t.Fatalf("temporary files left: %v", left)
			}
			// Without a size to hold it to, the hash still refuses them.
			if _, err := b.client(t).FetchBlob(ctx, d, -1); !errors.Is(err, ErrFetchMismatch) {
				t.Fatalf("fetching damaged bytes of unknown size: %v", err)
			}
			if left := b.tempFiles(t); len(left) != 0 {
				t.Fatalf("temporary files left: %v", left)
			}
		})
	}
}

func TestFetchRefusedOutsideTheAgency(t *testing.T) {
	ctx := context.Background()
	_, _, b, c, d := fetchSetup(t, 64<<10)
	var nobody evidence.Digest
	nobody[0] = 7
	// C, of the other agency, learnt the digest (from a case file, say) and
	// names it in a custody event of its own: naming is not having sent the
	// bytes, so the hub still does not serve them to C.
	if _, err := c.store.Append(ctx, c.key, store.Draft{Actor: "o-001", Blobs: []evidence.Digest{d}, Payload: &casework.FootageIngested{
		Digest: d, SourceKey: casework.SourceKey{DeviceSerial: "X", Path: "DCIM/x.MP4", Size: 64 << 10,
			ModTime: time.Date(2026, 11, 20, 10, 0, 0, 0, casework.Shanghai)}, Clerk: "o-001", Station: "s"}}); err != nil {
		t.Fatal(err)
	}
	cl, err := New(ctx, c.store, c.key, Options{Metered: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Once(ctx); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		tm   *terminal
		d    evidence.Digest
	}{
		{"another agency's terminal that named the digest itself", c, d},
		{"a digest nobody named", b, nobody},
	} {
		_, err := tc.tm.client(t).FetchBlob(ctx, tc.d, -1)
		var pe *protocol.Error
		if !errors.Is(err, ErrNotOnHub) || !errors.As(err, &pe) || pe.Code != protocol.CodeNotFound {
			t.Errorf("%s: %v, want not_found", tc.name, err)
		}
		if held, _ := tc.tm.store.Blobs().Has(tc.d); held || len(tc.tm.tempFiles(t)) != 0 {
			t.Errorf("%s: something kept", tc.name)
		}
	}
}

// get sends GET path as tm over its pinned TLS connection, path as written.
func (tm *terminal) get(t *testing.T, path string, header http.Header) (*http.Response, []byte) {
	t.Helper()
	cl := tm.client(t)
	req, err := http.NewRequest(http.MethodGet, cl.url(""), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.URL.Opaque = path // sent exactly as written, dot segments and escapes included
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := cl.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func TestBlobPathsRefused(t *testing.T) {
	_, a, b, _, d := fetchSetup(t, 64<<10)
	for _, path := range []string{
		"/v1/blobs/../../etc/passwd",
		"/v1/blobs/..%2F..%2Fetc%2Fpasswd",
		"/v1/blobs/%2e%2e/" + d.String(),
		"/v1/blobs/" + d.String() + "/",
		"/v1/blobs/" + d.String()[:63],
		"/v1/blobs/" + string(bytes.ToUpper([]byte(d.String()))),
		"/v1/blobs/" + d.String() + "%00",
		"/v1/blobs/" + a.key.ID() + "-0123456789abcdef-0123456789ab",
	} {
		resp, body := b.get(t, path, nil)
		if resp.StatusCode != http.StatusBadRequest || !bytes.Contains(body, []byte(protocol.CodeMalformed)) {
			t.Errorf("GET %s: %s %s", path, resp.Status, body)
		}
	}
	// Range: the part asked for, from the hub's copy.
	resp, body := b.get(t, "/v1/blobs/"+d.String(), http.Header{"Range": {"bytes=100-199"}})
	want := plaintextOf(t, a.store, d)
	if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(body, want[100:200]) {
		t.Fatalf("range: %s, %d bytes", resp.Status, len(body))
	}
}

// A hub that answers a fetch with an endless stream (no Content-Length):
// the terminal stops after the custody record's size, keeps nothing, and
// holds no more memory than its copy buffer while it reads.
func TestFetchFromAnEndlessHub(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	h, err := hub.Open(ctx, dir, []byte("hub pass"), hub.Options{KDF: fastKDF, Blobs: s3test.HubBlobs(t, dir)})
	if err != nil {
		t.Fatal(err)
	}
	inner, err := server.New(h, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	var sent atomic.Int64
	var mode atomic.Value // "endless", "stall" (the first 100 KiB, then nothing), "serve"
	mode.Store("endless")
	var ranges []string
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || !strings.HasPrefix(r.URL.Path, protocol.PathBlobs) || mode.Load() == "serve" {
			if r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, protocol.PathBlobs) {
				ranges = append(ranges, r.Header.Get("Range"))
			}
			inner.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		if mode.Load() == "stall" {
			content := hubtest.BlobBytes(t, h, mustDigest(r.URL.Path[len(protocol.PathBlobs):]))
			w.Header().Set("Content-Length", itoa64(len(content)))
			w.Write(content[:100<<10])
			w.(http.Flusher).Flush()
			<-r.Context().Done()
			return
		}
		buf := make([]byte, 64<<10)
		for r.Context().Err() == nil {
			n, err := w.Write(buf)
			sent.Add(int64(n))
			if err != nil {
				return
			}
		}
	})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	th := serveHub(t, h, dir, l, handler)
	a := agencyTerminal(t, th, "采集站-A", agencyOne)
	b := agencyTerminal(t, th, "采集站-B", agencyOne)
	d := a.addFootage(t, 1<<20)[0]
	a.sync(t, Options{})
	b.sync(t, Options{})

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err = b.client(t).FetchBlob(ctx, d, 1<<20)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrFetchMismatch) {
		t.Fatalf("an endless answer: %v", err)
	}
	if held, _ := b.store.Blobs().Has(d); held || len(b.tempFiles(t)) != 0 {
		t.Fatal("something of an endless answer kept")
	}
	if grew := int64(after.HeapInuse) - int64(before.HeapInuse); grew > 8<<20 {
		t.Fatalf("the heap grew by %d bytes reading an endless answer", grew)
	}
	// What the hub wrote before the terminal hung up: the clip's size and
	// what the sockets' buffers took, not an unbounded stream.
	if n := sent.Load(); n > 1<<20+64<<20 {
		t.Fatalf("the terminal read on: the hub wrote %d bytes", n)
	}
	// A hub that stops sending mid-answer is cut at the stall limit; what
	// arrived is kept for the next attempt, which asks for the rest.
	mode.Store("stall")
	cl, err := New(ctx, b.store, b.key, Options{Timeout: 5 * time.Second, StallTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = cl.FetchBlob(ctx, d, 1<<20)
	if !errors.Is(err, ErrTimeout) || !strings.Contains(err.Error(), "no progress") || time.Since(start) > 4*time.Second {
		t.Fatalf("a stalled answer: %v after %s", err, time.Since(start))
	}
	if held, _ := b.store.Blobs().Has(d); held {
		t.Fatal("a stalled answer's bytes taken in")
	}
	if left := b.tempFiles(t); len(left) != 1 || !strings.Contains(left[0], "partial-fetch") {
		t.Fatalf("temporary files after a cut: %v", left)
	}
	mode.Store("serve")
	f, err := b.client(t).FetchBlob(ctx, d, 1<<20)
	if err != nil || f.Size != 1<<20 {
		t.Fatalf("resumed fetch: %+v %v", f, err)
	}
	// The copy is sealed as it arrives: a cut one keeps its whole 64 KiB
	// chunks and the resumed fetch asks for what follows them.
	if len(ranges) != 1 || ranges[0] != "bytes=65536-" {
		t.Fatalf("the resumed fetch asked for %q, want the rest after the first whole chunk of the 100 KiB", ranges)
	}
	if err := b.store.Blobs().Verify(ctx, d); err != nil || len(b.tempFiles(t)) != 0 {
		t.Fatalf("after resuming: %v, temporary files %v", err, b.tempFiles(t))
	}
}

func mustDigest(s string) evidence.Digest {
	d, err := evidence.ParseDigest(s)
	if err != nil {
		panic(err)
	}
	return d
}

func itoa64(n int) string { return strconv.Itoa(n) }
