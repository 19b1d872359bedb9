package evidence

import (
	"crypto/ed25519"
	"testing"
	"time"
)

// BenchmarkChainVerify measures chain verification (parse, canonical check,
// signature, link) against raw ed25519.Verify over the same bodies, in the
// same run, and reports the ratio of their rates (target ≥ 0.8).
func BenchmarkChainVerify(b *testing.B) {
	c := newTestChain(b)
	const n = 2000
	evs := c.events(b, n)
	for i := range evs {
		evs[i].CoSigs = nil // one signature each, like the raw baseline
	}
	var rawTotal, chainTotal time.Duration
	var rounds int
	for b.Loop() {
		start := time.Now()
		for _, ev := range evs {
			if !ed25519.Verify(c.terminal.Public, ev.Body, ev.Sig) {
				b.Fatal("raw verify failed")
			}
		}
		rawTotal += time.Since(start)
		start = time.Now()
		v := NewChainVerifier(c.keys)
		for _, ev := range evs {
			if _, err := v.Add(ev); err != nil {
				b.Fatal(err)
			}
		}
		chainTotal += time.Since(start)
		rounds++
	}
	events := float64(rounds * n)
	b.ReportMetric(events/rawTotal.Seconds(), "raw-verify/s")
	b.ReportMetric(events/chainTotal.Seconds(), "chain-verify/s")
	b.ReportMetric(rawTotal.Seconds()/chainTotal.Seconds(), "ratio-to-raw")
}
