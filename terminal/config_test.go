package terminal_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lawtrail/assets"
	"lawtrail/casefile"
	"lawtrail/casework"
	"lawtrail/hub/hubtest"
	"lawtrail/store"
	"lawtrail/sync/client"
	"lawtrail/terminal"
	"lawtrail/terminal/terminaltest"
)

// bundledTemplate is a bundled template file with its version and one
// label changed: a new version of it the agency publishes.
func bundledTemplate(t testing.TB, id string, version int, label string) []byte {
	t.Helper()
	raw, err := assets.Templates.ReadFile("templates/" + id + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	m["version"] = version
	m["name"] = label
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestNeverSyncedTerminalUsesTheBundledConfiguration(t *testing.T) {
	f := terminaltest.New(t)
	bundled, err := terminal.BundledConfig()
	if err != nil {
		t.Fatal(err)
	}
	cfg := f.Terminal.Config()
	if len(cfg.Templates) != len(bundled.Templates) || cfg.Templates["onsite_record"].Version != bundled.Templates["onsite_record"].Version {
		t.Fatalf("templates in force differ from the bundled ones")
	}
	states, err := f.Terminal.ConfigInForce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range states {
		if s.Published {
			t.Errorf("%s: published on a terminal that never published or synced", s.Kind)
		}
	}
}

func TestPublishedTemplateIsInForce(t *testing.T) {
	ctx := context.Background()
	f := terminaltest.New(t)
	old := f.Terminal.Config().Templates["onsite_record"]
	p, err := f.Admin.PublishConfig(ctx, terminal.ConfigFile{Content: bundledTemplate(t, "onsite_record", old.Version+1, "现场笔录（新版）"), Note: "2027 版"})
	if err != nil {
		t.Fatal(err)
	}
	if p.Kind != casework.ConfigTemplates || p.Version != 1 {
		t.Fatalf("published %s version %d, want templates version 1", p.Kind, p.Version)
	}
	check := func(when string) {
		t.Helper()
		tp := f.Terminal.Config().Templates["onsite_record"]
		if tp == nil || tp.Version != old.Version+1 || tp.Name != "现场笔录（新版）" {
			t.Fatalf("%s: onsite_record in force is %+v", when, tp)
		}
		if f.Terminal.Config().Templates["penalty_decision"] == nil {
			t.Fatalf("%s: the bundled templates not published are gone", when)
		}
	}
	check("after publishing")
	// A second template joins the first; the first stays.
	if _, err := f.Admin.PublishConfig(ctx, terminal.ConfigFile{Content: bundledTemplate(t, "penalty_decision", 3, "行政处罚决定书（新版）")}); err != nil {
		t.Fatal(err)
	}
	check("after a second template")
	if v := f.Terminal.Config().Templates["penalty_decision"].Version; v != 3 {
		t.Fatalf("penalty_decision version %d in force, want 3", v)
	}
	// A draft of the new version is checked against it: the rules read the
	// configuration in force.
	c, err := f.Admin.OpenCase(ctx, terminal.NewCase{Number: "示〔2026〕1号", Title: "无照经营"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Admin.SaveDraft(ctx, terminal.DocumentDraft{Case: c.Case, Template: "onsite_record", Fields: map[string]json.RawMessage{"place": json.RawMessage(`"某路1号"`)}}); err != nil {
		t.Fatal(err)
	}
	f.Reopen(t)
	check("after a restart")
	states, err := f.Terminal.ConfigInForce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s := states[0]; !s.Published || s.Version != 2 || s.Officer != terminaltest.AdminID {
		t.Fatalf("config show: %+v", s)
	}
	rep, err := f.Terminal.Store().Check(ctx, mustTrusted(t, f))
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Fatalf("check after publishing: %v", rep.Problems)
	}
}

func TestPublishRefusals(t *testing.T) {
	ctx := context.Background()
	f := terminaltest.New(t)
	f.Enroll(t, "o-002", "李四", "35010000002", "246813", casework.RoleOfficer)
	li := f.Login(t, "o-002", "246813")
	good := bundledTemplate(t, "onsite_record", 9, "现场笔录（新版）")
	cases := []struct {
		name string
		s    *terminal.Session
		f    terminal.ConfigFile
		code string
		says string
	}{
		{"a template without sections", f.Admin, terminal.ConfigFile{Kind: casework.ConfigTemplates, Content: []byte(`[{"version":1,"id":"x","name":"X","name_en":"X","sections":[]}]`)}, terminal.CodeBadInput, "no sections"},
		{"an AV list naming an unknown step", f.Admin, terminal.ConfigFile{Content: []byte(`{"version":1,"mandatory":["flying"],"suggested":[]}`)}, terminal.CodeBadInput, "flying"},
		{"a holiday patch with a bad date", f.Admin, terminal.ConfigFile{Content: []byte(`{"version":1,"days":[{"date":"2028-13-01","name":"元旦","off":true}]}`)}, terminal.CodeBadInput, "2028-13-01"},
		{"recorder profiles the parser refuses", f.Admin, terminal.ConfigFile{Content: []byte(`{"version":7,"profiles":[]}`)}, terminal.CodeRule, "version 7"},
		{"not JSON", f.Admin, terminal.ConfigFile{Content: []byte("templates!")}, terminal.CodeBadInput, "not a JSON"},
		{"a file of unknown shape", f.Admin, terminal.ConfigFile{Content: []byte(`{"colour":"blue"}`)}, terminal.CodeBadInput, "give the kind"},
		{"too large", f.Admin, terminal.ConfigFile{Kind: casework.ConfigTemplates, Content: make([]byte, casework.MaxConfigContent+1)}, terminal.CodeBadInput, "at most"},
		{"a changed template keeping its version", f.Admin, terminal.ConfigFile{Content: bundledTemplate(t, "onsite_record", 1, "改了但版本没变")}, terminal.CodeRule, "must be above"},
		{"an officer who is not an admin", li, terminal.ConfigFile{Content: good}, terminal.CodeRole, "admin"},
	}
	before := eventCount(t, f)
	for _, tc := range cases {
		_, err := tc.s.PublishConfig(ctx, tc.f)
		if err == nil {
			t.Errorf("%s: published", tc.name)
			continue
		}
		if got := terminal.Code(err); got != tc.code || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%s: %s %q, want %s saying %q", tc.name, got, err, tc.code, tc.says)
		}
	}
	if n := eventCount(t, f); n != before {
		t.Fatalf("%d events recorded by refused publications", n-before)
	}
	if states, _ := f.Terminal.ConfigInForce(ctx); states[0].Published {
		t.Fatal("a refused template is in force")
	}
}

func TestPublishedVersionMustClimb(t *testing.T) {
	ctx := context.Background()
	f := terminaltest.New(t)
	av := []byte(`{"version":1,"mandatory":["seizure","forced_demolition","evidence_preservation","sampling"],"suggested":[]}`)
	if _, err := f.Admin.PublishConfig(ctx, terminal.ConfigFile{Content: av}); err != nil {
		t.Fatal(err)
	}
	if got := f.Terminal.Config().AVMatters.For(casework.StepSampling); got != casework.AVMandatory {
		t.Fatalf("sampling is %s after publishing, want mandatory", got)
	}
	// The same version again, written past the action layer: the rule refuses it.
	for _, v := range []int{1, 0} {
		_, err := f.Terminal.Store().Append(ctx, f.Desk.Key(), store.Draft{Actor: terminaltest.AdminID,
			Payload: &casework.ConfigPublished{Kind: casework.ConfigAVMatters, Version: v, Content: av}})
		if err == nil || (v == 1 && !errors.Is(err, casework.ErrRule)) {
			t.Fatalf("version %d again: %v", v, err)
		}
	}
	p, err := f.Admin.PublishConfig(ctx, terminal.ConfigFile{Content: av})
	if err != nil || p.Version != 2 {
		t.Fatalf("the next publication: version %d, %v", p.Version, err)
	}
}

func TestPublishedHolidaysMoveDeadlines(t *testing.T) {
	ctx := context.Background()
	f := terminaltest.New(t)
	c, err := f.Admin.OpenCase(ctx, terminal.NewCase{Number: "示〔2026〕2号", Title: "无照经营"})
	if err != nil {
		t.Fatal(err)
	}
	due := func() time.Time {
		t.Helper()
		r, err := f.Terminal.Store().Report(ctx, c.Case, f.Terminal.Config().AVMatters)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range r.Deadlines {
			if d.Rule == "行政处罚法第六十条" {
				return d.Due
			}
		}
		t.Fatal("no case limit")
		return time.Time{}
	}
	before := due()
	// The agency declares the last day of the period a day off: the period
	// now ends with the next working day.
	patch := `{"version":1,"days":[{"date":"` + before.Format(time.DateOnly) + `","name":"测试假日","off":true}]}`
	if _, err := f.Admin.PublishConfig(ctx, terminal.ConfigFile{Content: []byte(patch), Note: "国务院办公厅通知"}); err != nil {
		t.Fatal(err)
	}
	if after := due(); !after.After(before) {
		t.Fatalf("the case limit stays %s after its last day became a day off", after)
	}
	if casework.IsWorkday(before) != (casework.Calendar{}).IsWorkday(before) {
		t.Fatal("the patch reached the built-in table")
	}
}

func TestPublishedRecorderProfilesAreInForce(t *testing.T) {
	ctx := context.Background()
	f := terminaltest.New(t)
	var m map[string]any
	if err := json.Unmarshal(assets.RecorderProfiles, &m); err != nil {
		t.Fatal(err)
	}
	ps := m["profiles"].([]any)
	ps[0].(map[string]any)["description"] = "agency copy"
	raw, _ := json.Marshal(m)
	if _, err := f.Admin.PublishConfig(ctx, terminal.ConfigFile{Kind: casework.ConfigRecorderProfiles, Content: raw}); err != nil {
		t.Fatal(err)
	}
	if got := string(f.Terminal.Config().RecorderProfiles); !strings.Contains(got, "agency copy") {
		t.Fatalf("profiles in force: %.80s", got)
	}
	if _, err := f.Terminal.RecorderProfiles(); err != nil {
		t.Fatal(err)
	}
}

// A configuration published on terminal A is in force on terminal B of the
// same agency once both synced through a real hub.
func TestConfigPublishedOnOneTerminalIsInForceOnAnother(t *testing.T) {
	ctx := context.Background()
	h := hubtest.Start(t)
	a := terminaltest.NewIn(t, filepath.Join(t.TempDir(), "a"), "采集站-A")
	b := terminaltest.NewIn(t, filepath.Join(t.TempDir(), "b"), "采集站-B")
	syncOnce := func(f *terminaltest.Fixture) {
		t.Helper()
		c, err := client.New(ctx, f.Terminal.Store(), f.Desk.Key(), client.Options{Timeout: 20 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Once(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []*terminaltest.Fixture{a, b} {
		if _, err := client.Join(ctx, f.Terminal.Store(), f.Desk.Key(), h.Code(t, terminaltest.Agency), f.Desk.Info.Name); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.Admin.PublishConfig(ctx, terminal.ConfigFile{Content: bundledTemplate(t, "onsite_record", 5, "现场笔录（A 发布）")}); err != nil {
		t.Fatal(err)
	}
	if b.Terminal.Config().Templates["onsite_record"].Version == 5 {
		t.Fatal("in force on B before any sync")
	}
	syncOnce(a)
	syncOnce(b)
	tp := b.Terminal.Config().Templates["onsite_record"]
	if tp.Version != 5 || tp.Name != "现场笔录（A 发布）" {
		t.Fatalf("on B after sync: onsite_record version %d %q", tp.Version, tp.Name)
	}
	states, err := b.Terminal.ConfigInForce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s := states[0]; !s.Published || s.Terminal != a.Desk.Info.ID {
		t.Fatalf("B shows %+v, want A's publication", s)
	}
	// B's next publication continues from A's version.
	p, err := b.Admin.PublishConfig(ctx, terminal.ConfigFile{Content: bundledTemplate(t, "penalty_decision", 3, "B 的版本")})
	if err != nil || p.Version != 2 {
		t.Fatalf("B publishes version %d: %v", p.Version, err)
	}
	if _, err := os.Stat(b.Dir); err != nil {
		t.Fatal(err)
	}
}

// A document finalized under a published template: the case file is
// derived with that template, and a verifier holding only the bundled
// templates derives the same files (the published version is in the chain).
func TestCaseFileWithAPublishedTemplateVerifies(t *testing.T) {
	ctx := context.Background()
	f := terminaltest.New(t)
	f.Enroll(t, "o-002", "李四", "35010000002", liPIN, casework.RoleOfficer)
	if _, err := f.Admin.PublishConfig(ctx, terminal.ConfigFile{Content: bundledTemplate(t, "onsite_record", 2, "现场笔录（新版）")}); err != nil {
		t.Fatal(err)
	}
	c, err := f.Admin.OpenCase(ctx, terminal.NewCase{Number: "示〔2026〕3号", Title: "无照经营"})
	if err != nil {
		t.Fatal(err)
	}
	fin, err := f.Admin.FinalizeDocument(ctx, terminal.DocumentDraft{Case: c.Case, Template: "onsite_record", Fields: onsite(both)},
		[]terminal.Witness{{Officer: "o-002", PIN: []byte(liPIN)}})
	if err != nil {
		t.Fatal(err)
	}
	if fin.Content.TemplateVersion != 2 {
		t.Fatalf("finalized under template version %d, want the published 2", fin.Content.TemplateVersion)
	}
	out := filepath.Join(t.TempDir(), "case")
	if _, err := f.Admin.ExportCase(ctx, terminal.CaseExport{Case: c.Case, Out: out}); err != nil {
		t.Fatal(err)
	}
	b, err := casefile.OpenBundle(out)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	bundled, err := terminal.BundledConfig()
	if err != nil {
		t.Fatal(err)
	}
	v, err := casefile.Verify(ctx, b, casefile.VerifyOptions{Env: casefile.Env{Matters: bundled.AVMatters, Templates: bundled.Templates, Font: assets.FontRegularTTF}})
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Problems) > 0 {
		t.Fatalf("the case file does not verify: %v", v.Problems)
	}
	// The paper copy is laid out by the published version.
	pdfs, _ := filepath.Glob(filepath.Join(out, "documents", "*.pdf"))
	if len(pdfs) != 1 {
		t.Fatalf("documents: %v", pdfs)
	}
	text, err := exec.Command("pdftotext", pdfs[0], "-").Output()
	if err != nil {
		t.Skipf("pdftotext: %v", err)
	}
	if !strings.Contains(strings.ReplaceAll(string(text), " ", ""), "现场笔录（新版）") {
		t.Fatalf("the PDF is not laid out by the published template:\n%.300s", text)
	}
}
