package app

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"lawtrail/casework"
	"lawtrail/evidence"
	"lawtrail/store"
	"lawtrail/terminal"
)

// demoUI starts the demo terminal (张三 admin, 李四 officer, one case)
// logged in as 张三, with no recorder docked.
func demoUI(t *testing.T) (*UI, Demo, fyne.Window) {
	t.Helper()
	d, err := PrepareDemo(context.Background(), t.TempDir(), evidence.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	a := test.NewTempApp(t)
	win := a.NewWindow("lawtrail")
	u := New(context.Background(), a, win, d.DataDir)
	u.KDF = evidence.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}
	u.Bus = nil
	t.Cleanup(u.Close)
	d.Recorder = ""
	u.StartDemo(d, "")
	return u, d, win
}

// An admin changes 李四's roles and revokes 李四 with a reason, confirmed;
// 李四's login is then refused in words, and nothing of a cancelled revoke
// is recorded.
func TestUIRevokeOfficer(t *testing.T) {
	defer holdUI()()
	u, d, win := demoUI(t)
	eventually(t, "the main screen", func() bool { return u.main != nil })
	o := u.main.Settings.Officers
	eventually(t, "the officers list", func() bool { return len(o.Rows) == 2 })

	tapOverlay := func(label string) {
		t.Helper()
		var top fyne.CanvasObject
		eventually(t, "a dialog with "+label, func() bool {
			top = win.Canvas().Overlays().Top()
			return top != nil && findButton(top, label) != nil
		})
		test.Tap(findButton(top, label))
	}
	liRow := func() terminal.OfficerRow { return o.Rows[1] }
	if liRow().ID != "o-002" {
		t.Fatalf("rows %+v", o.Rows)
	}

	// Roles: 李四 becomes an evidence clerk as well.
	fyne.DoAndWait(func() { o.showRoles(u, liRow()) })
	g := findCheckGroup(win.Canvas().Overlays().Top())
	fyne.DoAndWait(func() { g.SetSelected([]string{casework.RoleOfficer.Label(), casework.RoleClerk.Label()}) })
	tapOverlay(lang.L("officers.roles.submit"))
	eventually(t, "the roles changed", func() bool { return len(o.Rows) == 2 && len(liRow().Roles) == 2 })

	// A revoke cancelled at the confirmation records nothing.
	before := eventCount(t, u)
	test.Tap(findButton(o.View(), lang.L("officers.revoke")))
	e := findEntry(win.Canvas().Overlays().Top())
	test.Type(e, "调离执法岗位")
	tapOverlay(lang.L("officers.revoke"))
	tapOverlay(lang.L("No"))
	if eventCount(t, u) != before || liRow().Revoked {
		t.Fatal("a cancelled revoke recorded something")
	}
	test.Tap(findButton(o.View(), lang.L("officers.revoke")))
	test.Type(findEntry(win.Canvas().Overlays().Top()), "调离执法岗位")
	tapOverlay(lang.L("officers.revoke"))
	tapOverlay(lang.L("Yes"))
	eventually(t, "李四 revoked", func() bool { return len(o.Rows) == 2 && liRow().Revoked })
	if line := officerLine(liRow()); !strings.Contains(line, "调离执法岗位") {
		t.Fatalf("revoked line %q", line)
	}

	// 李四 can no longer log in: said in words, with the reason.
	u.showLogin()
	l := u.login
	eventually(t, "the login list", func() bool { return len(l.Officer.Options) == 2 })
	fyne.DoAndWait(func() { l.Officer.SetSelected(l.Officer.Options[1]) })
	test.Type(l.PIN, d.SecondPIN)
	test.Tap(l.Submit)
	eventually(t, "the refusal", func() bool { return l.Status.Text != "" })
	if u.main != nil && u.sess != nil || !says(l.Status.Text, "err.revoked") ||
		!strings.Contains(l.Status.Text, "调离执法岗位") {
		t.Fatalf("revoked login: %q", l.Status.Text)
	}
}

// The case file and the ledger are written from the app, and the screen
// says where, with the digest to check them by.
func TestUIExportsCaseFileAndLedger(t *testing.T) {
	defer holdUI()()
	u, _, _ := demoUI(t)
	eventually(t, "the main screen", func() bool { return u.main != nil })
	c := u.main.Cases
	c.Reload(u)
	eventually(t, "the demo case", func() bool { return c.List.Length() == 1 })
	fyne.DoAndWait(func() { c.List.Select(0) })
	eventually(t, "the case to open", func() bool { return c.Selected != nil })
	out := filepath.Join(t.TempDir(), "case.zip")
	c.ExportCase(u, out)
	eventually(t, "the export", func() bool { return strings.Contains(c.Status.Text, out) })
	if fi, err := os.Stat(out); err != nil || fi.Size() == 0 {
		t.Fatalf("case file: %v", err)
	}
	if !strings.Contains(c.Status.Text, "SHA256SUMS") {
		t.Fatalf("export status %q names no digest", c.Status.Text)
	}
	ledger := filepath.Join(t.TempDir(), "ledger.xlsx")
	c.WriteLedger(u, ledger)
	eventually(t, "the ledger", func() bool { return strings.Contains(c.Status.Text, ledger) })
	b, err := os.ReadFile(ledger)
	if err != nil || !strings.Contains(c.Status.Text, evidence.Sum(b).String()) {
		t.Fatalf("ledger status %q: %v", c.Status.Text, err)
	}
	// R6: the export is the logged-in officer's access on the record.
	acc, err := u.term.Store().Accesses(u.ctx, store.AccessFilter{})
	if err != nil || len(acc) == 0 {
		t.Fatalf("accesses after the ledger: %v %v", acc, err)
	}
	if last := acc[len(acc)-1]; last.Type != casework.TypeLedgerExported || last.Officer != u.sess.Officer.ID || last.Format != "xlsx" ||
		last.Rows == nil || *last.Rows != 1 {
		t.Fatalf("the ledger's access: %+v", last)
	}
	c.WriteLedger(u, filepath.Join(t.TempDir(), "ledger.txt"))
	eventually(t, "the refusal of a .txt ledger", func() bool { return !strings.Contains(c.Status.Text, ledger) })
	if !says(c.Status.Text, "err.bad_input") {
		t.Fatalf("a .txt ledger: %q", c.Status.Text)
	}
}

// says reports whether text is the translated message key around some
// detail.
func says(text, key string) bool {
	before, after, _ := strings.Cut(lang.X(key, "", map[string]any{"Detail": "\x00"}), "\x00")
	return strings.HasPrefix(text, before) && strings.HasSuffix(text, after) && len(text) > len(before)+len(after)
}

func findEntry(o fyne.CanvasObject) *widget.Entry {
	e, _ := findObject(o, func(c fyne.CanvasObject) bool { _, ok := c.(*widget.Entry); return ok }).(*widget.Entry)
	return e
}

func findCheckGroup(o fyne.CanvasObject) *widget.CheckGroup {
	g, _ := findObject(o, func(c fyne.CanvasObject) bool { _, ok := c.(*widget.CheckGroup); return ok }).(*widget.CheckGroup)
	return g
}

// Anyone changes their own PIN: a wrong current PIN is refused in words,
// two new PINs that differ are refused, then the new PIN logs in and the
// old one no longer does.
func TestUIChangeOwnPIN(t *testing.T) {
	defer holdUI()()
	u, d, win := demoUI(t)
	eventually(t, "the main screen", func() bool { return u.main != nil })
	o := u.main.Settings.Officers
	change := func(old, pin, again string) {
		t.Helper()
		o.Status.SetText("")
		test.Tap(o.ChangePIN)
		top := win.Canvas().Overlays().Top()
		var entries []*widget.Entry
		findObject(top, func(c fyne.CanvasObject) bool {
			if e, ok := c.(*widget.Entry); ok && e.Password {
				entries = append(entries, e)
			}
			return false
		})
		if len(entries) != 3 {
			t.Fatalf("%d PIN entries on the dialog", len(entries))
		}
		for i, s := range []string{old, pin, again} {
			test.Type(entries[i], s)
		}
		test.Tap(findButton(top, lang.L("officers.pin.submit")))
		eventually(t, "the answer", func() bool { return o.Status.Text != "" })
	}
	change("000000", "975311", "975311")
	if want := errText(&terminal.WrongPINError{Officer: d.Officer, Left: terminal.MaxPINFailures - 1}); o.Status.Text != want {
		t.Fatalf("wrong current PIN: %q, want %q", o.Status.Text, want)
	}
	change(d.PIN, "975311", "975312")
	if o.Status.Text != lang.L("firstrun.err.pin2") {
		t.Fatalf("two new PINs that differ: %q", o.Status.Text)
	}
	change(d.PIN, "975311", "975311")
	if o.Status.Text != lang.L("officers.pin.done") {
		t.Fatalf("change: %q", o.Status.Text)
	}
	if _, err := u.desk.Login(context.Background(), d.Officer, []byte(d.PIN)); terminal.Code(err) != terminal.CodeWrongPIN {
		t.Fatalf("the old PIN after the change: %v", err)
	}
	if _, err := u.desk.Login(context.Background(), d.Officer, []byte("975311")); err != nil {
		t.Fatalf("the new PIN: %v", err)
	}
}

// A second officer who cannot co-sign is refused in words and nothing is
// recorded: an expired credential, a locked PIN; a revoked officer is not
// offered at all.
func TestUIWitnessRefusals(t *testing.T) {
	defer holdUI()()
	u, _, win := demoUI(t)
	eventually(t, "the main screen", func() bool { return u.main != nil })
	ctx := context.Background()
	enroll := func(id, name, validUntil string) {
		t.Helper()
		if _, err := u.sess.EnrollOfficer(ctx, terminal.NewOfficer{ID: id, Name: name, CredentialNo: "3501" + id[2:], ValidUntil: validUntil,
			Roles: []casework.Role{casework.RoleOfficer}, PIN: []byte("864200")}); err != nil {
			t.Fatal(err)
		}
	}
	enroll("o-003", "王五", "2020-01-01")
	enroll("o-004", "赵六", "")
	for i := 0; i < terminal.MaxPINFailures; i++ {
		u.desk.Login(ctx, "o-004", []byte("000000"))
	}
	if err := u.sess.RevokeOfficer(ctx, "o-002", "调离"); err != nil {
		t.Fatal(err)
	}
	c := u.main.Cases
	c.Reload(u)
	eventually(t, "the demo case and the officers", func() bool {
		return c.List.Length() == 1 && len(c.Present.Group.Options) == 2
	})
	for _, l := range c.Present.Group.Options {
		if strings.Contains(l, "李四") {
			t.Fatal("a revoked officer is offered as present")
		}
	}
	fyne.DoAndWait(func() { c.List.Select(0) })
	eventually(t, "the case to open", func() bool { return c.Selected != nil })
	for _, tc := range []struct{ name, key string }{{"王五", "err.credential_expired"}, {"赵六", "err.locked"}} {
		i := slices.IndexFunc(c.Present.Group.Options, func(l string) bool { return strings.Contains(l, tc.name) })
		fyne.DoAndWait(func() { c.Present.Group.SetSelected([]string{c.Present.Group.Options[i]}) })
		answerPINDialog(t, win, "864200", lang.L("present.confirm"))
		before := eventCount(t, u)
		c.Status.SetText("")
		test.Tap(c.AddStep)
		eventually(t, "the refusal", func() bool { return c.Status.Text != "" })
		ok := says(c.Status.Text, tc.key)
		if tc.key == "err.locked" {
			ok = saysLockedFor(c.Status.Text, "o-004")
		}
		if !ok || eventCount(t, u) != before {
			t.Errorf("%s present: status %q (want %s), %d events recorded", tc.name, c.Status.Text, tc.key, eventCount(t, u)-before)
		}
	}
}
