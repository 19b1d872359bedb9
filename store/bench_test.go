package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"lawtrail/casework"
)

// BenchmarkAppend measures signed event appends per second, one event per
// transaction (the baseline) and in batches of 100, in the same run on the
// same file, and reports the batched rate as a ratio to the baseline.
// Target: ≥ 5,000 events/s batched. Commits are synchronous=FULL (fsync).
func BenchmarkAppend(b *testing.B) {
	f := newFixture(b)
	ctx := context.Background()
	n := 0
	draft := func() Draft {
		n++
		return Draft{Actor: f.admin, Payload: &casework.CaseOpened{Case: fmt.Sprintf("c-%d", n),
			Number: fmt.Sprintf("某市监罚〔2026〕%d号", n), Title: "无照经营", ActType: casework.ActPenalty, Agency: "a1"}}
	}
	const single, batches, batchSize = 300, 30, 100
	var singleTime, batchTime time.Duration
	for b.Loop() {
		start := time.Now()
		for i := 0; i < single; i++ {
			if _, err := f.store.Append(ctx, f.terminal, draft()); err != nil {
				b.Fatal(err)
			}
		}
		singleTime += time.Since(start)
		start = time.Now()
		for i := 0; i < batches; i++ {
			ds := make([]Draft, batchSize)
			for j := range ds {
				ds[j] = draft()
			}
			if _, err := f.store.Append(ctx, f.terminal, ds...); err != nil {
				b.Fatal(err)
			}
		}
		batchTime += time.Since(start)
	}
	singleRate := float64(b.N*single) / singleTime.Seconds()
	batchRate := float64(b.N*batches*batchSize) / batchTime.Seconds()
	b.ReportMetric(singleRate, "single-events/s")
	b.ReportMetric(batchRate, "batched-events/s")
	b.ReportMetric(batchRate/singleRate, "batched/single")
}
