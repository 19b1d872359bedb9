// Package hubtest runs a real hub for other packages' tests, as httptest
// runs an HTTP server: hub.Open in a temporary folder, its sync handler
// over TLS on a loopback port, one-time enrollment codes on demand.
package hubtest

import (
	"context"
	"crypto/tls"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"lawtrail/evidence"
	"lawtrail/hub"
	"lawtrail/hub/blobstore/s3test"
	"lawtrail/hub/postgrestest"
	"lawtrail/sync/server"
)

// FastKDF seals test keys quickly; never use it outside tests.
var FastKDF = evidence.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}

// Hub is a running hub.
type Hub struct {
	*hub.Hub
	Addr string // where its sync handler is served
}

// Start opens a hub in a new temporary folder and serves it until the test
// ends.
func Start(t testing.TB) *Hub {
	t.Helper()
	return StartWith(t, hub.Options{KDF: FastKDF})
}

// StartWith is Start with the hub's options (a clock, say). Without
// opt.DB the record is where postgrestest.HubDB says: SQLite in the
// temporary folder, or PostgreSQL when LAWTRAIL_TEST_HUB_DB=postgres;
// without opt.Blobs the footage is where s3test.HubBlobs says: the
// folder, or a bucket when LAWTRAIL_TEST_HUB_BLOBS=s3.
func StartWith(t testing.TB, opt hub.Options) *Hub {
	t.Helper()
	if opt.DB == "" {
		opt.DB = postgrestest.HubDB(t)
	}
	dir := t.TempDir()
	if opt.Blobs == "" {
		opt.Blobs = s3test.HubBlobs(t, dir)
	}
	h, err := hub.Open(context.Background(), dir, []byte("hub passphrase"), opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	th := &Hub{Hub: h}
	th.Addr = th.Serve(t, server.Options{})
	return th
}

// Serve serves the hub's sync handler with opt (live view's terminal
// routes, say) over TLS on a new loopback port until the test ends, and
// returns its host:port.
func (h *Hub) Serve(t testing.TB, opt server.Options) string {
	t.Helper()
	handler, err := server.NewWithOptions(h.Hub, slog.New(slog.DiscardHandler), opt)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, ErrorLog: log.New(io.Discard, "", 0)}
	go srv.Serve(tls.NewListener(l, h.TLSConfig()))
	t.Cleanup(func() { srv.Close() })
	return l.Addr().String()
}

// Code issues a one-time enrollment code for the agency.
func (h *Hub) Code(t testing.TB, agency string) string {
	t.Helper()
	c, err := h.IssueCode(context.Background(), "https://"+h.Addr, agency, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return c.String()
}
