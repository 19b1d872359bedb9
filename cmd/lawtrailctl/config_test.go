package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lawtrail/assets"
	"lawtrail/casework"
)

// An admin publishes a template with the CLI; doc templates and config show
// then show it in force. A bad file, a non-admin and an oversized file are
// refused with the reason and store nothing.
func TestConfigPublishAndShow(t *testing.T) {
	dir := initTerminal(t)
	r := ctl(t, pass, "--data", dir, "config", "show")
	if r.code != 0 || strings.Count(r.stdout, "bundled") != len(casework.ConfigKinds) {
		t.Fatalf("config show on a new terminal: %d %s %s", r.code, r.stdout, r.stderr)
	}
	raw, err := assets.Templates.ReadFile("templates/onsite_record.json")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	json.Unmarshal(raw, &m)
	m["version"], m["name"] = 2, "现场笔录（2027 版）"
	raw, _ = json.Marshal(m)
	file := filepath.Join(t.TempDir(), "onsite.json")
	os.WriteFile(file, raw, 0o600)

	enroll(t, dir, "o-002", "王五", "35010000002", wangPIN, "officer")
	before := eventCount(t, dir)
	wang := map[string]string{"LAWTRAIL_PASSPHRASE": pass["LAWTRAIL_PASSPHRASE"], "LAWTRAIL_OFFICER": "o-002", "LAWTRAIL_PIN": wangPIN}
	if r := ctl(t, wang, "--data", dir, "config", "publish", file); r.code != 4 || !strings.Contains(r.stderr, "admin") {
		t.Fatalf("a non-admin publishing: %d %s", r.code, r.stderr)
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{"version":1,"mandatory":["flying"],"suggested":[]}`), 0o600)
	if r := ctl(t, pass, "--data", dir, "config", "publish", bad); r.code != 4 || !strings.Contains(r.stderr, `"flying"`) {
		t.Fatalf("a bad AV list: %d %s", r.code, r.stderr)
	}
	if r := ctl(t, pass, "--data", dir, "config", "publish", "/dev/zero"); r.code != 2 || !strings.Contains(r.stderr, "larger than") {
		t.Fatalf("/dev/zero: %d %s", r.code, r.stderr)
	}
	if r := ctl(t, pass, "--data", dir, "config", "publish", file, "stray"); r.code != 2 {
		t.Fatalf("a stray argument: %d %s", r.code, r.stderr)
	}
	noteNothingStored(t, dir, before, "refused publications")

	r = ctl(t, pass, "--data", dir, "config", "publish", file, "--note", "新版式")
	if r.code != 0 || !strings.Contains(r.stdout, "published templates version 1") {
		t.Fatalf("config publish: %d %s %s", r.code, r.stdout, r.stderr)
	}
	if r := ctl(t, pass, "--data", dir, "doc", "templates"); !strings.Contains(r.stdout, "现场笔录（2027 版）") {
		t.Fatalf("doc templates does not show the published template:\n%s", r.stdout)
	}
	r = ctl(t, pass, "--data", dir, "config", "show", "--json")
	var first struct {
		Kind      string   `json:"kind"`
		Published bool     `json:"published"`
		Version   int      `json:"version"`
		Officer   string   `json:"officer"`
		Note      string   `json:"note"`
		Templates []string `json:"templates"`
	}
	if err := json.Unmarshal([]byte(strings.SplitN(r.stdout, "\n", 2)[0]), &first); err != nil {
		t.Fatalf("config show --json: %v\n%s", err, r.stdout)
	}
	if first.Kind != "templates" || !first.Published || first.Version != 1 || first.Officer != "o-001" || first.Note != "新版式" {
		t.Fatalf("config show --json: %+v", first)
	}
	if r := ctl(t, pass, "--data", dir, "check"); r.code != 0 {
		t.Fatalf("check after publishing: %d %s %s", r.code, r.stdout, r.stderr)
	}
}

func TestFootageFetchArguments(t *testing.T) {
	dir := initTerminal(t)
	if r := ctl(t, pass, "--data", dir, "footage", "fetch", "../../etc/passwd"); r.code != 4 {
		t.Fatalf("a bad digest: %d %s", r.code, r.stderr)
	}
	unknown := strings.Repeat("ab", 32)
	if r := ctl(t, pass, "--data", dir, "footage", "fetch", unknown); r.code != 4 || !strings.Contains(r.stderr, "no such footage") {
		t.Fatalf("unknown footage: %d %s", r.code, r.stderr)
	}
	if r := ctl(t, pass, "--data", dir, "footage", "fetch"); r.code != 2 {
		t.Fatalf("no digest: %d %s", r.code, r.stderr)
	}
}

// A retention policy is told from its content like the other kinds: an
// admin publishes one without --kind.
func TestConfigPublishRetentionKindFromFile(t *testing.T) {
	dir := initTerminal(t)
	file := filepath.Join(t.TempDir(), "retention.json")
	os.WriteFile(file, []byte(`{"version": 1, "name": "保存期限", "unlinked_footage_months": 12,
 "linked_footage": "with_case_record", "case_files": "with_case_record", "terminal": {"free_after_days": 60, "min_free_mib": 1024}}`), 0o600)
	if r := ctl(t, pass, "--data", dir, "config", "publish", file); r.code != 0 || !strings.Contains(r.stdout, "published retention version 1") {
		t.Fatalf("config publish of a retention policy: %d %s %s", r.code, r.stdout, r.stderr)
	}
}
