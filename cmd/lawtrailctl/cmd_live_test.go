package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
	"time"
)

// lawtrailctl live streams (here without a hub: it records and says so),
// stops at --duration or when interrupted, and ingests the recording
// linked to the step; check passes. Refused before anything is recorded:
// a missing --source, --case without --step, a camera or file that does
// not exist; without ffmpeg the error names make deps.
func TestLiveCLI(t *testing.T) {
	dir := initTerminal(t)
	caseID := strings.TrimSpace(mustRun(t, dir, zhang, "case", "new", "--number", "示市监罚〔2026〕14号", "--title", "现场直播"))
	step := strings.TrimSpace(mustRun(t, dir, zhang, "case", "step", caseID, "--kind", "onsite_inspection", "--start", "2026-11-20 10:15", "--end", "2026-11-20 10:40"))

	out := mustRun(t, dir, zhang, "live", "--source", "pattern:320x240@15", "--case", caseID, "--step", step, "--duration", "3s")
	digest := regexp.MustCompile(`(?m)^footage ([0-9a-f]{64}) [1-9][0-9]* bytes session (l-[0-9a-f]+) `).FindStringSubmatch(out)
	if digest == nil || !strings.Contains(out, "session "+digest[2]+"\n") || !strings.Contains(out, "link no-hub\n") ||
		!strings.Contains(out, "linked to step "+step+"\n") {
		t.Fatalf("live printed:\n%s", out)
	}
	if show := mustRun(t, dir, zhang, "case", "show", caseID); !strings.Contains(show, "1 footage linked") {
		t.Errorf("the case does not show the live footage linked:\n%s", show)
	}

	// Interrupted (SIGINT arrives as the context ending) instead of a duration.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	code := run(ctx, []string{"--data", dir, "live", "--source", "pattern:320x240@15"}, env{stdin: strings.NewReader(""),
		stdout: &stdout, stderr: &stderr, getenv: func(k string) string { return zhang[k] }})
	if code != exitOK || !regexp.MustCompile(`(?m)^footage [0-9a-f]{64} `).MatchString(stdout.String()) {
		t.Fatalf("interrupted live: exit %d\n%s%s", code, stdout.String(), stderr.String())
	}

	if r := ctl(t, pass, "--data", dir, "check"); r.code != 0 {
		t.Fatalf("check: %d %s %s", r.code, r.stdout, r.stderr)
	}

	refused(t, dir, zhang, exitUsage, "--source is required", "live")
	refused(t, dir, zhang, exitUsage, "--case and --step go together", "live", "--source", "pattern", "--case", caseID)
	refused(t, dir, zhang, exitRefused, "/dev/video99", "live", "--source", "/dev/video99")
	refused(t, dir, zhang, exitRefused, "no such file", "live", "--source", "/nonexistent/clip.mp4")
	refused(t, dir, zhang, exitRefused, "has no step", "live", "--source", "pattern", "--case", caseID, "--step", "s-000000000000")
	t.Setenv("PATH", t.TempDir())
	refused(t, dir, zhang, exitFailed, "make deps", "live", "--source", "pattern")
}
