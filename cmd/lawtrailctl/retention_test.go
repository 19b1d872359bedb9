package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"lawtrail/terminal"
)

type footageShown struct {
	Digest   string `json:"digest"`
	Location string `json:"location"`
	Held     bool   `json:"held"`
}

func footageWhere(t *testing.T, dir string) map[string]footageShown {
	t.Helper()
	out := map[string]footageShown{}
	for _, line := range strings.Split(strings.TrimSpace(mustAgencyCtl(t, nil, "--data", dir, "footage", "list", "--json")), "\n") {
		var f footageShown
		if err := json.Unmarshal([]byte(line), &f); err != nil {
			t.Fatalf("footage list --json: %v: %s", err, line)
		}
		out[f.Digest] = f
	}
	return out
}

// planLines are the FREE, KEEP and EXPIRED lines of retention run.
func planLines(out string) []string {
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "FREE") || strings.HasPrefix(l, "KEEP") || strings.HasPrefix(l, "EXPIRED") {
			lines = append(lines, strings.Join(strings.Fields(l), " "))
		}
	}
	return lines
}

// Retention and legal hold as people use them, lawtrailctl and the hub as
// processes: three clips docked and synced live "both" here and at the hub;
// one is linked to an open case, one held by the admin (an officer who is no
// admin or head is refused, exit 4; a 10 KB reason too; no --reason is a
// usage error, exit 2); a malformed retention policy is refused at
// publishing (exit 4). Under a published policy whose free-space threshold
// cannot be met, the dry run lists exactly what the run then frees — the
// one unlinked, unheld clip — and keeps the linked and the held one, saying
// why; after the run the clip lives at the hub only ("freed"), footage
// verify and check pass. An insider deleting its receipt with sqlite3 is
// named by check (exit 1). Releasing a hold that does not exist: exit 4.
func TestRetentionAndHoldCLI(t *testing.T) {
	h := startHubProcess(t)
	dir := agencyTerminal(t, h, "某区市场监督管理局")
	addOfficer(t, dir, "o-002", "李四", "35010000002", liPINCLI, "officer")
	card := t.TempDir()
	makeCard(t, card, 3, 0)
	mustAgencyCtl(t, asZhang, "--data", dir, "ingest", "--from", card, "--serial", "DSJ1234")
	where := footageWhere(t, dir)
	var clips []string
	for d, f := range where {
		if f.Location != "here" {
			t.Fatalf("before sync %s lives %q, want here", d, f.Location)
		}
		clips = append(clips, d)
	}
	slices.Sort(clips)
	if len(clips) != 3 {
		t.Fatalf("%d clips", len(clips))
	}
	mustAgencyCtl(t, asZhang, "--data", dir, "sync", "--once")
	linked, held, free := clips[0], clips[1], clips[2]

	caseID := strings.TrimSpace(mustAgencyCtl(t, asZhang, "--data", dir, "case", "new", "--number", "示市监罚〔2026〕21号", "--title", "无照经营"))
	step := strings.TrimSpace(mustAgencyCtl(t, asZhang, "--data", dir, "case", "step", caseID, "--kind", "onsite_inspection",
		"--start", "2026-11-20 10:15", "--end", "2026-11-20 10:40"))
	mustAgencyCtl(t, asZhang, "--data", dir, "case", "link", step, linked)

	before := eventCount(t, dir)
	for _, c := range []struct {
		vars map[string]string
		args []string
		code int
	}{
		{asLi, []string{"hold", "add", held, "--reason", "诉讼保全"}, exitRefused},
		{asZhang, []string{"hold", "add", held, "--reason", strings.Repeat("x", 10<<10)}, exitRefused},
		{asZhang, []string{"hold", "add", held}, exitUsage},
		{asZhang, []string{"hold", "add", "../../etc/passwd", "--reason", "x"}, exitUsage},
		{asZhang, []string{"hold", "add", held, "stray", "--reason", "x"}, exitUsage},
		{asZhang, []string{"hold", "release", held, "--reason", "结案"}, exitRefused},
		{asZhang, []string{"hold", "release", held, "--reason", "结案", "--hold", "h-000000000000"}, exitRefused},
		{asZhang, []string{"hold", "release", held, "--reason", "结案", "--hold", "<script>alert(1)</script>"}, exitUsage},
		{asZhang, []string{"retention", "run", "stray"}, exitUsage},
	} {
		if r := agencyCtl(t, c.vars, append([]string{"--data", dir}, c.args...)...); r.code != c.code {
			t.Fatalf("%v: exit %d, want %d\n%s", c.args, r.code, c.code, r.stderr)
		}
	}
	noteNothingStored(t, dir, before, "refused holds")
	out := mustAgencyCtl(t, asZhang, "--data", dir, "hold", "add", held, "--reason", `当事人申请复议 "><img src=x onerror=alert(1)>`)
	if !strings.Contains(out, "held by o-001 as h-") {
		t.Fatalf("hold add: %s", out)
	}

	policy := func(name, body string) string {
		p := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	malformed := policy("bad.json", `{"version":1,"name":"三个月","unlinked_footage_months":3,"linked_footage":"with_case_record","case_files":"with_case_record","terminal":{"free_after_days":30,"min_free_mib":0}}`)
	if r := agencyCtl(t, asZhang, "--data", dir, "config", "publish", malformed, "--kind", "retention"); r.code != exitRefused || !strings.Contains(r.stderr, "unlinked_footage_months") {
		t.Fatalf("a malformed retention policy: exit %d %s", r.code, r.stderr)
	}
	tight := policy("tight.json", `{"version":2,"name":"空间不足","unlinked_footage_months":6,"linked_footage":"with_case_record","case_files":"with_case_record","terminal":{"free_after_days":30,"min_free_mib":1073741824}}`)
	mustAgencyCtl(t, asZhang, "--data", dir, "config", "publish", tight, "--kind", "retention", "--note", "测试：磁盘空间不足")

	dry := mustAgencyCtl(t, asZhang, "--data", dir, "retention", "run", "--dry-run")
	want := []string{"FREE " + free, "KEEP " + linked, "KEEP " + held}
	got := planLines(dry)
	if len(got) != len(want) {
		t.Fatalf("dry run:\n%s", dry)
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Fatalf("dry run line %d: %q, want %q…\n%s", i, got[i], want[i], dry)
		}
	}
	if !strings.Contains(dry, "open case "+caseID) || !strings.Contains(dry, "held h-") || !strings.Contains(dry, "low_space") {
		t.Fatalf("dry run does not say why:\n%s", dry)
	}
	if w := footageWhere(t, dir); w[free].Location != "both" || w[held].Location != "both" || !w[held].Held {
		t.Fatalf("after the dry run: %+v", w)
	}
	run := mustAgencyCtl(t, asZhang, "--data", dir, "retention", "run")
	if !slices.Equal(planLines(run), got) {
		t.Fatalf("the run did\n%s\nthe dry run said\n%s", run, dry)
	}
	w := footageWhere(t, dir)
	if w[free].Location != "freed" || w[linked].Location != "both" || w[held].Location != "both" {
		t.Fatalf("after the run: %+v", w)
	}
	if out := mustAgencyCtl(t, nil, "--data", dir, "footage", "verify"); !strings.Contains(out, "freed  "+free) || !strings.Contains(out, "2 verified, 0 broken") {
		t.Fatalf("footage verify:\n%s", out)
	}
	if out := mustAgencyCtl(t, nil, "--data", dir, "footage", "list"); !strings.Contains(out, "LOCATION") || !strings.Contains(out, "both,held") {
		t.Fatalf("footage list:\n%s", out)
	}
	mustAgencyCtl(t, asZhang, "--data", dir, "check")
	var again terminal.RetentionPlan
	if err := json.Unmarshal([]byte(mustAgencyCtl(t, asZhang, "--data", dir, "retention", "run", "--dry-run", "--json")), &again); err != nil {
		t.Fatal(err)
	}
	if !again.DryRun || len(again.Free) != 0 || len(again.Kept) != 2 || !again.LowSpace || again.Policy.Terminal.MinFreeMiB != 1<<30 {
		t.Fatalf("a second dry run: %+v", again)
	}

	insiderSQL(t, dir, "DELETE FROM sync_receipts WHERE digest = '"+free+"'")
	r := agencyCtl(t, asZhang, "--data", dir, "check")
	if r.code != exitProblems || !strings.Contains(r.stdout+r.stderr, "footage "+free) || !strings.Contains(r.stdout+r.stderr, "no receipt") {
		t.Fatalf("check after the receipt was deleted: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}
