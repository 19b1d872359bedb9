package client

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"lawtrail/casework"
	"lawtrail/store"
)

// benchAgencyEvents is how many events BenchmarkAgencyCatchUp records and
// catches up on (LAWTRAIL_BENCH_AGENCY_EVENTS overrides the 100,000).
func benchAgencyEvents() int {
	if n, err := strconv.Atoi(os.Getenv("LAWTRAIL_BENCH_AGENCY_EVENTS")); err == nil && n > 0 {
		return n
	}
	return 100_000
}

// BenchmarkAgencyCatchUp: terminal W records N events, one act per
// transaction as officers do (opening a case, advancing it, recording a
// step: checked, signed, inserted, projected) — the baseline, this
// machine's own signed-append rate — and sends them to the hub. Terminal R
// of the same agency, back after a month offline, then catches up on all N
// through the agency feed over loopback TLS: pages fetched, checkpoint and
// inclusion proofs checked, W's chain verified (signatures, links), every
// event judged, stored and applied. Reported: both rates and catch-up/append
// (target ≥ 0.5).
func BenchmarkAgencyCatchUp(b *testing.B) {
	n := benchAgencyEvents()
	for b.Loop() {
		ctx := context.Background()
		th := startHub(b, b.TempDir())
		w := agencyTerminal(b, th, "采集站-W", agencyOne)
		r := agencyTerminal(b, th, "采集站-R", agencyOne)
		start := time.Now()
		recorded := w.recordActs(b, n)
		own := time.Since(start)
		w.sync(b, Options{BatchSize: 500})
		start = time.Now()
		rep := r.sync(b, Options{})
		catchUp := time.Since(start)
		if rep.Agency.Applied != recorded+3 || rep.Agency.Refused != 0 {
			b.Fatalf("caught up %+v, want %d events", rep.Agency, recorded+3)
		}
		if cases, err := r.store.Cases(ctx); err != nil || len(cases) != recorded/3 {
			b.Fatalf("%d cases on R (%v), want %d", len(cases), err, recorded/3)
		}
		appendRate := float64(recorded) / own.Seconds()
		catchRate := float64(recorded) / catchUp.Seconds()
		b.ReportMetric(appendRate, "own-append/s")
		b.ReportMetric(catchRate, "catch-up/s")
		b.ReportMetric(catchRate/appendRate, "catch-up/append")
		b.ReportMetric(float64(rep.Agency.RebuildMillis)/1000, "rebuild-s")
		fmt.Printf("FIGURE agency catch-up: %d events, own signed append %.0f/s, catch-up %.0f/s, ratio %.2f (target ≥ 0.5); of which one rebuild in log order %.1f s\n",
			recorded, appendRate, catchRate, catchRate/appendRate, float64(rep.Agency.RebuildMillis)/1000)
	}
}

// recordActs records about n events on tm, one act per transaction: cases
// opened, advanced, and a step each. It returns how many it recorded.
func (tm *terminal) recordActs(t testing.TB, n int) int {
	t.Helper()
	ctx := context.Background()
	start := time.Date(2026, 10, 20, 9, 0, 0, 0, casework.Shanghai)
	recorded := 0
	for i := 0; recorded+3 <= n; i++ {
		id := fmt.Sprintf("c-%06d", i)
		acts := []casework.Payload{
			&casework.CaseOpened{Case: id, Number: "某市监罚〔2026〕" + strconv.Itoa(i) + "号", Title: "无照经营",
				ActType: casework.ActPenalty, Agency: store.AgencyIDFromName(agencyOne)},
			&casework.CasePhaseAdvanced{Case: id, Phase: casework.PhaseInvestigation},
			&casework.StepRecorded{Step: id + "-s1", Case: id, Kind: casework.StepOnSiteInspection, Start: start,
				End: start.Add(30 * time.Minute), Officers: []string{"o-001"}, Note: "现场检查"},
		}
		for _, p := range acts {
			if _, err := tm.store.Append(ctx, tm.key, store.Draft{Actor: "o-001", Payload: p}); err != nil {
				t.Fatal(err)
			}
			recorded++
		}
	}
	return recorded
}
