package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"lawtrail/evidence"
	"lawtrail/terminal"
)

// oldCard writes recorder files whose recording time (their mtime: plain
// names carry none) is at, and returns name → digest.
func oldCard(t *testing.T, root string, at time.Time, names ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, n := range names {
		p := filepath.Join(root, "PHOTO", n)
		os.MkdirAll(filepath.Dir(p), 0o755)
		content := []byte("scene " + n + " " + at.String())
		if err := os.WriteFile(p, content, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, at, at); err != nil {
			t.Fatal(err)
		}
		out[n] = evidence.Sum(content).String()
	}
	return out
}

// hubBlobFile says whether the hub's data folder holds a file of digest d.
func hubBlobFile(t *testing.T, h *hubProcess, d string) bool {
	t.Helper()
	_, err := os.Stat(filepath.Join(h.dir, "blobs", d[:2], d[2:]))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return err == nil
}

func deletedLines(out string) []string {
	var ds []string
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(l); len(f) > 1 && f[0] == "DELETED" {
			ds = append(ds, f[1])
		}
	}
	return ds
}

// Expired footage deleted at the hub, as processes: a hub and two terminals
// of one agency. A (recorded 13 months ago, unlinked), B (as old, held), C
// (as old, linked to a case step), D (recorded now) are docked on the first
// and synced. The dry run lists exactly A as expired and keeps B with its
// hold; the admin's run deletes exactly A (one DELETED line). After sync
// the hub's file of A is gone, B, C and D stay, the hub's check passes,
// sync's consistency checks of the log pass, the second terminal shows A
// as deleted and its fetch of A is refused as deleted, and check passes on
// both terminals. Released, B is deleted by the next run.
func TestRetentionDeletesAtTheHub(t *testing.T) {
	h := startHubProcess(t)
	const agency = "某区市场监督管理局"
	dir := agencyTerminal(t, h, agency)
	other := agencyTerminal(t, h, agency)
	card := t.TempDir()
	long := time.Now().AddDate(0, -13, 0)
	clips := oldCard(t, card, long, "A.JPG", "B.JPG", "C.JPG")
	for n, d := range oldCard(t, card, time.Now().Add(-time.Hour), "D.JPG") {
		clips[n] = d
	}
	a, b, c, d := clips["A.JPG"], clips["B.JPG"], clips["C.JPG"], clips["D.JPG"]
	mustAgencyCtl(t, asZhang, "--data", dir, "ingest", "--from", card, "--serial", "DSJ1234")
	caseID := strings.TrimSpace(mustAgencyCtl(t, asZhang, "--data", dir, "case", "new", "--number", "示市监罚〔2026〕31号", "--title", "无照经营"))
	step := strings.TrimSpace(mustAgencyCtl(t, asZhang, "--data", dir, "case", "step", caseID, "--kind", "onsite_inspection",
		"--start", "2026-11-20 10:15", "--end", "2026-11-20 10:40"))
	mustAgencyCtl(t, asZhang, "--data", dir, "case", "link", step, c)
	mustAgencyCtl(t, asZhang, "--data", dir, "hold", "add", b, "--reason", "当事人申请行政复议")
	mustAgencyCtl(t, asZhang, "--data", dir, "sync", "--once")
	for _, x := range []string{a, b, c, d} {
		if !hubBlobFile(t, h, x) {
			t.Fatalf("the hub holds no file of %s after sync", x)
		}
	}

	var dry terminal.RetentionPlan
	if err := json.Unmarshal([]byte(mustAgencyCtl(t, asZhang, "--data", dir, "retention", "run", "--dry-run", "--json")), &dry); err != nil {
		t.Fatal(err)
	}
	if len(dry.Expired) != 1 || dry.Expired[0].Digest.String() != a || len(dry.Deleted) != 0 {
		t.Fatalf("dry run: expired %+v deleted %+v", dry.Expired, dry.Deleted)
	}
	if len(dry.Kept) != 1 || dry.Kept[0].Digest.String() != b || !strings.HasPrefix(dry.Kept[0].Why, "held h-") {
		t.Fatalf("dry run keeps %+v", dry.Kept)
	}
	run := mustAgencyCtl(t, asZhang, "--data", dir, "retention", "run")
	if got := deletedLines(run); !slices.Equal(got, []string{a}) || strings.Contains(run, "EXPIRED") {
		t.Fatalf("the run deleted %v:\n%s", got, run)
	}
	if w := footageWhere(t, dir); w[a].Location != "deleted" || w[b].Location != "both" || w[c].Location != "both" || w[d].Location != "both" {
		t.Fatalf("after the run: %+v", w)
	}

	mustAgencyCtl(t, asZhang, "--data", dir, "sync", "--once")
	if hubBlobFile(t, h, a) || !hubBlobFile(t, h, b) || !hubBlobFile(t, h, c) || !hubBlobFile(t, h, d) {
		t.Fatalf("hub files: A %v B %v C %v D %v, want only A gone", hubBlobFile(t, h, a), hubBlobFile(t, h, b), hubBlobFile(t, h, c), hubBlobFile(t, h, d))
	}
	if out, rc := h.run(t, "check"); rc != 0 {
		t.Fatalf("hub check after the deletion: %d\n%s", rc, out)
	}
	mustAgencyCtl(t, asZhang, "--data", other, "sync", "--once") // the log's consistency is checked at each sync
	if w := footageWhere(t, other); w[a].Location != "deleted" || w[b].Location != "hub" || !w[b].Held {
		t.Fatalf("on the other terminal: %+v", w)
	}
	if r := agencyCtl(t, asZhang, "--data", other, "footage", "fetch", a); r.code != exitRefused || !strings.Contains(r.stderr, "deleted") {
		t.Fatalf("fetching deleted footage: exit %d\n%s", r.code, r.stderr)
	}
	mustAgencyCtl(t, asZhang, "--data", other, "footage", "fetch", c)
	for _, x := range []string{dir, other} {
		mustAgencyCtl(t, asZhang, "--data", x, "check")
	}
	if out := mustAgencyCtl(t, nil, "--data", dir, "footage", "list"); !strings.Contains(out, "deleted") {
		t.Fatalf("footage list:\n%s", out)
	}

	mustAgencyCtl(t, asZhang, "--data", dir, "hold", "release", b, "--reason", "复议结束")
	var again terminal.RetentionPlan
	if err := json.Unmarshal([]byte(mustAgencyCtl(t, asZhang, "--data", dir, "retention", "run", "--json")), &again); err != nil {
		t.Fatal(err)
	}
	if len(again.Deleted) != 1 || again.Deleted[0].Digest.String() != b {
		t.Fatalf("after the release the run deletes %+v", again.Deleted)
	}
	mustAgencyCtl(t, asZhang, "--data", dir, "sync", "--once")
	if hubBlobFile(t, h, b) || !hubBlobFile(t, h, c) {
		t.Fatalf("after the release: hub file of B %v, of C %v", hubBlobFile(t, h, b), hubBlobFile(t, h, c))
	}
	if out, rc := h.run(t, "rebuild"); rc != 0 {
		t.Fatalf("hub rebuild: %d %s", rc, out)
	}
	if out, rc := h.run(t, "check"); rc != 0 {
		t.Fatalf("hub check after rebuild: %d\n%s", rc, out)
	}
}
