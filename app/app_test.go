package app

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"github.com/go-text/typesetting/font"

	"lawtrail/assets"
	"lawtrail/casework"
	"lawtrail/evidence"
	"lawtrail/store"
)

func readTranslations(t *testing.T) map[string]map[string]string {
	t.Helper()
	out := map[string]map[string]string{}
	for _, name := range []string{"zh-CN", "en"} {
		raw, err := fs.ReadFile(assets.Translations, "translations/"+name+".json")
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("%s.json: %v", name, err)
		}
		out[name] = m
	}
	return out
}

func TestTranslationsHaveTheSameKeys(t *testing.T) {
	tr := readTranslations(t)
	for k := range tr["zh-CN"] {
		if tr["en"][k] == "" {
			t.Errorf("%s: no English text", k)
		}
	}
	for k := range tr["en"] {
		if tr["zh-CN"][k] == "" {
			t.Errorf("%s: no Chinese text", k)
		}
	}
}

// Chinese must render on a machine with no system CJK font: every character
// of the Chinese UI text, and name characters outside GB2312, must be in the
// bundled font the theme returns (not in whatever the machine has).
func TestBundledFontCoversTheChineseUI(t *testing.T) {
	th := NewTheme(false)
	if th.Font(fyne.TextStyle{}) != fontRegular || th.Font(fyne.TextStyle{Bold: true}) != fontBold {
		t.Fatal("theme does not use the bundled CJK fonts")
	}
	regular, err := font.ParseTTF(bytes.NewReader(assets.FontRegular))
	if err != nil {
		t.Fatal(err)
	}
	bold, err := font.ParseTTF(bytes.NewReader(assets.FontBold))
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	for _, s := range readTranslations(t)["zh-CN"] {
		text.WriteString(s)
	}
	for _, r := range text.String() + "喆堃赟玥" {
		if r < 0x20 { // line breaks are layout, not glyphs
			continue
		}
		if _, ok := regular.NominalGlyph(r); !ok {
			t.Errorf("regular font lacks %q (U+%04X)", r, r)
		}
	}
	for _, r := range readTranslations(t)["zh-CN"]["card.title"] + readTranslations(t)["zh-CN"]["welcome.heading"] {
		if _, ok := bold.NominalGlyph(r); !ok {
			t.Errorf("bold font lacks %q (U+%04X)", r, r)
		}
	}
}

func TestReadStatusOfMissingFolderCreatesNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nothing-here")
	st := ReadStatus(context.Background(), dir)
	if st.Ready || st.Err != nil {
		t.Fatalf("status %+v", st)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatal("reading the status created the data folder")
	}
}

func TestWelcomeShowsTerminalState(t *testing.T) {
	a := test.NewTempApp(t)
	a.Settings().SetTheme(NewTheme(false))
	if err := LoadTranslations(); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	_, err := store.InitTerminal(context.Background(), dir, store.TerminalSetup{
		TerminalName: "t", AgencyName: "某区市场监督管理局", OfficerID: "o-001", OfficerName: "张三",
		Roles: []casework.Role{casework.RoleAdmin}, Passphrase: []byte("p"), PIN: []byte("1"),
		KDF: evidence.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}, Rand: rand.Reader,
	})
	if err != nil {
		t.Fatal(err)
	}
	st := ReadStatus(context.Background(), dir)
	if !st.Ready || st.Events != 3 || !strings.HasPrefix(st.Terminal, "k") {
		t.Fatalf("status %+v", st)
	}
	win := a.NewWindow("lawtrail")
	w := NewWelcome(dir)
	win.SetContent(w.View())
	w.SetStatus(st)
	if !strings.Contains(w.StatusText(), st.Terminal) || !strings.Contains(w.StatusText(), "3") {
		t.Fatalf("status line %q does not show the terminal and its 3 events", w.StatusText())
	}
	w.SetStatus(TerminalStatus{Dir: dir, Err: os.ErrPermission})
	if !strings.Contains(w.StatusText(), os.ErrPermission.Error()) {
		t.Fatalf("error status %q does not say what went wrong", w.StatusText())
	}
}
