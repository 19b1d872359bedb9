package hub

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"sync"
	"testing"
	"time"

	"lawtrail/casework"
	"lawtrail/sync/server"
)

// registeredKey is the public key the hub holds for terminal.
func registeredKey(t testing.TB, h *Hub, terminal string) ed25519.PublicKey {
	t.Helper()
	var pub []byte
	if err := h.db.QueryRowContext(context.Background(), "SELECT public_key FROM terminals WHERE id = ?", terminal).Scan(&pub); err != nil {
		t.Fatal(err)
	}
	return pub
}

// BenchmarkAppendStorage is the hub's record alone: Append of 20,000
// case.opened events (each with its read-model rows and log leaf) in
// batches of 500 from 8 terminals at once, in the process — no TLS, JSON or
// signature checks, which BenchmarkHubAcceptance in ./cmd/lawtrail-hub/
// measures with the rest. Appends are committed one group at a time, so
// this is the part of acceptance that no second core speeds up. It reports
// the wall time per event on the engine LAWTRAIL_TEST_HUB_DB names, beside
// raw ed25519.Verify of the same events on one core in the same run: for
// acceptance at 0.8 of raw verify, storage/raw-verify must stay under 1.25.
func BenchmarkAppendStorage(b *testing.B) {
	const terminals, perTerminal, batch = 8, 2500, 500
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		h := openTestHub(b)
		work := make([][][]server.Verified, terminals)
		ids := make([]string, terminals)
		for i := range work {
			ft := registerTerminal(b, h, "某区市场监督管理局")
			ids[i] = ft.key.ID()
			for range perTerminal / batch {
				var vs []server.Verified
				for range batch {
					id := fmt.Sprintf("c-%s-%d", ft.key.ID()[:8], ft.seq+1)
					vs = append(vs, ft.signed(b, &casework.CaseOpened{Case: id, Number: id, Title: "无照经营", ActType: casework.ActPenalty, Agency: "a1"}))
				}
				work[i] = append(work[i], vs)
			}
		}
		verifyStart := time.Now()
		for i := range work {
			pub := registeredKey(b, h, ids[i])
			for _, vs := range work[i] {
				for _, v := range vs {
					if !ed25519.Verify(pub, v.Event.Body, v.Event.Sig) {
						b.Fatal("a signature does not verify")
					}
				}
			}
		}
		raw := time.Since(verifyStart)
		b.StartTimer()
		start := time.Now()
		var wg sync.WaitGroup
		errs := make(chan error, terminals)
		for i := range work {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for _, vs := range work[i] {
					if _, err := h.Append(ctx, ids[i], vs, 0, false); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		took := time.Since(start)
		b.StopTimer()
		close(errs)
		for err := range errs {
			b.Fatal(err)
		}
		b.ReportMetric(float64(took.Microseconds())/float64(terminals*perTerminal), "µs/event")
		b.ReportMetric(float64(raw.Microseconds())/float64(terminals*perTerminal), "raw-verify-µs/event")
		b.ReportMetric(took.Seconds()/raw.Seconds(), "storage/raw-verify")
		h.Close()
		b.StartTimer()
	}
}
