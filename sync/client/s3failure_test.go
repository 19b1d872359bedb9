package client

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"lawtrail/hub"
	"lawtrail/hub/blobstore/s3test"
	"lawtrail/sync/server"
)

// switchedLink forwards TCP connections to target until broken is set;
// then it takes each new connection and drops it at once, as a store that
// went away.
type switchedLink struct {
	l      net.Listener
	broken atomic.Bool
}

func startSwitchedLink(t *testing.T, target string) *switchedLink {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &switchedLink{l: l}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			if s.broken.Load() {
				c.Close()
				continue
			}
			go func() {
				defer c.Close()
				up, err := net.Dial("tcp", target)
				if err != nil {
					return
				}
				defer up.Close()
				go func() { io.Copy(up, c); up.Close() }()
				io.Copy(c, up)
			}()
		}
	}()
	return s
}

// lockedBuffer is a log sink for a hub serving in the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// An object store that fails under the hub: the terminal's answer says
// "internal" and nothing of the store — not its address, its bucket, the
// S3 operation or the SDK's words, which tusd's own answer carried —,
// while the hub's log has them; the footage waits on the terminal and
// arrives, with its receipt, once the store is back.
func TestStoreFailureStaysInTheHubsLog(t *testing.T) {
	ctx := context.Background()
	srv := s3test.Start(t)
	srv.SetEnv(t)
	link := startSwitchedLink(t, srv.Endpoint)
	spec := strings.Replace(srv.Spec("hub"), srv.Endpoint, link.l.Addr().String(), 1)
	dir := t.TempDir()
	h, err := hub.Open(ctx, dir, []byte("hub pass"), hub.Options{KDF: fastKDF, Blobs: spec})
	if err != nil {
		t.Fatal(err)
	}
	var log lockedBuffer
	handler, err := server.New(h, slog.New(slog.NewTextHandler(&log, nil)))
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	th := serveHub(t, h, dir, l, handler)
	tm, c := joined(t, th)
	d := tm.addFootage(t, 300<<10)[0]
	c.opt.Metered = true // the events first, while the store is there
	if _, err := c.Once(ctx); err != nil {
		t.Fatal(err)
	}
	c.opt.Metered = false

	link.broken.Store(true)
	rep, err := c.Once(ctx)
	if err == nil || rep.BlobsWaiting != 1 {
		t.Fatalf("with the store gone: %+v %v", rep, err)
	}
	said := err.Error()
	if !strings.Contains(said, "internal") {
		t.Errorf("the terminal was not told of an internal failure: %s", said)
	}
	port := link.l.Addr().(*net.TCPAddr).Port
	for _, leak := range []string{link.l.Addr().String(), srv.Bucket, "S3", "s3", "CreateMultipartUpload", "dial", "connection", "127.0.0.1", " EOF"} {
		if strings.Contains(said, leak) {
			t.Errorf("the terminal's answer names %q: %s", leak, said)
		}
	}
	if logged := log.String(); !strings.Contains(logged, "upload request failed") || !strings.Contains(logged, strings.TrimPrefix(link.l.Addr().String(), "127.0.0.1")) {
		t.Errorf("the hub's log lacks the store's failure (port %d):\n%s", port, logged)
	}

	link.broken.Store(false)
	if rep, err := c.Once(ctx); err != nil || rep.BlobsWaiting != 0 || rep.Receipts != 1 {
		t.Fatalf("with the store back: %+v %v", rep, err)
	}
	if ok, _ := tm.store.HasReceipt(ctx, d); !ok {
		t.Fatal("no receipt once the store is back")
	}
}
