package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"lawtrail/terminal/terminaltest"
)

// ctlRun runs lawtrailctl as its own process (the test binary stands in).
func ctlRun(t *testing.T, args ...string) result {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), asMainEnv+"=1", "LAWTRAIL_PASSPHRASE="+pass["LAWTRAIL_PASSPHRASE"], "LAWTRAIL_PIN="+pass["LAWTRAIL_PIN"])
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code, out.String(), errOut.String()}
}

func mustCtl(t *testing.T, args ...string) result {
	t.Helper()
	r := ctlRun(t, args...)
	if r.code != 0 {
		t.Fatalf("lawtrailctl %s: %d\n%s\n%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r
}

func shell(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}

// loggedEvent is what the tests read of `log --json`.
type loggedEvent struct {
	Seq     uint64          `json:"seq"`
	Hash    string          `json:"hash"`
	Type    string          `json:"type"`
	Body    []byte          `json:"body"`
	Payload json.RawMessage `json:"payload"`
}

func eventLog(t *testing.T, dir string) []loggedEvent {
	t.Helper()
	r := mustCtl(t, "--data", dir, "log", "--json")
	var out []loggedEvent
	sc := bufio.NewScanner(strings.NewReader(r.stdout))
	sc.Buffer(nil, 4<<20)
	for sc.Scan() {
		var e loggedEvent
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("log line %q: %v", sc.Text(), err)
		}
		out = append(out, e)
	}
	return out
}

// joinedTerminal is a terminal joined to a hub process, with n cases synced.
func joinedTerminal(t *testing.T, h *hubProcess, n int) string {
	t.Helper()
	code, rc := h.run(t, "enroll", "--agency", "某区市场监督管理局", "--ttl", "1h")
	if rc != 0 {
		t.Fatalf("enroll: %d", rc)
	}
	dir := initTerminal(t)
	mustCtl(t, "--data", dir, "hub", "join", strings.TrimSpace(code))
	newCases(t, dir, n)
	mustCtl(t, "--data", dir, "sync", "--once")
	return dir
}

func newCases(t *testing.T, dir string, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		mustCtl(t, "--data", dir, "case", "new", "--number", "示市监罚〔2026〕1号", "--title", "无照经营")
	}
}

// syncDiverges: `sync --once` stops with exit code 3 and says why in plain
// words; `sync status` says it too (before the fix: "events sent 0", exit 0).
func syncDiverges(t *testing.T, h *hubProcess, dir string) {
	t.Helper()
	r := ctlRun(t, "--data", dir, "sync", "--once")
	if r.code != exitDiverged || !strings.Contains(r.stderr, "diverges from what the hub holds") ||
		!strings.Contains(r.stderr, "lawtrailctl sync recover") {
		t.Fatalf("sync of a diverged folder: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	st := mustCtl(t, "--data", dir, "sync", "status")
	if !strings.Contains(st.stdout, "DIVERGED: this data folder's record diverges from what the hub holds: it was probably restored from a backup or copied; nothing was sent") {
		t.Fatalf("sync status of a diverged folder:\n%s", st.stdout)
	}
	// A second pass still refuses: it is not transient.
	if r := ctlRun(t, "--data", dir, "sync", "--once"); r.code != exitDiverged {
		t.Fatalf("second sync: %d %s", r.code, r.stderr)
	}
}

// recovers: recover, then sync delivers, both checks pass and the hub's
// check lists what it quarantined.
func recovers(t *testing.T, h *hubProcess, dir string, wantForks int) []loggedEvent {
	t.Helper()
	mustCtl(t, "--data", dir, "sync", "recover")
	if r := mustCtl(t, "--data", dir, "sync", "--once"); !strings.Contains(r.stdout, "events sent") {
		t.Fatalf("sync after recover: %s", r.stdout)
	}
	st := mustCtl(t, "--data", dir, "sync", "status", "--json")
	var s struct {
		Diverged      string `json:"diverged"`
		PendingEvents uint64 `json:"pending_events"`
	}
	json.Unmarshal([]byte(st.stdout), &s)
	if s.Diverged != "" || s.PendingEvents != 0 {
		t.Fatalf("status after recover and sync: %s", st.stdout)
	}
	mustCtl(t, "--data", dir, "check")
	out, rc := h.run(t, "check")
	if rc != 0 || strings.Count(out, "FORK ") != wantForks || !strings.Contains(out, "DIVERGENCE ") {
		t.Fatalf("hub check: %d\n%s", rc, out)
	}
	var stats struct {
		Events int `json:"events"`
		Forks  int `json:"quarantined_forks"`
	}
	out, _ = h.run(t, "stats", "--json")
	json.Unmarshal([]byte(out), &stats)
	log := eventLog(t, dir)
	if stats.Forks != wantForks || stats.Events != len(log) {
		t.Fatalf("hub stats %s, terminal holds %d events", out, len(log))
	}
	return log
}

// hasAll: every event of want is in log, either itself (same hash) or
// carried verbatim by an event.rebased.
func hasAll(t *testing.T, log []loggedEvent, want []loggedEvent) {
	t.Helper()
	held := map[string]bool{}
	for _, e := range log {
		held[e.Hash] = true
		if e.Type == "event.rebased" {
			var p struct {
				OriginalHash string `json:"original_hash"`
			}
			json.Unmarshal(e.Payload, &p)
			held[p.OriginalHash] = true
		}
	}
	for _, e := range want {
		if !held[e.Hash] {
			t.Errorf("event %d (%s, %s) is lost", e.Seq, e.Type, e.Hash)
		}
	}
}

// Defect 1 as an operator meets it: a copy of the data folder taken
// mid-history is restored after the terminal synced more, and used.
func TestRestoredBackupRecoversCLI(t *testing.T) {
	h := startHubProcess(t)
	dir := joinedTerminal(t, h, 2)
	backup := filepath.Join(t.TempDir(), "backup")
	shell(t, "cp", "-a", dir, backup)
	newCases(t, dir, 2)
	mustCtl(t, "--data", dir, "sync", "--once")
	firstTimeline := eventLog(t, dir)

	shell(t, "rm", "-rf", dir)
	shell(t, "cp", "-a", backup, dir)
	newCases(t, dir, 1)
	secondTimeline := eventLog(t, dir)
	syncDiverges(t, h, dir)

	log := recovers(t, h, dir, 1)
	hasAll(t, log, firstTimeline)
	hasAll(t, log, secondTimeline)
	if n := len(log); n != len(firstTimeline)+1 || log[n-1].Type != "event.rebased" {
		t.Fatalf("%d events after recovery, last %s", n, log[n-1].Type)
	}
	cases := mustCtl(t, "--data", dir, "case", "list")
	if strings.Count(cases.stdout, "无照经营") != 5 {
		t.Fatalf("cases after recovery (want 2 + 2 + the rebased 1):\n%s", cases.stdout)
	}
}

// The same class: the tail of the events table cut in SQLite (trigger
// dropped and re-created around the delete), then the folder is used.
func TestTruncatedTailRecoversCLI(t *testing.T) {
	h := startHubProcess(t)
	dir := joinedTerminal(t, h, 4)
	before := eventLog(t, dir)
	last := before[len(before)-1].Seq
	terminaltest.InsiderSQL(t, dir, pass["LAWTRAIL_PASSPHRASE"], `DROP TRIGGER events_no_delete`,
		`DELETE FROM events WHERE seq > `+itoa(last-2),
		`CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END`)
	newCases(t, dir, 1)
	cut := eventLog(t, dir)
	syncDiverges(t, h, dir)
	log := recovers(t, h, dir, 1)
	hasAll(t, log, before)
	hasAll(t, log, cut)
}

// A restored backup that has not been used since is only behind: recover
// takes back the missing events, quarantines nothing, and the hub records
// the divergence without a fork.
func TestRestoredBackupBehindRecoversCLI(t *testing.T) {
	h := startHubProcess(t)
	dir := joinedTerminal(t, h, 1)
	backup := filepath.Join(t.TempDir(), "backup")
	shell(t, "cp", "-a", dir, backup)
	newCases(t, dir, 3)
	mustCtl(t, "--data", dir, "sync", "--once")
	full := eventLog(t, dir)
	syncDiverges(t, h, backup)
	log := recovers(t, h, backup, 0)
	hasAll(t, log, full)
	if len(log) != len(full) {
		t.Fatalf("%d events after recovery, the hub's %d", len(log), len(full))
	}
	if r := mustCtl(t, "--data", backup, "sync", "recover"); !strings.Contains(r.stdout, "nothing to recover") {
		t.Fatalf("recover in step: %s", r.stdout)
	}
}

func itoa(n uint64) string { b, _ := json.Marshal(n); return string(b) }
