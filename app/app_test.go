package app

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"github.com/go-text/typesetting/font"

	"lawtrail/assets"
	"lawtrail/casework"
	"lawtrail/terminal"
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

// codes are the values of terminal's Code* constants, read from its source
// so a kind added there is a kind this test asks a translation for.
func codes(t *testing.T) []string {
	t.Helper()
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, "../terminal", func(fi fs.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range pkgs["terminal"].Files {
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, spec := range g.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, name := range vs.Names {
					if !strings.HasPrefix(name.Name, "Code") || i >= len(vs.Values) {
						continue
					}
					if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
						v, _ := strconv.Unquote(lit.Value)
						out = append(out, v)
					}
				}
			}
		}
	}
	return out
}

// Every kind of error the action layer names has its sentence in both
// languages, and errText puts it in front of the error's own text.
func TestEveryErrorCodeIsTranslated(t *testing.T) {
	all := codes(t)
	for _, want := range []string{terminal.CodeWrongPIN, terminal.CodeLocked, terminal.CodeRevoked, terminal.CodeCredentialExpired,
		terminal.CodeRole, terminal.CodeNotCoSigned, terminal.CodeFields, terminal.CodeRule, terminal.CodeSecrets, terminal.CodeOther} {
		if !slices.Contains(all, want) {
			t.Fatalf("reading terminal's codes found %v, not %q", all, want)
		}
	}
	tr := readTranslations(t)
	for _, code := range all {
		for _, name := range []string{"zh-CN", "en"} {
			text := tr[name]["err."+code]
			if text == "" {
				t.Errorf("%s.json has no err.%s", name, code)
			} else if code != terminal.CodeWrongPassphrase && code != terminal.CodeLocked && !strings.Contains(text, "{{.Detail}}") {
				t.Errorf("%s.json err.%s drops the detail: %q", name, code, text)
			}
		}
	}
	revoked := fmt.Errorf("%w: %w: 李四 (o-002) may no longer log in: 调离", casework.ErrRule, casework.ErrRevoked)
	if got, want := errText(revoked), lang.X("err.revoked", "", map[string]any{"Detail": revoked.Error()}); got != want || !strings.Contains(got, "调离") {
		t.Errorf("errText(revoked) = %q, want %q", got, want)
	}
}
