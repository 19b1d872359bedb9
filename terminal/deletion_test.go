package terminal_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"lawtrail/casework"
	"lawtrail/evidence"
	"lawtrail/hub/hubtest"
	"lawtrail/store"
	"lawtrail/sync/client"
	"lawtrail/sync/protocol"
	"lawtrail/terminal"
	"lawtrail/terminal/terminaltest"
)

// deletionSite is a hub and two terminals of one agency.
type deletionSite struct {
	h    *hubtest.Hub
	a, b retentionSite
}

func newDeletionSite(t *testing.T) deletionSite {
	t.Helper()
	ctx := context.Background()
	h := hubtest.Start(t)
	a := terminaltest.NewIn(t, filepath.Join(t.TempDir(), "a"), "采集站-A")
	b := terminaltest.NewIn(t, filepath.Join(t.TempDir(), "b"), "采集站-B")
	for _, f := range []*terminaltest.Fixture{a, b} {
		if _, err := client.Join(ctx, f.Terminal.Store(), f.Desk.Key(), h.Code(t, terminaltest.Agency), f.Desk.Info.Name); err != nil {
			t.Fatal(err)
		}
	}
	return deletionSite{h, retentionSite{a}, retentionSite{b}}
}

// hubHas reports whether the hub's blob store holds d's file.
func (s deletionSite) hubHas(t *testing.T, d evidence.Digest) bool {
	t.Helper()
	_, has, err := s.h.Blobs().Stat(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	return has
}

// linkToCase links d to a step of a new case on a's record.
func (s deletionSite) linkToCase(t *testing.T, d evidence.Digest) string {
	t.Helper()
	ctx := context.Background()
	f := s.a.f
	caseID := f.OpenCase(t, f.Admin, "某市监罚〔2026〕9号", "删除测试")
	step, err := f.Admin.RecordStep(ctx, terminal.NewStep{Case: caseID, Kind: casework.StepOnSiteInspection,
		Start: f.Clock.T.Add(-time.Hour), End: f.Clock.T.Add(-time.Hour + time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Admin.LinkFootage(ctx, step.Step, d); err != nil {
		t.Fatal(err)
	}
	return step.Step
}

// Expired footage deleted at the hub (footage.deleted): A docked 7 months
// ago, unlinked and unheld, is the one file the dry run lists as expired
// and the one the admin's run deletes — B (as old, held) is kept and listed
// with its hold, C (as old, linked to a case step) and D (young) are not
// expired. After sync the hub's file of A is gone and its fetch answers
// deleted (410); B, C and D stay; the hub's check (events, receipts, log,
// read model rebuilt) passes, A's receipt still verifies, and the other
// terminal shows A as deleted and removes nothing it should keep. An
// officer who is no admin or head frees but deletes nothing. Released, B
// goes at the next run.
func TestRetentionDeletesExpiredAtTheHub(t *testing.T) {
	ctx := context.Background()
	s := newDeletionSite(t)
	f := s.a.f
	now := f.Clock.T
	long := now.AddDate(0, -7, 0)
	a := s.a.dock(t, "DCIM/A.MP4", long)
	b := s.a.dock(t, "DCIM/B.MP4", long)
	c := s.a.dock(t, "DCIM/C.MP4", long)
	d := s.a.dock(t, "DCIM/D.MP4", now.Add(-time.Hour))
	s.linkToCase(t, c)
	hold, err := f.Admin.HoldFootage(ctx, b.String(), "当事人申请行政复议，保全证据")
	if err != nil {
		t.Fatal(err)
	}
	s.a.sync(t)
	s.b.sync(t)
	receiptA, found, err := s.h.Receipt(ctx, f.Desk.Info.ID, a)
	if err != nil || !found {
		t.Fatalf("A's receipt: %v %v", found, err)
	}

	f.Enroll(t, "o-002", "李四", "35010000002", "246802", casework.RoleOfficer)
	officer := f.Login(t, "o-002", "246802")
	if plan, err := officer.RetentionRun(ctx, false); err != nil || plan.MayDelete || len(plan.Deleted) != 0 ||
		!slices.Equal(digests(plan.Expired), []evidence.Digest{a}) {
		t.Fatalf("an officer's run: %+v %v", plan, err)
	}
	dry, err := f.Admin.RetentionRun(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(digests(dry.Expired), []evidence.Digest{a}) || len(dry.Deleted) != 0 || !dry.MayDelete {
		t.Fatalf("dry run: expired %v, deleted %v", digests(dry.Expired), digests(dry.Deleted))
	}
	if len(dry.Kept) != 1 || dry.Kept[0].Digest != b || dry.Kept[0].Why != "held "+hold || dry.Kept[0].Expired.IsZero() {
		t.Fatalf("dry run keeps %+v", dry.Kept)
	}
	run, err := f.Admin.RetentionRun(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(digests(run.Deleted), []evidence.Digest{a}) || !slices.Equal(digests(run.Expired), digests(dry.Expired)) ||
		!slices.Equal(digests(run.Kept), digests(dry.Kept)) {
		t.Fatalf("the run deleted %v, the dry run listed %v", digests(run.Deleted), digests(dry.Expired))
	}
	if has, _ := f.Terminal.Store().Blobs().Has(a); has {
		t.Fatal("A's bytes are still on the terminal that deleted it")
	}
	want := map[evidence.Digest]string{a: store.LocationDeleted, b: store.LocationBoth, c: store.LocationBoth, d: store.LocationBoth}
	if got := s.a.locations(t); !mapsEqual(got, want) {
		t.Fatalf("on A: %v, want %v", got, want)
	}
	if again, err := f.Admin.RetentionRun(ctx, false); err != nil || len(again.Deleted)+len(again.Expired) != 0 {
		t.Fatalf("a second run: %+v %v", again, err)
	}

	s.a.sync(t)
	if s.hubHas(t, a) || !s.hubHas(t, b) || !s.hubHas(t, c) || !s.hubHas(t, d) {
		t.Fatalf("at the hub: A %v B %v C %v D %v, want only A gone", s.hubHas(t, a), s.hubHas(t, b), s.hubHas(t, c), s.hubHas(t, d))
	}
	if rep, err := s.h.Check(ctx); err != nil || !rep.OK() {
		t.Fatalf("hub check: %v %v", err, rep.Problems)
	}
	if err := receiptA.Verify(s.h.PublicKey()); err != nil {
		t.Fatalf("A's receipt after the deletion: %v", err)
	}
	s.b.sync(t)
	fb := s.b.f
	if got := s.b.locations(t); got[a] != store.LocationDeleted || got[b] != store.LocationHub {
		t.Fatalf("on B: %v", got)
	}
	_, err = fb.Admin.FetchFootage(ctx, a.String())
	var pe *protocol.Error
	if !errors.As(err, &pe) || pe.Code != protocol.CodeDeleted {
		t.Fatalf("fetching deleted footage: %v", err)
	}
	if _, err := fb.Admin.FetchFootage(ctx, b.String()); err != nil {
		t.Fatalf("fetching held footage: %v", err)
	}
	for _, x := range []*terminaltest.Fixture{f, fb} {
		if rep, err := x.Terminal.Store().Check(ctx, trustedKeys(t, x)); err != nil || !rep.OK() {
			t.Fatalf("check on %s: %v %v", x.Desk.Info.Name, err, rep.Problems)
		}
	}

	if _, err := f.Admin.ReleaseHold(ctx, b.String(), hold, "复议结束"); err != nil {
		t.Fatal(err)
	}
	last, err := f.Admin.RetentionRun(ctx, false)
	if err != nil || !slices.Equal(digests(last.Deleted), []evidence.Digest{b}) {
		t.Fatalf("after the release the run deletes %v (%v)", digests(last.Deleted), err)
	}
	s.a.sync(t)
	s.b.sync(t)
	if s.hubHas(t, b) || !s.hubHas(t, c) {
		t.Fatalf("at the hub after the release: B %v C %v", s.hubHas(t, b), s.hubHas(t, c))
	}
	if has, _ := fb.Terminal.Store().Blobs().Has(b); has {
		t.Fatal("B fetched on the other terminal stays after its deletion came by the agency feed")
	}
	if rep, err := s.h.Check(ctx); err != nil || !rep.OK() {
		t.Fatalf("hub check after the second deletion: %v %v", err, rep.Problems)
	}
	if _, err := s.h.Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	if rep, err := s.h.Check(ctx); err != nil || !rep.OK() {
		t.Fatalf("hub check after a rebuild: %v %v", err, rep.Problems)
	}
}

// A rogue terminal: an insider removes the link of C and the hold on B
// from the terminal's tables, so its rules let the admin sign deletions of
// both. The hub takes both into its log (they are signed) but its own
// re-check finds B held and C linked: it keeps their bytes, serves them,
// and its check names each deletion it refused.
func TestHubRefusesDeletingHeldOrLinkedFootage(t *testing.T) {
	ctx := context.Background()
	s := newDeletionSite(t)
	f := s.a.f
	long := f.Clock.T.AddDate(0, -7, 0)
	b := s.a.dock(t, "DCIM/B.MP4", long)
	c := s.a.dock(t, "DCIM/C.MP4", long)
	step := s.linkToCase(t, c)
	if _, err := f.Admin.HoldFootage(ctx, b.String(), "纪检调查"); err != nil {
		t.Fatal(err)
	}
	s.a.sync(t)
	terminaltest.InsiderSQL(t, f.Dir, terminaltest.Passphrase, `DELETE FROM step_footage WHERE digest = '`+c.String()+`';
		UPDATE footage_holds SET released_at = '2026-11-20T09:00:00+08:00' WHERE digest = '`+b.String()+`';`)
	run, err := f.Admin.RetentionRun(ctx, false)
	if err != nil || len(run.Deleted) != 2 {
		t.Fatalf("the rogue run: %v %v", digests(run.Deleted), err)
	}
	s.a.sync(t)
	if !s.hubHas(t, b) || !s.hubHas(t, c) {
		t.Fatalf("the hub removed held (%v) or linked (%v) footage", !s.hubHas(t, b), !s.hubHas(t, c))
	}
	rep, err := s.h.Check(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var named []string
	for _, p := range rep.Problems {
		named = append(named, p.Item+": "+p.Err.Error())
	}
	all := strings.Join(named, "\n")
	if len(named) != 2 || !strings.Contains(all, "blob "+b.String()+": deletion refused: held: ") ||
		!strings.Contains(all, "blob "+c.String()+": deletion refused: linked: step "+step) {
		t.Fatalf("hub check names:\n%s", all)
	}
	s.b.sync(t)
	if _, err := s.b.f.Admin.FetchFootage(ctx, c.String()); err != nil {
		t.Fatalf("the hub kept C but does not serve it: %v", err)
	}
}
