package hub

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"lawtrail/tsa"
	"lawtrail/tsa/tsatest"
)

// grow appends n leaves and signs the checkpoint, as an accepted batch does.
func grow(t *testing.T, h *Hub, n int) uint64 {
	t.Helper()
	ctx := context.Background()
	tx, err := h.db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	for i := 0; i < n; i++ {
		if _, err := appendLeaf(ctx, tx, leaf(i), "test", fmt.Sprint(time.Now().UnixNano())); err != nil {
			t.Fatal(err)
		}
	}
	cp, err := h.signCheckpoint(ctx, tx)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return cp.Size
}

func tsaConfig(t *testing.T, srv *tsatest.Server) TimestampConfig {
	t.Helper()
	roots, err := tsa.ParseCertificates(srv.Auth.CAPEM)
	if err != nil {
		t.Fatal(err)
	}
	return TimestampConfig{URL: srv.URL, Roots: roots, Timeout: time.Second, Attempts: 2}
}

// The newest checkpoint is timestamped once: the token (from a real openssl
// TSA) names SHA-256 of its signed note and is served by size; asking again
// sends nothing to the TSA until a newer checkpoint exists.
func TestNewestCheckpointTimestampedOnce(t *testing.T) {
	ctx := context.Background()
	h := openTestHub(t)
	srv := tsatest.Serve(t, tsatest.NewAuthority(t, "Test"))
	cfg := tsaConfig(t, srv)
	if size, stamped, err := h.TimestampNewest(ctx, cfg); err != nil || stamped || srv.Requests.Load() != 0 {
		t.Fatalf("the empty log: size %d stamped %v, %d requests, %v", size, stamped, srv.Requests.Load(), err)
	}
	s1 := grow(t, h, 3)
	size, stamped, err := h.TimestampNewest(ctx, cfg)
	if err != nil || !stamped || size != s1 {
		t.Fatalf("size %d stamped %v: %v", size, stamped, err)
	}
	if _, stamped, err := h.TimestampNewest(ctx, cfg); err != nil || stamped || srv.Requests.Load() != 1 {
		t.Fatalf("asked again for the same checkpoint: stamped %v, %d requests, %v", stamped, srv.Requests.Load(), err)
	}
	s2 := grow(t, h, 2)
	if size, stamped, err := h.TimestampNewest(ctx, cfg); err != nil || !stamped || size != s2 {
		t.Fatalf("newer checkpoint: size %d stamped %v: %v", size, stamped, err)
	}
	page, err := h.Timestamps(ctx, 0, 100)
	if err != nil || len(page.Timestamps) != 2 || page.Timestamps[0].Size != s1 || page.Timestamps[1].Size != s2 {
		t.Fatalf("served: %+v %v", page, err)
	}
	if page, _ := h.Timestamps(ctx, s1, 100); len(page.Timestamps) != 1 || page.Timestamps[0].Size != s2 {
		t.Fatalf("after %d: %+v", s1, page)
	}
	for _, ts := range page.Timestamps {
		cp, err := checkpointAt(ctx, h, ts.Size)
		if err != nil {
			t.Fatal(err)
		}
		tok, err := tsa.Verify(ts.Token, []byte(cp.Note), cfg.Roots)
		if err != nil || !tok.Chained || !strings.Contains(tok.TSA, "Test TSA") {
			t.Fatalf("token of %d: %+v %v", ts.Size, tok, err)
		}
	}
	if _, err := h.db.ExecContext(ctx, "DELETE FROM timestamps"); err == nil {
		t.Fatal("a timestamp was deleted")
	}
}

func checkpointAt(ctx context.Context, h *Hub, size uint64) (cp struct{ Note string }, err error) {
	var body string
	if err = h.db.QueryRowContext(ctx, "SELECT body FROM checkpoints WHERE size = ?", size).Scan(&body); err == nil {
		_, after, _ := strings.Cut(body, `"note":`)
		_, err = fmt.Sscanf(after, "%q", &cp.Note)
	}
	return cp, err
}

// A TSA that answers wrongly (garbage, a reply over 64 KiB, a token for
// another digest, a certificate that does not chain to --tsa-cert) or not
// at all is refused: nothing is kept, each round tries at most Attempts
// times within its time, and the next round can succeed.
func TestBadTSAReplyKeepsNothing(t *testing.T) {
	ctx := context.Background()
	h := openTestHub(t)
	srv := tsatest.Serve(t, tsatest.NewAuthority(t, "Test"))
	cfg := tsaConfig(t, srv)
	grow(t, h, 1)
	modes := map[string]tsatest.Mode{
		"garbage": func(w http.ResponseWriter, _ *http.Request, _ *tsatest.Authority, _ []byte) bool {
			w.Write([]byte("0\x82\xff\xff garbage"))
			return true
		},
		"oversize": func(w http.ResponseWriter, _ *http.Request, _ *tsatest.Authority, _ []byte) bool {
			w.Write(make([]byte, 10<<20))
			return true
		},
		"hangs": func(w http.ResponseWriter, r *http.Request, _ *tsatest.Authority, _ []byte) bool {
			<-r.Context().Done()
			return true
		},
		"another TSA's certificate": func(w http.ResponseWriter, r *http.Request, _ *tsatest.Authority, q []byte) bool {
			other := tsatest.NewAuthority(t, "Other")
			b, err := other.Reply(r.Context(), q)
			if err != nil {
				t.Error(err)
			}
			w.Write(b)
			return true
		},
	}
	for name, m := range modes {
		t.Run(name, func(t *testing.T) {
			srv.SetMode(m)
			before := srv.Requests.Load()
			start := time.Now()
			_, stamped, err := h.TimestampNewest(ctx, cfg)
			if err == nil || stamped {
				t.Fatalf("stamped %v, err %v", stamped, err)
			}
			t.Logf("%.160v", err)
			if n := srv.Requests.Load() - before; n != int64(cfg.Attempts) {
				t.Fatalf("%d requests, want %d", n, cfg.Attempts)
			}
			if d := time.Since(start); d > time.Duration(cfg.Attempts)*cfg.Timeout+2*time.Second {
				t.Fatalf("a round took %v", d)
			}
			if page, _ := h.Timestamps(ctx, 0, 100); len(page.Timestamps) != 0 {
				t.Fatalf("kept %+v", page)
			}
		})
	}
	srv.SetMode(nil)
	if _, stamped, err := h.TimestampNewest(ctx, cfg); err != nil || !stamped {
		t.Fatalf("an honest TSA afterwards: %v", err)
	}
}

// RunTimestamps stamps new checkpoints in the background, at most one
// round per interval, and ends with its context.
func TestRunTimestampsInBackground(t *testing.T) {
	h := openTestHub(t)
	srv := tsatest.Serve(t, tsatest.NewAuthority(t, "Test"))
	cfg := tsaConfig(t, srv)
	cfg.Every = 200 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { h.RunTimestamps(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil))); close(done) }()
	want := []uint64{grow(t, h, 1)}
	waitFor(t, h, want)
	want = append(want, grow(t, h, 4))
	waitFor(t, h, want)
	time.Sleep(3 * cfg.Every)
	if n := srv.Requests.Load(); n != 2 {
		t.Fatalf("%d requests to the TSA for 2 checkpoints", n)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("RunTimestamps did not end with its context")
	}
}

func waitFor(t *testing.T, h *Hub, sizes []uint64) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		page, err := h.Timestamps(context.Background(), 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Timestamps) == len(sizes) && page.Timestamps[len(sizes)-1].Size == sizes[len(sizes)-1] {
			return
		}
	}
	t.Fatalf("no timestamps of %v", sizes)
}

// lawtrail-hub check re-verifies every kept token: one moved to another
// checkpoint (inserted by hand, as an insider with SQLite would) is named.
func TestCheckFindsAMisplacedTimestamp(t *testing.T) {
	ctx := context.Background()
	h := openTestHub(t)
	srv := tsatest.Serve(t, tsatest.NewAuthority(t, "Test"))
	s1 := grow(t, h, 2)
	if _, _, err := h.TimestampNewest(ctx, tsaConfig(t, srv)); err != nil {
		t.Fatal(err)
	}
	if r, err := h.Check(ctx); err != nil || len(r.Problems) != 0 {
		t.Fatalf("check of a sound hub: %+v %v", r.Problems, err)
	}
	s2 := grow(t, h, 1)
	if _, err := h.db.ExecContext(ctx, "INSERT INTO timestamps (size, token, gen_time, tsa, stored_at) SELECT ?, token, gen_time, tsa, stored_at FROM timestamps WHERE size = ?", s2, s1); err != nil {
		t.Fatal(err)
	}
	r, err := h.Check(ctx)
	if err != nil || len(r.Problems) != 1 || r.Problems[0].Item != fmt.Sprintf("timestamp %d", s2) {
		t.Fatalf("check: %+v %v", r.Problems, err)
	}
}
