package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// maxChildRSS is the most resident memory a bounded command may use.
const maxChildRSS = 128 << 20

// ctlLimited runs lawtrailctl as a process, fails the test if its peak
// resident memory passes maxChildRSS, caps its address space at 8 GiB (a
// safety net; a 1 GiB cap made the Go runtime itself fail to start now and
// then, depending on where the address space was laid out) and cuts its
// run after 20 s: a command that reads a whole huge file is named instead
// of passing. testdata/peakrss.py measures the command's own peak (a child
// of this test process would inherit the test's high-water mark).
func ctlLimited(t *testing.T, vars map[string]string, args ...string) result {
	t.Helper()
	peakR, peakW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer peakR.Close()
	cmd := childCommand(exec.Command("python3", append([]string{"testdata/peakrss.py", "8589934592", os.Args[0]}, args...)...), vars)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr, cmd.ExtraFiles = &out, &errOut, []*os.File{peakW}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	peakW.Close()
	timer := time.AfterFunc(20*time.Second, func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
	defer timer.Stop()
	code := exitCode(t, cmd.Wait())
	raw, _ := io.ReadAll(peakR)
	kib, err := strconv.ParseInt(strings.TrimSpace(string(raw)), 10, 64)
	if err != nil {
		t.Fatalf("lawtrailctl %s: no peak memory reported (%q): %s", args[0], raw, errOut.String())
	}
	t.Logf("lawtrailctl %s: peak resident memory %d MiB", strings.Join(args[:min(len(args), 4)], " "), kib>>10)
	if kib<<10 > maxChildRSS {
		t.Errorf("lawtrailctl %s used %d MiB of memory (at most %d MiB allowed)", strings.Join(args, " "), kib>>10, maxChildRSS>>20)
	}
	return result{code, out.String(), errOut.String()}
}

// childCommand gives cmd (which runs the test binary as lawtrailctl) the
// environment without this process's LAWTRAIL_* variables, with vars.
func childCommand(cmd *exec.Cmd, vars map[string]string) *exec.Cmd {
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "LAWTRAIL_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, asMainEnv+"=1")
	for k, v := range vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	return cmd
}

// exitCode is a finished child's exit status; a failure to run it fails the test.
func exitCode(t *testing.T, err error) int {
	t.Helper()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return 0
}

// sparse makes a file that claims size bytes without using the disk.
func sparse(t *testing.T, name string, size int64, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY, mode)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return p
}

// Files given to lawtrailctl — document fields, recorder profiles, the
// admin password file — are read up to a cap and refused beyond it, with a
// clear message; an 8 GiB file or /dev/zero no longer makes the process
// read it whole (under a 1 GiB memory limit it crashed before).
func TestOversizedInputFilesAreRefused(t *testing.T) {
	dir := initTerminal(t)
	r := ctl(t, pass, "--data", dir, "case", "new", "--number", "市监罚〔2026〕1号", "--title", "t")
	if r.code != 0 {
		t.Fatalf("case new: %d %s", r.code, r.stderr)
	}
	caseID := strings.TrimSpace(r.stdout)
	huge := sparse(t, "fields.json", 8<<30, 0o600)
	card := t.TempDir()
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"--fields of 8 GiB", []string{"doc", "new", "--case", caseID, "--template", "onsite_record", "--fields", huge}, "--fields " + huge + " is larger than 1048576 bytes"},
		{"--fields /dev/zero", []string{"doc", "new", "--case", caseID, "--template", "onsite_record", "--fields", "/dev/zero"}, "larger than 1048576 bytes"},
		{"--profiles /dev/zero", []string{"ingest", "--from", card, "--profiles", "/dev/zero"}, "--profiles /dev/zero is larger than 1048576 bytes"},
		{"--password-file of 8 GiB", []string{"ingest", "--from", card, "--password-file", sparse(t, "pw", 8<<30, 0o600)}, "larger than 4096 bytes"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := ctlLimited(t, pass, append([]string{"--data", dir}, tc.args...)...)
			if r.code != 2 || !strings.Contains(r.stderr, tc.want) {
				t.Fatalf("code %d, stderr %q; want 2 and %q", r.code, r.stderr, tc.want)
			}
		})
	}
}
