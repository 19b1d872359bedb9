package casefile

import (
	"context"
	"crypto/rand"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"lawtrail/assets"
	"lawtrail/casework"
	"lawtrail/evidence"
	"lawtrail/hub/hubtest"
	"lawtrail/store"
	"lawtrail/store/storetest"
	"lawtrail/sync/client"
)

func testEnv(t *testing.T) Env {
	t.Helper()
	matters, err := casework.ParseAVMatters(assets.AVMatters)
	if err != nil {
		t.Fatal(err)
	}
	templates, err := casework.LoadTemplates(assets.Templates, "templates")
	if err != nil {
		t.Fatal(err)
	}
	return Env{Matters: matters, Templates: templates, Font: assets.FontRegularTTF}
}

// caseWithFootage is a terminal with a case whose on-site step links two
// footage files (as the app records them), synced to a hub.
func caseWithFootage(t *testing.T) (*store.Store, evidence.KeyPair, string) {
	t.Helper()
	ctx := context.Background()
	h := hubtest.Start(t)
	dir := filepath.Join(t.TempDir(), "terminal")
	key, err := store.InitTerminal(ctx, dir, store.TerminalSetup{TerminalName: "采集站-1", AgencyName: "某区市场监督管理局",
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
	start := time.Date(2026, 11, 20, 10, 0, 0, 0, casework.Shanghai)
	drafts := []store.Draft{
		{Actor: "o-001", Payload: &casework.CaseOpened{Case: "c-1", Number: "示市监罚〔2026〕7号", Title: "查封扣押", ActType: casework.ActPenalty,
			Agency: store.AgencyIDFromName("某区市场监督管理局")}},
		{Actor: "o-001", Payload: &casework.CasePhaseAdvanced{Case: "c-1", Phase: casework.PhaseInvestigation}},
		{Actor: "o-001", Payload: &casework.StepRecorded{Step: "c-1-s1", Case: "c-1", Kind: casework.StepOnSiteInspection,
			Start: start, End: start.Add(30 * time.Minute), Officers: []string{"o-001"}}},
	}
	for i, content := range []string{"first clip", "second clip"} {
		d, n, err := st.Blobs().Put(ctx, strings.NewReader(content))
		if err != nil {
			t.Fatal(err)
		}
		drafts = append(drafts, store.Draft{Actor: "o-001", Blobs: []evidence.Digest{d}, Payload: &casework.FootageIngested{
			Digest: d, SourceKey: casework.SourceKey{DeviceSerial: "DSJ0001", Path: "DCIM/" + string(rune('a'+i)) + ".MP4", Size: n,
				ModTime: start.Add(time.Duration(i) * time.Minute)}, Clerk: "o-001", Station: "采集站-1", Officer: "o-001",
			Start: start.Add(time.Duration(i) * 15 * time.Minute), End: start.Add(time.Duration(i+1) * 15 * time.Minute)}},
			store.Draft{Actor: "o-001", Blobs: []evidence.Digest{d}, Payload: &casework.StepFootageLinked{Step: "c-1-s1", Digest: d}})
	}
	if _, err := st.Append(ctx, key, drafts...); err != nil {
		t.Fatal(err)
	}
	if _, err := client.Join(ctx, st, key, h.Code(t, "某区市场监督管理局"), "采集站-1"); err != nil {
		t.Fatal(err)
	}
	c, err := client.New(ctx, st, key, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := c.Once(ctx); err != nil {
		t.Fatalf("sync: %v %+v", err, rep)
	}
	return st, key, "c-1"
}

func verifyFolder(t *testing.T, dir string, env Env) *Verified {
	t.Helper()
	b, err := OpenBundle(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	v, err := Verify(context.Background(), b, VerifyOptions{Env: env})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// A case file with footage and the hub's receipts: every footage file, its
// custody, and the hub's signed receipt with its inclusion proof check —
// with verify-bundle's code and with the README's standard tools alone.
func TestCaseFileWithFootageAndReceipts(t *testing.T) {
	st, key, caseID := caseWithFootage(t)
	env := testEnv(t)
	out := filepath.Join(t.TempDir(), "case")
	if _, err := Export(context.Background(), st, ExportOptions{Case: caseID, Out: out, WithFootage: true, Actor: "o-001", Terminal: key, Env: env}); err != nil {
		t.Fatal(err)
	}
	v := verifyFolder(t, out, env)
	claims := strings.Join(v.Claims, "\n")
	if !v.OK() || !strings.Contains(claims, "2 footage files hash to their names") || !strings.Contains(claims, "2 footage file(s) have the hub's signed receipt") {
		t.Fatalf("verify: %v\nclaims:\n%s\nnotes: %v", v.Problems, claims, v.Notes)
	}
	_, self, _, _ := runtime.Caller(0)
	script := filepath.Join(filepath.Dir(self), "..", "scripts", "verify-bundle.sh")
	text, err := exec.Command("bash", script, out).CombinedOutput()
	if err != nil || !strings.Contains(string(text), "ok: 2 footage receipt(s) signed by the hub and in its log") ||
		!strings.Contains(string(text), "ok: 2 footage file(s) match their names") {
		t.Fatalf("the README procedure: %v\n%s", err, text)
	}
	// A footage file replaced (SHA256SUMS untouched) and a receipt edited.
	clips, _ := filepath.Glob(filepath.Join(out, "footage", "*"))
	os.WriteFile(clips[0], []byte("another clip"), 0o600)
	v = verifyFolder(t, out, env)
	if v.OK() || !strings.Contains(strings.Join(v.Problems, "\n"), "content does not match its name") {
		t.Fatalf("a replaced clip: %v", v.Problems)
	}
	if text, err := exec.Command("bash", script, out).CombinedOutput(); err == nil {
		t.Fatalf("the README procedure passed a replaced clip:\n%s", text)
	}
}

// Export refuses a record whose events do not all verify.
func TestExportRefusesDamagedRecord(t *testing.T) {
	st, key, caseID := caseWithFootage(t)
	db, err := store.OpenDatabaseFile(context.Background(), st.Dir(), storetest.Keys(t, key)) // an insider with the passphrase
	if err != nil {
		t.Fatal(err)
	}
	db.Exec("DROP TRIGGER events_no_update")
	if _, err := db.Exec("UPDATE events SET sig = zeroblob(64) WHERE seq = 3"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err = Export(context.Background(), st, ExportOptions{Case: caseID, Out: filepath.Join(t.TempDir(), "c"), Actor: "o-001", Terminal: key, Env: testEnv(t)})
	if err == nil || !strings.Contains(err.Error(), "problems") {
		t.Fatalf("export of a damaged record: %v", err)
	}
}

// A hand-made case file folder with a symlink (to /dev/zero, to a file
// outside it) or a FIFO where a file should be is refused at once: the
// verifier would otherwise read forever, block, or read another file.
func TestVerifyRefusesFoldersWithOtherThanFiles(t *testing.T) {
	for name, plant := range map[string]func(string) error{
		"symlink to /dev/zero": func(p string) error { return os.Symlink("/dev/zero", p) },
		"symlink outside":      func(p string) error { return os.Symlink("/etc/hostname", p) },
		"fifo":                 func(p string) error { return exec.Command("mkfifo", p).Run() },
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, SumsFile), []byte(strings.Repeat("0", 64)+"  case.json\n"), 0o600)
			if err := plant(filepath.Join(dir, "case.json")); err != nil {
				t.Fatal(err)
			}
			if _, err := OpenBundle(dir); err == nil || !strings.Contains(err.Error(), "not a regular file") {
				t.Fatalf("%s: %v", name, err)
			}
		})
	}
}
