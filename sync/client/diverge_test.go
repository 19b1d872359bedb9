package client

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"lawtrail/casework"
	"lawtrail/evidence"
	"lawtrail/store"
	"lawtrail/store/storetest"
	"lawtrail/sync/protocol"
)

// Compare: the hub's head must be an event this folder holds, with the
// same hash; every other shape is a divergence, named.
func TestCompare(t *testing.T) {
	a, b, c := evidence.Sum([]byte("a")), evidence.Sum([]byte("b")), evidence.Sum([]byte("c"))
	for _, tc := range []struct {
		name               string
		hubSeq             uint64
		hubHash            evidence.Digest
		localSeq           uint64
		localHash, localAt evidence.Digest
		haveAt             bool
		want               string // "" for no divergence
	}{
		{"hub holds nothing yet", 0, evidence.Digest{}, 5, a, evidence.Digest{}, false, ""},
		{"in step", 5, a, 5, a, a, true, ""},
		{"ahead of the hub on the same chain", 5, a, 9, c, a, true, ""},
		{"same head seq, another event (a copy recorded its own)", 5, a, 5, b, b, true, DivergedForked},
		{"ahead, but another event at the hub's head", 5, a, 9, c, b, true, DivergedForked},
		{"restored backup or cut tail: head below the hub's", 9, a, 5, b, evidence.Digest{}, false, DivergedBehind},
		{"restored backup that recorded since: still below", 9, a, 7, c, evidence.Digest{}, false, DivergedBehind},
		{"a hole at the hub's head in this folder's table", 5, a, 9, c, evidence.Digest{}, false, DivergedForked},
		{"empty folder, hub holds events", 3, a, 0, evidence.Digest{}, evidence.Digest{}, false, DivergedBehind},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := Compare(tc.hubSeq, tc.hubHash, tc.localSeq, tc.localHash, tc.localAt, tc.haveAt)
			switch {
			case tc.want == "" && d != nil:
				t.Fatalf("divergence %+v, want none", *d)
			case tc.want != "" && d == nil:
				t.Fatalf("no divergence, want %s", tc.want)
			case d != nil && (d.Kind != tc.want || d.HubSeq != tc.hubSeq || d.LocalSeq != tc.localSeq || d.HubHash != tc.hubHash):
				t.Fatalf("divergence %+v, want kind %s", *d, tc.want)
			}
			if d != nil {
				err := error(&DivergedError{*d})
				if !errors.Is(err, ErrDiverged) || !strings.Contains(err.Error(), "restored from a backup or copied") {
					t.Fatalf("error %q", err)
				}
			}
		})
	}
}

// copyFolder copies a terminal's data folder as an operator's backup would
// (cp -a, WAL included) and opens the copy.
func copyFolder(t *testing.T, tm *terminal) *terminal {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "copy")
	if out, err := exec.Command("cp", "-a", tm.dir, dst).CombinedOutput(); err != nil {
		t.Fatalf("cp -a: %v %s", err, out)
	}
	s, err := store.Open(context.Background(), dst, store.Options{Keys: storetest.Keys(t, tm.key)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return &terminal{dir: dst, store: s, key: tm.key}
}

// restoredBackup syncs a joined terminal with before cases, copies its
// folder (the backup), records after more cases and syncs them: the hub is
// then ahead of the backup.
func restoredBackup(t *testing.T, th *testHub, before, after int) (orig, backup *terminal) {
	t.Helper()
	ctx := context.Background()
	orig, c := joined(t, th)
	orig.cases(t, before)
	if _, err := c.Once(ctx); err != nil {
		t.Fatal(err)
	}
	backup = copyFolder(t, orig)
	orig.cases(t, after)
	if _, err := c.Once(ctx); err != nil {
		t.Fatal(err)
	}
	return orig, backup
}

func clientFor(t *testing.T, tm *terminal) *Client {
	t.Helper()
	c, err := New(context.Background(), tm.store, tm.key, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func head(t *testing.T, tm *terminal) uint64 {
	t.Helper()
	n, _, err := tm.store.Head(context.Background(), tm.key.ID())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func checkClean(t *testing.T, tm *terminal) {
	t.Helper()
	keys, err := store.TrustedKeys(tm.dir)
	if err != nil {
		t.Fatal(err)
	}
	r, err := tm.store.Check(context.Background(), keys)
	if err != nil || !r.OK() {
		t.Fatalf("terminal check: %v %v", err, r.Problems)
	}
}

func checkHubClean(t *testing.T, th *testHub) {
	t.Helper()
	r, err := th.hub.Check(context.Background())
	if err != nil || !r.OK() {
		t.Fatalf("hub check: %v %v", err, r.Problems)
	}
}

// A backup restored after the hub moved on, then used: the pass stops
// before sending (today it sent nothing and said all was delivered), the
// hub quarantines the copy's event as a fork, and recover re-bases it so
// the next pass delivers it: every event of both timelines is kept.
func TestRestoredBackupDivergesAndRecovers(t *testing.T) {
	ctx := context.Background()
	th := startHub(t, t.TempDir())
	orig, backup := restoredBackup(t, th, 2, 3)
	hubHead := head(t, orig)

	// The restored folder records one event and syncs.
	backup.cases(t, 1)
	lost, _ := backup.store.EventsFrom(ctx, backup.key.ID(), head(t, backup), 1)
	bc := clientFor(t, backup)
	rep, err := bc.Once(ctx)
	var derr *DivergedError
	if !errors.As(err, &derr) || !errors.Is(err, ErrDiverged) || rep.EventsSent != 0 {
		t.Fatalf("sync of a restored folder: %+v %v, want ErrDiverged and nothing sent", rep, err)
	}
	if derr.Kind != DivergedForked || derr.HubSeq != hubHead {
		t.Fatalf("divergence %+v", derr.Divergence)
	}
	s, _ := ReadStatus(ctx, backup.store, backup.key.ID())
	if !strings.Contains(s.Diverged, "restored from a backup or copied") {
		t.Fatalf("status does not say it diverged: %+v", s)
	}
	if _, forks, _ := hubCounts(t, th); forks != 1 {
		t.Fatalf("hub quarantined %d forks, want the copy's one event", forks)
	}
	if ds, _ := th.hub.Divergences(ctx); len(ds) != 1 || ds[0].Kind != DivergedForked {
		t.Fatalf("hub divergences %+v", ds)
	}

	got, err := bc.Recover(ctx)
	if err != nil {
		t.Fatalf("recover: %v", err)
	}
	if !got.Diverged || got.Rebase.Fetched != int(hubHead-got.Rebase.Fork) || len(got.Rebase.Rebased) != 1 || got.Rebase.Rebased[0].Conflict != "" {
		t.Fatalf("recovery %+v", got)
	}
	if rep, err := bc.Once(ctx); err != nil || rep.EventsSent != 1 || rep.HubLastSeq != hubHead+1 {
		t.Fatalf("sync after recover: %+v %v", rep, err)
	}
	checkClean(t, backup)
	checkHubClean(t, th)
	// The original copy's events are the hub's; the lost one is kept
	// verbatim in quarantine and inside the rebased event the hub now holds.
	q, _ := backup.store.QuarantinedEvents(ctx)
	if len(q) != 1 || string(q[0].Event.Body) != string(lost[0].Body) {
		t.Fatalf("quarantine %+v", q)
	}
	held, err := bc.heldEvents(ctx, hubHead, 10, 0)
	if err != nil || len(held.Events) != 1 {
		t.Fatalf("hub's rebased event: %+v %v", held, err)
	}
	body, p := decode(t, held.Events[0].Event.Body)
	rb, ok := p.(*casework.EventRebased)
	if body.Type != casework.TypeEventRebased || !ok || string(rb.OriginalBody) != string(lost[0].Body) || string(rb.OriginalSig) != string(lost[0].Sig) {
		t.Fatalf("hub holds %s, want event.rebased carrying the lost event", body.Type)
	}
	// Its act took effect once: the case opened on the restored copy exists.
	_, lp := decode(t, lost[0].Body)
	cases, _ := backup.store.Cases(ctx)
	n := 0
	for _, cs := range cases {
		if cs.ID == lp.(*casework.CaseOpened).Case {
			n++
		}
	}
	if len(cases) != 6 || n != 1 {
		t.Fatalf("%d cases, the rebased one %d times", len(cases), n)
	}
	// And the folder is in step again: a new event goes through.
	backup.cases(t, 1)
	if rep, err := bc.Once(ctx); err != nil || rep.EventsSent != 1 {
		t.Fatalf("sync after: %+v %v", rep, err)
	}
}

func decode(t *testing.T, raw []byte) (evidence.Body, casework.Payload) {
	t.Helper()
	body, err := evidence.ParseBody(raw)
	if err != nil {
		t.Fatal(err)
	}
	p, err := casework.Decode(body.Type, body.Payload)
	if err != nil {
		t.Fatal(err)
	}
	return body, p
}

// A backup restored but not used since: behind, not forked. Recover only
// takes back the events the hub holds; nothing is quarantined.
func TestRestoredBackupBehindRecovers(t *testing.T) {
	ctx := context.Background()
	th := startHub(t, t.TempDir())
	orig, backup := restoredBackup(t, th, 1, 4)
	bc := clientFor(t, backup)
	var derr *DivergedError
	if _, err := bc.Once(ctx); !errors.As(err, &derr) || derr.Kind != DivergedBehind {
		t.Fatalf("sync of a restored folder behind the hub: %v", err)
	}
	if _, forks, _ := hubCounts(t, th); forks != 0 {
		t.Fatalf("%d forks for a folder only behind", forks)
	}
	got, err := bc.Recover(ctx)
	if err != nil || got.Rebase.Fetched != 4 || len(got.Rebase.Rebased) != 0 {
		t.Fatalf("recover: %+v %v", got, err)
	}
	if head(t, backup) != head(t, orig) {
		t.Fatalf("head %d, the hub's %d", head(t, backup), head(t, orig))
	}
	if q, _ := backup.store.QuarantinedEvents(ctx); len(q) != 0 {
		t.Fatalf("quarantined %d", len(q))
	}
	checkClean(t, backup)
	if rep, err := bc.Once(ctx); err != nil || rep.EventsSent != 0 {
		t.Fatalf("sync after recover: %+v %v", rep, err)
	}
	s, _ := ReadStatus(ctx, backup.store, backup.key.ID())
	if s.Diverged != "" || s.PendingEvents != 0 {
		t.Fatalf("status after: %+v", s)
	}
	// Recover on a folder in step changes nothing.
	if got, err := bc.Recover(ctx); err != nil || got.Diverged {
		t.Fatalf("recover in step: %+v %v", got, err)
	}
}

// Both timelines did the same act (advanced one case to the same phase):
// the restored copy's act is re-recorded with its conflict named and takes
// no effect, so the projections hold it once; it still reaches the hub.
func TestRebasedConflictKeptWithoutEffect(t *testing.T) {
	ctx := context.Background()
	th := startHub(t, t.TempDir())
	orig, c := joined(t, th)
	orig.cases(t, 1)
	if _, err := c.Once(ctx); err != nil {
		t.Fatal(err)
	}
	cases, _ := orig.store.Cases(ctx)
	advance := func(tm *terminal) {
		if _, err := tm.store.Append(ctx, tm.key, store.Draft{Actor: "o-001",
			Payload: &casework.CasePhaseAdvanced{Case: cases[0].ID, Phase: casework.PhaseInvestigation}}); err != nil {
			t.Fatal(err)
		}
	}
	backup := copyFolder(t, orig)
	advance(orig)
	if _, err := c.Once(ctx); err != nil {
		t.Fatal(err)
	}
	advance(backup)
	bc := clientFor(t, backup)
	got, err := bc.Recover(ctx)
	if err != nil || len(got.Rebase.Rebased) != 1 || !strings.Contains(got.Rebase.Rebased[0].Conflict, "refused by rule") {
		t.Fatalf("recover: %+v %v", got, err)
	}
	if rep, err := bc.Once(ctx); err != nil || rep.EventsSent != 1 {
		t.Fatalf("sync after recover: %+v %v", rep, err)
	}
	checkClean(t, backup)
	checkHubClean(t, th)
	after, _ := backup.store.Cases(ctx)
	if len(after) != 1 || after[0].Phase != casework.PhaseInvestigation {
		t.Fatalf("cases after: %+v", after)
	}
}

// A pass that finds its folder behind the hub (a backup restored after
// the hub took 40 more events) fetches only what it needs to find the fork
// point — the hub's events up to this folder's head — not the hub's whole
// tail, which every further pass would fetch again until sync recover.
// sync recover then takes the whole tail, and the folder sends again.
func TestDivergedPassFetchesOnlyUpToItsOwnHead(t *testing.T) {
	ctx := context.Background()
	var served atomic.Int64
	th := startHubRewriting(t, http.MethodGet, protocol.PathEvents, func(b []byte) []byte {
		var held protocol.HeldEvents
		if err := json.Unmarshal(b, &held); err != nil {
			t.Errorf("held events answer: %v", err)
		}
		served.Add(int64(len(held.Events)))
		return b
	})
	_, backup := restoredBackup(t, th, 2, 40)
	c := clientFor(t, backup)
	if _, err := c.Once(ctx); !errors.Is(err, ErrDiverged) {
		t.Fatalf("pass: %v, want ErrDiverged", err)
	}
	if n := served.Load(); n > 2 {
		t.Fatalf("the diverged pass fetched %d of the hub's events, want at most the 2 this folder holds", n)
	}
	if _, err := c.Recover(ctx); err != nil {
		t.Fatalf("recover: %v", err)
	}
	if n := served.Load(); n < 40 {
		t.Fatalf("recover fetched %d events in all, want the hub's 40 beyond this folder's head", n)
	}
	backup.cases(t, 1)
	if rep, err := c.Once(ctx); err != nil || rep.EventsSent == 0 {
		t.Fatalf("after recover: sent %d, %v", rep.EventsSent, err)
	}
}
