package client

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"lawtrail/hub"
	"lawtrail/sync/protocol"
	"lawtrail/tsa"
	"lawtrail/tsa/tsatest"
)

func stampNewest(t *testing.T, th *testHub, srv *tsatest.Server) uint64 {
	t.Helper()
	size, stamped, err := th.hub.TimestampNewest(context.Background(), hub.TimestampConfig{URL: srv.URL, Timeout: 5 * time.Second})
	if err != nil || !stamped {
		t.Fatalf("timestamp newest checkpoint: %v (stamped %v)", err, stamped)
	}
	return size
}

func timestampsRead(t *testing.T, tm *terminal) uint64 {
	t.Helper()
	n, err := tm.store.TimestampsRead(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// The terminal keeps the hub's token of a checkpoint it holds, after
// checking it over that checkpoint's signed note; a token of a checkpoint
// it never held is passed over, and the list is read once.
func TestTimestampsFetchedAndKept(t *testing.T) {
	ctx := context.Background()
	th := startHub(t, t.TempDir())
	srv := tsatest.Serve(t, tsatest.NewAuthority(t, "Test"))
	tm, c := joined(t, th)
	tm.cases(t, 3)
	if _, err := c.Once(ctx); err != nil {
		t.Fatal(err)
	}
	s1 := stampNewest(t, th, srv) // the checkpoint of this terminal's batch
	if _, err := c.Once(ctx); err != nil {
		t.Fatal(err)
	}
	kept, ok, err := tm.store.Timestamp(ctx, s1)
	if err != nil || !ok || !strings.Contains(kept.TSA, "Test TSA") || time.Since(kept.GenTime) > time.Minute {
		t.Fatalf("token of checkpoint %d: %+v %v %v", s1, kept, ok, err)
	}
	raw, _ := tm.store.Checkpoint(ctx, s1)
	var cp protocol.Checkpoint
	json.Unmarshal(raw, &cp)
	if _, err := tsa.Verify(kept.Token, []byte(cp.Note), nil); err != nil {
		t.Fatalf("kept token: %v", err)
	}

	// Another terminal's batches make checkpoints s2 (stamped) and s3; this
	// terminal catches up to s3 and never holds s2.
	other, oc := joined(t, th)
	other.cases(t, 1)
	if _, err := oc.Once(ctx); err != nil {
		t.Fatal(err)
	}
	s2 := stampNewest(t, th, srv)
	other.cases(t, 1)
	if _, err := oc.Once(ctx); err != nil {
		t.Fatal(err)
	}
	s3 := stampNewest(t, th, srv)
	if _, err := c.Once(ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := tm.store.Timestamp(ctx, s2); ok {
		t.Fatalf("kept a token of checkpoint %d, which this terminal does not hold", s2)
	}
	if _, ok, _ := tm.store.Timestamp(ctx, s3); !ok {
		t.Fatalf("no token of the caught-up checkpoint %d", s3)
	}
	if n := timestampsRead(t, tm); n != s3 {
		t.Fatalf("read up to %d, want %d", n, s3)
	}
}

// A hub that serves a token of another note, a token with a changed byte,
// tokens out of order or more than a page is refused: nothing is kept, the
// pass says so, and the rest of the pass (events) is done all the same.
func TestBadTimestampsRefused(t *testing.T) {
	ctx := context.Background()
	auth := tsatest.NewAuthority(t, "Test")
	foreign, err := tsa.Client{URL: tsatest.Serve(t, auth).URL}.Stamp(ctx, []byte("another note"))
	if err != nil {
		t.Fatal(err)
	}
	rewrite := func(f func(protocol.Timestamps) protocol.Timestamps) func([]byte) []byte {
		return func(b []byte) []byte {
			var page protocol.Timestamps
			if err := json.Unmarshal(b, &page); err != nil {
				t.Errorf("timestamps answer %q: %v", b, err)
			}
			out, _ := json.Marshal(f(page))
			return out
		}
	}
	cases := []struct {
		name    string
		rewrite func(protocol.Timestamps) protocol.Timestamps
		want    string
		moved   bool // the cursor moves past a bad token, not past a refused page
	}{
		{"token of another note", func(p protocol.Timestamps) protocol.Timestamps {
			for i := range p.Timestamps {
				p.Timestamps[i].Token = foreign.DER
			}
			return p
		}, "not kept", true},
		{"a byte changed", func(p protocol.Timestamps) protocol.Timestamps {
			for i := range p.Timestamps {
				tok := p.Timestamps[i].Token
				tok[len(tok)-10] ^= 1 // inside the signature
			}
			return p
		}, "not kept", true},
		{"out of order", func(p protocol.Timestamps) protocol.Timestamps {
			if len(p.Timestamps) > 0 {
				p.Timestamps = append(p.Timestamps, p.Timestamps[0])
			}
			return p
		}, "not in order", false},
		{"more than a page", func(p protocol.Timestamps) protocol.Timestamps {
			for i := 0; len(p.Timestamps) > 0 && i <= protocol.MaxTimestampsPage; i++ {
				tt := p.Timestamps[0]
				tt.Size += uint64(i + 1)
				p.Timestamps = append(p.Timestamps, tt)
			}
			return p
		}, "more than 100", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			th := startHubRewriting(t, http.MethodGet, protocol.PathTimestamps, rewrite(tc.rewrite))
			srv := tsatest.Serve(t, auth)
			tm, c := joined(t, th)
			tm.cases(t, 2)
			if _, err := c.Once(ctx); err != nil {
				t.Fatal(err)
			}
			size := stampNewest(t, th, srv)
			tm.cases(t, 1)
			rep, err := c.Once(ctx)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("pass: %v, want %q", err, tc.want)
			}
			if rep.EventsSent != 1 {
				t.Fatalf("the rest of the pass: %+v", rep)
			}
			if _, ok, _ := tm.store.Timestamp(ctx, size); ok {
				t.Fatal("kept a bad token")
			}
			if moved := timestampsRead(t, tm) != 0; moved != tc.moved {
				t.Fatalf("cursor moved %v, want %v", moved, tc.moved)
			}
		})
	}
}

// A TSA that is down or hangs never touches syncing: the hub's rounds run
// beside serving, and passes take as long as without a TSA.
func TestTSADownOrSlowSyncUnaffected(t *testing.T) {
	ctx := context.Background()
	th := startHub(t, t.TempDir())
	srv := tsatest.Serve(t, tsatest.NewAuthority(t, "Test"))
	srv.SetMode(func(w http.ResponseWriter, r *http.Request, _ *tsatest.Authority, _ []byte) bool {
		<-r.Context().Done() // hangs until the hub gives up
		return true
	})
	down, _ := net.Listen("tcp", "127.0.0.1:0")
	downURL := "http://" + down.Addr().String()
	down.Close()
	for _, url := range []string{srv.URL, downURL} {
		rctx, cancel := context.WithCancel(ctx)
		go th.hub.RunTimestamps(rctx, hub.TimestampConfig{URL: url, Every: time.Second, Timeout: 30 * time.Second, Attempts: 3},
			slog.New(slog.NewTextHandler(io.Discard, nil)))
		defer cancel()
	}
	tm, c := joined(t, th)
	for i := 0; i < 5; i++ {
		tm.cases(t, 2)
		start := time.Now()
		rep, err := c.Once(ctx)
		if err != nil || rep.EventsSent < 2 || rep.HubLastSeq != head(t, tm) {
			t.Fatalf("pass %d: %+v %v", i, rep, err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("pass %d took %v beside a hanging TSA", i, d)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if srv.Requests.Load() == 0 {
		t.Fatal("the hanging TSA was never asked: the test proves nothing")
	}
	if page, _ := th.hub.Timestamps(ctx, 0, 100); len(page.Timestamps) != 0 {
		t.Fatalf("timestamps from TSAs that never answered: %+v", page)
	}
}

// GET /v1/timestamps attacked by hand: a cursor that is not a number or
// overflows is malformed, another method is not served, and the answer is
// the hub's tokens, nothing else.
func TestTimestampsEndpointRaw(t *testing.T) {
	th := startHub(t, t.TempDir())
	srv := tsatest.Serve(t, tsatest.NewAuthority(t, "Test"))
	tm, c := joined(t, th)
	if _, err := c.Once(context.Background()); err != nil {
		t.Fatal(err)
	}
	size := stampNewest(t, th, srv)
	get := func(method, target string) rawAnswer {
		return rawRequest(t, th.addr, tm.key, protocol.ServerNameHub, method, target, nil, "")
	}
	for _, target := range []string{"?after=abc", "?after=-1", "?after=18446744073709551616", "?after=1e3"} {
		if a := get(http.MethodGet, protocol.PathTimestamps+target); a.status != http.StatusBadRequest || !strings.Contains(a.body, protocol.CodeMalformed) {
			t.Fatalf("GET %s: %d %s", target, a.status, a.body)
		}
	}
	if a := get(http.MethodPost, protocol.PathTimestamps); a.status != http.StatusMethodNotAllowed {
		t.Fatalf("POST: %d %s", a.status, a.body)
	}
	a := get(http.MethodGet, protocol.PathTimestamps)
	var page protocol.Timestamps
	if err := json.Unmarshal([]byte(a.body), &page); a.status != http.StatusOK || err != nil || len(page.Timestamps) != 1 || page.Timestamps[0].Size != size {
		t.Fatalf("GET: %d %s %v", a.status, a.body, err)
	}
	a = get(http.MethodGet, fmt.Sprintf("%s?after=%d", protocol.PathTimestamps, size))
	if a.status != http.StatusOK || strings.TrimSpace(a.body) != `{"timestamps":[]}` {
		t.Fatalf("GET after the last: %d %s", a.status, a.body)
	}
}
