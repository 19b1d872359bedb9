package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"lawtrail/sync/faultproxy"
)

// hubProcess is `lawtrail-hub serve` running as its own process.
type hubProcess struct {
	bin, dir, addr string
	cmd            *exec.Cmd
}

var hubEnv = []string{"LAWTRAIL_HUB_PASSPHRASE=hub passphrase"}

// hubBuildDir holds the lawtrail-hub binary the tests build once (TestMain
// removes it).
var hubBuildDir = filepath.Join(os.TempDir(), fmt.Sprintf("lawtrailctl-test-hub-%d", os.Getpid()))

// hubBinary builds lawtrail-hub once for every test of the process: a
// build, even from the cache, links a large binary each time.
var hubBinary = sync.OnceValues(func() (string, error) {
	bin := filepath.Join(hubBuildDir, "lawtrail-hub")
	if out, err := exec.Command("go", "build", "-o", bin, "lawtrail/cmd/lawtrail-hub").CombinedOutput(); err != nil {
		return "", fmt.Errorf("build hub: %v\n%s", err, out)
	}
	return bin, nil
})

func startHubProcess(t testing.TB, serveArgs ...string) *hubProcess {
	t.Helper()
	bin, err := hubBinary()
	if err != nil {
		t.Fatal(err)
	}
	h := &hubProcess{bin: bin, dir: filepath.Join(t.TempDir(), "hub")}
	h.cmd = exec.Command(bin, append([]string{"--data", h.dir, "serve", "--listen", "127.0.0.1:0"}, serveArgs...)...)
	h.cmd.Env = append(os.Environ(), hubEnv...)
	out, _ := h.cmd.StdoutPipe()
	if err := h.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.cmd.Process.Kill(); h.cmd.Wait() })
	sc := bufio.NewScanner(out)
	deadline := time.After(60 * time.Second)
	lines := make(chan string)
	go func() {
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	for h.addr == "" {
		select {
		case l := <-lines:
			if rest, ok := strings.CutPrefix(l, "lawtrail hub serving on "); ok {
				h.addr = strings.Fields(rest)[0]
			}
		case <-deadline:
			t.Fatal("hub did not start")
		}
	}
	return h
}

func (h *hubProcess) run(t testing.TB, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(h.bin, append([]string{"--data", h.dir}, args...)...)
	cmd.Env = append(os.Environ(), hubEnv...)
	out, err := cmd.Output()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return string(out), code
}

// The whole flow from the command line: init → ingest → join → sync
// against a separately started hub, then the hub's own check, and the
// after-hub-receipt clear policy.
func TestInitIngestJoinSyncCLI(t *testing.T) {
	h := startHubProcess(t)
	code, rc := h.run(t, "enroll", "--agency", "某区市场监督管理局", "--ttl", "1h")
	if rc != 0 || !strings.HasPrefix(code, "LT1-") {
		t.Fatalf("enroll: %d %q", rc, code)
	}
	dir := initTerminal(t)
	card := t.TempDir()
	manifest := makeCard(t, card, 20, 2)
	if r := ctl(t, pass, "--data", dir, "ingest", "--from", card, "--serial", "DSJ1234"); r.code != 0 {
		t.Fatalf("ingest: %s", r.stdout)
	}
	if r := ctl(t, pass, "--data", dir, "hub", "join", strings.TrimSpace(code)); r.code != 0 {
		t.Fatalf("join: %d %s %s", r.code, r.stdout, r.stderr)
	}
	r := ctl(t, pass, "--data", dir, "sync", "status", "--json")
	var before struct {
		PendingEvents uint64 `json:"pending_events"`
		PendingBlobs  int    `json:"pending_blobs"`
	}
	json.Unmarshal([]byte(r.stdout), &before)
	if before.PendingBlobs != len(manifest) || before.PendingEvents == 0 {
		t.Fatalf("status before sync: %s", r.stdout)
	}
	if r := ctl(t, pass, "--data", dir, "sync", "--once"); r.code != 0 {
		t.Fatalf("sync: %d %s %s", r.code, r.stdout, r.stderr)
	}
	r = ctl(t, pass, "--data", dir, "sync", "status", "--json")
	var after struct {
		PendingEvents uint64 `json:"pending_events"`
		PendingBlobs  int    `json:"pending_blobs"`
		Receipts      int    `json:"receipts"`
	}
	json.Unmarshal([]byte(r.stdout), &after)
	if after.PendingEvents != 0 || after.PendingBlobs != 0 || after.Receipts != len(manifest) {
		t.Fatalf("status after sync: %s", r.stdout)
	}
	out, rc := h.run(t, "stats", "--json")
	var stats struct{ Terminals, Events, Blobs int }
	json.Unmarshal([]byte(out), &stats)
	if rc != 0 || stats.Terminals != 1 || stats.Blobs != len(manifest) {
		t.Fatalf("hub stats: %d %s", rc, out)
	}
	if out, rc := h.run(t, "check"); rc != 0 {
		t.Fatalf("hub check: %s", out)
	}
	// Now the hub holds every file: the after-hub-receipt policy clears the card.
	if r := ctl(t, pass, "--data", dir, "ingest", "--from", card, "--serial", "DSJ1234", "--clear", "hub"); r.code != 0 ||
		!strings.Contains(r.stdout, "22 cleared") {
		t.Fatalf("clear after receipts: %s", r.stdout)
	}
	// A damaged blob at the hub is named by the hub's check.
	var victim string
	for _, d := range manifest {
		victim = d
		break
	}
	p := filepath.Join(h.dir, "blobs", victim[:2], victim[2:])
	os.Chmod(p, 0o600)
	os.WriteFile(p, []byte("damaged"), 0o400)
	if out, rc := h.run(t, "check"); rc != 1 || !strings.Contains(out, "BROKEN blob "+victim) {
		t.Fatalf("hub check of a damaged blob: %d %s", rc, out)
	}
	// An insider's edits in the hub's SQLite: a stored event's body and a
	// signed receipt. The hub's check names each (the terminals would too:
	// the event no longer verifies under its terminal's key, the receipt
	// not under the hub's).
	hubDB := filepath.Join(h.dir, "hub.db")
	for _, stmt := range []string{
		"DROP TRIGGER events_no_update",
		"UPDATE events SET body = CAST(replace(CAST(body AS TEXT), '某区', '另区') AS BLOB) WHERE seq = 3",
		"UPDATE receipts SET receipt = replace(receipt, '\"size\":', '\"size\":9') WHERE rowid = 1",
	} {
		if b, err := exec.Command("sqlite3", hubDB, stmt).CombinedOutput(); err != nil {
			t.Fatalf("sqlite3 %s: %v %s", stmt, err, b)
		}
	}
	out, rc = h.run(t, "check")
	t.Logf("hub check after the edits:\n%s", out)
	if rc != 1 || !strings.Contains(out, "#3") || !strings.Contains(out, "receipt") {
		t.Fatalf("hub check after edits to an event and a receipt: %d\n%s", rc, out)
	}
}

// Hub and terminal as separate processes over loopback TLS, through a
// proxy that cuts every connection after 0.3–1.5 MiB: `sync --once` is run
// again until it exits 0, and then every event and blob is at the hub,
// verified, and both sides' checks pass.
func TestSyncProcessesThroughCuts(t *testing.T) {
	h := startHubProcess(t)
	p, err := faultproxy.Start(h.addr, faultproxy.Config{CutMin: 300 << 10, CutMax: 1500 << 10})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	code, rc := h.run(t, "enroll", "--agency", "某区市场监督管理局", "--url", "https://"+p.Addr())
	if rc != 0 {
		t.Fatalf("enroll: %d", rc)
	}
	dir := initTerminal(t)
	card := t.TempDir()
	manifest := makeCard(t, card, 30, 3)
	if r := ctl(t, pass, "--data", dir, "ingest", "--from", card, "--serial", "DSJ1234"); r.code != 0 {
		t.Fatalf("ingest: %s", r.stdout)
	}
	if r := ctl(t, pass, "--data", dir, "hub", "join", strings.TrimSpace(code)); r.code != 0 {
		t.Fatalf("join: %s %s", r.stdout, r.stderr)
	}
	runs := 0
	for ; runs < 60; runs++ {
		cmd := exec.Command(os.Args[0], "--data", dir, "sync", "--once")
		cmd.Env = append(os.Environ(), asMainEnv+"=1", "LAWTRAIL_PASSPHRASE="+pass["LAWTRAIL_PASSPHRASE"])
		err := cmd.Run()
		if err == nil {
			break
		}
		// A cut pass is a network failure (7) or leaves footage waiting (6); never "refused" or "usage".
		if code := exitCode(t, err); code != exitFailed && code != exitIncomplete {
			t.Fatalf("sync --once through a cutting proxy: exit %d", code)
		}
	}
	if p.Cuts.Load() < 3 {
		t.Fatalf("only %d cuts", p.Cuts.Load())
	}
	out, _ := h.run(t, "stats", "--json")
	var stats struct{ Events, Blobs int }
	json.Unmarshal([]byte(out), &stats)
	if stats.Blobs != len(manifest) {
		t.Fatalf("hub holds %d of %d blobs after %d runs: %s", stats.Blobs, len(manifest), runs+1, out)
	}
	if out, rc := h.run(t, "check"); rc != 0 {
		t.Fatalf("hub check: %s", out)
	}
	if r := ctl(t, pass, "--data", dir, "check"); r.code != 0 {
		t.Fatalf("terminal check: %s", r.stdout)
	}
	t.Logf("%d sync runs, %d cuts", runs+1, p.Cuts.Load())
}

// TestParseRate: the --rate flag takes bytes per second with an optional
// k or M suffix; anything else is refused with the flag's name, not
// silently treated as "no limit".
func TestParseRate(t *testing.T) {
	for in, want := range map[string]int64{"": 0, "1048576": 1048576, "512k": 512 << 10, "512K": 512 << 10, "2M": 2 << 20, "2m": 2 << 20} {
		if got, err := parseRate(in); err != nil || got != want {
			t.Errorf("parseRate(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"0", "-5", "k", "fast", "1.5M", "9223372036854775807M", "10 k"} {
		_, err := parseRate(bad)
		if err == nil || !strings.Contains(err.Error(), "--rate") || !strings.Contains(err.Error(), bad) {
			t.Errorf("parseRate(%q): %v; want a --rate error naming the input", bad, err)
		}
	}
}
