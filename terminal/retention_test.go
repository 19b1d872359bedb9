package terminal_test

import (
	"bytes"
	"context"
	"crypto/rand"
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
	"lawtrail/terminal"
	"lawtrail/terminal/terminaltest"
)

// retentionSite is a terminal joined to a real hub, with clips docked.
type retentionSite struct {
	f *terminaltest.Fixture
}

func newRetentionSite(t *testing.T) retentionSite {
	t.Helper()
	h := hubtest.Start(t)
	f := terminaltest.NewIn(t, filepath.Join(t.TempDir(), "a"), "采集站-A")
	if _, err := client.Join(context.Background(), f.Terminal.Store(), f.Desk.Key(), h.Code(t, terminaltest.Agency), f.Desk.Info.Name); err != nil {
		t.Fatal(err)
	}
	return retentionSite{f}
}

func (s retentionSite) sync(t *testing.T) {
	t.Helper()
	c, err := client.New(context.Background(), s.f.Terminal.Store(), s.f.Desk.Key(), client.Options{Timeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := c.Once(context.Background()); err != nil || len(rep.Errors) > 0 {
		t.Fatalf("sync: %v %v", err, rep.Errors)
	}
}

// dock takes in a clip recorded at start, as the dock records it.
func (s retentionSite) dock(t *testing.T, path string, start time.Time) evidence.Digest {
	t.Helper()
	ctx := context.Background()
	clip := make([]byte, 64<<10)
	rand.Read(clip)
	st := s.f.Terminal.Store()
	d, n, err := st.Blobs().Put(ctx, bytes.NewReader(clip))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Append(ctx, s.f.Desk.Key(), store.Draft{Actor: terminaltest.AdminID, Blobs: []evidence.Digest{d},
		Payload: &casework.FootageIngested{Digest: d, SourceKey: casework.SourceKey{DeviceSerial: "DSJ0001", Path: path, Size: n,
			ModTime: start}, Clerk: terminaltest.AdminID, Station: "采集站-A", Start: start, End: start.Add(time.Minute)}}); err != nil {
		t.Fatal(err)
	}
	return d
}

func (s retentionSite) locations(t *testing.T) map[evidence.Digest]string {
	t.Helper()
	out := map[evidence.Digest]string{}
	if err := s.f.Terminal.Store().Footage(context.Background(), func(it store.FootageItem) error {
		out[it.Digest] = it.Location
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func digests(es []terminal.RetentionEntry) []evidence.Digest {
	out := make([]evidence.Digest, len(es))
	for i, e := range es {
		out[i] = e.Digest
	}
	return out
}

// A run frees the receipted copy past free_after_days and keeps the one an
// open case links and the held one; the dry run lists exactly what the run
// then does; a file the hub holds no receipt for stays. After
// the hold is released (by the head, with a reason) the next run frees it.
func TestRetentionRunFreesReceiptedKeepsLinkedAndHeld(t *testing.T) {
	ctx := context.Background()
	s := newRetentionSite(t)
	f := s.f
	now := f.Clock.T
	old := s.dock(t, "DCIM/OLD.MP4", now.Add(-4*time.Hour))
	linked := s.dock(t, "DCIM/LINKED.MP4", now.Add(-time.Hour))
	held := s.dock(t, "DCIM/HELD.MP4", now.Add(-2*time.Hour))
	s.sync(t)
	unreceipted := s.dock(t, "DCIM/LATE.MP4", now.Add(-3*time.Hour))

	caseID := f.OpenCase(t, f.Admin, "某市监罚〔2026〕7号", "留存测试")
	step, err := f.Admin.RecordStep(ctx, terminal.NewStep{Case: caseID, Kind: casework.StepOnSiteInspection,
		Start: now.Add(-time.Hour), End: now.Add(-time.Hour + time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Admin.LinkFootage(ctx, step.Step, linked); err != nil {
		t.Fatal(err)
	}
	f.Enroll(t, "o-002", "李四", "35010000002", "246802", casework.RoleOfficer)
	f.Enroll(t, "o-005", "钱七", "", "579135", casework.RoleHead)
	officer := f.Login(t, "o-002", "246802")
	head := f.Login(t, "o-005", "579135")
	if _, err := officer.HoldFootage(ctx, held.String(), "诉讼保全"); terminal.Code(err) != terminal.CodeRole {
		t.Fatalf("a hold by an officer who is no admin or head: %v", err)
	}
	hold, err := f.Admin.HoldFootage(ctx, held.String(), "当事人申请行政复议，保全证据")
	if err != nil {
		t.Fatal(err)
	}

	f.Clock.T = now.AddDate(0, 0, 31)
	dry, err := f.Admin.RetentionRun(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	if !dry.DryRun || !slices.Equal(digests(dry.Free), []evidence.Digest{old}) {
		t.Fatalf("dry run frees %v, want only %s", digests(dry.Free), old)
	}
	kept := map[evidence.Digest]string{}
	for _, e := range dry.Kept {
		kept[e.Digest] = e.Why
	}
	if !strings.HasPrefix(kept[linked], "open case "+caseID) || kept[held] != "held "+hold || len(kept) != 2 {
		t.Fatalf("dry run keeps %v", kept)
	}
	if len(dry.Expired) != 0 {
		t.Fatalf("expired %v, want none (TestRetentionDeletesExpired deletes expired footage)", digests(dry.Expired))
	}
	if has, _ := f.Terminal.Store().Blobs().Has(old); !has {
		t.Fatal("the dry run removed a file")
	}

	run, err := f.Admin.RetentionRun(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if run.DryRun || !slices.Equal(digests(run.Free), digests(dry.Free)) || !slices.Equal(digests(run.Kept), digests(dry.Kept)) {
		t.Fatalf("the run did %v/%v, the dry run said %v/%v", digests(run.Free), digests(run.Kept), digests(dry.Free), digests(dry.Kept))
	}
	if has, _ := f.Terminal.Store().Blobs().Has(old); has {
		t.Fatal("the freed file is still here")
	}
	want := map[evidence.Digest]string{old: store.LocationFreed, linked: store.LocationBoth, held: store.LocationBoth, unreceipted: store.LocationHere}
	if got := s.locations(t); !mapsEqual(got, want) {
		t.Fatalf("locations %v, want %v", got, want)
	}
	if rep, err := f.Terminal.Store().Check(ctx, trustedKeys(t, f)); err != nil || !rep.OK() {
		t.Fatalf("check after freeing: %v %v", err, rep.Problems)
	}

	// Releasing: a hold that does not exist is refused; the head releases it.
	if _, err := head.ReleaseHold(ctx, held.String(), "h-000000000000", "结案"); terminal.Code(err) != terminal.CodeRule {
		t.Fatalf("releasing a hold that does not exist: %v", err)
	}
	if _, err := head.ReleaseHold(ctx, old.String(), "", "结案"); terminal.Code(err) != terminal.CodeRule || !errors.Is(err, terminal.ErrNoHold) {
		t.Fatalf("releasing on a file without a hold: %v", err)
	}
	if _, err := head.ReleaseHold(ctx, held.String(), "", strings.Repeat("理", 10<<10)); terminal.Code(err) != terminal.CodeBadInput {
		t.Fatalf("a 10 KB reason: %v", err)
	}
	if got, err := head.ReleaseHold(ctx, held.String(), "", "复议结束"); err != nil || got != hold {
		t.Fatalf("release: %s %v", got, err)
	}
	again, err := f.Admin.RetentionRun(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(digests(again.Free), []evidence.Digest{held}) {
		t.Fatalf("after the release the run frees %v", digests(again.Free))
	}
	// Advancing the case to 送达执行 lets its footage go too.
	if err := f.Admin.AdvanceCase(ctx, caseID, casework.PhaseExecution); err != nil {
		t.Fatal(err)
	}
	last, err := f.Admin.RetentionRun(ctx, false)
	if err != nil || !slices.Equal(digests(last.Free), []evidence.Digest{linked}) {
		t.Fatalf("after 送达执行 the run frees %v (%v)", digests(last.Free), err)
	}
	if has, _ := f.Terminal.Store().Blobs().Has(unreceipted); !has {
		t.Fatal("a file the hub holds no receipt for was freed")
	}

	// Fetched back from the hub (to play it, or export the case file with
	// its footage), a freed file is here again and stays after a restart.
	if _, err := f.Admin.FetchFootage(ctx, old.String()); err != nil {
		t.Fatal(err)
	}
	f.Reopen(t)
	if has, _ := f.Terminal.Store().Blobs().Has(old); !has || s.locations(t)[old] != store.LocationBoth {
		t.Fatalf("fetched back: here %v, lives %q", has, s.locations(t)[old])
	}
	if rep, err := f.Terminal.Store().Check(ctx, trustedKeys(t, f)); err != nil || !rep.OK() {
		t.Fatalf("check after fetching back: %v %v", err, rep.Problems)
	}
}

// Freeing straight through the store, bypassing the run: refused without
// the hub's receipt, and for a held file.
func TestFreeingRefusedWithoutReceiptOrWhenHeld(t *testing.T) {
	ctx := context.Background()
	s := newRetentionSite(t)
	f := s.f
	d := s.dock(t, "DCIM/A.MP4", f.Clock.T)
	free := func() error {
		_, err := f.Terminal.Store().Append(ctx, f.Desk.Key(), store.Draft{Actor: terminaltest.AdminID, Blobs: []evidence.Digest{d},
			Payload: &casework.FootageFreed{Digest: d, Cause: casework.FreeLowSpace}})
		return err
	}
	if err := free(); !errors.Is(err, casework.ErrRule) || !strings.Contains(err.Error(), "no receipt") {
		t.Fatalf("freeing without a receipt: %v", err)
	}
	s.sync(t)
	if _, err := f.Admin.HoldFootage(ctx, d.String(), "纪检调查"); err != nil {
		t.Fatal(err)
	}
	if err := free(); !errors.Is(err, casework.ErrHeld) {
		t.Fatalf("freeing held footage: %v", err)
	}
	if _, err := f.Admin.HoldFootage(ctx, strings.Repeat("ab", 32), "x"); terminal.Code(err) != terminal.CodeRule {
		t.Fatalf("a hold on footage nobody recorded: %v", err)
	}
	if _, err := f.Admin.HoldFootage(ctx, d.String(), `"><img src=x onerror=alert(1)>`); err != nil {
		t.Fatalf("a second hold, its reason as typed: %v", err)
	}
	if _, err := f.Admin.ReleaseHold(ctx, d.String(), "", "x"); terminal.Code(err) != terminal.CodeBadInput {
		t.Fatalf("two holds in force, none named: %v", err)
	}
}

func mapsEqual(a, b map[evidence.Digest]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func trustedKeys(t *testing.T, f *terminaltest.Fixture) *evidence.Keys {
	t.Helper()
	k, err := store.TrustedKeys(f.Dir)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// Holds and freeings travel: the hub takes them, and another terminal of
// the agency replays them without a conflict — the file held there too,
// freed only on the terminal that freed it (there it lives at the hub).
func TestRetentionEventsReachAnotherTerminal(t *testing.T) {
	ctx := context.Background()
	h := hubtest.Start(t)
	a := terminaltest.NewIn(t, filepath.Join(t.TempDir(), "a"), "采集站-A")
	b := terminaltest.NewIn(t, filepath.Join(t.TempDir(), "b"), "采集站-B")
	for _, f := range []*terminaltest.Fixture{a, b} {
		if _, err := client.Join(ctx, f.Terminal.Store(), f.Desk.Key(), h.Code(t, terminaltest.Agency), f.Desk.Info.Name); err != nil {
			t.Fatal(err)
		}
	}
	sa, sb := retentionSite{a}, retentionSite{b}
	freed := sa.dock(t, "DCIM/A.MP4", a.Clock.T.Add(-time.Hour))
	held := sa.dock(t, "DCIM/B.MP4", a.Clock.T.Add(-time.Hour))
	sa.sync(t)
	hold, err := a.Admin.HoldFootage(ctx, held.String(), "纪检调查")
	if err != nil {
		t.Fatal(err)
	}
	a.Clock.T = a.Clock.T.AddDate(0, 0, 31)
	if plan, err := a.Admin.RetentionRun(ctx, false); err != nil || !slices.Equal(digests(plan.Free), []evidence.Digest{freed}) {
		t.Fatalf("run on A: %v %v", digests(plan.Free), err)
	}
	sa.sync(t)
	sb.sync(t)
	if refused, err := b.Terminal.Store().FeedRefusals(ctx, 10); err != nil || len(refused) != 0 {
		t.Fatalf("B refused feed items: %+v %v", refused, err)
	}
	if out := terminaltest.InsiderQuery(t, b.Dir, terminaltest.Passphrase, "SELECT count(*) FROM event_conflicts"); out != "0" {
		t.Fatalf("B's conflicts: %s", out)
	}
	holds, err := b.Terminal.Store().Holds(ctx, held)
	if err != nil || len(holds) != 1 || holds[0].ID != hold || holds[0].ReleasedAt != "" {
		t.Fatalf("B's holds: %+v %v", holds, err)
	}
	want := map[evidence.Digest]string{freed: store.LocationHub, held: store.LocationHub}
	if got := sb.locations(t); !mapsEqual(got, want) {
		t.Fatalf("on B: %v, want %v", got, want)
	}
	if rep, err := b.Terminal.Store().Check(ctx, trustedKeys(t, b)); err != nil || !rep.OK() {
		t.Fatalf("check on B: %v %v", err, rep.Problems)
	}
}
