package terminal_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
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

// dockClip docks one recorder file through the session's own docking and
// returns its digest.
func dockClip(t *testing.T, s *terminal.Session, content string) evidence.Digest {
	return terminaltest.DockClip(t, s, "DSJ1234_350101_20261120101530_0001.MP4", content)
}

// viewDirs lists the private folders of short-lived copies in dir.
func viewDirs(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "lawtrail-view-*"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// R6 (every view and export is a signed event): playing a clip and
// exporting it record access.* events, co-signed by the viewer, seen in the
// custody trail and the access list; a viewer off the case is refused
// without a reason and nothing is stored; the player gets a private copy,
// never the blob, gone once closed; the exported file is the footage.
func TestPlayAndExportAreAccessesOnTheRecord(t *testing.T) {
	ctx := context.Background()
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	f := terminaltest.New(t)
	clip := "recorder bytes 执法记录 " + strings.Repeat("x", 100_000)
	d := dockClip(t, f.Admin, clip)
	f.Enroll(t, "o-009", "孙九", "", "975319", casework.RoleSupervisor)
	sup := f.Login(t, "o-009", "975319")

	if need, err := f.Admin.FootageNeedsReason(ctx, d.String()); err != nil || need {
		t.Fatalf("the clerk who docked it needs a reason: %v %v", need, err)
	}
	if need, err := sup.FootageNeedsReason(ctx, d.String()); err != nil || !need {
		t.Fatalf("a supervisor needs no reason: %v %v", need, err)
	}

	// The clerk plays it: a private copy, not the blob, removed on Close.
	c, err := f.Admin.PlayFootage(ctx, d.String(), "")
	if err != nil {
		t.Fatal(err)
	}
	if c.Path == f.Terminal.Store().Blobs().Path(d) || !strings.HasPrefix(c.Path, tmp) || filepath.Ext(c.Path) != ".mp4" {
		t.Fatalf("player handed %s", c.Path)
	}
	if info, err := os.Stat(filepath.Dir(c.Path)); err != nil || info.Mode().Perm() != 0o700 {
		t.Fatalf("the copy's folder: %v %v", info.Mode(), err)
	}
	if b, err := os.ReadFile(c.Path); err != nil || sha256.Sum256(b) != d {
		t.Fatalf("the copy is not the clip: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if left := viewDirs(t, tmp); len(left) > 0 {
		t.Fatalf("left behind: %v", left)
	}

	// Off the case without a reason: refused, nothing stored or copied.
	before := eventCount(t, f)
	if _, err := sup.PlayFootage(ctx, d.String(), "  "); !errors.Is(err, casework.ErrReasonRequired) || terminal.Code(err) != terminal.CodeRule {
		t.Fatalf("played off the case without a reason: %v", err)
	}
	out := filepath.Join(t.TempDir(), "clip.mp4")
	if _, err := sup.ExportFootage(ctx, terminal.FootageExport{Digest: d.String(), Out: out}); !errors.Is(err, casework.ErrReasonRequired) {
		t.Fatalf("exported off the case without a reason: %v", err)
	}
	if eventCount(t, f) != before || len(viewDirs(t, tmp)) > 0 {
		t.Fatal("a refused access left an event or a copy")
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a refused export wrote %s: %v", out, err)
	}
	if m, _ := filepath.Glob(filepath.Join(filepath.Dir(out), ".lawtrail-export-*")); len(m) > 0 {
		t.Fatalf("a refused export left %v", m)
	}

	// With a reason: played and exported; the file is the footage.
	c, err = sup.PlayFootage(ctx, d.String(), " 督查抽查 ")
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	n, err := sup.ExportFootage(ctx, terminal.FootageExport{Digest: d.String(), Out: out, Reason: "移送公安机关"})
	if err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(out); err != nil || sha256.Sum256(b) != d || n != int64(len(clip)) {
		t.Fatalf("exported file: %d bytes, %v", n, err)
	}

	// The custody trail shows the accesses in order, with reasons.
	trail, err := f.Terminal.Store().Custody(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range trail {
		got = append(got, r.Type+" "+r.Actor+" "+r.Reason)
	}
	want := []string{"footage.ingested o-001 ", "access.footage_played o-001 ", "access.footage_played o-009 督查抽查",
		"access.footage_exported o-009 移送公安机关"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("custody:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// The access list: everyone's, one officer's, since a time; and the
	// same after the projections are rebuilt.
	all, err := f.Terminal.Store().Accesses(ctx, store.AccessFilter{})
	if err != nil || len(all) != 3 {
		t.Fatalf("accesses: %+v %v", all, err)
	}
	if mine, _ := f.Terminal.Store().Accesses(ctx, store.AccessFilter{Officer: "o-009"}); len(mine) != 2 || mine[1].Type != casework.TypeFootageExported {
		t.Fatalf("o-009's accesses: %+v", mine)
	}
	since, _ := time.Parse(time.RFC3339Nano, all[2].Time)
	if late, _ := f.Terminal.Store().Accesses(ctx, store.AccessFilter{Since: since.UTC()}); len(late) != 1 || late[0].Seq != all[2].Seq {
		t.Fatalf("since %s: %+v", since.UTC(), late)
	}
	if err := f.Terminal.Store().RebuildProjections(ctx); err != nil {
		t.Fatal(err)
	}
	if again, _ := f.Terminal.Store().Accesses(ctx, store.AccessFilter{}); len(again) != 3 || again[2] != all[2] {
		t.Fatalf("after rebuild: %+v", again)
	}
	rep, err := f.Terminal.Store().Check(ctx, mustTrusted(t, f))
	if err != nil || !rep.OK() {
		t.Fatalf("check: %+v %v", rep, err)
	}
}

// Linked to a case, footage names the case; an officer of the case needs
// no reason, an officer of the agency who is not on it does.
func TestAccessNamesTheCase(t *testing.T) {
	ctx := context.Background()
	t.Setenv("TMPDIR", t.TempDir())
	f := terminaltest.New(t)
	f.Enroll(t, "o-002", "李四", "35010000002", "246802", casework.RoleOfficer)
	f.Enroll(t, "o-003", "王五", "35010000003", "246803", casework.RoleOfficer)
	li := f.Login(t, "o-002", "246802")
	wang := f.Login(t, "o-003", "246803")
	d := dockClip(t, f.Admin, "seizure clip")
	caseID := f.OpenCase(t, li, "示市监罚〔2026〕7号", "无照经营")
	start := f.Clock.T
	step, err := li.RecordStep(ctx, terminal.NewStep{Case: caseID, Kind: casework.StepOnSiteInspection, Start: start, End: start.Add(time.Hour), Officers: []string{"o-002"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := li.LinkFootage(ctx, step.Step, d); err != nil {
		t.Fatal(err)
	}
	c, err := li.PlayFootage(ctx, d.String(), "")
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if _, err := wang.PlayFootage(ctx, d.String(), ""); !errors.Is(err, casework.ErrReasonRequired) {
		t.Fatalf("an officer not on the case played it without a reason: %v", err)
	}
	acc, err := f.Terminal.Store().Accesses(ctx, store.AccessFilter{Officer: "o-002"})
	if err != nil || len(acc) != 1 || acc[0].Case != caseID || acc[0].Digest != d.String() {
		t.Fatalf("accesses: %+v %v", acc, err)
	}
}

// Showing or printing a document is an access: on the case without a
// reason, off it with one; the shown PDF is a private copy, removed.
func TestDocumentViewIsAnAccess(t *testing.T) {
	ctx := context.Background()
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	f := terminaltest.New(t)
	caseID := f.OpenCase(t, f.Admin, "示市监罚〔2026〕8号", "销售过期食品")
	doc := f.FineOnIndividual(t, f.Admin, caseID, "500", "2026-11-20 10:00")
	f.Enroll(t, "o-009", "孙九", "", "975319", casework.RoleSupervisor)
	sup := f.Login(t, "o-009", "975319")

	pdf, v, err := f.Admin.ViewDocument(ctx, doc, 0, casework.ViewPDF, "")
	if err != nil || v != 1 || !bytes.HasPrefix(pdf, []byte("%PDF")) {
		t.Fatalf("view: v%d %v", v, err)
	}
	if need, _ := sup.DocumentNeedsReason(ctx, doc); !need {
		t.Fatal("a supervisor off the case needs no reason")
	}
	before := eventCount(t, f)
	if _, err := sup.ShowDocument(ctx, doc, 0, ""); !errors.Is(err, casework.ErrReasonRequired) {
		t.Fatalf("shown off the case without a reason: %v", err)
	}
	if eventCount(t, f) != before || len(viewDirs(t, tmp)) > 0 {
		t.Fatal("a refused view left an event or a file")
	}
	c, err := sup.ShowDocument(ctx, doc, 1, "信访核查")
	if err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(c.Path); err != nil || !bytes.HasPrefix(b, []byte("%PDF")) {
		t.Fatalf("shown copy: %v", err)
	}
	c.Close()
	if left := viewDirs(t, tmp); len(left) > 0 {
		t.Fatalf("left behind: %v", left)
	}
	acc, _ := f.Terminal.Store().Accesses(ctx, store.AccessFilter{})
	if len(acc) != 2 || acc[0].How != "pdf" || acc[1].How != "shown" || acc[1].Reason != "信访核查" || acc[1].Case != caseID || acc[1].Version != 1 {
		t.Fatalf("accesses: %+v", acc)
	}
}

// The worst inputs: a reason of 10 KB or with NUL, a digest that is not
// one or not on this terminal, an --out that exists or cannot be written.
// Each is refused before anything is stored or written.
func TestAccessRefusesBadInput(t *testing.T) {
	ctx := context.Background()
	t.Setenv("TMPDIR", t.TempDir())
	f := terminaltest.New(t)
	d := dockClip(t, f.Admin, "clip")
	before := eventCount(t, f)
	exists := filepath.Join(t.TempDir(), "exists.mp4")
	os.WriteFile(exists, []byte("keep me"), 0o600)
	locked := filepath.Join(t.TempDir(), "locked")
	os.Mkdir(locked, 0o500)
	if os.WriteFile(filepath.Join(locked, "probe"), nil, 0o600) == nil { // root writes anywhere: a folder no one can write to
		locked = "/proc"
	}
	cases := []struct {
		name   string
		digest string
		out    string
		reason string
		code   string
	}{
		{"reason of 10 KB", d.String(), filepath.Join(t.TempDir(), "a.mp4"), strings.Repeat("查", 10<<10), terminal.CodeBadInput},
		{"NUL in the reason", d.String(), filepath.Join(t.TempDir(), "b.mp4"), "督查\x00抽查", terminal.CodeBadInput},
		{"not a digest", "../../etc/passwd", filepath.Join(t.TempDir(), "c.mp4"), "", terminal.CodeBadInput},
		{"not on this terminal", evidence.Sum([]byte("other")).String(), filepath.Join(t.TempDir(), "d.mp4"), "", terminal.CodeNoFootage},
		{"out exists", d.String(), exists, "", terminal.CodeOther},
		{"out not writable", d.String(), filepath.Join(locked, "e.mp4"), "", terminal.CodeOther},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.Admin.ExportFootage(ctx, terminal.FootageExport{Digest: tc.digest, Out: tc.out, Reason: tc.reason})
			if err == nil || terminal.Code(err) != tc.code {
				t.Fatalf("got %v (%s), want %s", err, terminal.Code(err), tc.code)
			}
			if tc.out != exists {
				if _, err := os.Stat(tc.out); !errors.Is(err, os.ErrNotExist) {
					t.Fatalf("wrote %s", tc.out)
				}
			}
			if _, err := f.Admin.PlayFootage(ctx, tc.digest, tc.reason); tc.code != terminal.CodeOther && terminal.Code(err) != tc.code {
				t.Fatalf("play: %v", err)
			}
		})
	}
	if b, _ := os.ReadFile(exists); string(b) != "keep me" {
		t.Fatal("an existing file was overwritten")
	}
	// The two plays of the cases whose only fault was the output file.
	if n := eventCount(t, f); n != before+2 {
		t.Fatalf("%d events stored, want 2 (the plays)", n-before)
	}
	// --force replaces an existing file with the footage.
	if _, err := f.Admin.ExportFootage(ctx, terminal.FootageExport{Digest: d.String(), Out: exists, Force: true}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(exists); string(b) != "clip" {
		t.Fatalf("forced export: %q", b)
	}
}

// Accesses travel: a clip docked and played on terminal A, fetched and
// played with a reason on terminal B by a supervisor, are on both records'
// access lists after syncing through a real hub; every check passes.
func TestAccessesTravelThroughTheHub(t *testing.T) {
	ctx := context.Background()
	t.Setenv("TMPDIR", t.TempDir())
	h := hubtest.Start(t)
	a := terminaltest.NewIn(t, filepath.Join(t.TempDir(), "a"), "采集站-A")
	b := terminaltest.NewIn(t, filepath.Join(t.TempDir(), "b"), "采集站-B")
	for _, f := range []*terminaltest.Fixture{a, b} {
		if _, err := client.Join(ctx, f.Terminal.Store(), f.Desk.Key(), h.Code(t, terminaltest.Agency), f.Desk.Info.Name); err != nil {
			t.Fatal(err)
		}
	}
	syncOnce := func(f *terminaltest.Fixture) {
		t.Helper()
		c, err := client.New(ctx, f.Terminal.Store(), f.Desk.Key(), client.Options{Timeout: 20 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		if rep, err := c.Once(ctx); err != nil || len(rep.Errors) > 0 {
			t.Fatalf("sync: %v %v", err, rep.Errors)
		}
	}
	d := dockClip(t, a.Admin, "clip docked on A")
	c, err := a.Admin.PlayFootage(ctx, d.String(), "")
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	syncOnce(a)
	b.Enroll(t, "o-009", "孙九", "", "975319", casework.RoleSupervisor)
	sup := b.Login(t, "o-009", "975319")
	syncOnce(b)
	if _, err := sup.FetchFootage(ctx, d.String()); err != nil {
		t.Fatal(err)
	}
	if _, err := sup.PlayFootage(ctx, d.String(), ""); !errors.Is(err, casework.ErrReasonRequired) {
		t.Fatalf("B's supervisor played A's clip without a reason: %v", err)
	}
	c, err = sup.PlayFootage(ctx, d.String(), "督查抽查")
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	syncOnce(b)
	syncOnce(a)
	for _, f := range []*terminaltest.Fixture{a, b} {
		acc, err := f.Terminal.Store().Accesses(ctx, store.AccessFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, x := range acc {
			got = append(got, x.Type+" "+x.Officer+" "+x.Reason)
		}
		want := "access.footage_played o-001 |footage.fetched o-009 |access.footage_played o-009 督查抽查"
		if strings.Join(got, "|") != want {
			t.Fatalf("accesses on %s: %q", f.Desk.Info.Name, got)
		}
		if rep, err := f.Terminal.Store().Check(ctx, mustTrusted(t, f)); err != nil || !rep.OK() {
			t.Fatalf("check on %s: %v %v", f.Desk.Info.Name, rep.Problems, err)
		}
	}
	if rep, err := h.Check(ctx); err != nil || !rep.OK() {
		t.Fatalf("hub check: %v %v", rep.Problems, err)
	}
}
