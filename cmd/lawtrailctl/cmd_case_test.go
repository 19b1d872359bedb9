package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The case actions the CLI gained: a step with two officers present,
// co-signed by both (the second's PIN from a mode-600 file); the phase
// advanced; footage linked; text-only for an interview. Refused, with
// nothing stored: a step naming 李四 without his PIN in the file, a PIN file
// others can read or another user owns, a wrong PIN, a PIN of someone not
// present, malformed times and files, a text-only seizure, a link to
// footage that does not exist, a backward phase.
func TestCaseStepCommandsCLI(t *testing.T) {
	dir := initTerminal(t)
	enroll(t, dir, "o-002", "李四", "35010000002", liPIN, "officer")
	caseID := strings.TrimSpace(mustRun(t, dir, zhang, "case", "new", "--number", "示市监罚〔2026〕5号", "--title", "无照经营"))
	pins := pinsFile(t, "# 李四\no-002 "+liPIN+"\n")
	step := func(kind string, extra ...string) []string {
		return append([]string{"case", "step", caseID, "--kind", kind, "--start", "2026-11-20 10:15", "--end", "2026-11-20 10:40"}, extra...)
	}
	both := []string{"--officers", "o-001,o-002"}

	refused(t, dir, zhang, exitRefused, "李四 (o-002) is named present but did not co-sign", step("interview", both...)...)
	refused(t, dir, zhang, exitRefused, "did not co-sign", step("interview", append(both, "--pins", pinsFile(t, "# nobody\n"))...)...)
	open := pinsFile(t, "o-002 "+liPIN+"\n")
	os.Chmod(open, 0o644)
	refused(t, dir, zhang, exitUsage, "chmod 600", step("interview", append(both, "--pins", open)...)...)
	if os.Getuid() == 0 {
		foreign := pinsFile(t, "o-002 "+liPIN+"\n")
		if err := os.Chown(foreign, 65534, 65534); err != nil {
			t.Fatal(err)
		}
		refused(t, dir, zhang, exitUsage, "not to you", step("interview", append(both, "--pins", foreign)...)...)
	}
	refused(t, dir, zhang, exitUsage, "not a regular file", step("interview", append(both, "--pins", t.TempDir())...)...)
	refused(t, dir, zhang, exitUsage, "larger than", step("interview", append(both, "--pins", pinsFile(t, strings.Repeat("#", 1<<20)))...)...)
	refused(t, dir, zhang, exitUsage, `want "officer-id PIN"`, step("interview", append(both, "--pins", pinsFile(t, "o-002\n"))...)...)
	refused(t, dir, zhang, exitUsage, "twice", step("interview", append(both, "--pins", pinsFile(t, "o-002 1\no-002 2\n"))...)...)
	refused(t, dir, zhang, exitUsage, "not named present", step("interview", "--officers", "o-001", "--pins", pins)...)
	refused(t, dir, zhang, exitSecret, "wrong PIN", step("interview", append(both, "--pins", pinsFile(t, "o-002 000000\n"))...)...)
	if r := ctl(t, zhang, "--data", dir, "case", "step", caseID, "--kind", "interview", "--start", "2026-11-20 10:15",
		"--end", "2026-11-20 10:40", "--officers", "o-001,o-002", "--pins", pinsFile(t, "o-002 000000\n")); strings.Contains(r.stdout+r.stderr, "000000") {
		t.Errorf("a message shows the PIN: %q %q", r.stdout, r.stderr)
	}
	refused(t, dir, zhang, exitUsage, "--start", "case", "step", caseID, "--kind", "interview", "--start", "10:15", "--end", "2026-11-20 10:40")
	refused(t, dir, zhang, exitUsage, "--end is required", "case", "step", caseID, "--kind", "interview", "--start", "2026-11-20 10:15")
	refused(t, dir, zhang, exitUsage, "--officers", step("interview", "--officers", "o-001,../x")...)
	refused(t, dir, zhang, exitRefused, "no case", "case", "step", "c-nope", "--kind", "interview", "--start", "2026-11-20 10:15", "--end", "2026-11-20 10:40")

	interview := strings.TrimSpace(mustRun(t, dir, zhang, step("interview", append(both, "--pins", pins)...)...))
	var cosigned []evidenceCoSig
	for _, line := range strings.Split(strings.TrimSpace(mustRun(t, dir, pass, "log", "--json")), "\n") {
		var l struct {
			Type    string          `json:"type"`
			Payload json.RawMessage `json:"payload"`
			CoSigs  []evidenceCoSig `json:"cosigs"`
		}
		json.Unmarshal([]byte(line), &l)
		if l.Type == "step.recorded" && strings.Contains(string(l.Payload), interview) {
			cosigned = l.CoSigs
		}
	}
	if len(cosigned) != 2 || cosigned[0].Officer != "o-001" || cosigned[1].Officer != "o-002" {
		t.Fatalf("step %s co-signed by %+v, want o-001 and o-002", interview, cosigned)
	}
	// RFC 3339 times are taken as they are.
	mustRun(t, dir, zhang, "case", "step", caseID, "--kind", "sampling", "--start", "2026-11-20T11:00:00+08:00", "--end", "2026-11-20T03:30:00Z")

	seizure := strings.TrimSpace(mustRun(t, dir, zhang, step("seizure")...))
	refused(t, dir, zhang, exitRefused, "must be recorded on audio/video", "case", "text-only", seizure, "--reason", "笔录已记录")
	refused(t, dir, zhang, exitUsage, "--reason is required", "case", "text-only", interview)
	mustRun(t, dir, zhang, "case", "text-only", interview, "--reason", "当事人拒绝录像，笔录记录")

	refused(t, dir, zhang, exitUsage, "DIGEST", "case", "link", seizure, "not-a-digest")
	refused(t, dir, zhang, exitRefused, "no footage", "case", "link", seizure, strings.Repeat("ab", 32))
	card := t.TempDir()
	makeCard(t, card, 1, 0)
	mustRun(t, dir, zhang, "ingest", "--from", card, "--serial", "DSJ1234")
	var item struct {
		Digest string `json:"digest"`
	}
	json.Unmarshal([]byte(strings.SplitN(mustRun(t, dir, pass, "footage", "list", "--json"), "\n", 2)[0]), &item)
	if out := mustRun(t, dir, zhang, "case", "link", seizure, item.Digest); !strings.Contains(out, "linked to step "+seizure) {
		t.Fatalf("link: %s", out)
	}

	refused(t, dir, zhang, exitRefused, "phase", "case", "advance", caseID, "initiation")
	refused(t, dir, zhang, exitRefused, "", "case", "advance", caseID, "no_such_phase")
	mustRun(t, dir, zhang, "case", "advance", caseID, "investigation")
	show := mustRun(t, dir, pass, "case", "show", caseID)
	for _, want := range []string{"investigation", "text only: 当事人拒绝录像", "seizure", "1 footage linked"} {
		if !strings.Contains(show, want) {
			t.Errorf("case show lacks %q:\n%s", want, show)
		}
	}
	if r := ctl(t, pass, "--data", dir, "check"); r.code != 0 {
		t.Fatalf("check: %d %s", r.code, r.stdout)
	}
}

type evidenceCoSig struct {
	Officer string `json:"officer"`
}

// Ingest that leaves a file undone exits 6 (run it again), naming the
// file; a write that fails exits 7.
func TestIncompleteAndFailedExitCodes(t *testing.T) {
	dir := initTerminal(t)
	card := t.TempDir()
	makeCard(t, card, 2, 0)
	huge := filepath.Join(card, "DCIM", "DSJ1234_350101_20261120110000_0001.MP4")
	os.MkdirAll(filepath.Dir(huge), 0o755)
	f, err := os.Create(huge)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(4 << 40); err != nil { // 4 TiB that take no disk: more than is free
		t.Skipf("no sparse files here: %v", err)
	}
	f.Close()
	r := ctl(t, zhang, "--data", dir, "ingest", "--from", card, "--serial", "DSJ1234")
	if r.code != exitIncomplete || !strings.Contains(r.stdout, "FAILED") || !strings.Contains(r.stdout, "not enough disk space") ||
		!strings.Contains(r.stdout, "run the same ingest again") {
		t.Fatalf("ingest with a file larger than the disk: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if out := mustRun(t, dir, pass, "footage", "list"); strings.Count(out, "IMG_") != 2 {
		t.Fatalf("the files that fit were not kept:\n%s", out)
	}
	r = ctl(t, pass, "--data", dir, "ledger", "--out", filepath.Join(t.TempDir(), "no", "such", "folder", "l.csv"))
	if r.code != exitFailed || !strings.Contains(r.stderr, "no such file or directory") {
		t.Fatalf("ledger into a missing folder: exit %d %q", r.code, r.stderr)
	}
}

// A clerk is refused before the copy when their roles cannot record
// custody: nothing stored, no footage copied. A clerk who may dock logs in
// with their own PIN; custody records name them and the terminal's name as
// the station (never the host name); another --station is refused.
func TestIngestClerkAndStation(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	mustRun(t, dir, pass, "init", "--agency", "某区市场监督管理局", "--officer-id", "o-001", "--officer-name", "张三", "--terminal-name", "采集站-7")
	enroll(t, dir, "o-005", "钱八", "", "975310", "reviewer")
	enroll(t, dir, "o-006", "孙九", "", "975311", "clerk")
	card := t.TempDir()
	makeCard(t, card, 2, 0)
	before := eventCount(t, dir)
	r := ctl(t, as("", "975310"), "--data", dir, "ingest", "--from", card, "--clerk", "o-005")
	if r.code != exitRefused || !strings.Contains(r.stderr, "footage.ingested needs one of [clerk officer]") {
		t.Fatalf("ingest by a reviewer: exit %d %q", r.code, r.stderr)
	}
	refused(t, dir, as("o-006", "975311"), exitUsage, "--station", "ingest", "--from", card, "--station", "host-1")
	noteNothingStored(t, dir, before, "refused dockings")
	if blobs, _ := filepath.Glob(filepath.Join(dir, "blobs", "*", "*")); len(blobs) != 0 {
		t.Errorf("a refused docking copied %d blobs", len(blobs))
	}
	mustRun(t, dir, as("o-006", "975311"), "ingest", "--from", card, "--serial", "DSJ1234")
	n := 0
	for _, line := range strings.Split(strings.TrimSpace(mustRun(t, dir, pass, "log", "--json")), "\n") {
		var l struct {
			Type, Actor string
			Payload     struct{ Clerk, Station string }
		}
		json.Unmarshal([]byte(line), &l)
		if l.Type != "footage.ingested" {
			continue
		}
		n++
		if l.Actor != "o-006" || l.Payload.Clerk != "o-006" || l.Payload.Station != "采集站-7" {
			t.Errorf("custody by %s, clerk %s at station %q; want o-006 at 采集站-7", l.Actor, l.Payload.Clerk, l.Payload.Station)
		}
	}
	if n != 2 {
		t.Fatalf("%d custody records, want 2", n)
	}
}
