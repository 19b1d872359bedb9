package main

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// courtScript runs scripts/verify-bundle.sh: the case file's README
// procedure with sha256sum, openssl, base64 and jq only.
func courtScript(t *testing.T, dir string, keys ...string) (string, int) {
	t.Helper()
	_, self, _, _ := runtime.Caller(0)
	script := filepath.Join(filepath.Dir(self), "..", "..", "scripts", "verify-bundle.sh")
	cmd := exec.Command("bash", append([]string{script, dir}, keys...)...)
	cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8")
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok {
		return string(out), ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return string(out), 0
}

// syncedCase is a terminal that joined a hub process, made a case with a
// signed document and synced, so its case file carries the hub's proofs.
func syncedCase(t *testing.T) (dir, caseID, out string, h *hubProcess) {
	t.Helper()
	h = startHubProcess(t)
	code, rc := h.run(t, "enroll", "--agency", "某区市场监督管理局", "--ttl", "1h")
	if rc != 0 {
		t.Fatalf("enroll: %d %q", rc, code)
	}
	dir, caseID, _ = caseWithDocument(t)
	if r := ctl(t, pass, "--data", dir, "hub", "join", strings.TrimSpace(code)); r.code != 0 {
		t.Fatalf("join: %s %s", r.stdout, r.stderr)
	}
	if r := ctl(t, pass, "--data", dir, "sync", "--once"); r.code != 0 {
		t.Fatalf("sync: %s %s", r.stdout, r.stderr)
	}
	out = filepath.Join(t.TempDir(), "case")
	exportCase(t, dir, caseID, out)
	return dir, caseID, out, h
}

// The admissibility promise: a court checks the case file with standard
// tools only, following its README; the hub's checkpoint and inclusion
// proofs show the record was fixed no later than that checkpoint; and every
// tamper (SHA256SUMS regenerated) fails the script as well as verify-bundle.
func TestCaseFileCheckableWithoutLawtrail(t *testing.T) {
	for _, tool := range []string{"sha256sum", "openssl", "base64", "jq", "bash"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is needed (make deps installs it): %v", tool, err)
		}
	}
	_, _, out, h := syncedCase(t)
	r := ctl(t, pass, "verify-bundle", out)
	if r.code != 0 || !strings.Contains(r.stdout, "are in the hub's log") {
		t.Fatalf("verify-bundle of a synced case file: %d\n%s", r.code, r.stdout)
	}
	text, rc := courtScript(t, out)
	if rc != 0 || !strings.Contains(text, "all steps held") || !strings.Contains(text, "event(s) are in the hub's log") ||
		strings.Contains(text, "ok: 0 event(s) are in the hub's log") {
		t.Fatalf("the README procedure on an untouched case file: %d\n%s", rc, text)
	}
	var hub struct {
		PEM string `json:"hub_key_pem"`
	}
	b, _ := os.ReadFile(filepath.Join(out, "log", "hub.json"))
	json.Unmarshal(b, &hub)
	hubPEM := filepath.Join(t.TempDir(), "hub.pem")
	os.WriteFile(hubPEM, []byte(hub.PEM), 0o600)
	tb, _ := os.ReadFile(filepath.Join(out, "terminal.json"))
	var term struct {
		PEM string `json:"public_key_pem"`
	}
	json.Unmarshal(tb, &term)
	termPEM := filepath.Join(t.TempDir(), "terminal.pem")
	os.WriteFile(termPEM, []byte(term.PEM), 0o600)
	if text, rc := courtScript(t, out, termPEM, hubPEM); rc != 0 {
		t.Fatalf("with trusted keys: %d\n%s", rc, text)
	}
	// Keys that are not the case file's are refused by the procedure.
	if text, rc := courtScript(t, out, termPEM, termPEM); rc != 1 || !strings.Contains(text, "another key than the trusted hub key") {
		t.Fatalf("the terminal key given as the hub key: %d\n%s", rc, text)
	}
	if text, rc := courtScript(t, out, hubPEM); rc != 1 || !strings.Contains(text, "another key than the trusted terminal key") {
		t.Fatalf("the hub key given as the terminal key: %d\n%s", rc, text)
	}
	if r := ctl(t, pass, "verify-bundle", "--hub-key", hubPEM, "--terminal-key", termPEM, out); r.code != 0 || strings.Contains(r.stdout, "note: the hub key") {
		t.Fatalf("verify-bundle with trusted keys: %d\n%s", r.code, r.stdout)
	}

	// The keys as a court gets them from outside the case file: the hub key
	// the district publishes, the terminal key from the hub's register.
	keyOut, rc := h.run(t, "key", "--json")
	var published struct {
		Raw string `json:"public_key"`
	}
	if err := json.Unmarshal([]byte(keyOut), &published); rc != 0 || err != nil {
		t.Fatalf("lawtrail-hub key: %d %s", rc, keyOut)
	}
	regOut, rc := h.run(t, "terminals", "--json")
	var registered struct {
		Key []byte `json:"public_key"`
	}
	if err := json.Unmarshal([]byte(strings.Split(regOut, "\n")[0]), &registered); rc != 0 || err != nil {
		t.Fatalf("lawtrail-hub terminals: %d %s", rc, regOut)
	}
	regKey := base64.StdEncoding.EncodeToString(registered.Key)
	if r := ctl(t, pass, "verify-bundle", "--hub-key", published.Raw, "--terminal-key", regKey, out); r.code != 0 {
		t.Fatalf("verify-bundle with the published and registered keys: %d\n%s", r.code, r.stdout)
	}

	tampers := map[string]func(string){
		"checkpoint note root": func(c string) {
			notes, _ := filepath.Glob(filepath.Join(c, "log", "checkpoints", "*.note"))
			b, _ := os.ReadFile(notes[0])
			lines := strings.Split(string(b), "\n")
			lines[2] = "AAAA" + lines[2][4:]
			os.WriteFile(notes[0], []byte(strings.Join(lines, "\n")), 0o600)
		},
		"inclusion proof": func(c string) {
			p := filepath.Join(c, "log", "inclusion.jsonl")
			b, _ := os.ReadFile(p)
			os.WriteFile(p, []byte(strings.Replace(string(b), `"log_index":1,`, `"log_index":2,`, 1)), 0o600)
		},
		"event body": func(c string) {
			p := filepath.Join(c, "events.jsonl")
			b, _ := os.ReadFile(p)
			lines := strings.Split(string(b), "\n")
			lines[1] = strings.Replace(lines[1], `"body":"eyJ2`, `"body":"eyJ3`, 1)
			os.WriteFile(p, []byte(strings.Join(lines, "\n")), 0o600)
		},
		"pdf": func(c string) {
			pdfs, _ := filepath.Glob(filepath.Join(c, "documents", "*.pdf"))
			b, _ := os.ReadFile(pdfs[0])
			os.WriteFile(pdfs[0], append(b, "% a changed trailer\n"...), 0o600)
		},
		"case.json": func(c string) {
			p := filepath.Join(c, "case.json")
			b, _ := os.ReadFile(p)
			os.WriteFile(p, []byte(strings.Replace(string(b), "无照经营", "有照经营", 1)), 0o600)
		},
	}
	for name, tamper := range tampers {
		t.Run(name, func(t *testing.T) {
			c := copyTree(t, out)
			tamper(c)
			resum(t, c)
			if text, rc := courtScript(t, c); rc != 1 || !strings.Contains(text, "FAILED") {
				t.Fatalf("the README procedure passed a tampered case file (%d):\n%s", rc, text)
			}
			if r := ctl(t, pass, "verify-bundle", c); r.code != 1 {
				t.Fatalf("verify-bundle passed it (%d):\n%s", r.code, r.stdout)
			}
		})
	}
}
