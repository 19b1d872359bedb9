package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lawtrail/store"
	"lawtrail/store/storetest"
)

type result struct {
	code           int
	stdout, stderr string
}

func ctl(t testing.TB, vars map[string]string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, env{
		stdin: strings.NewReader(""), stdout: &out, stderr: &errOut,
		getenv: func(k string) string { return vars[k] },
	})
	return result{code, out.String(), errOut.String()}
}

var pass = map[string]string{"LAWTRAIL_PASSPHRASE": "终端口令 terminal", "LAWTRAIL_PIN": "246810"}

func initTerminal(t *testing.T) string {
	dir := filepath.Join(t.TempDir(), "data")
	r := ctl(t, pass, "--data", dir, "init", "--agency", "某区市场监督管理局", "--officer-id", "o-001", "--officer-name", "张三",
		"--credential", "35010000001")
	if r.code != 0 {
		t.Fatalf("init: %d %s", r.code, r.stderr)
	}
	return dir
}

func TestInitLogCheck(t *testing.T) {
	dir := initTerminal(t)
	r := ctl(t, pass, "--data", dir, "log")
	if r.code != 0 || !strings.Contains(r.stdout, "terminal.initialized") || !strings.Contains(r.stdout, "officer.enrolled") {
		t.Fatalf("log: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = ctl(t, pass, "--data", dir, "log", "--json")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if r.code != 0 || len(lines) != 3 {
		t.Fatalf("log --json: %d lines, code %d", len(lines), r.code)
	}
	var first logLine
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil || first.Seq != 1 || first.Type != "terminal.initialized" {
		t.Fatalf("first line %q: %v", lines[0], err)
	}
	var second logLine
	json.Unmarshal([]byte(lines[1]), &second)
	if second.Prev != first.Hash || len(second.CoSigs) != 1 {
		t.Fatalf("second event does not link to the first or lacks the officer's co-signature: %+v", second)
	}
	r = ctl(t, pass, "--data", dir, "check")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "ok: 3 events") {
		t.Fatalf("check: %d %s %s", r.code, r.stdout, r.stderr)
	}
}

func TestInitRefusals(t *testing.T) {
	dir := initTerminal(t)
	cases := []struct {
		name string
		vars map[string]string
		args []string
		code int
	}{
		{"twice", pass, []string{"--data", dir, "init", "--agency", "x", "--officer-id", "o2", "--officer-name", "李四"}, exitRefused},
		{"no passphrase and no terminal", nil, []string{"--data", t.TempDir(), "init", "--agency", "x", "--officer-id", "o2", "--officer-name", "李四"}, exitUsage},
		{"missing officer", pass, []string{"--data", t.TempDir(), "init", "--agency", "x"}, exitUsage},
		{"bad officer id", pass, []string{"--data", t.TempDir(), "init", "--agency", "x", "--officer-id", "../o", "--officer-name", "李四"}, exitUsage},
		{"roles without admin", pass, []string{"--data", t.TempDir(), "init", "--agency", "x", "--officer-id", "o2", "--officer-name", "李四", "--roles", "officer"}, exitUsage},
		{"unknown role", pass, []string{"--data", t.TempDir(), "init", "--agency", "x", "--officer-id", "o2", "--officer-name", "李四", "--roles", "king"}, exitUsage},
		{"bad valid-until", pass, []string{"--data", t.TempDir(), "init", "--agency", "x", "--officer-id", "o2", "--officer-name", "李四", "--valid-until", "2026-13-01"}, exitUsage},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := ctl(t, tc.vars, tc.args...)
			if r.code != tc.code || r.stderr == "" {
				t.Fatalf("code %d (want %d), stderr %q", r.code, tc.code, r.stderr)
			}
		})
	}
	// The refused second init left the first terminal intact.
	if r := ctl(t, pass, "--data", dir, "check"); r.code != 0 {
		t.Fatalf("check after refused init: %s", r.stdout)
	}
}

func TestCheckNamesTamperedBlobAndExitsNonZero(t *testing.T) {
	dir := initTerminal(t)
	ctx := context.Background()
	s, err := store.Open(ctx, dir, store.Options{Keys: storetest.KeysOf(t, dir, pass["LAWTRAIL_PASSPHRASE"])})
	if err != nil {
		t.Fatal(err)
	}
	d, _, err := s.Blobs().Put(ctx, strings.NewReader("video bytes"))
	s.Close()
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "blobs", d.String()[:2], d.String()[2:])
	os.Chmod(p, 0o600)
	os.WriteFile(p, []byte("video bytez"), 0o400)
	r := ctl(t, pass, "--data", dir, "check")
	if r.code != 1 || !strings.Contains(r.stdout, "BROKEN blob "+d.String()) {
		t.Fatalf("check of a tampered blob: code %d\n%s", r.code, r.stdout)
	}
}

func TestCommandsOnMissingFolderDoNotCreateIt(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "typo")
	for _, cmd := range []string{"log", "check"} {
		r := ctl(t, pass, "--data", dir, cmd)
		if r.code != 2 || !strings.Contains(r.stderr, "run init first") {
			t.Fatalf("%s on a missing folder: %d %q", cmd, r.code, r.stderr)
		}
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatal("log/check created the data folder")
	}
}

func TestUsageErrors(t *testing.T) {
	if r := ctl(t, nil); r.code != 2 || !strings.Contains(r.stderr, "usage") {
		t.Fatalf("no command: %d", r.code)
	}
	if r := ctl(t, pass, "--data", t.TempDir(), "frobnicate"); r.code != 2 {
		t.Fatalf("unknown command: %d", r.code)
	}
}

// wangPIN is the PIN of the second officer the tests enroll.
const wangPIN = "975312"

// enroll enrolls an officer by the first admin (o-001, whose PIN is pass's).
func enroll(t *testing.T, dir, id, name, credential, pin, roles string, extra ...string) {
	t.Helper()
	vars := map[string]string{"LAWTRAIL_PASSPHRASE": pass["LAWTRAIL_PASSPHRASE"], "LAWTRAIL_PIN": pass["LAWTRAIL_PIN"], "LAWTRAIL_NEW_PIN": pin}
	args := append([]string{"--data", dir, "officer", "add", "--id", id, "--name", name, "--credential", credential, "--roles", roles}, extra...)
	if r := ctl(t, vars, args...); r.code != 0 {
		t.Fatalf("officer add %s: %d %s %s", id, r.code, r.stdout, r.stderr)
	}
}

// eventCount is how many events the data folder holds (log --json lines).
func eventCount(t *testing.T, dir string) int {
	t.Helper()
	r := ctl(t, pass, "--data", dir, "log", "--json")
	if r.code != 0 {
		t.Fatalf("log: %d %s", r.code, r.stderr)
	}
	return strings.Count(r.stdout, "\n")
}

// noteNothingStored fails the test when a refused command stored events.
func noteNothingStored(t *testing.T, dir string, before int, what string) {
	t.Helper()
	if after := eventCount(t, dir); after != before {
		t.Errorf("%s: %d event(s) stored by a refused command", what, after-before)
	}
}
