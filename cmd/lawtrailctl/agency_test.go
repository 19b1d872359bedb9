package main

import (
	"archive/zip"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"lawtrail/evidence"
)

// agencyCtl runs lawtrailctl as a process with the given officer and PIN.
func agencyCtl(t testing.TB, vars map[string]string, args ...string) result {
	t.Helper()
	var env []string
	for k, v := range vars {
		env = append(env, k+"="+v)
	}
	return ctlIn(t, "", env, args...)
}

// ctlIn runs lawtrailctl as a process in the folder cwd ("": this one)
// with the terminal's passphrase and the extra environment env.
func ctlIn(t testing.TB, cwd string, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Dir = cwd
	cmd.Env = append(append(os.Environ(), asMainEnv+"=1", "LAWTRAIL_PASSPHRASE="+pass["LAWTRAIL_PASSPHRASE"]), env...)
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code, out.String(), errOut.String()}
}

func mustAgencyCtl(t testing.TB, vars map[string]string, args ...string) string {
	t.Helper()
	r := agencyCtl(t, vars, args...)
	if r.code != 0 {
		t.Fatalf("lawtrailctl %s: exit %d\n%s\n%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

const (
	zhangPIN = "246810"
	liPINCLI = "135791"
)

var asZhang = map[string]string{"LAWTRAIL_OFFICER": "o-001", "LAWTRAIL_PIN": zhangPIN}

// agencyTerminal initialises a terminal of agency with 张三 (o-001) as its
// first admin and officer, and joins it to the hub.
func agencyTerminal(t testing.TB, h *hubProcess, agency string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "data")
	mustAgencyCtl(t, asZhang, "--data", dir, "init", "--agency", agency, "--officer-id", "o-001", "--officer-name", "张三",
		"--credential", "35010000001")
	code, rc := h.run(t, "enroll", "--agency", agency, "--ttl", "1h")
	if rc != 0 {
		t.Fatalf("enroll: %d", rc)
	}
	mustAgencyCtl(t, asZhang, "--data", dir, "hub", "join", strings.TrimSpace(code))
	return dir
}

// pinsFile writes a witnesses' PIN file of mode 0600.
func pinsFile(t *testing.T, lines string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "pins")
	if err := os.WriteFile(p, []byte(lines), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

type listedCase struct {
	ID        string   `json:"id"`
	Terminals []string `json:"terminals"`
}

func caseListJSON(t *testing.T, dir string) []listedCase {
	t.Helper()
	var out []listedCase
	for _, line := range strings.Split(strings.TrimSpace(mustAgencyCtl(t, asZhang, "--data", dir, "case", "list", "--json")), "\n") {
		if line == "" {
			continue
		}
		var c listedCase
		if err := json.Unmarshal([]byte(line), &c); err != nil {
			// a JSON array instead of lines
			if err := json.Unmarshal([]byte(line), &out); err != nil {
				t.Fatalf("case list --json: %q: %v", line, err)
			}
			continue
		}
		out = append(out, c)
	}
	return out
}

// An agency, not a tablet — the scenario as processes: a hub,
// terminals A and B of one agency, C of another. 李四 is enrolled next to
// 张三 on A; a step with both present is co-signed by both PINs; B sees the
// case and both officers, enrolls 李四 too, adds a step and finalizes a
// 现场笔录 signed by both; A's timeline shows B's events; C sees nothing;
// check passes on A and B; a case file exported on either verifies and
// holds both terminals' events.
func TestAgencyAcrossTerminalsCLI(t *testing.T) {
	h := startHubProcess(t)
	const agency, other = "某区市场监督管理局", "某区城市管理局"
	a := agencyTerminal(t, h, agency)
	b := agencyTerminal(t, h, agency)
	c := agencyTerminal(t, h, other)

	newPIN := map[string]string{"LAWTRAIL_OFFICER": "o-001", "LAWTRAIL_PIN": zhangPIN, "LAWTRAIL_NEW_PIN": liPINCLI}
	mustAgencyCtl(t, newPIN, "--data", a, "officer", "add", "--id", "o-002", "--name", "李四", "--credential", "35010000002", "--roles", "officer")
	caseID := strings.TrimSpace(mustAgencyCtl(t, asZhang, "--data", a, "case", "new", "--number", "示市监罚〔2026〕7号", "--title", "无照经营"))
	pins := pinsFile(t, "o-002 "+liPINCLI+"\n")
	mustAgencyCtl(t, asZhang, "--data", a, "case", "step", caseID, "--kind", "onsite_inspection",
		"--start", "2026-11-20 10:15", "--end", "2026-11-20 10:40", "--officers", "o-001,o-002", "--pins", pins)
	mustAgencyCtl(t, asZhang, "--data", a, "sync", "--once")

	mustAgencyCtl(t, asZhang, "--data", b, "sync", "--once")
	cases := caseListJSON(t, b)
	if len(cases) != 1 || cases[0].ID != caseID {
		t.Fatalf("B's cases after sync: %+v, want A's %s", cases, caseID)
	}
	officers := mustAgencyCtl(t, asZhang, "--data", b, "officer", "list", "--json")
	if !strings.Contains(officers, "李四") || !strings.Contains(officers, "张三") {
		t.Fatalf("B's officers: %s", officers)
	}
	mustAgencyCtl(t, newPIN, "--data", b, "officer", "add", "--id", "o-002", "--name", "李四", "--credential", "35010000002", "--roles", "officer")
	mustAgencyCtl(t, asZhang, "--data", b, "case", "step", caseID, "--kind", "interview",
		"--start", "2026-11-20 11:00", "--end", "2026-11-20 11:30", "--officers", "o-001,o-002", "--pins", pins)
	fields := filepath.Join(t.TempDir(), "fields.json")
	os.WriteFile(fields, []byte(strings.Replace(onsiteFields, `{"name": "王五", "id": "o-002", "credential": "35010000002"}`,
		`{"name": "李四", "id": "o-002", "credential": "35010000002"}`, 1)), 0o600)
	doc := strings.TrimSpace(mustAgencyCtl(t, asZhang, "--data", b, "doc", "new", "--case", caseID, "--template", "onsite_record", "--fields", fields))
	mustAgencyCtl(t, asZhang, "--data", b, "doc", "finalize", doc, "--pins", pins)
	mustAgencyCtl(t, asZhang, "--data", b, "sync", "--once")

	mustAgencyCtl(t, asZhang, "--data", a, "sync", "--once")
	show := mustAgencyCtl(t, asZhang, "--data", a, "case", "show", caseID)
	for _, want := range []string{"interview", "doc.finalized", "李四"} {
		if !strings.Contains(show, want) {
			t.Errorf("A's case show lacks %q:\n%s", want, show)
		}
	}
	mustAgencyCtl(t, asZhang, "--data", c, "sync", "--once")
	if got := caseListJSON(t, c); len(got) != 0 {
		t.Errorf("C (another agency) sees cases %+v", got)
	}
	if log := mustAgencyCtl(t, asZhang, "--data", c, "log"); strings.Contains(log, caseID) || strings.Contains(log, "李四") {
		t.Errorf("C's log holds the other agency's events:\n%s", log)
	}
	for name, dir := range map[string]string{"A": a, "B": b} {
		if r := agencyCtl(t, asZhang, "--data", dir, "check"); r.code != 0 {
			t.Errorf("check on %s: %d\n%s%s", name, r.code, r.stdout, r.stderr)
		}
		out := filepath.Join(t.TempDir(), name+".zip")
		mustAgencyCtl(t, asZhang, "--data", dir, "case", "export", caseID, "--out", out)
		if r := agencyCtl(t, asZhang, "verify-bundle", out); r.code != 0 {
			t.Errorf("verify-bundle of %s's export: %d\n%s%s", name, r.code, r.stdout, r.stderr)
		}
		events := unzipEntry(t, out, "events.jsonl")
		if terminals := terminalsIn(t, events); len(terminals) < 2 {
			t.Errorf("%s's case file holds events of %v, want both terminals", name, terminals)
		}
	}
}

// unzipEntry returns the entry of a case file zip whose name ends in name.
func unzipEntry(t *testing.T, zipPath, name string) []byte {
	t.Helper()
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, name) {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			b, err := io.ReadAll(rc)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
	}
	t.Fatalf("%s holds no %s", zipPath, name)
	return nil
}

// terminalsIn lists the writer terminals of events.jsonl lines.
func terminalsIn(t *testing.T, jsonl []byte) []string {
	t.Helper()
	seen := map[string]bool{}
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(string(jsonl)), "\n") {
		var ev evidence.Event
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("events.jsonl line: %v", err)
		}
		body, err := evidence.ParseBody(ev.Body)
		if err != nil {
			t.Fatal(err)
		}
		if !seen[body.Terminal] {
			seen[body.Terminal] = true
			out = append(out, body.Terminal)
		}
	}
	return out
}
