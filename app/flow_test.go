package app

import (
	"context"
	"crypto/rand"
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
	"lawtrail/evidence"
	"lawtrail/store"
)

// holdUI makes the test goroutine the UI goroutine: Fyne's test driver
// runs fyne.Do callbacks in their callers' goroutines, so the test holds
// the lock uiDo takes and lets background completions in only while it
// waits in eventually. The returned func lets go.
func holdUI() (release func()) {
	callbacks.Lock()
	return callbacks.Unlock
}

// eventually waits for cond, which background work makes true via uiDo;
// the caller holds the UI (holdUI).
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		callbacks.Unlock()
		time.Sleep(20 * time.Millisecond)
		callbacks.Lock()
	}
	t.Fatalf("timed out waiting for %s", what)
}

func recorderCard(t *testing.T, n int) string {
	root := filepath.Join(t.TempDir(), "DSJ-A8")
	mtime := time.Date(2026, 11, 20, 10, 45, 0, 0, casework.Shanghai)
	for i := 0; i < n; i++ {
		p := filepath.Join(root, "DCIM", "DSJ1234_350101_20261120101530_000"+string(rune('1'+i))+".MP4")
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(strings.Repeat("frame ", 1000+i)), 0o644)
		os.Chtimes(p, mtime, mtime)
	}
	return root
}

// The whole path a newcomer takes: first run → unlock → login (with a wrong
// PIN and the lockout) → dock a recorder until its files are signed →
// create a case → record a step → link the suggested footage → the
// credential card carries the right QR payload → the evidence list filters.
func TestUIFirstRunToLinkedFootage(t *testing.T) {
	a := test.NewTempApp(t)
	defer holdUI()()
	if err := LoadTranslations(); err != nil {
		t.Fatal(err)
	}
	win := a.NewWindow("lawtrail")
	dir := filepath.Join(t.TempDir(), "data")
	u := New(context.Background(), a, win, dir)
	u.KDF = evidence.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}
	clock := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	u.guard = PINGuard{MaxFailures: 3, LockFor: time.Minute, Now: func() time.Time { return clock }}
	u.Start()
	if u.firstRun == nil {
		t.Fatal("a new folder did not open on the first-run screen")
	}

	f := u.firstRun
	test.Type(f.Agency, "某区市场监督管理局")
	test.Type(f.OfficerID, "o-001")
	test.Type(f.OfficerName, "张三")
	test.Type(f.Credential, "35010000001")
	test.Type(f.Passphrase, "short")
	test.Type(f.Passphrase2, "short")
	test.Tap(f.Submit)
	if f.Status.Text == "" {
		t.Fatal("a too-short passphrase was accepted silently")
	}
	f.Passphrase.SetText("terminal passphrase")
	f.Passphrase2.SetText("terminal passphrase")
	test.Type(f.PIN, "123456")
	test.Type(f.PIN2, "123456")
	test.Tap(f.Submit)
	eventually(t, "the unlock screen", func() bool { return u.unlock != nil })

	test.Type(u.unlock.Passphrase, "terminal passphrase")
	test.Tap(u.unlock.Submit)
	eventually(t, "the login screen", func() bool { return u.login != nil })

	l := u.login
	eventually(t, "the officer list", func() bool { return l.Officer.Selected != "" })
	for i := 0; i < 3; i++ {
		test.Type(l.PIN, "000000")
		test.Tap(l.Submit)
		eventually(t, "a refusal", func() bool { return l.Status.Text != "" && l.Submit.Disabled() == false })
	}
	if locked, _ := u.guard.Locked(); !locked {
		t.Fatal("three wrong PINs did not lock login")
	}
	l.PIN.SetText("123456")
	test.Tap(l.Submit)
	time.Sleep(100 * time.Millisecond)
	if u.main != nil {
		t.Fatal("logged in while locked")
	}
	clock = clock.Add(2 * time.Minute)
	l.PIN.SetText("123456")
	test.Tap(l.Submit)
	eventually(t, "the main screen", func() bool { return u.main != nil })
	if u.sess.Officer.ID != "o-001" {
		t.Fatalf("acting officer %q", u.sess.Officer.ID)
	}

	// Dock a recorder folder: every file reaches "signed".
	m := u.main
	card := recorderCard(t, 3)
	var rc *RecorderCard
	fyne.DoAndWait(func() { rc = m.Dock.StartDocking(u, card) })
	eventually(t, "the docking to finish", func() bool { return rc.Done })
	if rc.Summary.Copied != 3 || !rc.Summary.OK() || !strings.Contains(rc.Serial.Text, "DSJ-A8") {
		t.Fatalf("docking summary %+v, serial %q", rc.Summary, rc.Serial.Text)
	}
	eventually(t, "the card's sync line", func() bool { return strings.Contains(rc.SyncLine.Text, "3") })

	// A case, a step during the recording, and the suggested footage linked.
	c := m.Cases
	test.Type(c.Number, "某市监罚〔2026〕12号")
	test.Type(c.Title, "无照经营")
	test.Tap(c.Create)
	eventually(t, "the new case in the list", func() bool { return c.List.Length() == 1 })
	fyne.DoAndWait(func() { c.List.Select(0) })
	eventually(t, "the case to open", func() bool { return c.Selected != nil })
	c.StepStart.SetText("2026-11-20 10:20")
	c.StepEnd.SetText("2026-11-20 10:40")
	test.Tap(c.AddStep)
	eventually(t, "the step and its suggestions", func() bool { return len(c.Steps) == 1 && len(c.Suggestions[c.Steps[0].ID]) == 3 })
	if cov := c.Coverage[c.Steps[0].ID]; cov.Complete() {
		t.Fatal("an on-site inspection with no linked footage shows as covered")
	}
	var link *widget.Button
	fyne.DoAndWait(func() { link = findButton(c.Timeline, lang.L("cases.link")) })
	if link == nil {
		t.Fatal("no link button for the suggested footage")
	}
	test.Tap(link)
	eventually(t, "the footage link", func() bool { return len(c.Steps) == 1 && len(c.Steps[0].Footage) == 1 })
	eventually(t, "the step's AV coverage", func() bool { return c.Coverage[c.Steps[0].ID].Complete() })

	// Fill and finalize a 现场笔录 with on-screen signatures, then its PDF.
	second, _ := evidence.GenerateKeyPair(rand.Reader)
	if err := u.sess.Append(context.Background(), store.Draft{Payload: &casework.OfficerEnrolled{Officer: "o-002", Name: "王五",
		CredentialNo: "35010000002", Agency: u.sess.Info.Agency, Roles: []casework.Role{casework.RoleOfficer}, PublicKey: second.Public}}); err != nil {
		t.Fatal(err)
	}
	fyne.DoAndWait(func() { c.DocTemplate.SetSelected("现场笔录") })
	test.Tap(c.NewDoc)
	eventually(t, "the document editor", func() bool { return c.Editor != nil })
	ed := c.Editor
	test.Tap(ed.Finalize)
	eventually(t, "the refusal of an empty document", func() bool {
		return ed.Status.Text != ""
	})
	if ed.Finalized != 0 {
		t.Fatal("an empty document was finalized")
	}
	fyne.DoAndWait(func() {
		for key, v := range map[string]string{"doc_no": "示市监现〔2026〕12号", "start_time": "2026-11-20 10:20", "end_time": "2026-11-20 10:40",
			"place": "某路1号", "party": "某某食品店", "recorder": "张三", "party_answer": "清楚", "findings": "店内存放无标签散装白酒三桶。",
			"av_note": "执法记录仪全程记录", "credential_shown": "true", "rights_explained": "true",
			"officers": "张三（35010000001）,王五（35010000002）", "party_signature": "李四", "officer_signatures": "张三"} {
			ed.Set(key, v)
		}
		for _, pad := range ed.Pads {
			for i := 0; i < 5; i++ {
				pad.Dragged(&fyne.DragEvent{PointEvent: fyne.PointEvent{Position: fyne.NewPos(float32(10+i*20), float32(10+i*7))}})
			}
			pad.DragEnd()
		}
	})
	// What was typed is autosaved as a draft event.
	before, _ := u.sess.Store.EventCount(context.Background())
	fyne.DoAndWait(func() { ed.Autosave(u) })
	eventually(t, "the autosaved draft", func() bool {
		n, _ := u.sess.Store.EventCount(context.Background())
		return n == before+1
	})
	test.Tap(ed.Finalize)
	eventually(t, "the finalized document", func() bool { return ed.Finalized == 1 })
	pdfPath, err := ed.RenderPDF(u)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(pdfPath); !strings.HasPrefix(string(b), "%PDF") {
		t.Fatal("no PDF")
	}
	os.Remove(pdfPath)

	// The credential card's QR carries the officer, credential and key.
	want := CredentialPayload("", "o-001", "35010000001", evidence.KeyID(u.sess.OfficerKey.Public))
	if m.Card.Payload != want || m.Card.QR.Resource == nil {
		t.Fatalf("credential payload %q, want %q", m.Card.Payload, want)
	}

	// The evidence list shows the three files and filters them.
	m.Evidence.Reload(u)
	eventually(t, "the evidence list", func() bool { return len(m.Evidence.Shown()) == 3 })
	fyne.DoAndWait(func() { m.Evidence.Filter.SetText("DSJ-A8 0002") })
	eventually(t, "the filter", func() bool { return len(m.Evidence.Shown()) == 1 })
	m.Evidence.Reload(u)
	fyne.DoAndWait(func() { m.Evidence.Filter.SetText("〔2026〕12号") })
	eventually(t, "the filter by case number", func() bool { return len(m.Evidence.Shown()) == 1 })
}

// findObject returns the first object inside o (containers and widgets'
// renderers, depth first) that match accepts.
func findObject(o fyne.CanvasObject, match func(fyne.CanvasObject) bool) fyne.CanvasObject {
	if match(o) {
		return o
	}
	var children []fyne.CanvasObject
	switch v := o.(type) {
	case *fyne.Container:
		children = v.Objects
	case fyne.Widget:
		children = test.WidgetRenderer(v).Objects()
	}
	for _, c := range children {
		if f := findObject(c, match); f != nil {
			return f
		}
	}
	return nil
}

// findButton returns the first button labelled text inside o.
func findButton(o fyne.CanvasObject, text string) *widget.Button {
	b, _ := findObject(o, func(c fyne.CanvasObject) bool {
		b, ok := c.(*widget.Button)
		return ok && b.Text == text
	}).(*widget.Button)
	return b
}

func TestPINGuardLocksAndUnlocks(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	g := PINGuard{Now: func() time.Time { return now }}
	for i := 0; i < 4; i++ {
		if g.Failed() {
			t.Fatalf("locked after %d failures", i+1)
		}
	}
	if !g.Failed() {
		t.Fatal("five failures did not lock")
	}
	if locked, until := g.Locked(); !locked || !until.Equal(now.Add(5*time.Minute)) {
		t.Fatalf("locked %v until %v", locked, until)
	}
	now = now.Add(5 * time.Minute)
	if locked, _ := g.Locked(); locked {
		t.Fatal("still locked after the lock time")
	}
	g.Failed()
	g.Succeeded()
	if g.Remaining() != 5 {
		t.Fatalf("a success did not reset the count: %d left", g.Remaining())
	}
}
