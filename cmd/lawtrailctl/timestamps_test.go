package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lawtrail/tsa"
	"lawtrail/tsa/tsatest"
)

// timestampedCase is a case file from a terminal synced with a hub process
// that timestamps its checkpoints with a real openssl TSA (--tsa-every 1s).
func timestampedCase(t *testing.T, auth *tsatest.Authority) (out string, tsrs []string) {
	t.Helper()
	srv := tsatest.Serve(t, auth)
	h := startHubProcess(t, "--tsa", srv.URL, "--tsa-cert", auth.CAFile(), "--tsa-every", "1s")
	code, rc := h.run(t, "enroll", "--agency", "某区市场监督管理局", "--ttl", "1h")
	if rc != 0 {
		t.Fatalf("enroll: %d %q", rc, code)
	}
	dir, caseID, _ := caseWithDocument(t)
	if r := ctl(t, pass, "--data", dir, "hub", "join", strings.TrimSpace(code)); r.code != 0 {
		t.Fatalf("join: %s %s", r.stdout, r.stderr)
	}
	if r := ctl(t, pass, "--data", dir, "sync", "--once"); r.code != 0 {
		t.Fatalf("sync: %s %s", r.stdout, r.stderr)
	}
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		b, err := exec.Command("sqlite3", filepath.Join(h.dir, "hub.db"), "SELECT count(*) FROM timestamps").Output()
		if err == nil && strings.TrimSpace(string(b)) != "0" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the hub timestamped nothing (%d requests to the TSA): %v %s", srv.Requests.Load(), err, b)
		}
	}
	if r := ctl(t, pass, "--data", dir, "sync", "--once"); r.code != 0 {
		t.Fatalf("sync: %s %s", r.stdout, r.stderr)
	}
	out = filepath.Join(t.TempDir(), "case")
	exportCase(t, dir, caseID, out)
	tsrs, _ = filepath.Glob(filepath.Join(out, "log", "timestamps", "*.tsr"))
	if len(tsrs) == 0 {
		t.Fatal("the case file carries no timestamp")
	}
	return out, tsrs
}

// opensslVerify runs the README's command line in the case folder.
func opensslVerify(t *testing.T, out, tsr, caFile string) (string, error) {
	t.Helper()
	n := strings.TrimSuffix(filepath.Base(tsr), ".tsr")
	line := strings.ReplaceAll(readmeVerifyLine, "N", n)
	args := strings.Fields(strings.Replace(line, "tsa-ca.pem", caFile, 1))
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = out
	b, err := cmd.CombinedOutput()
	return string(b), err
}

// readmeVerifyLine is the command the case file's README gives a clerk.
const readmeVerifyLine = "openssl ts -verify -data log/checkpoints/N.note -in log/timestamps/N.tsr -token_in -CAfile tsa-ca.pem"

// A case file carries the TSA's token of its checkpoint: verify-bundle
// claims the time (chained to --tsa-cert, or saying the certificate came
// from the token), the README's openssl command verifies it as a process,
// and a changed token, a token of another note, a token without its
// checkpoint, or another TSA's certificate is BROKEN (SHA256SUMS
// regenerated each time), and openssl refuses the changed ones too.
func TestCaseFileTimestamps(t *testing.T) {
	auth := tsatest.NewAuthority(t, "Test")
	out, tsrs := timestampedCase(t, auth)
	readme, _ := os.ReadFile(filepath.Join(out, "README.txt"))
	if strings.Count(string(readme), readmeVerifyLine) != 2 { // Chinese, then English
		t.Fatalf("the README does not give %q in both languages", readmeVerifyLine)
	}
	r := ctl(t, pass, "verify-bundle", "--tsa-cert", auth.CAFile(), out)
	if r.code != 0 || !strings.Contains(r.stdout, "existed no later than") || !strings.Contains(r.stdout, "by the TSA CN=Test TSA") ||
		strings.Contains(r.stdout, "taken from the token") {
		t.Fatalf("verify-bundle --tsa-cert: %d\n%s", r.code, r.stdout)
	}
	r = ctl(t, pass, "verify-bundle", out)
	if r.code != 0 || !strings.Contains(r.stdout, "existed no later than") || !strings.Contains(r.stdout, "note: the TSA certificate was taken from the token") {
		t.Fatalf("verify-bundle without --tsa-cert: %d\n%s", r.code, r.stdout)
	}
	for _, tsr := range tsrs {
		if text, err := opensslVerify(t, out, tsr, auth.CAFile()); err != nil || !strings.Contains(text, "Verification: OK") {
			t.Fatalf("the README's openssl command on %s: %v\n%s", tsr, err, text)
		}
		cmd := exec.Command("openssl", "ts", "-reply", "-in", tsr, "-token_in", "-text")
		if b, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(b), "Time stamp:") || !strings.Contains(string(b), "Test TSA") {
			t.Fatalf("openssl ts -reply -token_in -text: %v\n%s", err, b)
		}
	}

	// The README procedure as a script: step 8 with the TSA's certificate,
	// a note without it, a failure under another authority's.
	if text, rc := courtScript(t, out, "-", "-", auth.CAFile()); rc != 0 || !strings.Contains(text, "checkpoint timestamp(s) verify") {
		t.Fatalf("the README procedure with the TSA's certificate: %d\n%s", rc, text)
	}
	if text, rc := courtScript(t, out); rc != 0 || !strings.Contains(text, "not checked: give the time-stamping authority's root certificate") {
		t.Fatalf("the README procedure without the TSA's certificate: %d\n%s", rc, text)
	}
	other := tsatest.NewAuthority(t, "Other")
	if text, rc := courtScript(t, out, "-", "-", other.CAFile()); rc != 1 {
		t.Fatalf("the README procedure under another TSA's certificate: %d\n%s", rc, text)
	}
	if r := ctl(t, pass, "verify-bundle", "--tsa-cert", other.CAFile(), out); r.code == 0 || !strings.Contains(r.stdout, "BROKEN log/timestamps/") ||
		!strings.Contains(r.stdout, "does not chain") {
		t.Fatalf("verify-bundle with another TSA's certificate: %d\n%s", r.code, r.stdout)
	}
	if text, err := opensslVerify(t, out, tsrs[0], other.CAFile()); err == nil {
		t.Fatalf("openssl verified under another TSA's certificate:\n%s", text)
	}

	note, _ := os.ReadFile(strings.Replace(strings.Replace(tsrs[0], "timestamps", "checkpoints", 1), ".tsr", ".note", 1))
	foreign, err := tsa.Client{URL: tsatest.Serve(t, auth).URL}.Stamp(context.Background(), append(note, '\n'))
	if err != nil {
		t.Fatal(err)
	}
	tampers := map[string]struct {
		change  func(c, tsr string)
		openssl bool // the README's openssl command must refuse it too
	}{
		"a byte of the signature": {func(c, tsr string) {
			b, _ := os.ReadFile(tsr)
			b[len(b)-8] ^= 1
			os.WriteFile(tsr, b, 0o600)
		}, true},
		"a token of another note": {func(c, tsr string) { os.WriteFile(tsr, foreign.DER, 0o600) }, true},
		"garbage":                 {func(c, tsr string) { os.WriteFile(tsr, []byte("not a token"), 0o600) }, true},
		"a token without its checkpoint": {func(c, tsr string) {
			os.Rename(tsr, filepath.Join(filepath.Dir(tsr), "999999.tsr"))
		}, false},
		"a stray file": {func(c, tsr string) {
			os.WriteFile(filepath.Join(filepath.Dir(tsr), "notes.txt"), []byte("x"), 0o600)
		}, false},
	}
	for name, tc := range tampers {
		t.Run(name, func(t *testing.T) {
			c := copyTree(t, out)
			tsr := filepath.Join(c, "log", "timestamps", filepath.Base(tsrs[0]))
			tc.change(c, tsr)
			resum(t, c)
			r := ctl(t, pass, "verify-bundle", "--tsa-cert", auth.CAFile(), c)
			if r.code == 0 || !strings.Contains(r.stdout, "BROKEN log/timestamps/") {
				t.Fatalf("verify-bundle: %d\n%s", r.code, r.stdout)
			}
			if tc.openssl {
				if text, err := opensslVerify(t, c, tsr, auth.CAFile()); err == nil {
					t.Fatalf("openssl verified it:\n%s", text)
				}
			}
		})
	}
}
