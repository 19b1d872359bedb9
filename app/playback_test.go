package app

import (
	"context"
	"crypto/sha256"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"lawtrail/casework"
	"lawtrail/device"
	"lawtrail/device/msc"
	"lawtrail/evidence"
	"lawtrail/ingest"
	"lawtrail/store"
	"lawtrail/terminal"
	"lawtrail/terminal/terminaltest"
)

// R6 (every view is a signed event naming who, what and — off the case —
// why): in the evidence tab, 用系统播放器打开 by a supervisor who is not on
// the clip's case asks for a reason first (cancelled: nothing recorded,
// nothing copied); given, the play is recorded with it and the player gets
// a private copy, not the blob; the clerk who docked the clip is not asked.
// The custody trail on screen shows the plays; logging out removes the
// copies.
func TestUIPlayingIsAnAccess(t *testing.T) {
	a := test.NewTempApp(t)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	f := terminaltest.NewIn(t, dir, "采集站-1")
	d := dockOne(t, f.Admin, "执法记录仪视频 "+strings.Repeat("v", 50_000))
	caseID := f.OpenCase(t, f.Admin, "示市监罚〔2026〕9号", "无照经营")
	step, err := f.Admin.RecordStep(ctx, terminal.NewStep{Case: caseID, Kind: casework.StepOnSiteInspection,
		Start: f.Clock.T, End: f.Clock.T.Add(time.Hour), Officers: []string{terminaltest.AdminID}})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Admin.LinkFootage(ctx, step.Step, d); err != nil {
		t.Fatal(err)
	}
	f.Enroll(t, "o-009", "孙九", "", "975319", casework.RoleSupervisor)
	f.Terminal.Close()

	defer holdUI()()
	u := New(ctx, a, a.NewWindow("lawtrail"), dir)
	u.KDF, u.Bus = terminaltest.KDF, nil
	u.Start()
	eventually(t, "the unlock screen", func() bool { return u.unlock != nil })
	test.Type(u.unlock.Passphrase, terminaltest.Passphrase)
	test.Tap(u.unlock.Submit)
	eventually(t, "the login screen", func() bool {
		if u.login == nil && u.unlock.Status.Text != "" && u.unlock.Status.Text != lang.L("unlock.working") {
			t.Fatalf("unlock: %s", u.unlock.Status.Text)
		}
		return u.login != nil && len(u.login.Officer.Options) == 2
	})
	loginAs(t, u, "孙九", "975319")

	e := selectClip(t, u, d)
	before := eventCount(t, u)
	test.Tap(e.Open)
	reason := reasonDialog(t, u)
	test.Tap(findButton(u.win.Canvas().Overlays().Top(), lang.L("present.cancel")))
	eventually(t, "the dialog to close", func() bool { return u.win.Canvas().Overlays().Top() == nil })
	if eventCount(t, u) != before || e.LastPlayed != "" {
		t.Fatal("a cancelled play was recorded or copied")
	}

	test.Tap(e.Open)
	reason = reasonDialog(t, u)
	confirm := findButton(u.win.Canvas().Overlays().Top(), lang.L("present.confirm"))
	test.Tap(confirm) // empty: the form does not submit
	if u.win.Canvas().Overlays().Top() == nil {
		t.Fatal("an empty reason was accepted")
	}
	test.Type(reason, "执法监督抽查")
	test.Tap(confirm)
	eventually(t, "the clip handed to the player", func() bool { return e.LastPlayed != "" })
	if e.LastPlayed == u.st().Blobs().Path(d) || !strings.HasPrefix(e.LastPlayed, tmp) {
		t.Fatalf("the player got %s", e.LastPlayed)
	}
	if b, err := os.ReadFile(e.LastPlayed); err != nil || sha256.Sum256(b) != d {
		t.Fatalf("the copy is not the clip: %v", err)
	}
	trail, err := u.st().Custody(ctx, d)
	if err != nil || len(trail) != 2 || trail[1].Type != casework.TypeFootagePlayed || trail[1].Actor != "o-009" ||
		trail[1].Reason != "执法监督抽查" || trail[1].Case != caseID {
		t.Fatalf("custody: %+v %v", trail, err)
	}
	eventually(t, "the play in the trail on screen", func() bool {
		return strings.Contains(e.Detail.Text, lang.L("custody.access.footage_played")) && strings.Contains(e.Detail.Text, "执法监督抽查")
	})
	played := e.LastPlayed

	// The case view plays its linked clip the same way: asked, recorded.
	c := u.main.Cases
	fyne.DoAndWait(func() { u.main.Tabs.Select(tabNamed(u.main, lang.L("tab.cases"))) })
	eventually(t, "the case listed", func() bool { return c.List.Length() == 1 })
	fyne.DoAndWait(func() { c.List.Select(0) })
	eventually(t, "the clip's play button", func() bool { return findButton(c.Timeline, lang.L("cases.play")) != nil })
	test.Tap(findButton(c.Timeline, lang.L("cases.play")))
	test.Type(reasonDialog(t, u), "信访核查")
	test.Tap(findButton(u.win.Canvas().Overlays().Top(), lang.L("present.confirm")))
	eventually(t, "the play from the case view on the record", func() bool {
		acc, _ := u.st().Accesses(ctx, store.AccessFilter{Officer: "o-009"})
		return len(acc) == 2 && acc[1].Reason == "信访核查" && acc[1].Case == caseID
	})

	// The clerk who docked it: no dialog. Logging out removed the copy.
	loginAs(t, u, terminaltest.AdminName, terminaltest.AdminPIN)
	if _, err := os.Stat(played); !os.IsNotExist(err) {
		t.Fatalf("the copy outlived the logout: %v", err)
	}
	e = selectClip(t, u, d)
	test.Tap(e.Open)
	eventually(t, "the clerk's clip handed to the player", func() bool { return e.LastPlayed != "" })
	if u.win.Canvas().Overlays().Top() != nil {
		t.Fatal("the clerk was asked for a reason")
	}
	acc, err := u.st().Accesses(ctx, store.AccessFilter{Officer: terminaltest.AdminID})
	if err != nil || len(acc) != 1 || acc[0].Reason != "" {
		t.Fatalf("the clerk's accesses: %+v %v", acc, err)
	}
	// The trail on screen catches up before the UI closes, so no detail
	// work outlives the test.
	eventually(t, "the clerk's play in the trail on screen", func() bool {
		return strings.Count(e.Detail.Text, lang.L("custody.access.footage_played")) == 3
	})
	u.Close()
	if left, _ := filepath.Glob(filepath.Join(tmp, "lawtrail-view-*")); len(left) > 0 {
		t.Fatalf("copies left at exit: %v", left)
	}
}

// dockOne docks one recorder file through the session's own docking.
func dockOne(t *testing.T, s *terminal.Session, content string) evidence.Digest {
	t.Helper()
	root := t.TempDir()
	name := filepath.Join(root, "DCIM", "DSJ1234_350101_20261120101530_0001.MP4")
	os.MkdirAll(filepath.Dir(name), 0o755)
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	folder, err := msc.OpenDir(root)
	if err != nil {
		t.Fatal(err)
	}
	defer folder.Close()
	dock, err := s.NewDock(terminal.DockOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := dock.Ingest(context.Background(), ingest.Recorder{Source: msc.New(folder, device.Info{Serial: "DSJ-A8"}), Label: "/media/DSJ-A8"})
	if err != nil || !sum.OK() {
		t.Fatalf("dock: %+v %v", sum, err)
	}
	return evidence.Sum([]byte(content))
}

// selectClip opens the evidence tab's detail of clip d.
func selectClip(t *testing.T, u *UI, d evidence.Digest) *Evidence {
	t.Helper()
	e := u.main.Evidence
	eventually(t, "the clip listed", func() bool {
		for i, it := range e.Shown() {
			if it.Digest == d {
				e.List.Select(i)
				return true
			}
		}
		e.Reload(u)
		return false
	})
	eventually(t, "the open button", func() bool { return !e.Open.Disabled() })
	return e
}

// reasonDialog waits for the dialog asking why and returns its entry.
func reasonDialog(t *testing.T, u *UI) *widget.Entry {
	t.Helper()
	var entry *widget.Entry
	eventually(t, "the reason dialog", func() bool {
		top := u.win.Canvas().Overlays().Top()
		if top == nil || !strings.Contains(objectText(top), lang.L("access.reason.title")) {
			return false
		}
		entry = findEntry(top)
		return entry != nil
	})
	return entry
}
