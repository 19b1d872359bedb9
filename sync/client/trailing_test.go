package client

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"lawtrail/evidence"
	"lawtrail/store"
	"lawtrail/sync/protocol"
)

// Every JSON body the hub reads holds one value: a second value, or any
// non-space after the first, is refused as malformed (400) before anything
// is stored or spent. Sent as raw HTTPS requests, as curl would.
func TestHubRefusesTrailingData(t *testing.T) {
	ctx := context.Background()
	th := startHub(t, t.TempDir())
	tm, _ := joined(t, th)
	tm.cases(t, 2)
	evs, err := tm.store.EventsFrom(ctx, tm.key.ID(), 1, 100)
	if err != nil {
		t.Fatal(err)
	}
	batch, _ := json.Marshal(protocol.EventBatch{Events: evs})
	hdr := map[string]string{"Content-Type": "application/json"}
	before, _, _ := hubCounts(t, th)
	for _, tail := range []string{string(batch), "{}", `{"events":[]}`, "null", "x", "]", "\n{"} {
		a := rawRequest(t, th.addr, tm.key, protocol.ServerNameHub, http.MethodPost, protocol.PathEvents, hdr, string(batch)+tail)
		if a.status != http.StatusBadRequest || !strings.Contains(a.body, protocol.CodeMalformed) {
			t.Errorf("events followed by %q: %d %s", tail, a.status, a.body)
		}
	}
	if n, _, _ := hubCounts(t, th); n != before {
		t.Fatalf("refused batches stored %d events", n-before)
	}
	// White space after the value is no trailing data.
	if a := rawRequest(t, th.addr, tm.key, protocol.ServerNameHub, http.MethodPost, protocol.PathEvents, hdr, string(batch)+" \r\n\t"); a.status != http.StatusOK {
		t.Fatalf("a batch followed by white space: %d %s", a.status, a.body)
	}

	// Enrollment: a trailing value is refused and the code is not spent.
	code, _ := protocol.ParseEnrollCode(th.code(t))
	stranger, _ := evidence.GenerateKeyPair(rand.Reader)
	req, _ := json.Marshal(protocol.EnrollRequest{Code: code.Secret, TerminalName: "t2"})
	if a := rawRequest(t, th.addr, stranger, protocol.ServerNameEnroll, http.MethodPost, protocol.PathEnroll, hdr, string(req)+`{"code":"x"}`); a.status != http.StatusBadRequest || !strings.Contains(a.body, protocol.CodeMalformed) {
		t.Fatalf("an enrollment with a second value: %d %s", a.status, a.body)
	}
	if a := rawRequest(t, th.addr, stranger, protocol.ServerNameEnroll, http.MethodPost, protocol.PathEnroll, hdr, `{"code":"`+strings.Repeat("a", 5000)+`"}`); a.status != http.StatusRequestEntityTooLarge {
		t.Fatalf("an enrollment request of 5000 bytes: %d %s", a.status, a.body)
	}
	if a := rawRequest(t, th.addr, stranger, protocol.ServerNameEnroll, http.MethodPost, protocol.PathEnroll, hdr, string(req)); a.status != http.StatusOK {
		t.Fatalf("the same code after the refusals: %d %s", a.status, a.body)
	}
}

// fakeHub is a TLS server holding the pinned hub certificate that answers
// every request with answer: a hub that misbehaves.
func fakeHub(t *testing.T, answer func(w http.ResponseWriter)) *Client {
	t.Helper()
	hubKey, _ := evidence.GenerateKeyPair(rand.Reader)
	cert, err := protocol.SelfSignedCert(hubKey, "hub", protocol.ServerNameHub)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { answer(w) }))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, ClientAuth: tls.RequireAnyClientCert, MinVersion: tls.VersionTLS13}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	tm := newTerminal(t)
	opt := Options{Timeout: 10 * time.Second}
	hc, err := httpClient(tm.key, protocol.Fingerprint(cert.Certificate[0]), protocol.ServerNameHub, opt)
	if err != nil {
		t.Fatal(err)
	}
	return &Client{st: tm.store, key: tm.key, http: hc, opt: opt, hub: store.HubLink{URL: srv.URL, HubKey: hubKey.Public}}
}

// The terminal reads one JSON value of at most maxAnswer bytes from the
// hub: trailing data or a longer answer is an error, never a parse of part.
func TestClientRefusesTrailingAndOversizeAnswers(t *testing.T) {
	ctx := context.Background()
	state := `{"terminal":"k1","last_seq":7}`
	for name, body := range map[string]string{
		"a second value":    state + `{"last_seq":0}`,
		"trailing garbage":  state + " x",
		"over the cap":      state + strings.Repeat(" ", maxAnswer),
		"an answer cut off": state[:len(state)-1],
	} {
		c := fakeHub(t, func(w http.ResponseWriter) { w.Write([]byte(body)) })
		var st protocol.State
		if err := c.call(ctx, http.MethodGet, protocol.PathState, nil, &st); err == nil {
			t.Errorf("%s: accepted as %+v", name, st)
		}
	}
	c := fakeHub(t, func(w http.ResponseWriter) { w.Write([]byte(state + "\n")) })
	var st protocol.State
	if err := c.call(ctx, http.MethodGet, protocol.PathState, nil, &st); err != nil || st.LastSeq != 7 {
		t.Fatalf("a well-formed answer: %+v %v", st, err)
	}
}
