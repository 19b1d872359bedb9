package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lawtrail/ingest"
)

func TestPasswordFileRules(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), mode); err != nil {
			t.Fatal(err)
		}
		os.Chmod(p, mode)
		return p
	}
	if p, err := readPassword(write("ok", "admin-8888\r\n", 0o600)); err != nil || string(p) != "admin-8888" {
		t.Errorf("trailing newline: %q %v", p, err)
	}
	if _, err := readPassword(write("open", "admin-8888\n", 0o644)); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("a password file others can read: %v", err)
	}
	if _, err := readPassword(write("empty", "\n", 0o600)); err == nil {
		t.Error("an empty password file was accepted")
	}
	if _, err := readPassword(filepath.Join(dir, "missing")); err == nil {
		t.Error("a missing password file was accepted")
	}
	if p, err := readPassword(""); err != nil || p != nil {
		t.Error("no --password-file is no password")
	}
}

func TestUSBCommandsRefuseBadUse(t *testing.T) {
	dir := initTerminal(t)
	pwOpen := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(pwOpen, []byte("x\n"), 0o644)
	os.Chmod(pwOpen, 0o644)
	for _, c := range [][]string{
		{"ingest", "--usb", "--from", t.TempDir()},
		{"ingest", "--usb", "--password-file", pwOpen},
		{"ingest", "--usb", "--clear", "sometimes"},
		{"dock", "--interval", "0s"},
		{"dock", "extra"},
		{"dock", "--password-file", pwOpen},
		{"dock", "--progress", "xml"},
		{"dock", "--clear", "sometimes"},
		{"devices", "--bogus"},
	} {
		r := ctl(t, pass, append([]string{"--data", dir}, c...)...)
		if r.code != 2 || r.stderr == "" {
			t.Errorf("%v: code %d stderr %q", c, r.code, r.stderr)
		}
		if strings.Contains(r.stdout+r.stderr, "x\n") && c[len(c)-1] == pwOpen {
			t.Errorf("%v printed the password", c)
		}
	}
}

// On a machine without recorders (this one has no USB bus at all) the
// commands say so plainly and dock keeps waiting until it is stopped.
func TestUSBCommandsWithoutRecorders(t *testing.T) {
	dir := initTerminal(t)
	if r := ctl(t, pass, "devices"); r.code != 0 || !strings.Contains(r.stdout+r.stderr, "no recorder on USB") && !strings.Contains(r.stderr, "no USB access") {
		t.Errorf("devices: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if r := ctl(t, pass, "--data", dir, "ingest", "--usb"); r.code != exitFailed || !strings.Contains(r.stderr, "no recorder on USB") && !strings.Contains(r.stderr, "no USB access") {
		t.Errorf("ingest --usb: %d %q", r.code, r.stderr)
	}
	ctx, cancel := context.WithCancel(context.Background()) // as SIGINT does
	time.AfterFunc(4*time.Second, cancel)                   // after the clerk's login (argon2id twice)
	var out, errs strings.Builder
	code := run(ctx, []string{"--data", dir, "dock", "--interval", "100ms"}, env{stdin: strings.NewReader(""), stdout: &out, stderr: &errs,
		getenv: func(k string) string { return pass[k] }})
	if code != 0 || !strings.Contains(out.String(), "waiting for recorders") || !strings.Contains(out.String(), "docking stopped") {
		t.Errorf("dock: %d %q %q", code, out.String(), errs.String())
	}
}

// Text progress: a copying line at most every interval per recorder, each
// file's outcome always.
func TestTextProgressIsThrottledPerRecorder(t *testing.T) {
	var buf strings.Builder
	clock := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	p := textProgress(&lineWriter{w: &buf}, func() time.Time { return clock }, 2*time.Second)
	copying := func(rec string, mib int64) ingest.Update {
		return ingest.Update{Recorder: rec, Path: "DCIM/A.MP4", State: ingest.StateCopying, Bytes: mib << 20, Total: 40 << 20, Rate: 4 << 20, ETA: 5 * time.Second}
	}
	p(copying("usb/1-1", 1))
	p(copying("usb/1-1", 2)) // same instant: throttled
	p(copying("usb/1-2", 3)) // another recorder: its own line
	clock = clock.Add(2 * time.Second)
	p(copying("usb/1-1", 9))
	p(ingest.Update{Recorder: "usb/1-1", Path: "DCIM/A.MP4", State: ingest.StateSigned, Digest: "sha256:abcdef0123456789"})
	out := buf.String()
	if n := strings.Count(out, "copying "); n != 3 {
		t.Fatalf("%d copying lines, want 3:\n%s", n, out)
	}
	if !strings.Contains(out, "9.0/40.0 MiB  4.0 MiB/s  5s left  DCIM/A.MP4") || !strings.Contains(out, "signed") {
		t.Fatalf("output:\n%s", out)
	}
}
