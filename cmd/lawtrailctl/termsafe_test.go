package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// hostileNames are recorder file names that try to act on a terminal: an
// OSC title change, a fake "[OK]" line, a screen clear, a C1 CSI, a bidi
// override, an invalid byte; and a Chinese name that must stay readable.
var hostileNames = []string{
	"a\x1b]0;pwned\x07.mp4",
	"x\n[OK] all fine.mp4",
	"\x1b[2J",
	"c1-\u009b31m.mp4",
	"bidi-\u202egnp.mp4",
	"tab\there.mp4",
	"gbk-\xd5\xc5.mp4",
	"执法记录_张三.mp4",
}

// controlFree fails when text output holds a byte or rune that a terminal
// acts on: C0 other than newline, DEL, C1, bidi overrides.
func controlFree(t *testing.T, what, out string) {
	t.Helper()
	for i, r := range out {
		if (r < 0x20 && r != '\n') || r == 0x7f || (r >= 0x80 && r <= 0x9f) || (r >= 0x202a && r <= 0x202e) {
			t.Fatalf("%s: control character %U at byte %d:\n%q", what, r, i, out)
		}
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "[OK]") {
			t.Fatalf("%s: a file name forged a line: %q", what, line)
		}
	}
}

// Recorder names with escapes and newlines are escaped in every text
// output of ingest and footage list (as a process, as an officer's terminal
// sees it), kept readable when Chinese, and exact in the JSON outputs.
func TestHostileNamesAreEscapedInTextAndExactInJSON(t *testing.T) {
	dir := initTerminal(t)
	card := t.TempDir()
	for i, n := range hostileNames {
		if err := os.WriteFile(filepath.Join(card, n), []byte(strings.Repeat("clip ", i+1)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("/etc/passwd", filepath.Join(card, "link\x1b[31m")); err != nil { // a "not a file" line
		t.Fatal(err)
	}
	r := ctlProcess(t, pass, "--data", dir, "ingest", "--from", card, "--serial", "DSJ\x1b[2J1")
	if r.code != 0 {
		t.Fatalf("ingest: %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	controlFree(t, "ingest text", r.stdout)
	for _, want := range []string{`a\x1b]0;pwned\x07.mp4`, `x\x0a[OK] all fine.mp4`, `\x1b[2J`, `c1-\u009b31m.mp4`,
		`bidi-\u202egnp.mp4`, `tab\x09here.mp4`, `执法记录_张三.mp4`, `link\x1b[31m`, `DSJ\x1b[2J1`} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("ingest text lacks %s:\n%s", want, r.stdout)
		}
	}
	r = ctlProcess(t, pass, "--data", dir, "footage", "list")
	if r.code != 0 {
		t.Fatalf("footage list: %d %s", r.code, r.stderr)
	}
	controlFree(t, "footage list", r.stdout)
	if n := strings.Count(r.stdout, "\n"); n != len(hostileNames)+1 {
		t.Fatalf("footage list has %d lines for %d files:\n%s", n, len(hostileNames), r.stdout)
	}
	r = ctlProcess(t, pass, "--data", dir, "footage", "list", "--json")
	got := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		var it struct {
			OriginalPath string `json:"original_path"`
			DeviceSerial string `json:"device_serial"`
		}
		if err := json.Unmarshal([]byte(line), &it); err != nil {
			t.Fatalf("footage list --json line %q: %v", line, err)
		}
		if it.DeviceSerial != "DSJ\x1b[2J1" {
			t.Errorf("JSON serial %q, want the exact one", it.DeviceSerial)
		}
		got[it.OriginalPath] = true
	}
	for _, n := range hostileNames {
		if utf8.ValidString(n) && !got[n] {
			t.Errorf("footage list --json lacks the exact name %q (has %v)", n, got)
		}
	}
}

func TestTermSafe(t *testing.T) {
	cases := map[string]string{
		"plain.mp4":          "plain.mp4",
		"执法记录仪 喆堃赟玥.mp4":     "执法记录仪 喆堃赟玥.mp4",
		"\x1b[2J":            `\x1b[2J`,
		"a\nb\r\tc\x7f":      `a\x0ab\x0d\x09c\x7f`,
		"\u0085\u009b":       `\u0085\u009b`,
		"\u202e\u200b\ufeff": `\u202e\u200b\ufeff`,
		"\xff\xfe":           `\xff\xfe`,
		"a\ufffdb":           "a\ufffdb", // a real replacement character is text
	}
	for in, want := range cases {
		if got := termSafe(in); got != want {
			t.Errorf("termSafe(%q) = %q, want %q", in, got, want)
		}
	}
}
