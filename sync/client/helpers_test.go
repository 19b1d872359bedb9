package client

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"lawtrail/casework"
	"lawtrail/evidence"
	"lawtrail/hub"
	"lawtrail/hub/blobstore/s3test"
	"lawtrail/store"
	"lawtrail/store/storetest"
	"lawtrail/sync/server"
)

var fastKDF = evidence.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}

// testHub is a real hub: its handler over TLS on a loopback port.
type testHub struct {
	hub  *hub.Hub
	dir  string
	addr string
	srv  *http.Server
}

func startHub(t testing.TB, dir string) *testHub { return startHubAt(t, dir, "127.0.0.1:0") }

// startHubAt starts a hub on addr (to restart one where it was).
func startHubAt(t testing.TB, dir, addr string) *testHub {
	t.Helper()
	ctx := context.Background()
	h, err := hub.Open(ctx, dir, []byte("hub pass"), hub.Options{KDF: fastKDF, Blobs: s3test.HubBlobs(t, dir)})
	if err != nil {
		t.Fatal(err)
	}
	handler, err := server.New(h, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	var l net.Listener
	for i := 0; i < 50; i++ { // the old listener's port may take a moment to free
		if l, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	return serveHub(t, h, dir, l, handler)
}

// startHubRewriting is a real hub whose answers to method on path pass
// through rewrite first: a hub that lies, pads or replays.
func startHubRewriting(t *testing.T, method, path string, rewrite func([]byte) []byte) *testHub {
	t.Helper()
	return startHubRewritingWhere(t, func(r *http.Request) bool { return r.Method == method && r.URL.Path == path },
		func(_ *http.Request, b []byte) []byte { return rewrite(b) })
}

// startHubRewritingWhere is startHubRewriting for the requests match
// takes, rewrite given the request it answers.
func startHubRewritingWhere(t *testing.T, match func(*http.Request) bool, rewrite func(*http.Request, []byte) []byte) *testHub {
	t.Helper()
	dir := t.TempDir()
	h, err := hub.Open(context.Background(), dir, []byte("hub pass"), hub.Options{KDF: fastKDF, Blobs: s3test.HubBlobs(t, dir)})
	if err != nil {
		t.Fatal(err)
	}
	inner, err := server.New(h, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !match(r) {
			inner.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		inner.ServeHTTP(rec, r)
		w.Header().Set("Content-Type", "application/json")
		w.Write(rewrite(r, rec.Body.Bytes()))
	})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return serveHub(t, h, dir, l, handler)
}

// serveHub serves handler (the hub's, or one wrapped around it) over TLS
// on l until the test ends.
func serveHub(t testing.TB, h *hub.Hub, dir string, l net.Listener, handler http.Handler) *testHub {
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, ErrorLog: discardLog()}
	go srv.Serve(tls.NewListener(l, h.TLSConfig()))
	th := &testHub{hub: h, dir: dir, addr: l.Addr().String(), srv: srv}
	t.Cleanup(th.stop)
	return th
}

func (th *testHub) stop() {
	if th.srv != nil {
		th.srv.Close()
		th.hub.Close()
		th.srv = nil
	}
}

func (th *testHub) url() string { return "https://" + th.addr }

func (th *testHub) code(t testing.TB) string {
	t.Helper()
	c, err := th.hub.IssueCode(context.Background(), th.url(), "某区市场监督管理局", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return c.String()
}

// terminal is an initialised terminal store.
type terminal struct {
	dir   string
	store *store.Store
	key   evidence.KeyPair
}

func newTerminal(t testing.TB) *terminal {
	t.Helper()
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "terminal")
	key, err := store.InitTerminal(ctx, dir, store.TerminalSetup{
		TerminalName: "t1", AgencyName: "某区市场监督管理局", OfficerID: "o-001", OfficerName: "张三", CredentialNo: "35010000001",
		Roles: []casework.Role{casework.RoleAdmin, casework.RoleClerk, casework.RoleOfficer}, Passphrase: []byte("terminal pass"), PIN: []byte("123456"),
		KDF: fastKDF, Rand: rand.Reader,
	})
	if err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(ctx, dir, store.Options{Keys: storetest.Keys(t, key)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return &terminal{dir: dir, store: s, key: key}
}

// addFootage stores n blobs of the given size and records their custody.
func (tm *terminal) addFootage(t testing.TB, sizes ...int) []evidence.Digest {
	t.Helper()
	ctx := context.Background()
	var out []evidence.Digest
	for i, size := range sizes {
		buf := make([]byte, size)
		rand.Read(buf)
		d, n, err := tm.store.Blobs().Put(ctx, bytesReader(buf))
		if err != nil {
			t.Fatal(err)
		}
		_, err = tm.store.Append(ctx, tm.key, store.Draft{Actor: "o-001", Blobs: []evidence.Digest{d}, Payload: &casework.FootageIngested{
			Digest: d, SourceKey: casework.SourceKey{DeviceSerial: "DSJ0001", Path: fmt.Sprintf("DCIM/%s-%d.MP4", d.String()[:8], i), Size: n,
				ModTime: time.Date(2026, 11, 20, 10, 0, i, 0, casework.Shanghai)}, Clerk: "o-001", Station: "s"}})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, d)
	}
	return out
}

func (tm *terminal) cases(t testing.TB, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("c-%d-%d", time.Now().UnixNano(), i)
		if _, err := tm.store.Append(context.Background(), tm.key, store.Draft{Actor: "o-001", Payload: &casework.CaseOpened{
			Case: id, Number: id, Title: "无照经营", ActType: casework.ActPenalty, Agency: "a1"}}); err != nil {
			t.Fatal(err)
		}
	}
}

type readerOf []byte

func bytesReader(b []byte) io.Reader { r := readerOf(b); return &r }

func (r *readerOf) Read(p []byte) (int, error) {
	if len(*r) == 0 {
		return 0, io.EOF
	}
	n := copy(p, *r)
	*r = (*r)[n:]
	return n, nil
}

// plaintextOf reads a blob's plaintext from a terminal's sealed blob store.
func plaintextOf(t testing.TB, st *store.Store, d evidence.Digest) []byte {
	t.Helper()
	r, err := st.Blobs().Open(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
