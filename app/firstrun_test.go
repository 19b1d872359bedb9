package app

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"

	"lawtrail/evidence"
	"lawtrail/store"
)

// The first-run screen applies lawtrailctl's rule (store.CheckSecrets): a
// passphrase of at least ten characters, a PIN of at least six digits and
// digits only, not equal to the passphrase; each refusal is said in the
// officer's language and creates nothing. A folder prepared open to others
// is made private.
func TestFirstRunRefusesWeakSecrets(t *testing.T) {
	a := test.NewTempApp(t)
	defer holdUI()()
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o777)
	u := New(context.Background(), a, a.NewWindow("lawtrail"), dir)
	u.KDF = evidence.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}
	u.Start()
	f := u.firstRun
	f.Agency.SetText("某区市场监督管理局")
	f.OfficerID.SetText("o-001")
	f.OfficerName.SetText("张三")
	cases := []struct{ pass, pin, key string }{
		{"p", "123456", "firstrun.err.passphrase"},
		{"123456789", "123456", "firstrun.err.passphrase"},
		{"terminal passphrase", "1", "firstrun.err.pin"},
		{"terminal passphrase", "12345a", "firstrun.err.pin.digits"},
		{"2468101214", "2468101214", "firstrun.err.pin.same"},
	}
	for _, c := range cases {
		f.Passphrase.SetText(c.pass)
		f.Passphrase2.SetText(c.pass)
		f.PIN.SetText(c.pin)
		f.PIN2.SetText(c.pin)
		test.Tap(f.Submit)
		if !strings.HasPrefix(f.Status.Text, lang.L(c.key)) {
			t.Fatalf("passphrase %q, PIN %q: status %q, want %q", c.pass, c.pin, f.Status.Text, lang.L(c.key))
		}
		if _, err := os.Stat(store.TerminalKeyPath(dir)); !os.IsNotExist(err) {
			t.Fatalf("passphrase %q, PIN %q created a terminal", c.pass, c.pin)
		}
	}
	f.Passphrase.SetText("terminal passphrase")
	f.Passphrase2.SetText("terminal passphrase")
	f.PIN.SetText("123456")
	f.PIN2.SetText("123456")
	test.Tap(f.Submit)
	eventually(t, "the unlock screen", func() bool { return u.unlock != nil })
	fi, err := os.Stat(dir)
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("data folder after first run: %v %v, want mode 0700", fi.Mode(), err)
	}
}
