package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"lawtrail/sealstream"
)

// The data folder sealed at rest, attacked from outside and from the
// command line, with lawtrailctl run as processes the way a user runs it.

// The party of the case the sealed record holds: an individual whose name,
// ID-card number and phone number must not be readable from the folder.
const (
	sealedPartyName  = "陈晓梅"
	sealedPartyID    = "350102199003071234"
	sealedPartyPhone = "13905918842"
	sealedCaseNumber = "榕市监罚〔2026〕7号"
	sealedCaseTitle  = "销售过期食品（密封测试）"
)

// sealedProcessTimeout bounds every lawtrailctl process these tests start.
const sealedProcessTimeout = 3 * time.Minute

// sealedCtl runs the test binary as lawtrailctl in a child process with
// only vars as its LAWTRAIL_* variables (and TMPDIR when given), standard
// input /dev/null (not a terminal), killed after sealedProcessTimeout.
func sealedCtl(t *testing.T, vars map[string]string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), sealedProcessTimeout)
	defer cancel()
	cmd := childCommand(exec.CommandContext(ctx, os.Args[0], args...), vars)
	cmd.WaitDelay = 10 * time.Second
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("lawtrailctl %s: still running after %v, killed\n%s%s", strings.Join(args, " "), sealedProcessTimeout, out.String(), errOut.String())
	}
	return result{exitCode(t, err), out.String(), errOut.String()}
}

// mustSealedCtl is sealedCtl that fails the test unless lawtrailctl exits 0.
func mustSealedCtl(t *testing.T, vars map[string]string, args ...string) string {
	t.Helper()
	r := sealedCtl(t, vars, args...)
	if r.code != 0 {
		t.Fatalf("lawtrailctl %s: exit %d\n%s%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

// sealedRecord is a terminal holding one case on an individual, a document
// carrying the party's ID-card number, and one recorder file with a marker.
type sealedRecord struct {
	dir     string // the data folder
	tmp     string // TMPDIR of every lawtrailctl process
	vars    map[string]string
	caseID  string
	docID   string
	digest  string
	footage []byte
	marker  string
}

// newSealedRecord builds the record through lawtrailctl processes: init,
// case new, doc new and finalize, ingest of a card.
func newSealedRecord(t *testing.T) *sealedRecord {
	t.Helper()
	rec := &sealedRecord{dir: filepath.Join(t.TempDir(), "data"), tmp: t.TempDir()}
	rec.vars = map[string]string{"LAWTRAIL_PASSPHRASE": pass["LAWTRAIL_PASSPHRASE"], "LAWTRAIL_PIN": pass["LAWTRAIL_PIN"], "TMPDIR": rec.tmp}
	mustSealedCtl(t, rec.vars, append(initArgs(rec.dir), "--credential", "35010000001")...)
	rec.caseID = strings.TrimSpace(mustSealedCtl(t, rec.vars, "--data", rec.dir, "case", "new", "--number", sealedCaseNumber, "--title", sealedCaseTitle))
	fields := jsonFile(t, "fine.json", `{"doc_no": "`+sealedCaseNumber+`",
 "party": {"name": "`+sealedPartyName+`", "id_no": "`+sealedPartyID+`", "address": "福建省福州市鼓楼区五四路128号", "legal_rep": "", "phone": "`+sealedPartyPhone+`"},
 "facts": "当事人`+sealedPartyName+`（身份证号`+sealedPartyID+`，电话`+sealedPartyPhone+`）销售过期食品。", "basis": "《食品安全法》第一百二十四条。",
 "penalty": "罚款5000元。", "fine": 5000,
 "decision": {"act": "penalty", "party_kind": "individual", "penalties": [{"kind": "fine", "amount_yuan": 5000}]},
 "payment": "十五日内缴纳。", "remedies": "六十日内申请行政复议。", "decided_at": "2026-11-25 10:00"}`)
	rec.docID = strings.TrimSpace(mustSealedCtl(t, rec.vars, "--data", rec.dir, "doc", "new", "--case", rec.caseID, "--template", "penalty_decision", "--fields", fields))
	mustSealedCtl(t, rec.vars, "--data", rec.dir, "doc", "finalize", rec.docID)

	// A recorder file whose marker recurs across more than four sealed chunks,
	// so some copy of it straddles every chunk boundary's neighbourhood.
	var nonce [8]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		t.Fatal(err)
	}
	rec.marker = "MARKER-" + hex.EncodeToString(nonce[:])
	var b bytes.Buffer
	for i := 0; b.Len() < 4*sealstream.ChunkSize+1000; i++ {
		fmt.Fprintf(&b, "%s frame %06d\n", rec.marker, i)
	}
	rec.footage = b.Bytes()
	card := t.TempDir()
	clip := filepath.Join(card, "DCIM", "DSJ1234_350101_20261120110000_0001.MP4")
	if err := os.MkdirAll(filepath.Dir(clip), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(clip, rec.footage, 0o644); err != nil {
		t.Fatal(err)
	}
	rec.digest = hexSum(rec.footage)
	mustSealedCtl(t, rec.vars, "--data", rec.dir, "ingest", "--from", card, "--serial", "DSJ1234")
	return rec
}

// secrets are what of the record no one without the passphrase may read,
// by name.
func (rec *sealedRecord) secrets() map[string]string {
	return map[string]string{
		"footage marker":      rec.marker,
		"footage marker hex":  strings.TrimPrefix(rec.marker, "MARKER-"),
		"party's ID-card no.": sealedPartyID,
		"party's phone":       sealedPartyPhone,
		"party's name":        sealedPartyName,
		"case title":          sealedCaseTitle,
	}
}

// encodings are the byte forms s could be stored in: UTF-8, JSON's \uXXXX
// escapes of its non-ASCII characters (either case), UTF-16 LE and BE.
func encodings(s string) [][]byte {
	forms := [][]byte{[]byte(s)}
	var esc, escUpper strings.Builder
	ascii := true
	for _, r := range s {
		if r < 0x80 {
			esc.WriteRune(r)
			escUpper.WriteRune(r)
			continue
		}
		ascii = false
		fmt.Fprintf(&esc, `\u%04x`, r)
		fmt.Fprintf(&escUpper, `\u%04X`, r)
	}
	if !ascii {
		forms = append(forms, []byte(esc.String()), []byte(escUpper.String()))
	}
	var le, be []byte
	for _, u := range utf16.Encode([]rune(s)) {
		le = append(le, byte(u), byte(u>>8))
		be = append(be, byte(u>>8), byte(u))
	}
	return append(forms, le, be)
}

// scanFolder reads every regular file under root and names each secret
// found in any of its encodings, with the file; it also returns how many
// files and bytes it read.
func scanFolder(t *testing.T, root string, secrets map[string]string) (found []string, files int, size int64) {
	t.Helper()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files++
		size += int64(len(b))
		for name, s := range secrets {
			for _, form := range encodings(s) {
				if i := bytes.Index(b, form); i >= 0 {
					found = append(found, fmt.Sprintf("%s (%q) in %s at byte %d", name, form, p, i))
					break
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("scan %s: %v", root, err)
	}
	return found, files, size
}

// grepFolder runs grep -r -a -F over root for s in those of its encodings
// an argument can carry (UTF-16 has NUL bytes; the byte scan covers it);
// it returns grep's exit code and output.
func grepFolder(t *testing.T, root, s string) (int, string) {
	t.Helper()
	args := []string{"-r", "-a", "-F", "-l"}
	for _, form := range encodings(s) {
		if bytes.IndexByte(form, 0) < 0 {
			args = append(args, "-e", string(form))
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "grep", append(args, root)...)
	out, err := cmd.CombinedOutput()
	return exitCode(t, err), string(out)
}

// An outside attack: a thief holds the data folder and no passphrase.
// After a case on an individual (name, ID-card number, phone), a document
// carrying the ID-card number and a recorder file carrying a marker, with
// every lawtrailctl process ended, none of them is readable in any file of
// the folder (nor in the processes' TMPDIR): not by reading every byte,
// not by grep -r -a, not by strings; sqlite3 cannot read the database. With
// the passphrase, footage export gives back the recorder file's bytes and
// log --json shows the access.
func TestSealedFolderLeaksNothing(t *testing.T) {
	rec := newSealedRecord(t)
	// Read it the ways a user does before the thief comes: nothing they
	// leave behind in the folder may carry the record either.
	for _, args := range [][]string{{"log"}, {"case", "show", rec.caseID}, {"doc", "show", rec.docID}, {"footage", "verify"}, {"check"}} {
		mustSealedCtl(t, rec.vars, append([]string{"--data", rec.dir}, args...)...)
	}
	secrets := rec.secrets()

	// Every byte of every file, read by the test itself.
	blob := filepath.Join(rec.dir, "blobs", rec.digest[:2], rec.digest[2:])
	if fi, err := os.Stat(blob); err != nil || fi.Size() < int64(len(rec.footage)) {
		t.Fatalf("the footage blob %s is not there whole: %v", blob, err)
	}
	found, files, size := scanFolder(t, rec.dir, secrets)
	t.Logf("read %d files, %d bytes, in the data folder", files, size)
	if files < 3 || size < int64(len(rec.footage)) {
		t.Fatalf("the scan read %d files of %d bytes: not the data folder", files, size)
	}
	for _, f := range found {
		t.Errorf("plaintext in the sealed data folder: %s", f)
	}
	tmpFound, _, _ := scanFolder(t, rec.tmp, secrets)
	for _, f := range tmpFound {
		t.Errorf("plaintext left in lawtrailctl's TMPDIR: %s", f)
	}

	// grep -r -a -F: exit 1, nothing matched.
	if _, err := exec.LookPath("grep"); err != nil {
		t.Fatalf("grep is missing (%v): install it (make deps installs the test tools)", err)
	}
	for name, s := range secrets {
		if code, out := grepFolder(t, rec.dir, s); code != 1 {
			t.Errorf("grep -r -a -F for the %s (%s): exit %d (want 1, not found)\n%s", name, s, code, out)
		}
	}

	// sqlite3 cannot read the database without the key.
	if _, err := exec.LookPath("sqlite3"); err != nil {
		t.Fatalf("sqlite3 is missing (%v): run make deps", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	out, err := exec.CommandContext(ctx, "sqlite3", filepath.Join(rec.dir, "lawtrail.db"), "SELECT count(*) FROM events").CombinedOutput()
	cancel()
	if code := exitCode(t, err); code == 0 || !strings.Contains(string(out), "not a database") {
		t.Errorf("sqlite3 on the sealed database: exit %d, %q (want a failure: file is not a database)", code, out)
	}

	// strings -n 8 over every file, when binutils is there (the byte scan
	// above is the check that always runs).
	if _, err := exec.LookPath("strings"); err != nil {
		t.Logf("strings is missing (%v): binutils not installed; the byte scan stands for it", err)
	} else {
		filepath.WalkDir(rec.dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || !d.Type().IsRegular() {
				return err
			}
			out, err := exec.Command("strings", "-a", "-n", "8", "-e", "S", p).Output()
			if err != nil {
				t.Errorf("strings %s: %v", p, err)
				return nil
			}
			for name, s := range secrets {
				if bytes.Contains(out, []byte(s)) {
					t.Errorf("strings -n 8 %s shows the %s", p, name)
				}
			}
			return nil
		})
	}

	// With the passphrase: the footage comes back whole, and the access is
	// in the log.
	exported := filepath.Join(t.TempDir(), "clip.mp4")
	mustSealedCtl(t, rec.vars, "--data", rec.dir, "footage", "export", rec.digest, "--out", exported)
	got, err := os.ReadFile(exported)
	if err != nil || !bytes.Equal(got, rec.footage) {
		t.Fatalf("footage export wrote %d bytes (%v), not the recorder file's %d", len(got), err, len(rec.footage))
	}
	// The same grep finds the marker in plaintext: the searches above could
	// have found it.
	if code, out := grepFolder(t, filepath.Dir(exported), rec.marker); code != 0 || !strings.Contains(out, exported) {
		t.Fatalf("grep does not find the marker in the exported plaintext: exit %d %s", code, out)
	}
	if found, _, _ := scanFolder(t, filepath.Dir(exported), map[string]string{"marker": rec.marker}); len(found) != 1 {
		t.Fatalf("the byte scan does not find the marker in the exported plaintext: %v", found)
	}
	var exports []logLine
	for _, line := range strings.Split(strings.TrimSpace(mustSealedCtl(t, rec.vars, "--data", rec.dir, "log", "--json")), "\n") {
		var l logLine
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatalf("log --json line %q: %v", line, err)
		}
		if l.Type == "access.footage_exported" {
			exports = append(exports, l)
		}
	}
	if len(exports) != 1 || exports[0].Actor != "o-001" || !strings.Contains(string(exports[0].Payload), rec.digest) {
		t.Fatalf("log --json: access.footage_exported events %+v, want one by o-001 of %s", exports, rec.digest)
	}
}

// A read command, the record strings it shows when it runs, the file or
// folder it writes (none for those that only print) and, for footage, the
// bytes that file must hold.
type sealedRead struct {
	args  []string
	shows string
	out   string
	holds []byte
}

// Every command that reads the record, run with a wrong passphrase, exits 5
// and shows nothing of the record; run with no passphrase and standard
// input not a terminal, exits 2 (usage: set LAWTRAIL_PASSPHRASE) and shows
// nothing; neither writes the export, ledger, PDF or footage file it was
// asked for. With the passphrase each one succeeds and shows the record.
func TestWrongPassphraseRefusesEveryReadCommand(t *testing.T) {
	rec := newSealedRecord(t)
	out := t.TempDir()
	reads := []sealedRead{
		{args: []string{"log"}, shows: "terminal.initialized"},
		{args: []string{"log", "--json"}, shows: rec.digest},
		{args: []string{"case", "list"}, shows: sealedCaseTitle},
		{args: []string{"case", "list", "--json"}, shows: sealedCaseTitle},
		{args: []string{"case", "show", rec.caseID}, shows: sealedCaseTitle},
		{args: []string{"case", "show", rec.caseID, "--json"}, shows: sealedCaseTitle},
		{args: []string{"doc", "show", rec.docID}, shows: rec.caseID},
		{args: []string{"doc", "pdf", rec.docID, "--out", filepath.Join(out, "doc.pdf")}, shows: rec.docID, out: filepath.Join(out, "doc.pdf")},
		{args: []string{"case", "export", rec.caseID, "--out", filepath.Join(out, "case")}, shows: "case.exported", out: filepath.Join(out, "case")},
		{args: []string{"case", "export", rec.caseID, "--out", filepath.Join(out, "case.zip")}, shows: "case.exported", out: filepath.Join(out, "case.zip")},
		{args: []string{"ledger", "--out", filepath.Join(out, "ledger.xlsx")}, shows: "ledger of 1 cases", out: filepath.Join(out, "ledger.xlsx")},
		{args: []string{"ledger", "--out", filepath.Join(out, "ledger.csv")}, shows: "ledger of 1 cases", out: filepath.Join(out, "ledger.csv")},
		{args: []string{"footage", "list"}, shows: rec.digest[:12]},
		{args: []string{"footage", "list", "--json"}, shows: rec.digest},
		{args: []string{"footage", "verify"}, shows: rec.digest},
		{args: []string{"footage", "verify", rec.digest}, shows: "1 verified"},
		{args: []string{"footage", "custody", rec.digest}, shows: "footage.ingested"},
		{args: []string{"footage", "export", rec.digest, "--out", filepath.Join(out, "clip.mp4")}, shows: "access recorded", out: filepath.Join(out, "clip.mp4"), holds: rec.footage},
		{args: []string{"access", "list"}, shows: "o-001"},
		{args: []string{"access", "list", "--json"}, shows: "o-001"},
		{args: []string{"officer", "list"}, shows: "张三"},
		{args: []string{"publicity", "list"}, shows: rec.docID},
		{args: []string{"review", "list"}, shows: "REVIEW"},
		{args: []string{"review", "stats"}, shows: "某区市场监督管理局"},
		{args: []string{"sync", "status"}, shows: "events waiting"},
		{args: []string{"config", "show"}, shows: "templates"},
		{args: []string{"check"}, shows: "ok:"},
	}
	// What no refused command may print: the record's contents and names.
	record := rec.secrets()
	record["case id"] = rec.caseID
	record["case number"] = sealedCaseNumber
	record["document id"] = rec.docID
	record["footage digest"] = rec.digest[:12]
	record["officer's name"] = "张三"
	record["agency"] = "某区市场监督管理局"
	record["first event"] = "terminal.initialized"

	refusals := []struct {
		name string
		vars map[string]string
		code int
		says string
	}{
		{"wrong passphrase", map[string]string{"LAWTRAIL_PASSPHRASE": "not the terminal passphrase", "LAWTRAIL_PIN": pass["LAWTRAIL_PIN"], "TMPDIR": rec.tmp}, exitSecret, "wrong terminal passphrase"},
		{"no passphrase, no terminal", map[string]string{"LAWTRAIL_PIN": pass["LAWTRAIL_PIN"], "TMPDIR": rec.tmp}, exitUsage, "set LAWTRAIL_PASSPHRASE"},
	}
	short := strings.NewReplacer(out+string(filepath.Separator), "", rec.caseID, "CASE", rec.docID, "DOC", rec.digest, "DIGEST")
	for _, rd := range reads {
		cmdline := strings.Join(rd.args, " ")
		t.Run(short.Replace(cmdline), func(t *testing.T) {
			args := append([]string{"--data", rec.dir}, rd.args...)
			for _, ref := range refusals {
				r := sealedCtl(t, ref.vars, args...)
				if r.code != ref.code || !strings.Contains(r.stderr, ref.says) {
					t.Errorf("%s: exit %d, stderr %q; want exit %d saying %q", ref.name, r.code, clip(r.stderr), ref.code, ref.says)
				}
				var onStdout, onStderr []string
				for name, s := range record {
					if strings.Contains(r.stdout, s) {
						onStdout = append(onStdout, name)
					}
					// The arguments are the user's own; anything else of
					// the record on stderr is a leak.
					if strings.Contains(r.stderr, s) && !strings.Contains(cmdline, s) {
						onStderr = append(onStderr, name)
					}
				}
				if len(onStdout) > 0 {
					t.Errorf("%s: stdout shows the record (%s):\n%s", ref.name, strings.Join(onStdout, ", "), clip(r.stdout))
				}
				if len(onStderr) > 0 {
					t.Errorf("%s: stderr shows the record (%s):\n%s", ref.name, strings.Join(onStderr, ", "), clip(r.stderr))
				}
				if rd.out != "" {
					if _, err := os.Lstat(rd.out); !errors.Is(err, fs.ErrNotExist) {
						t.Errorf("%s: the refused command left %s behind (%v)", ref.name, rd.out, err)
					}
				}
			}
			r := sealedCtl(t, rec.vars, args...)
			if r.code != 0 || !strings.Contains(r.stdout, rd.shows) {
				t.Fatalf("with the passphrase: exit %d, stdout lacks %q\n%s%s", r.code, rd.shows, r.stdout, r.stderr)
			}
			if rd.out != "" {
				if _, err := os.Stat(rd.out); err != nil {
					t.Fatalf("with the passphrase, %s was not written: %v", rd.out, err)
				}
			}
			if rd.holds != nil {
				if b, err := os.ReadFile(rd.out); err != nil || !bytes.Equal(b, rd.holds) {
					t.Fatalf("with the passphrase, %s is not the recorder file (%d bytes, %v)", rd.out, len(b), err)
				}
			}
		})
	}
}

// clip is s cut to its first 1500 bytes, to keep a failure readable.
func clip(s string) string {
	if len(s) <= 1500 {
		return s
	}
	return s[:1500] + "…"
}
