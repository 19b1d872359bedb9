package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lawtrail/store"
)

// R6 (every view and export is a signed event) as people use it, with
// lawtrailctl as processes: footage export writes the plaintext and
// records access.footage_exported, seen in log --json, footage custody and
// access list (--officer, --since, --json); an officer not on the footage's
// case is refused without --reason (exit 4, nothing written or stored);
// doc pdf records access.document_viewed; the worst inputs are refused.
func TestAccessCLI(t *testing.T) {
	dir := initTerminal(t)
	card := t.TempDir()
	manifest := makeCard(t, card, 1, 0)
	if r := ctlProcess(t, pass, "--data", dir, "ingest", "--from", card, "--serial", "DSJ1234"); r.code != 0 {
		t.Fatalf("ingest: %d %s", r.code, r.stderr)
	}
	var digest string
	for _, d := range manifest {
		digest = d
	}
	sup := map[string]string{"LAWTRAIL_PASSPHRASE": pass["LAWTRAIL_PASSPHRASE"], "LAWTRAIL_NEW_PIN": "975319", "LAWTRAIL_PIN": pass["LAWTRAIL_PIN"]}
	if r := ctlProcess(t, sup, "--data", dir, "officer", "add", "--id", "o-009", "--name", "孙九", "--roles", "supervisor"); r.code != 0 {
		t.Fatalf("officer add: %d %s", r.code, r.stderr)
	}
	asSup := map[string]string{"LAWTRAIL_PASSPHRASE": pass["LAWTRAIL_PASSPHRASE"], "LAWTRAIL_OFFICER": "o-009", "LAWTRAIL_PIN": "975319"}
	events := func() int {
		r := ctlProcess(t, pass, "--data", dir, "log", "--json")
		return strings.Count(r.stdout, "\n")
	}
	out := t.TempDir()

	// The clerk who docked it exports it without a reason.
	f1 := filepath.Join(out, "clip.mp4")
	r := ctlProcess(t, pass, "--data", dir, "footage", "export", digest, "--out", f1)
	if r.code != 0 || !strings.Contains(r.stdout, "access recorded") {
		t.Fatalf("footage export: %d %s %s", r.code, r.stdout, r.stderr)
	}
	if b, err := os.ReadFile(f1); err != nil || hexSum(b) != digest {
		t.Fatalf("the exported file is not the footage: %v", err)
	}

	// A supervisor, not on it: no reason → exit 4, nothing written or stored.
	before := events()
	f2 := filepath.Join(out, "sup.mp4")
	r = ctlProcess(t, asSup, "--data", dir, "footage", "export", digest, "--out", f2)
	if r.code != exitRefused || !strings.Contains(r.stderr, "reason") {
		t.Fatalf("export off the case without --reason: %d %s", r.code, r.stderr)
	}
	if _, err := os.Stat(f2); err == nil || events() != before {
		t.Fatal("a refused export wrote a file or stored an event")
	}
	r = ctlProcess(t, asSup, "--data", dir, "footage", "export", digest, "--out", f2, "--reason", "督查抽查 <script>alert(1)</script>")
	if r.code != 0 {
		t.Fatalf("export with --reason: %d %s", r.code, r.stderr)
	}

	// log --json carries both, co-signed by their officers.
	r = ctlProcess(t, pass, "--data", dir, "log", "--json")
	var exports []logLine
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		var l logLine
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatal(err)
		}
		if l.Type == "access.footage_exported" {
			exports = append(exports, l)
		}
	}
	if len(exports) != 2 || exports[0].Actor != "o-001" || exports[1].Actor != "o-009" || len(exports[1].CoSigs) != 1 ||
		exports[1].CoSigs[0].Officer != "o-009" || !strings.Contains(string(exports[1].Payload), `"reason":"督查抽查 \u003cscript\u003e`) {
		t.Fatalf("log --json: %+v", exports)
	}

	// footage custody and access list show them.
	r = ctlProcess(t, pass, "--data", dir, "footage", "custody", digest)
	if r.code != 0 || strings.Count(r.stdout, "access.footage_exported") != 2 || !strings.Contains(r.stdout, "督查抽查") {
		t.Fatalf("footage custody: %d %s %s", r.code, r.stdout, r.stderr)
	}
	r = ctlProcess(t, pass, "--data", dir, "access", "list", "--json")
	list := accessLines(t, r)
	if r.code != 0 || len(list) != 2 || list[1].Officer != "o-009" || list[1].Digest != digest {
		t.Fatalf("access list --json: %d %s %s", r.code, r.stdout, r.stderr)
	}
	r = ctlProcess(t, pass, "--data", dir, "access", "list", "--officer", "o-009", "--json")
	if got := accessLines(t, r); len(got) != 1 || got[0].Reason != "督查抽查 <script>alert(1)</script>" {
		t.Fatalf("--officer o-009: %+v", got)
	}
	r = ctlProcess(t, pass, "--data", dir, "access", "list", "--since", list[1].Time, "--json")
	if got := accessLines(t, r); len(got) != 1 || got[0].Seq != list[1].Seq {
		t.Fatalf("--since %s: %+v", list[1].Time, got)
	}
	r = ctlProcess(t, pass, "--data", dir, "access", "list", "--since", "2999-01-01 00:00")
	if r.code != 0 || strings.Count(r.stdout, "\n") != 1 {
		t.Fatalf("--since the future: %q", r.stdout)
	}
	r = ctlProcess(t, pass, "--data", dir, "access", "list")
	if r.code != 0 || !strings.Contains(r.stdout, "o-009") || !strings.Contains(r.stdout, "督查抽查") {
		t.Fatalf("access list: %s", r.stdout)
	}
	if r := ctlProcess(t, pass, "--data", dir, "check"); r.code != 0 {
		t.Fatalf("check: %d %s %s", r.code, r.stdout, r.stderr)
	}

	// The worst inputs.
	bad := []struct {
		name string
		vars map[string]string
		args []string
		code int
	}{
		{"bad --since", nil, []string{"access", "list", "--since", "yesterday"}, exitUsage},
		{"bad --officer", nil, []string{"access", "list", "--officer", "o-1;DROP TABLE accesses"}, exitUsage},
		{"stray argument", nil, []string{"access", "list", "extra"}, exitUsage},
		{"no --out", pass, []string{"footage", "export", digest}, exitUsage},
		{"not a digest", pass, []string{"footage", "export", "../../etc/passwd", "--out", filepath.Join(out, "x")}, exitUsage},
		{"--out exists", pass, []string{"footage", "export", digest, "--out", f1}, exitUsage},
		{"--out in a folder that is not", pass, []string{"footage", "export", digest, "--out", filepath.Join(f1, "x.mp4")}, exitFailed},
		{"not on this terminal", pass, []string{"footage", "export", strings.Repeat("ab", 32), "--out", filepath.Join(out, "y")}, exitRefused},
		{"reason of 10 KB", asSup, []string{"footage", "export", digest, "--out", filepath.Join(out, "z"), "--reason", strings.Repeat("查", 10<<10)}, exitRefused},
		{"NUL-free but newline reason", asSup, []string{"footage", "export", digest, "--out", filepath.Join(out, "z"), "--reason", "a\nb"}, exitRefused},
		{"custody of an unknown digest", pass, []string{"footage", "custody", strings.Repeat("ab", 32)}, exitRefused},
	}
	before = events()
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			r := ctlProcess(t, tc.vars, append([]string{"--data", dir}, tc.args...)...)
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d: %s", r.code, tc.code, r.stderr)
			}
		})
	}
	if events() != before {
		t.Fatal("a refused command stored an event")
	}
	if _, err := os.Stat(filepath.Join(out, "z")); err == nil {
		t.Fatal("a refused export wrote its file")
	}
	// --force replaces.
	os.WriteFile(f2, []byte("old"), 0o600)
	if r := ctlProcess(t, asSup, "--data", dir, "footage", "export", digest, "--out", f2, "--force", "--reason", "重新导出"); r.code != 0 {
		t.Fatalf("--force: %d %s", r.code, r.stderr)
	}
	if b, _ := os.ReadFile(f2); hexSum(b) != digest {
		t.Fatal("--force did not write the footage")
	}
}

// A NUL byte cannot travel in an argument; in a reason given through the
// action layer it is refused (terminal's TestAccessRefusesBadInput).

func hexSum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func accessLines(t *testing.T, r result) []store.Access {
	t.Helper()
	var out []store.Access
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		if line == "" {
			continue
		}
		var a store.Access
		if err := json.Unmarshal([]byte(line), &a); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		out = append(out, a)
	}
	return out
}
