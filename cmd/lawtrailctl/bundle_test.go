package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"lawtrail/casefile/casefiletest"
	"lawtrail/terminal/terminaltest"
)

// caseWithDocument makes a terminal with a case and a finalized 现场笔录
// (with on-screen signatures), all through the CLI.
func caseWithDocument(t *testing.T) (dir, caseID, doc string) {
	t.Helper()
	dir = initTerminal(t)
	caseID = strings.TrimSpace(ctl(t, pass, "--data", dir, "case", "new", "--number", "示市监罚〔2026〕1号", "--title", "无照经营").stdout)
	fields := filepath.Join(t.TempDir(), "fields.json")
	os.WriteFile(fields, []byte(onsiteFields), 0o600)
	doc = strings.TrimSpace(ctl(t, pass, "--data", dir, "doc", "new", "--case", caseID, "--template", "onsite_record", "--fields", fields).stdout)
	enroll(t, dir, "o-002", "王五", "35010000002", wangPIN, "officer")
	if r := ctl(t, pass, "--data", dir, "doc", "finalize", doc, "--pins", pinsFile(t, "o-002 "+wangPIN+"\n")); r.code != 0 {
		t.Fatalf("finalize: %s %s", r.stdout, r.stderr)
	}
	return dir, caseID, doc
}

func exportCase(t *testing.T, dir, caseID, out string) {
	t.Helper()
	if r := ctl(t, pass, "--data", dir, "case", "export", caseID, "--out", out); r.code != 0 {
		t.Fatalf("export: %s %s", r.stdout, r.stderr)
	}
}

func resum(t *testing.T, dir string) { casefiletest.Resum(t, dir) }

func copyTree(t *testing.T, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "c")
	if b, err := exec.Command("cp", "-r", src, dst).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, b)
	}
	return dst
}

// R5 (a case is archived as one file that can be checked): the case file
// checks with sha256sum -c alone and with verify-bundle, folder and zip;
// the export is itself a signed event (an access to the record, R6).
func TestR5CaseExportAndVerifyBundle(t *testing.T) {
	dir, caseID, doc := caseWithDocument(t)
	out := filepath.Join(t.TempDir(), "case")
	exportCase(t, dir, caseID, out)
	for _, f := range []string{"documents/" + doc + "-v1.pdf", "documents/" + doc + "-v1-party_signature.png", "export.json", "README.txt"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Fatalf("the case file lacks %s", f)
		}
	}
	sha := exec.Command("sha256sum", "-c", "--quiet", "SHA256SUMS")
	sha.Dir = out
	if b, err := sha.CombinedOutput(); err != nil {
		t.Fatalf("sha256sum -c on an untouched bundle: %v\n%s", err, b)
	}
	r := ctl(t, pass, "verify-bundle", out)
	if r.code != 0 || !strings.Contains(r.stdout, "named by the signed case.exported event") ||
		!strings.Contains(r.stdout, "exactly what the signed events give") || !strings.Contains(r.stdout, "note: the terminal key") {
		t.Fatalf("verify-bundle: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if log := ctl(t, pass, "--data", dir, "log"); !strings.Contains(log.stdout, "case.exported") {
		t.Fatal("the export left no case.exported event in the log")
	}
	zipOut := filepath.Join(t.TempDir(), "case.zip")
	exportCase(t, dir, caseID, zipOut)
	if r := ctl(t, pass, "verify-bundle", zipOut); r.code != 0 {
		t.Fatalf("verify-bundle zip: %s", r.stdout)
	}
	if r := ctl(t, pass, "--data", dir, "case", "export", caseID, "--out", zipOut); r.code == 0 {
		t.Fatal("an export overwrote an existing zip")
	}
}

// Defect 5 of "Trust, checked from outside": a PDF with an added black bar,
// a replaced signature PNG or an edited case.json, with SHA256SUMS
// regenerated, passed verify-bundle. Every file is now bound: SHA256SUMS by
// the signed export, derived files by deriving them again from the events.
func TestVerifyBundleCatchesEveryTamperWithSumsRegenerated(t *testing.T) {
	dir, caseID, doc := caseWithDocument(t)
	out := filepath.Join(t.TempDir(), "case")
	exportCase(t, dir, caseID, out)
	edit := func(name string, fn func([]byte) []byte) func(string) {
		return func(root string) {
			p := filepath.Join(root, name)
			b, _ := os.ReadFile(p)
			os.WriteFile(p, fn(b), 0o600)
		}
	}
	blackBar := func(b []byte) []byte { // paint a filled rectangle into the first page's content
		i := strings.Index(string(b), "stream\n") + len("stream\n")
		return append(append(append([]byte{}, b[:i]...), []byte("0 g 100 400 300 30 re f\n")...), b[i:]...)
	}
	cases := map[string]func(string){
		"pdf black bar":        edit("documents/"+doc+"-v1.pdf", blackBar),
		"signature png":        edit("documents/"+doc+"-v1-party_signature.png", func(b []byte) []byte { b[len(b)/2] ^= 0xff; return b }),
		"case.json":            edit("case.json", func(b []byte) []byte { return []byte(strings.Replace(string(b), "无照经营", "有照经营", 1)) }),
		"document json":        edit("documents/"+doc+"-v1.json", func(b []byte) []byte { return []byte(strings.Replace(string(b), "某路1号", "某路2号", 1)) }),
		"events.jsonl":         edit("events.jsonl", func(b []byte) []byte { return []byte(strings.Replace(string(b), `"sig":"`, `"sig":"A`, 1)) }),
		"terminal.json":        edit("terminal.json", func(b []byte) []byte { return []byte(strings.Replace(string(b), "某区", "另区", 1)) }),
		"README.txt":           edit("README.txt", func(b []byte) []byte { return append(b, "以本说明为准。\n"...) }),
		"footage.json":         edit("footage.json", func(b []byte) []byte { return []byte("[]\n\n") }),
		"extra file":           func(root string) { os.WriteFile(filepath.Join(root, "documents", "note.txt"), []byte("x"), 0o600) },
		"export removed":       func(root string) { os.Remove(filepath.Join(root, "export.json")) },
		"export of other sums": edit("export.json", func(b []byte) []byte { return []byte(strings.Replace(string(b), `"sig": "`, `"sig": "B`, 1)) }),
	}
	for name, tamper := range cases {
		t.Run(name, func(t *testing.T) {
			c := copyTree(t, out)
			tamper(c)
			resum(t, c)
			sha := exec.Command("sha256sum", "-c", "--quiet", "SHA256SUMS")
			sha.Dir = c
			if name != "export removed" && name != "export of other sums" {
				if b, err := sha.CombinedOutput(); err != nil {
					t.Fatalf("the forger's SHA256SUMS does not even pass sha256sum: %s", b)
				}
			}
			r := ctl(t, pass, "verify-bundle", c)
			if r.code != 1 || !strings.Contains(r.stdout, "BROKEN") {
				t.Fatalf("verify-bundle passed a tampered case file (%d):\n%s%s", r.code, r.stdout, r.stderr)
			}
			if strings.Contains(r.stdout, "ok: SHA256SUMS is the one named") {
				t.Fatalf("verify-bundle claimed the sums are signed:\n%s", r.stdout)
			}
		})
	}
}

// A forger with a key of their own can sign a whole case file; the terminal
// key from the hub's register (--terminal-key) exposes it.
func TestVerifyBundleTrustedTerminalKey(t *testing.T) {
	dir, caseID, _ := caseWithDocument(t)
	out := filepath.Join(t.TempDir(), "case")
	exportCase(t, dir, caseID, out)
	other := initTerminal(t)
	otherKey := terminalPEM(t, other)
	if r := ctl(t, pass, "verify-bundle", "--terminal-key", otherKey, out); r.code != 1 || !strings.Contains(r.stdout, "not the trusted terminal key") {
		t.Fatalf("a case file checked against another terminal's key: %d\n%s", r.code, r.stdout)
	}
	if r := ctl(t, pass, "verify-bundle", "--terminal-key", terminalPEM(t, dir), out); r.code != 0 || strings.Contains(r.stdout, "note: the terminal key") {
		t.Fatalf("the right trusted key: %d\n%s", r.code, r.stdout)
	}
	if r := ctl(t, pass, "verify-bundle", "--terminal-key", "not-a-key", out); r.code != 2 {
		t.Fatalf("a malformed key: %d %s", r.code, r.stderr)
	}
}

// terminalPEM writes a terminal's public key as a PEM file, as an auditor
// would from the hub's register.
func terminalPEM(t *testing.T, dir string) string {
	t.Helper()
	c := filepath.Join(t.TempDir(), "case")
	caseID := strings.TrimSpace(ctl(t, pass, "--data", dir, "case", "new", "--number", "k", "--title", "k").stdout)
	exportCase(t, dir, caseID, c)
	b, _ := os.ReadFile(filepath.Join(c, "terminal.json"))
	var tj struct {
		PEM string `json:"public_key_pem"`
	}
	if err := json.Unmarshal(b, &tj); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "terminal.pem")
	os.WriteFile(p, []byte(tj.PEM), 0o600)
	return p
}

// Defect 4: an export is built from verified events, never from tables
// that could have been edited: a case title changed in SQLite does not
// reach case.json, and a damaged event refuses the export.
func TestExportComesFromVerifiedEvents(t *testing.T) {
	dir, caseID, _ := caseWithDocument(t)
	sqlite(t, dir, "UPDATE cases SET title = '已结案' WHERE id = '"+caseID+"'")
	if r := ctl(t, pass, "--data", dir, "check"); r.code != 1 || !strings.Contains(r.stdout, "table cases") {
		t.Fatalf("check after editing a case title: %d\n%s", r.code, r.stdout)
	}
	out := filepath.Join(t.TempDir(), "case")
	exportCase(t, dir, caseID, out)
	b, _ := os.ReadFile(filepath.Join(out, "case.json"))
	if strings.Contains(string(b), "已结案") || !strings.Contains(string(b), "无照经营") {
		t.Fatalf("the export took the edited table:\n%s", b)
	}
	sqlite(t, dir, "DROP TRIGGER events_no_update; UPDATE events SET sig = zeroblob(64) WHERE seq = 2")
	r := ctl(t, pass, "--data", dir, "case", "export", caseID, "--out", filepath.Join(t.TempDir(), "bad"))
	if r.code == 0 || !strings.Contains(r.stderr, "problems") {
		t.Fatalf("an export from a damaged record: %d %s", r.code, r.stderr)
	}
}

// sqlite edits a terminal's sealed database as an insider with the
// passphrase would.
func sqlite(t *testing.T, dir, sql string) {
	t.Helper()
	terminaltest.InsiderSQL(t, dir, pass["LAWTRAIL_PASSPHRASE"], sql)
}
