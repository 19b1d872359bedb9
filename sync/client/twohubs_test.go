package client

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"lawtrail/hub"
	"lawtrail/hub/blobstore/s3test"
	"lawtrail/hub/postgrestest"
	"lawtrail/store"
	"lawtrail/sync/protocol"
)

// Two hub processes' worth of hubs on one PostgreSQL record and one bucket,
// as behind a load balancer: while a PATCH through hub A is writing an
// upload (its body stalled half-way, as a stale connection's), a PATCH of
// other bytes to the same upload through hub B asks A to let go and waits:
// A's request ends before B's is answered, never both writing at once.
// The terminal then finishes its upload, and what the hub keeps is the
// clip, receipted, clean in check.
func TestOnePatchAtATimeAcrossTwoHubs(t *testing.T) {
	ctx := context.Background()
	srv := s3test.Start(t)
	srv.SetEnv(t)
	dir := t.TempDir()
	opt := hub.Options{KDF: fastKDF, DB: postgrestest.Start(t), Blobs: srv.Spec("two")}
	a := startHubWith(t, dir, opt)
	b := startHubWith(t, dir, opt)
	tm, c := joined(t, a)
	const size = 1 << 20
	d := tm.addFootage(t, size)[0]
	clip := plaintextOf(t, tm.store, d)
	c.opt.Metered = true // events only
	if _, err := c.Once(ctx); err != nil {
		t.Fatal(err)
	}
	u, err := c.create(ctx, store.PendingBlob{Digest: d, Size: size})
	if err != nil {
		t.Fatal(err)
	}
	patch := map[string]string{"Tus-Resumable": tusVersion, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"}

	// Through A: the headers and the first half, then nothing for a while.
	conn := dialHub(t, a.addr, tm)
	fmt.Fprintf(conn, "PATCH %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\nContent-Length: %d\r\n", u.URL, protocol.ServerNameHub, size)
	for k, v := range patch {
		fmt.Fprintf(conn, "%s: %s\r\n", k, v)
	}
	io.WriteString(conn, "\r\n")
	conn.Write(clip[:size/2])
	time.Sleep(300 * time.Millisecond) // A's request holds the upload's lock now

	type ended struct {
		status int
		at     time.Time
	}
	aEnded := make(chan ended, 1)
	go func() {
		resp, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: http.MethodPatch})
		if err != nil {
			aEnded <- ended{0, time.Now()}
			return
		}
		resp.Body.Close()
		aEnded <- ended{resp.StatusCode, time.Now()}
	}()
	answers := make(chan rawAnswer, 1)
	go func() {
		answers <- rawRequest(t, b.addr, tm.key, protocol.ServerNameHub, http.MethodPatch, u.URL, patch, string(bytes.Repeat([]byte("x"), size)))
	}()
	var bAt time.Time
	select {
	case r := <-answers:
		bAt = time.Now()
		t.Logf("B's PATCH: %d %s", r.status, r.body)
	case <-time.After(30 * time.Second):
		t.Fatal("B's PATCH never answered")
	}
	select {
	case a := <-aEnded:
		if a.at.After(bAt) {
			t.Fatalf("B's PATCH was answered while A's was still writing the upload")
		}
		t.Logf("A's PATCH, asked to let go: %d", a.status)
	default:
		t.Fatal("B's PATCH was answered while A's was still writing the upload")
	}
	// The terminal resumes or starts again: whatever the hub keeps hashes
	// to the digest.
	c.opt.Metered = false
	syncUntilDone(t, c, 5)
	rc, found, err := b.hub.Receipt(ctx, tm.key.ID(), d)
	if err != nil || !found || rc.Verify(b.hub.PublicKey()) != nil {
		t.Fatalf("receipt: %+v %v %v", rc, found, err)
	}
	if rep, err := b.hub.Check(ctx); err != nil || len(rep.Problems) != 0 {
		t.Fatalf("check: %+v %v", rep, err)
	}
	if err := b.hub.Blobs().Verify(ctx, d); err != nil {
		t.Fatal(err)
	}
}

// dialHub opens a TLS connection to the hub as tm.
func dialHub(t *testing.T, addr string, tm *terminal) *tls.Conn {
	t.Helper()
	cert, err := protocol.SelfSignedCert(tm.key, tm.key.ID())
	if err != nil {
		t.Fatal(err)
	}
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 10 * time.Second}, "tcp", addr, &tls.Config{
		MinVersion: tls.VersionTLS13, Certificates: []tls.Certificate{cert}, ServerName: protocol.ServerNameHub,
		InsecureSkipVerify: true, // a raw request: the hub's identity is not what is tested
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(60 * time.Second))
	return conn
}
