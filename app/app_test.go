package app

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"github.com/go-text/typesetting/font"

	"lawtrail/assets"
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
	for _, r := range readTranslations(t)["zh-CN"]["card.title"] + readTranslations(t)["zh-CN"]["tab.evidence"] {
		if _, ok := bold.NominalGlyph(r); !ok {
			t.Errorf("bold font lacks %q (U+%04X)", r, r)
		}
	}
}
