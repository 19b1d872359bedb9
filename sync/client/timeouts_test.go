package client

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"lawtrail/evidence"
	"lawtrail/hub"
	"lawtrail/hub/blobstore/s3test"
	"lawtrail/store"
	"lawtrail/sync/faultproxy"
	"lawtrail/sync/protocol"
	"lawtrail/sync/server"
)

// startLimitedHub serves a real hub the way `lawtrail-hub serve` does:
// hub.Server with its connection limits, the handler with its time limits.
func startLimitedHub(t *testing.T, opt server.Options, lim hub.Limits) (*testHub, *hub.Server) {
	t.Helper()
	dir := t.TempDir()
	h, err := hub.Open(context.Background(), dir, []byte("hub pass"), hub.Options{KDF: fastKDF, Blobs: s3test.HubBlobs(t, dir)})
	if err != nil {
		t.Fatal(err)
	}
	handler, err := server.NewWithOptions(h, slog.New(slog.NewTextHandler(io.Discard, nil)), opt)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := h.NewServer(handler, lim, discardLog())
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close(); h.Close() })
	return &testHub{hub: h, dir: dir, addr: l.Addr().String()}, srv
}

// trickle is one slowloris connection from 127.0.0.2 (another client than
// the terminals on 127.0.0.1): a stranger's key on the enrollment door, a
// request announcing 1000 bytes of body sent one byte every 100 ms. It
// returns how long the hub kept the connection open.
func trickle(addr string, start time.Time) time.Duration {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}, Timeout: 10 * time.Second}
	raw, err := d.Dial("tcp", addr)
	if err != nil {
		return time.Since(start)
	}
	defer raw.Close()
	key, _ := evidence.GenerateKeyPair(rand.Reader)
	cert, _ := protocol.SelfSignedCert(key, "stranger")
	conn := tls.Client(raw, &tls.Config{MinVersion: tls.VersionTLS13, Certificates: []tls.Certificate{cert},
		ServerName: protocol.ServerNameEnroll, InsecureSkipVerify: true})
	if err := conn.Handshake(); err != nil {
		return time.Since(start) // closed at once: over a cap
	}
	ended := make(chan struct{})
	go func() {
		io.Copy(io.Discard, conn) // until the hub closes the connection
		close(ended)
	}()
	io.WriteString(conn, "POST /v1/enroll HTTP/1.1\r\nHost: enroll.lawtrail\r\nContent-Length: 1000\r\n\r\n")
	for i := 0; i < 1000; i++ {
		select {
		case <-ended:
			return time.Since(start)
		case <-time.After(100 * time.Millisecond):
		}
		if _, err := conn.Write([]byte{'{'}); err != nil {
			break
		}
	}
	<-ended
	return time.Since(start)
}

// Slowloris: 50 TLS connections trickling a body byte by byte are all
// closed within the request deadline (or at once, over the per-address
// cap), while an enrolled terminal syncs events and footage meanwhile.
func TestSlowBodiesAreCutWhileTerminalsSync(t *testing.T) {
	th, srv := startLimitedHub(t, server.Options{RequestTimeout: time.Second, StallTimeout: time.Second},
		hub.Limits{HandshakeTimeout: time.Second, MaxUnenrolledPerIP: 10})
	tm, c := joined(t, th)
	tm.cases(t, 3)
	tm.addFootage(t, 300<<10)

	const n = 50
	start := time.Now()
	held := make(chan time.Duration, n)
	for i := 0; i < n; i++ {
		go func() { held <- trickle(th.addr, start) }()
	}
	time.Sleep(300 * time.Millisecond) // the flood takes its places first
	rep, err := c.Once(context.Background())
	if err != nil || rep.Receipts != 1 || rep.BlobsWaiting != 0 {
		t.Fatalf("the enrolled terminal during the flood: %+v %v", rep, err)
	}
	var longest time.Duration
	for i := 0; i < n; i++ {
		select {
		case d := <-held:
			longest = max(longest, d)
		case <-time.After(30 * time.Second):
			t.Fatalf("%d of %d trickling connections still open after 30 s (request deadline 1 s)", n-i, n)
		}
	}
	// The deadline is 1 s; the bound allows for a loaded machine.
	if longest > 10*time.Second {
		t.Fatalf("a trickling connection was held %s (request deadline 1 s)", longest)
	}
	if srv.Refused() < n-10 {
		t.Fatalf("%d connections refused at once, want at least %d over the per-address cap of 10", srv.Refused(), n-10)
	}
	t.Logf("longest trickling connection %s, %d refused at once", longest.Round(time.Millisecond), srv.Refused())
}

// patchConn opens a PATCH of the upload u on a connection of its own and
// returns it with the writer of its body.
func patchConn(t *testing.T, th *testHub, tm *terminal, u store.Upload, length int) (*tls.Conn, *bufio.Reader) {
	t.Helper()
	cert, _ := protocol.SelfSignedCert(tm.key, tm.key.ID())
	conn, err := tls.Dial("tcp", th.addr, &tls.Config{MinVersion: tls.VersionTLS13, Certificates: []tls.Certificate{cert},
		ServerName: protocol.ServerNameHub, InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "PATCH %s HTTP/1.1\r\nHost: hub.lawtrail\r\nTus-Resumable: 1.0.0\r\nUpload-Offset: %d\r\n"+
		"Content-Type: application/offset+octet-stream\r\nContent-Length: %d\r\n\r\n", u.URL, u.Offset, length)
	return conn, bufio.NewReader(conn)
}

// The hub cuts an upload whose body stops (and keeps what arrived), and
// lets one that is slow but keeps moving finish, though it lasts several
// times the stall window.
func TestHubCutsAStalledUploadNotASlowOne(t *testing.T) {
	ctx := context.Background()
	th, _ := startLimitedHub(t, server.Options{RequestTimeout: 2 * time.Second, StallTimeout: time.Second}, hub.Limits{})
	tm, c := joined(t, th)
	const size = 48 << 10
	d := tm.addFootage(t, size)[0]
	c.opt.Metered = true
	if _, err := c.Once(ctx); err != nil {
		t.Fatal(err)
	}
	u, err := c.create(ctx, store.PendingBlob{Digest: d, Size: size})
	if err != nil {
		t.Fatal(err)
	}
	blob := plaintextOf(t, tm.store, d)

	// Stalled: 1000 bytes, then nothing.
	conn, _ := patchConn(t, th, tm, u, size)
	conn.Write(blob[:1000])
	start := time.Now()
	ended := make(chan struct{})
	go func() { io.Copy(io.Discard, conn); close(ended) }()
	select {
	case <-ended:
	case <-time.After(20 * time.Second):
		t.Fatal("a stalled upload still open after 20 s (stall window 1 s)")
	}
	if held := time.Since(start); held > 10*time.Second {
		t.Fatalf("a stalled upload was held %s (stall window 1 s)", held)
	}
	if u.Offset, err = c.head(ctx, u.URL); err != nil || u.Offset != 1000 {
		t.Fatalf("after the cut the hub holds %d bytes (%v), want the 1000 that arrived", u.Offset, err)
	}

	// Slow but moving: the rest in 12 pieces 300 ms apart.
	conn, br := patchConn(t, th, tm, u, size-1000)
	rest := blob[1000:]
	piece := len(rest)/12 + 1
	for len(rest) > 0 {
		time.Sleep(300 * time.Millisecond)
		k := min(piece, len(rest))
		if _, err := conn.Write(rest[:k]); err != nil {
			t.Fatalf("the slow upload was cut: %v", err)
		}
		rest = rest[k:]
	}
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	resp, err := http.ReadResponse(br, &http.Request{Method: http.MethodPatch})
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("the slow upload: %v %v", resp, err)
	}
	if _, ok, err := c.receipt(ctx, d); !ok || err != nil {
		t.Fatalf("no receipt for the slow upload: %v", err)
	}
}

// The terminal cuts an upload when the hub freezes (a clear ErrTimeout,
// within the stall window plus the answer timeout), and lets a slow one
// that keeps moving finish; after the thaw the cut upload resumes.
func TestClientCutsAStalledUploadNotASlowOne(t *testing.T) {
	ctx := context.Background()
	th, _ := startLimitedHub(t, server.Options{StallTimeout: time.Second}, hub.Limits{})
	tm, _ := joined(t, th)
	tm.addFootage(t, 500<<10)

	slow := startProxy(t, th.addr, faultproxy.Config{Rate: 150 << 10})
	c, err := New(ctx, tm.store, tm.key, Options{ChunkSize: 1 << 20, Timeout: 15 * time.Second, StallTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	c.hub.URL = "https://" + slow.Addr()
	start := time.Now()
	if rep, err := c.Once(ctx); err != nil || rep.Receipts != 1 {
		t.Fatalf("a slow upload: %+v %v", rep, err)
	}
	// At 150 KiB/s the upload cannot take less than ~3 s: it outlasted
	// both stall windows (1 s) while it moved.
	if took := time.Since(start); took < 2*time.Second {
		t.Fatalf("the slow upload took %s: the proxy did not slow it", took)
	}

	d2 := tm.addFootage(t, 3<<20)[0]
	frozen := startProxy(t, th.addr, faultproxy.Config{Rate: 512 << 10})
	c2, err := New(ctx, tm.store, tm.key, Options{ChunkSize: 4 << 20, Timeout: 5 * time.Second, StallTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	c2.hub.URL = "https://" + frozen.Addr()
	go func() {
		for frozen.Up.Load() < 700<<10 {
			time.Sleep(20 * time.Millisecond)
		}
		frozen.Freeze()
	}()
	done := make(chan error, 1)
	var frozenAt time.Time
	go func() { _, err := c2.Once(ctx); done <- err }()
	for frozenAt.IsZero() {
		if frozen.Up.Load() >= 700<<10 {
			frozenAt = time.Now()
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case err = <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("the pass against a frozen hub did not end within 60 s")
	}
	if !errors.Is(err, ErrTimeout) || !strings.Contains(err.Error(), "hub timeout") {
		t.Fatalf("against a frozen hub: %v, want ErrTimeout", err)
	}
	// Stall window 1 s, answer timeout 5 s: the bound allows for a loaded machine.
	if took := time.Since(frozenAt); took > 20*time.Second {
		t.Fatalf("the frozen upload was cut after %s", took)
	}
	t.Logf("cut %s after the freeze: %v", time.Since(frozenAt).Round(time.Millisecond), err)
	frozen.Thaw()
	if rep, err := c2.Once(ctx); err != nil || rep.Receipts != 1 {
		t.Fatalf("after the thaw: %+v %v", rep, err)
	}
	if ok, _ := tm.store.HasReceipt(ctx, d2); !ok {
		t.Fatal("no receipt after the thaw")
	}
}
