package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A hub frozen with SIGSTOP still completes TCP handshakes (the kernel
// does) and then never answers. `sync --once --timeout 2s` against it ends
// on its own, non-zero, saying the hub timed out and after how long; once
// the hub runs again a sync succeeds.
func TestSyncAgainstAFrozenHubEndsInTime(t *testing.T) {
	h := startHubProcess(t)
	code, rc := h.run(t, "enroll", "--agency", "某区市场监督管理局", "--ttl", "1h")
	if rc != 0 {
		t.Fatalf("enroll: %d", rc)
	}
	dir := initTerminal(t)
	if r := ctl(t, pass, "--data", dir, "hub", "join", strings.TrimSpace(code)); r.code != 0 {
		t.Fatalf("join: %d %s %s", r.code, r.stdout, r.stderr)
	}
	if r := ctl(t, pass, "--data", dir, "sync", "--once"); r.code != 0 {
		t.Fatalf("sync before the freeze: %d %s %s", r.code, r.stdout, r.stderr)
	}
	if err := h.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.cmd.Process.Signal(syscall.SIGCONT) })

	// A guard far above the bound, so a hang fails the test instead of
	// hanging it.
	guard, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(guard, os.Args[0], "--data", dir, "sync", "--once", "--timeout", "2s")
	cmd.Env = append(os.Environ(), asMainEnv+"=1", "LAWTRAIL_PASSPHRASE="+pass["LAWTRAIL_PASSPHRASE"])
	start := time.Now()
	out, err := cmd.CombinedOutput()
	took := time.Since(start)
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != exitFailed || guard.Err() != nil {
		t.Fatalf("sync against a frozen hub: %v after %s\n%s", err, took, out)
	}
	if !strings.Contains(string(out), "hub timeout") || !strings.Contains(string(out), "within 2s") {
		t.Fatalf("the message does not name the timeout:\n%s", out)
	}
	// The limit is 2 s; the bound allows for process start and a loaded machine.
	if took > 30*time.Second {
		t.Fatalf("sync against a frozen hub took %s with --timeout 2s", took)
	}
	t.Logf("ended after %s: %s", took.Round(time.Millisecond), strings.TrimSpace(string(out)))

	if err := h.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	if r := ctl(t, pass, "--data", dir, "sync", "--once", "--timeout", "30s"); r.code != 0 {
		t.Fatalf("sync after the thaw: %d %s %s", r.code, r.stdout, r.stderr)
	}
	if r := ctl(t, pass, "--data", dir, "sync", "--timeout", "0s", "--once"); r.code == 0 {
		t.Fatal("--timeout 0s accepted")
	}
}
