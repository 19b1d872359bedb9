package client

import (
	"context"
	"testing"

	"lawtrail/evidence"
	"lawtrail/sync/protocol"
)

// The recovery endpoints attacked by an enrolled terminal: it reads only
// its own events, cannot have another terminal's or unsigned events
// quarantined, cannot get a valid next event (or nothing at all) recorded
// as a fork, and bad parameters are refused.
func TestRecoveryEndpointsRefuse(t *testing.T) {
	ctx := context.Background()
	th := startHub(t, t.TempDir())
	tm, c := joined(t, th)
	tm.cases(t, 2)
	if _, err := c.Once(ctx); err != nil {
		t.Fatal(err)
	}
	other, oc := joined(t, th)
	if held, err := oc.heldEvents(ctx, 0, 500, 0); err != nil || held.LastSeq != 0 || len(held.Events) != 0 {
		t.Fatalf("another terminal read %d events (%v)", len(held.Events), err)
	}
	for _, q := range []string{"after=x", "after=0&limit=0", "after=0&limit=501", "after=0&size=999999"} {
		err := c.call(ctx, "GET", protocol.PathEvents+"?"+q, nil, &protocol.HeldEvents{})
		wantCode(t, err, protocol.CodeMalformed)
	}
	head, headHash, _ := tm.store.Head(ctx, tm.key.ID())
	report := func(evs ...evidence.Event) error {
		rep := protocol.DivergenceReport{HubSeq: head, HubHash: headHash, LocalSeq: head, LocalHash: headHash, ForkSeq: head, Events: evs}
		if evs == nil {
			rep.Events = []evidence.Event{}
		}
		return c.call(ctx, "POST", protocol.PathDivergence, rep, &protocol.DivergenceRecorded{})
	}
	forged := tm.signedNext(t, head, headHash, "forged")
	forged.Sig[3] ^= 1
	wantCode(t, report(forged), protocol.CodeBadSignature)
	wantCode(t, report(other.signedNext(t, 1, evidence.Digest{}, "stranger")), protocol.CodeWrongTerminal)
	wantCode(t, report(), protocol.CodeMalformed) // nothing diverges
	// The valid next event is not a fork, whatever the report says.
	wantCode(t, report(tm.signedNext(t, head+1, headHash, "next")), protocol.CodeMalformed)
	if _, forks, _ := hubCounts(t, th); forks != 0 {
		t.Fatalf("%d forks after refused reports", forks)
	}
	// A real one is quarantined, once however often it is reported.
	prev, _, _ := tm.store.EventHash(ctx, tm.key.ID(), head-1)
	copied := tm.signedNext(t, head, prev, "copy")
	for i := 0; i < 3; i++ {
		if err := report(copied); err != nil {
			t.Fatal(err)
		}
	}
	if _, forks, _ := hubCounts(t, th); forks != 1 {
		t.Fatalf("%d forks, want 1", forks)
	}
	checkHubClean(t, th)
}
