package app

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"lawtrail/casework"
	"lawtrail/evidence"
	"lawtrail/store"
	"lawtrail/terminal"
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

// testClock is a terminal clock the test moves; it ticks a second per
// reading, and is safe for the background work that reads it.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Second)
	return c.t
}

func (c *testClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// answerPINDialog waits for a dialog with a password entry on win, types
// text into it and taps the button labelled button.
func answerPINDialog(t *testing.T, win fyne.Window, text, button string) {
	t.Helper()
	var e *widget.Entry
	eventually(t, "the PIN dialog", func() bool {
		if top := win.Canvas().Overlays().Top(); top != nil {
			e = findPasswordEntry(top)
		}
		return e != nil
	})
	test.Type(e, text)
	b := findButton(win.Canvas().Overlays().Top(), button)
	if b == nil {
		t.Fatalf("no %q button on the dialog", button)
	}
	test.Tap(b)
	eventually(t, "the dialog to close", func() bool { return win.Canvas().Overlays().Top() == nil })
}

func eventCount(t *testing.T, u *UI) int {
	t.Helper()
	n, err := u.st().EventCount(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// The whole path a newcomer takes: first run → unlock → login (with wrong
// PINs and the lockout, kept by the terminal) → dock a recorder until its
// files are signed → create a case → record a step (times picked, not
// typed) → link the suggested footage → enroll a second officer on the 人员
// screen → a step with both present, 李四 confirming with their PIN (a
// wrong one refused, translated, nothing recorded) → a 现场笔录 naming both,
// finalized with both PINs → the credential card's QR → the evidence list
// filters → 李四, not an admin, sees no way to enroll anyone.
func TestUIFirstRunToLinkedFootage(t *testing.T) {
	a := test.NewTempApp(t)
	defer holdUI()()
	win := a.NewWindow("lawtrail")
	dir := filepath.Join(t.TempDir(), "data")
	u := New(context.Background(), a, win, dir)
	u.KDF = evidence.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}
	clock := &testClock{t: time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)}
	u.Now = clock.Now
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
	for i := 1; i <= terminal.MaxPINFailures; i++ {
		test.Type(l.PIN, "000000")
		test.Tap(l.Submit)
		eventually(t, "a refusal", func() bool { return l.Status.Text != "" && !l.Submit.Disabled() })
		if i < terminal.MaxPINFailures {
			want := errText(&terminal.WrongPINError{Officer: "o-001", Left: terminal.MaxPINFailures - i})
			if l.Status.Text != want {
				t.Fatalf("wrong PIN %d: status %q, want %q", i, l.Status.Text, want)
			}
			l.Status.SetText("")
		}
	}
	if !saysLocked(l.Status.Text) {
		t.Fatalf("five wrong PINs: status %q, want the lock said", l.Status.Text)
	}
	l.Status.SetText("")
	l.PIN.SetText("123456")
	test.Tap(l.Submit)
	eventually(t, "the refusal while locked", func() bool { return l.Status.Text != "" })
	if u.main != nil || !saysLocked(l.Status.Text) {
		t.Fatalf("the right PIN while locked: status %q", l.Status.Text)
	}
	clock.add(terminal.PINLockFor)
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
	if _, ok := c.StepStart.Time(); !ok {
		t.Fatal("the step's start is not preset")
	}
	fyne.DoAndWait(func() {
		c.StepStart.Set(time.Date(2026, 11, 20, 10, 20, 0, 0, casework.Shanghai))
		c.StepEnd.Set(time.Date(2026, 11, 20, 10, 40, 0, 0, casework.Shanghai))
	})
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

	// The admin enrolls 李四 on the 人员 screen; 李四 types their own PIN.
	li := enrollOnScreen(t, u)

	// A step with both present: a wrong PIN for 李四 is refused and said
	// in words, nothing recorded; with the right one both co-sign.
	tickPresent := func(p *OfficerPicker, win fyne.Window, pin string) {
		t.Helper()
		eventually(t, "李四 among the officers present", func() bool { return slices.Contains(p.Group.Options, li) })
		fyne.DoAndWait(func() { p.Group.SetSelected([]string{li}) })
		answerPINDialog(t, win, pin, lang.L("present.confirm"))
		if ids := p.IDs(); len(ids) != 2 || ids[1] != "o-002" {
			t.Fatalf("officers present %v", ids)
		}
	}
	tickPresent(c.Present, win, "000000")
	before := eventCount(t, u)
	c.Status.SetText("")
	test.Tap(c.AddStep)
	eventually(t, "the refusal of 李四's wrong PIN", func() bool { return c.Status.Text != "" })
	if want := errText(&terminal.WrongPINError{Officer: "o-002", Left: terminal.MaxPINFailures - 1}); c.Status.Text != want {
		t.Fatalf("wrong PIN for 李四: status %q, want %q", c.Status.Text, want)
	}
	if n := eventCount(t, u); n != before {
		t.Fatalf("a refused step recorded %d events", n-before)
	}
	if len(c.Present.Group.Selected) != 0 {
		t.Fatal("after a refusal 李四 is still ticked: the next try would not ask the PIN again")
	}
	tickPresent(c.Present, win, liPIN)
	test.Tap(c.AddStep)
	eventually(t, "the step of both officers", func() bool { return len(c.Steps) == 2 })
	var both store.StepRow
	for _, st := range c.Steps {
		if len(st.Officers) == 2 {
			both = st
		}
	}
	if strings.Join(both.Officers, ",") != "o-001,o-002" {
		t.Fatalf("steps %+v: none names both officers", c.Steps)
	}

	// Fill and finalize a 现场笔录 naming both, with on-screen signatures
	// and both PINs, then its PDF.
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
			"party_signature": "王某", "officer_signatures": "张三"} {
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
	before = eventCount(t, u)
	fyne.DoAndWait(func() { ed.Autosave(u) })
	eventually(t, "the autosaved draft", func() bool { return eventCount(t, u) == before+1 })
	ed.Status.SetText("")
	test.Tap(ed.Finalize)
	eventually(t, "the refusal of a 现场笔录 naming one officer", func() bool { return ed.Status.Text != "" })
	if ed.Finalized != 0 {
		t.Fatal("a 现场笔录 naming one officer was finalized")
	}
	tickPresent(ed.Officers, ed.win, liPIN)
	test.Tap(ed.Finalize)
	eventually(t, "the finalized document", func() bool { return ed.Finalized == 1 })
	doc, err := u.st().Document(context.Background(), ed.DocID)
	if err != nil || len(doc.Versions) != 1 {
		t.Fatalf("document %s: %v", ed.DocID, err)
	}
	if got := string(doc.Versions[0].Content.Fields["start_time"]); got != `"2026-11-20 10:20"` {
		t.Fatalf("start time picked as %s", got)
	}
	var named []map[string]string
	json.Unmarshal(doc.Versions[0].Content.Fields["officers"], &named)
	if len(named) != 2 || named[1]["id"] != "o-002" || named[1]["credential"] != "35010000002" || named[1]["name"] != "李四" {
		t.Fatalf("the 现场笔录 names %v", named)
	}
	pdfPath, err := ed.RenderPDF(u)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(pdfPath); !strings.HasPrefix(string(b), "%PDF") {
		t.Fatal("no PDF")
	}
	os.Remove(pdfPath)

	// The credential card's QR carries the officer and agency signed by the
	// terminal key (before the hub's web address is known, as lawtrail:c/).
	tok, sig, err := casework.ParseCardToken(strings.TrimPrefix(m.Card.Payload, "lawtrail:c/"))
	if !strings.HasPrefix(m.Card.Payload, "lawtrail:c/") || err != nil || tok.Officer != "o-001" || tok.Terminal != u.desk.Info.ID ||
		!tok.Verify(u.desk.Key().Public, sig) || m.Card.QR.Resource == nil {
		t.Fatalf("credential payload %q: %+v %v", m.Card.Payload, tok, err)
	}

	// The evidence list shows the three files and filters them.
	m.Evidence.Reload(u)
	eventually(t, "the evidence list", func() bool { return len(m.Evidence.Shown()) == 3 })
	fyne.DoAndWait(func() { m.Evidence.Filter.SetText("DSJ-A8 0002") })
	eventually(t, "the filter", func() bool { return len(m.Evidence.Shown()) == 1 })
	m.Evidence.Reload(u)
	fyne.DoAndWait(func() { m.Evidence.Filter.SetText("〔2026〕12号") })
	eventually(t, "the filter by case number", func() bool { return len(m.Evidence.Shown()) == 1 })

	// 李四 is an enforcement officer, not an admin: the 人员 screen is a
	// list for them, with no way to enroll anyone.
	u.showLogin()
	eventually(t, "the login list", func() bool { return len(u.login.Officer.Options) == 2 })
	fyne.DoAndWait(func() { u.login.Officer.SetSelected(u.login.Officer.Options[1]) })
	test.Type(u.login.PIN, liPIN)
	test.Tap(u.login.Submit)
	eventually(t, "李四's main screen", func() bool { return u.main != nil && u.sess != nil && u.sess.Officer.ID == "o-002" })
	if want := lang.X("card.valid.until", "", map[string]any{"Until": "2027-12-31"}); u.main.Card.Validity.Text != want {
		t.Fatalf("李四's credential card says %q, want %q", u.main.Card.Validity.Text, want)
	}
	o := u.main.Settings.Officers
	eventually(t, "the officers list", func() bool { return len(o.Rows) == 2 })
	if o.Add.Visible() || findButton(o.View(), lang.L("officers.add")) != nil || findButton(o.View(), lang.L("officers.revoke")) != nil {
		t.Fatal("a non-admin is offered to enroll or revoke officers")
	}
}

const liPIN = "246813"

// saysLocked reports whether text is the translated lockout of o-001 (at
// whatever time the lock ends).
func saysLocked(text string) bool { return saysLockedFor(text, "o-001") }

// saysLockedFor is saysLocked for officer.
func saysLockedFor(text, officer string) bool {
	mark := time.Date(2000, 1, 1, 1, 2, 3, 0, time.UTC)
	before, after, _ := strings.Cut(errText(&terminal.LockedError{Officer: officer, Until: mark}), mark.Format(time.TimeOnly))
	return strings.HasPrefix(text, before) && strings.HasSuffix(text, after) && len(text) > len(before)+len(after)
}

// enrollOnScreen has the admin enroll 李四 (o-002) on 设置 → 人员, the way
// an admin does it: the form, a valid-until date picked, roles ticked, 李四
// typing their own PIN twice. It returns 李四's label in officer pickers.
func enrollOnScreen(t *testing.T, u *UI) string {
	t.Helper()
	m := u.main
	fyne.DoAndWait(func() { m.Tabs.SelectIndex(5); m.Settings.Tabs.SelectIndex(1) })
	o := m.Settings.Officers
	eventually(t, "the officers list", func() bool { return len(o.Rows) == 1 })
	if !o.Add.Visible() {
		t.Fatal("the admin is not offered to enroll an officer")
	}
	if line := officerLine(o.Rows[0]); !strings.Contains(line, casework.RoleAdmin.Label()) || !strings.Contains(line, lang.L("officers.here")) {
		t.Fatalf("the admin's line %q", line)
	}
	test.Tap(o.Add)
	f := o.Adding
	if f == nil {
		t.Fatal("no enrollment form")
	}
	if b := findButton(u.win.Canvas().Overlays().Top(), lang.L("officers.add.submit")); b == nil || b.Disabled() {
		t.Fatal("with no valid-until date (no end) the enroll button is not offered")
	}
	until := time.Date(2027, 12, 31, 0, 0, 0, 0, time.UTC)
	fyne.DoAndWait(func() {
		f.ValidUntil.Set(&until)
		f.Roles.SetSelected([]string{casework.RoleOfficer.Label(), casework.RoleClerk.Label()})
	})
	test.Type(f.ID, "o-002")
	test.Type(f.Name, "李四")
	test.Type(f.Credential, "35010000002")
	test.Type(f.PIN, liPIN)
	test.Type(f.PIN2, liPIN)
	b := findButton(u.win.Canvas().Overlays().Top(), lang.L("officers.add.submit"))
	if b == nil || b.Disabled() {
		t.Fatal("no enroll button on the form, or it is disabled")
	}
	test.Tap(b)
	eventually(t, "李四 in the list", func() bool { return len(o.Rows) == 2 })
	li := o.Rows[1]
	if li.ID != "o-002" || !li.Here || li.ValidUntil != "2027-12-31" || len(li.Roles) != 2 || li.Revoked {
		t.Fatalf("李四 enrolled as %+v", li)
	}
	if !strings.Contains(o.Status.Text, "李四") {
		t.Fatalf("status after enrolling: %q", o.Status.Text)
	}
	fyne.DoAndWait(func() { m.Tabs.SelectIndex(2) })
	return officerLabel(li.Officer)
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
