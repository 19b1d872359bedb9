package casefile

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"lawtrail/casefile/casefiletest"
	"lawtrail/casework"
	"lawtrail/evidence"
	"lawtrail/hub/hubtest"
	"lawtrail/store"
	"lawtrail/store/storetest"
	"lawtrail/sync/client"
)

type agencyTerminal struct {
	st  *store.Store
	key evidence.KeyPair
}

func newAgencyTerminal(t *testing.T, h *hubtest.Hub, name string) agencyTerminal {
	t.Helper()
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "terminal")
	key, err := store.InitTerminal(ctx, dir, store.TerminalSetup{TerminalName: name, AgencyName: "某区市场监督管理局",
		OfficerID: "o-001", OfficerName: "张三", CredentialNo: "35010000001",
		Roles:      []casework.Role{casework.RoleAdmin, casework.RoleClerk, casework.RoleOfficer},
		Passphrase: []byte("terminal passphrase"), PIN: []byte("246810"), KDF: hubtest.FastKDF, Rand: rand.Reader})
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, dir, store.Options{Keys: storetest.Keys(t, key)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := client.Join(ctx, st, key, h.Code(t, "某区市场监督管理局"), name); err != nil {
		t.Fatal(err)
	}
	return agencyTerminal{st, key}
}

func (a agencyTerminal) sync(t *testing.T) {
	t.Helper()
	c, err := client.New(context.Background(), a.st, a.key, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := c.Once(context.Background()); err != nil {
		t.Fatalf("sync: %v %+v", err, rep)
	}
}

// stepWithFootage records a step of c-1 and a clip linked to it.
func (a agencyTerminal) stepWithFootage(t *testing.T, step, clip string, start time.Time) {
	t.Helper()
	ctx := context.Background()
	d, n, err := a.st.Blobs().Put(ctx, strings.NewReader(clip))
	if err != nil {
		t.Fatal(err)
	}
	_, err = a.st.Append(ctx, a.key,
		store.Draft{Actor: "o-001", Payload: &casework.StepRecorded{Step: step, Case: "c-1", Kind: casework.StepOnSiteInspection,
			Start: start, End: start.Add(30 * time.Minute), Officers: []string{"o-001"}}},
		store.Draft{Actor: "o-001", Blobs: []evidence.Digest{d}, Payload: &casework.FootageIngested{
			Digest: d, SourceKey: casework.SourceKey{DeviceSerial: "DSJ0001", Path: "DCIM/" + step + ".MP4", Size: n, ModTime: start},
			Clerk: "o-001", Station: "s", Officer: "o-001", Start: start, End: start.Add(30 * time.Minute)}},
		store.Draft{Actor: "o-001", Blobs: []evidence.Digest{d}, Payload: &casework.StepFootageLinked{Step: step, Digest: d}})
	if err != nil {
		t.Fatal(err)
	}
}

// A case opened on A and continued on B: the case file exported on either
// holds both terminals' chains whole and the other's key, and verifies; the
// footage B took in is named (footage.json) but not carried by A's file.
// A forged event of the other terminal is named by the verifier.
func TestCaseFileAcrossTerminals(t *testing.T) {
	ctx := context.Background()
	h := hubtest.Start(t)
	a, b := newAgencyTerminal(t, h, "采集站-A"), newAgencyTerminal(t, h, "采集站-B")
	start := time.Date(2026, 11, 20, 10, 0, 0, 0, casework.Shanghai)
	if _, err := a.st.Append(ctx, a.key,
		store.Draft{Actor: "o-001", Payload: &casework.CaseOpened{Case: "c-1", Number: "示市监罚〔2026〕7号", Title: "查封扣押",
			ActType: casework.ActPenalty, Agency: store.AgencyIDFromName("某区市场监督管理局")}},
		store.Draft{Actor: "o-001", Payload: &casework.CasePhaseAdvanced{Case: "c-1", Phase: casework.PhaseInvestigation}}); err != nil {
		t.Fatal(err)
	}
	a.stepWithFootage(t, "c-1-s1", "A's clip", start)
	a.sync(t)
	b.sync(t)
	b.stepWithFootage(t, "c-1-s2", "B's clip", start.Add(time.Hour))
	b.sync(t)
	a.sync(t)
	for name, term := range map[string]agencyTerminal{"A": a, "B": b} {
		out := filepath.Join(t.TempDir(), name)
		if _, err := Export(ctx, term.st, ExportOptions{Case: "c-1", Out: out, WithFootage: true, Actor: "o-001", Terminal: term.key, Env: testEnv(t)}); err != nil {
			t.Fatalf("export on %s: %v", name, err)
		}
		v := verifyFolder(t, out, testEnv(t))
		if !v.OK() {
			t.Fatalf("%s's case file: %v", name, v.Problems)
		}
		events, _ := os.ReadFile(filepath.Join(out, EventsFile))
		if n := len(terminalsOf(t, events)); n != 2 {
			keys, _ := term.st.ForeignTerminalKeys(ctx)
			t.Fatalf("%s's events.jsonl holds %d terminals (foreign held: %v)", name, n, keys)
		}
		var others []bundleTerminal
		raw, _ := os.ReadFile(filepath.Join(out, otherTerminalsFile))
		if err := json.Unmarshal(raw, &others); err != nil || len(others) != 1 {
			t.Fatalf("%s's terminals.json: %s %v", name, raw, err)
		}
		clips, _ := filepath.Glob(filepath.Join(out, "footage", "*"))
		if len(clips) != 1 {
			t.Fatalf("%s's file carries %d clips, want its own one", name, len(clips))
		}
		// The README procedure, with standard tools only, checks each chain.
		_, self, _, _ := runtime.Caller(0)
		script := filepath.Join(filepath.Dir(self), "..", "scripts", "verify-bundle.sh")
		if text, err := exec.Command("bash", script, out).CombinedOutput(); err != nil ||
			!strings.Contains(string(text), "verify as 2 chains, each signed by its terminal") || !strings.Contains(string(text), "all steps held") {
			t.Fatalf("the README procedure on %s's file: %v\n%s", name, err, text)
		}
		// Another terminal's event forged in the file: named, not believed.
		forged := forgeOtherEvent(t, events, term.key.ID())
		os.WriteFile(filepath.Join(out, EventsFile), forged, 0o600)
		casefiletest.Resum(t, out)
		if v := verifyFolder(t, out, testEnv(t)); v.OK() {
			t.Fatalf("%s's file with another terminal's event forged verifies", name)
		}
		if text, err := exec.Command("bash", script, out).CombinedOutput(); err == nil {
			t.Fatalf("the README procedure passed a forged event of another terminal:\n%s", text)
		}
	}
}

// forgeOtherEvent flips a byte of the signature of the last event of a
// terminal other than own.
func forgeOtherEvent(t *testing.T, jsonl []byte, own string) []byte {
	t.Helper()
	lines := bytes.Split(bytes.TrimSpace(jsonl), []byte("\n"))
	for i := len(lines) - 1; i >= 0; i-- {
		var ev evidence.Event
		if err := json.Unmarshal(lines[i], &ev); err != nil {
			t.Fatal(err)
		}
		body, _ := evidence.ParseBody(ev.Body)
		if body.Terminal == own {
			continue
		}
		ev.Sig[0] ^= 1
		lines[i], _ = json.Marshal(ev)
		return append(bytes.Join(lines, []byte("\n")), '\n')
	}
	t.Fatal("no event of another terminal")
	return nil
}

// terminalsOf lists the writers of events.jsonl.
func terminalsOf(t *testing.T, jsonl []byte) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, line := range bytes.Split(bytes.TrimSpace(jsonl), []byte("\n")) {
		var ev evidence.Event
		if err := json.Unmarshal(line, &ev); err != nil {
			t.Fatal(err)
		}
		body, err := evidence.ParseBody(ev.Body)
		if err != nil {
			t.Fatal(err)
		}
		out[body.Terminal]++
	}
	return out
}
