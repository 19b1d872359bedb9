package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"lawtrail/casework"
	"lawtrail/evidence"
	"lawtrail/store"
	"lawtrail/store/storetest"
)

const asMainEnv = "LAWTRAILCTL_TEST_AS_MAIN"

// TestMain lets the test binary stand in for lawtrailctl as a child process.
func TestMain(m *testing.M) {
	if os.Getenv(asMainEnv) == "1" {
		os.Exit(run(context.Background(), os.Args[1:], env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}))
	}
	code := m.Run()
	os.RemoveAll(hubBuildDir) // the hub binary built once for every test (sync_test.go)
	os.Exit(code)
}

// makeCard writes a recorder tree and returns path → SHA-256 of content.
func makeCard(t *testing.T, root string, small, big int) map[string]string {
	t.Helper()
	manifest := map[string]string{}
	mtime := time.Date(2026, 11, 20, 11, 0, 0, 0, casework.Shanghai)
	put := func(p string, content []byte) {
		full := filepath.Join(root, p)
		os.MkdirAll(filepath.Dir(full), 0o755)
		if err := os.WriteFile(full, content, 0o644); err != nil {
			t.Fatal(err)
		}
		os.Chtimes(full, mtime, mtime)
		sum := sha256.Sum256(content)
		manifest[p] = hex.EncodeToString(sum[:])
	}
	for i := 0; i < big; i++ {
		b := make([]byte, 4<<20+i*4099)
		for j := range b {
			b[j] = byte(i*31 + j*7)
		}
		put(fmt.Sprintf("DCIM/DSJ1234_350101_202611201%05d_%04d.MP4", 10000+i, i), b)
	}
	for i := 0; i < small; i++ {
		put(fmt.Sprintf("PHOTO/%02d/IMG_%05d.JPG", i/200, i), []byte(fmt.Sprintf("photo %d of the scene", i)))
	}
	return manifest
}

func TestIngestCLI(t *testing.T) {
	dir := initTerminal(t)
	card := t.TempDir()
	manifest := makeCard(t, card, 5, 2)
	r := ctl(t, pass, "--data", dir, "ingest", "--from", card, "--serial", "DSJ1234", "--progress", "json")
	if r.code != 0 {
		t.Fatalf("ingest: %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	var last struct {
		Summary struct {
			Files, Copied int
			Serial        string
		} `json:"summary"`
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &last); err != nil || last.Summary.Copied != 7 || last.Summary.Serial != "DSJ1234" {
		t.Fatalf("summary line %q: %v", lines[len(lines)-1], err)
	}
	r = ctl(t, pass, "--data", dir, "footage", "list", "--json")
	if n := strings.Count(r.stdout, "\n"); r.code != 0 || n != len(manifest) {
		t.Fatalf("footage list: %d lines\n%s", n, r.stderr)
	}
	r = ctl(t, pass, "--data", dir, "footage", "verify")
	if r.code != 0 || !strings.Contains(r.stdout, "7 verified, 0 broken") {
		t.Fatalf("footage verify: %s", r.stdout)
	}
	// Again: nothing new, still exit 0.
	r = ctl(t, pass, "--data", dir, "ingest", "--from", card, "--serial", "DSJ1234")
	if r.code != 0 || !strings.Contains(r.stdout, "7 already ingested") {
		t.Fatalf("second ingest: %s", r.stdout)
	}
	// A tampered blob is named by footage verify, which exits 1.
	var victim string
	for _, d := range manifest {
		victim = d
		break
	}
	p := filepath.Join(dir, "blobs", victim[:2], victim[2:])
	os.Chmod(p, 0o600)
	os.WriteFile(p, []byte("replaced"), 0o400)
	r = ctl(t, pass, "--data", dir, "footage", "verify", victim)
	if r.code != 1 || !strings.Contains(r.stdout, "BROKEN "+victim) {
		t.Fatalf("verify of a tampered blob: %d %s", r.code, r.stdout)
	}
	if r = ctl(t, pass, "--data", dir, "footage", "verify", evidence.Sum([]byte("x")).String()); r.code != exitRefused {
		t.Fatalf("verify of an unknown digest: %d", r.code)
	}
}

func TestIngestCLIRefusals(t *testing.T) {
	dir := initTerminal(t)
	cases := [][]string{
		{"ingest"},
		{"ingest", "--from", filepath.Join(t.TempDir(), "missing")},
		{"ingest", "--from", t.TempDir(), "--clear", "sometimes"},
		{"ingest", "--from", t.TempDir(), "--progress", "xml"},
		{"ingest", "--from", t.TempDir(), "--profiles", "/nonexistent.json"},
	}
	for _, c := range cases {
		if r := ctl(t, pass, append([]string{"--data", dir}, c...)...); r.code != 2 || r.stderr == "" {
			t.Errorf("%v: code %d stderr %q", c, r.code, r.stderr)
		}
	}
	if r := ctl(t, map[string]string{"LAWTRAIL_PASSPHRASE": "wrong"}, "--data", dir, "ingest", "--from", t.TempDir()); r.code != exitSecret ||
		!strings.Contains(r.stderr, "wrong terminal passphrase") {
		t.Fatalf("wrong passphrase: %d %q", r.code, r.stderr)
	}
}

// Kill `lawtrailctl ingest` with SIGKILL at random moments, 20 times,
// restarting each time, then let it finish: every recorder file is
// ingested exactly once with the right digest, every blob matches its name,
// no custody event names a blob that is not durable, no recorder file was
// removed without a verified copy, and check passes.
func TestIngestSurvivesKills(t *testing.T) {
	dir := initTerminal(t)
	card := t.TempDir()
	manifest := makeCard(t, card, 2500, 12)
	args := []string{"--data", dir, "ingest", "--from", card, "--clear", "local", "--serial", "DSJ1234"}
	kills := 0
	for round := 0; kills < 20 && round < 60; round++ {
		cmd := exec.Command(os.Args[0], args...)
		cmd.Env = append(os.Environ(), asMainEnv+"=1", "LAWTRAIL_PASSPHRASE="+pass["LAWTRAIL_PASSPHRASE"], "LAWTRAIL_PIN="+pass["LAWTRAIL_PIN"])
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("round %d: ingest failed: %v\n%s", round, err, stderr.String())
			}
			// It finished before the kill: give it more to do and go on.
			for p, d := range makeCardBatch(t, card, round) {
				manifest[p] = d
			}
		case <-time.After(time.Duration(250+mrand.IntN(500)) * time.Millisecond):
			cmd.Process.Signal(syscall.SIGKILL)
			<-done
			kills++
		}
		assertNoLoss(t, dir, card, manifest, false)
	}
	r := ctl(t, pass, args...)
	if r.code != 0 {
		t.Fatalf("final ingest after %d kills: %d\n%s", kills, r.code, r.stdout[max(0, len(r.stdout)-2000):])
	}
	assertNoLoss(t, dir, card, manifest, true)
	if r := ctl(t, pass, "--data", dir, "check"); r.code != 0 {
		t.Fatalf("check after kills: %s", r.stdout)
	}
	t.Logf("%d kills; %d files", kills, len(manifest))
}

// assertNoLoss: every file gone from the card has a custody record with the
// right digest, a verified blob and a clearing event; when complete, every
// file has exactly one custody record.
func assertNoLoss(t *testing.T, dir, card string, manifest map[string]string, complete bool) {
	t.Helper()
	ctx := context.Background()
	s, err := store.OpenExisting(ctx, dir, store.Options{Keys: storetest.KeysOf(t, dir, pass["LAWTRAIL_PASSPHRASE"])})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	mtime := time.Date(2026, 11, 20, 11, 0, 0, 0, casework.Shanghai)
	for p, want := range manifest {
		size := int64(0)
		onCard := true
		if fi, err := os.Stat(filepath.Join(card, p)); err == nil {
			size = fi.Size()
		} else {
			onCard = false
		}
		var rec casework.SourceRecord
		var found bool
		for _, sz := range candidateSizes(size, onCard, p) {
			rec, found, err = s.SourceFile(ctx, casework.SourceKey{DeviceSerial: "DSJ1234", Path: p, Size: sz, ModTime: mtime})
			if err != nil {
				t.Fatal(err)
			}
			if found {
				break
			}
		}
		if !onCard && (!found || !rec.Cleared) {
			t.Fatalf("%s was removed from the recorder without a recorded, cleared copy", p)
		}
		if found {
			if rec.Digest.String() != want {
				t.Fatalf("%s recorded with digest %s, want %s", p, rec.Digest, want)
			}
			if err := s.Blobs().Verify(ctx, rec.Digest); err != nil {
				t.Fatalf("%s: custody names a blob that is not durable: %v", p, err)
			}
		} else if complete {
			t.Fatalf("%s never ingested", p)
		}
	}
	if complete {
		if _, sources, _ := s.FootageCount(ctx); sources != len(manifest) {
			t.Fatalf("%d custody records for %d files", sources, len(manifest))
		}
	}
}

// makeCardBatch adds 400 more small files and one more recording to the card.
func makeCardBatch(t *testing.T, root string, batch int) map[string]string {
	t.Helper()
	added := map[string]string{}
	mtime := time.Date(2026, 11, 20, 11, 0, 0, 0, casework.Shanghai)
	for i := 0; i < 400; i++ {
		n := 10000 + batch*1000 + i
		p := fmt.Sprintf("PHOTO/%02d/IMG_%05d.JPG", n/200, n)
		content := []byte(fmt.Sprintf("photo %d of the scene", n))
		full := filepath.Join(root, p)
		os.MkdirAll(filepath.Dir(full), 0o755)
		os.WriteFile(full, content, 0o644)
		os.Chtimes(full, mtime, mtime)
		sum := sha256.Sum256(content)
		added[p] = hex.EncodeToString(sum[:])
	}
	return added
}

// candidateSizes: a file gone from the card is looked up by the size it
// was generated with.
func candidateSizes(size int64, onCard bool, p string) []int64 {
	if onCard {
		return []int64{size}
	}
	if strings.HasPrefix(p, "DCIM/") {
		var i int
		fmt.Sscanf(p[len(p)-8:len(p)-4], "%d", &i)
		return []int64{int64(4<<20 + i*4099)}
	}
	var i int
	fmt.Sscanf(p[len(p)-9:len(p)-4], "%d", &i)
	return []int64{int64(len(fmt.Sprintf("photo %d of the scene", i)))}
}

func TestIngestSeveralFoldersAtOnce(t *testing.T) {
	dir := initTerminal(t)
	a, b := filepath.Join(t.TempDir(), "DSJ-A"), filepath.Join(t.TempDir(), "DSJ-B")
	makeCard(t, a, 30, 1)
	makeCard(t, b, 30, 1) // same names and content on another device
	r := ctl(t, pass, "--data", dir, "ingest", "--from", a, "--from", b)
	if r.code != 0 || !strings.Contains(r.stdout, "(serial DSJ-A): 31 files, 31 copied") || !strings.Contains(r.stdout, "(serial DSJ-B): 31 files, 31 copied") {
		t.Fatalf("%d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := ctl(t, pass, "--data", dir, "ingest", "--from", a, "--from", b, "--serial", "X"); r.code != 2 {
		t.Fatalf("--serial with two folders: %d", r.code)
	}
}
