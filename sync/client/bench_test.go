package client

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"testing"
	"time"

	"lawtrail/sync/faultproxy"
)

// BenchmarkGoodput uploads footage through the throttling proxy at 1 MiB/s
// and 10 MiB/s, with and without a cut every 2–4 MiB, and reports goodput
// (footage bytes per second) as a ratio to the cap, and the bytes sent
// again per cut. Target: ratio ≥ 0.9.
func BenchmarkGoodput(b *testing.B) {
	for _, capMiB := range []int{1, 10} {
		for _, cuts := range []bool{false, true} {
			b.Run(fmt.Sprintf("cap=%dMiB/cuts=%v", capMiB, cuts), func(b *testing.B) {
				for b.Loop() {
					th := startHub(b, b.TempDir())
					tm := newTerminal(b)
					if _, err := Join(context.Background(), tm.store, tm.key, th.code(b), "t"); err != nil {
						b.Fatal(err)
					}
					total := 6 * capMiB << 20 // about six seconds of link
					var sizes []int
					for left := total; left > 0; left -= 2 << 20 {
						sizes = append(sizes, min(left, 2<<20))
					}
					tm.addFootage(b, sizes...)
					cfg := faultproxy.Config{Rate: capMiB << 20}
					if cuts {
						cfg.CutMin, cfg.CutMax = 2<<20, 4<<20
					}
					p := startProxy(b, th.addr, cfg)
					c, err := New(context.Background(), tm.store, tm.key, Options{ChunkSize: 1 << 20})
					if err != nil {
						b.Fatal(err)
					}
					c.opt.Metered = true // events first, outside the measurement
					c.hub.URL = "https://" + p.Addr()
					if _, err := c.Once(context.Background()); err != nil {
						b.Fatal(err)
					}
					c.opt.Metered = false
					start := time.Now()
					for pass := 0; ; pass++ {
						rep, err := c.Once(context.Background())
						if err == nil && rep.BlobsWaiting == 0 {
							break
						}
						if pass > 100 {
							b.Fatalf("not done: %v", err)
						}
					}
					el := time.Since(start)
					goodput := float64(total) / el.Seconds()
					b.ReportMetric(goodput/(1<<20), "goodput-MiB/s")
					b.ReportMetric(goodput/float64(capMiB<<20), "goodput/cap")
					if n := p.Cuts.Load(); n > 0 {
						b.ReportMetric(float64(c.BytesOnWire()-int64(total))/float64(n)/1024, "KiB-resent/cut")
						b.ReportMetric(float64(n), "cuts")
					}
				}
			})
		}
	}
}

// BenchmarkHubAcceptance sends 3,000 signed events to the hub in batches
// over loopback TLS (verified, stored, logged, proved) and reports the rate
// as a ratio to raw ed25519.Verify of the same bodies in the same run.
func BenchmarkHubAcceptance(b *testing.B) {
	for b.Loop() {
		th := startHub(b, b.TempDir())
		tm := newTerminal(b)
		if _, err := Join(context.Background(), tm.store, tm.key, th.code(b), "t"); err != nil {
			b.Fatal(err)
		}
		tm.cases(b, 3000)
		evs, _ := tm.store.EventsFrom(context.Background(), tm.key.ID(), 1, 10000)
		start := time.Now()
		for _, ev := range evs {
			if !ed25519.Verify(tm.key.Public, ev.Body, ev.Sig) {
				b.Fatal("verify")
			}
		}
		raw := time.Since(start)
		c, _ := New(context.Background(), tm.store, tm.key, Options{BatchSize: 500})
		start = time.Now()
		rep, err := c.Once(context.Background())
		if err != nil || rep.EventsSent != len(evs) {
			b.Fatalf("%+v %v", rep, err)
		}
		hub := time.Since(start)
		n := float64(len(evs))
		b.ReportMetric(n/raw.Seconds(), "raw-verify/s")
		b.ReportMetric(n/hub.Seconds(), "hub-accept/s")
		b.ReportMetric(raw.Seconds()/hub.Seconds(), "accept/raw")
	}
}
