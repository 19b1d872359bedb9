package casefile

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"io/fs"
	"lawtrail/casefile/casefiletest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lawtrail/casework"
	"lawtrail/evidence"
)

// forge rewrites a whole case file as a forger with keys of their own
// would: every event re-signed by a new terminal key (the bodies naming
// it, officer enrollments carrying new officer keys that co-sign again,
// the chain relinked), the copies of the terminal's id replaced in every
// file, the export re-signed over a regenerated SHA256SUMS. The hub's log
// files are left as they were: the forger cannot sign checkpoints.
func forge(t *testing.T, dir string) {
	t.Helper()
	term, _ := evidence.GenerateKeyPair(rand.Reader)
	officer, _ := evidence.GenerateKeyPair(rand.Reader)
	old := readTerminalID(t, dir)
	var out bytes.Buffer
	prev := evidence.Digest{}
	f, _ := os.Open(filepath.Join(dir, EventsFile))
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 8<<20)
	for sc.Scan() {
		var ev evidence.Event
		json.Unmarshal(sc.Bytes(), &ev)
		ev = resign(t, ev, term, officer, prev)
		prev = ev.Hash()
		b, _ := json.Marshal(ev)
		out.Write(append(b, '\n'))
	}
	f.Close()
	os.WriteFile(filepath.Join(dir, EventsFile), out.Bytes(), 0o600)
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".json") || strings.Contains(p, "/log/") || strings.HasSuffix(p, ExportFile) {
			return err
		}
		b, _ := os.ReadFile(p)
		os.WriteFile(p, bytes.ReplaceAll(b, []byte(old), []byte(term.ID())), 0o600)
		return nil
	})
	var tj bundleTerminal
	b, _ := os.ReadFile(filepath.Join(dir, "terminal.json"))
	json.Unmarshal(b, &tj)
	tj.Terminal, tj.PublicKey, tj.PublicKeyPEM = term.ID(), term.Public, evidence.PublicKeyPEM(term.Public)
	os.WriteFile(filepath.Join(dir, "terminal.json"), mustJSON(t, tj), 0o600)
	resum(t, dir)
	sums, _ := os.ReadFile(filepath.Join(dir, SumsFile))
	var exp evidence.Event
	b, _ = os.ReadFile(filepath.Join(dir, ExportFile))
	json.Unmarshal(b, &exp)
	body, _ := evidence.ParseBody(exp.Body)
	var p casework.CaseExported
	json.Unmarshal(body.Payload, &p)
	p.Sums = evidence.Sum(sums)
	body.Payload, _ = json.Marshal(p)
	body.Terminal, body.Prev = term.ID(), prev
	raw, err := evidence.EncodeBody(body)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, ExportFile), mustJSON(t, evidence.Sign(raw, term)), 0o600)
}

func resign(t *testing.T, ev evidence.Event, term, officer evidence.KeyPair, prev evidence.Digest) evidence.Event {
	t.Helper()
	body, err := evidence.ParseBody(ev.Body)
	if err != nil {
		t.Fatal(err)
	}
	body.Terminal = term.ID()
	if body.Seq > 1 {
		body.Prev = prev
	}
	p, err := casework.Decode(body.Type, body.Payload)
	if err != nil {
		t.Fatal(err)
	}
	switch p := p.(type) {
	case *casework.TerminalInitialized:
		p.Terminal, p.PublicKey = term.ID(), term.Public
	case *casework.OfficerEnrolled:
		p.PublicKey = officer.Public
	}
	body.Payload, _ = json.Marshal(p)
	raw, err := evidence.EncodeBody(body)
	if err != nil {
		t.Fatal(err)
	}
	var cosigners []evidence.OfficerKey
	for _, cs := range ev.CoSigs {
		cosigners = append(cosigners, evidence.OfficerKey{Officer: cs.Officer, Key: officer})
	}
	return evidence.Sign(raw, term, cosigners...)
}

func readTerminalID(t *testing.T, dir string) string {
	t.Helper()
	var tj bundleTerminal
	b, err := os.ReadFile(filepath.Join(dir, "terminal.json"))
	if err != nil || json.Unmarshal(b, &tj) != nil {
		t.Fatalf("terminal.json: %v", err)
	}
	return tj.Terminal
}

func resum(t *testing.T, dir string) { casefiletest.Resum(t, dir) }

// The forged export (threat model): a case file re-signed end to end with a
// forger's own keys verifies on its own terms — and is exposed by the
// terminal key from the hub's register, and, for a synced terminal, by the
// hub's inclusion proofs and receipts even without that key.
func TestForgedCaseFileIsExposed(t *testing.T) {
	st, key, caseID := caseWithFootage(t)
	env := testEnv(t)
	out := filepath.Join(t.TempDir(), "case")
	if _, err := Export(context.Background(), st, ExportOptions{Case: caseID, Out: out, Actor: "o-001", Terminal: key, Env: env}); err != nil {
		t.Fatal(err)
	}
	forge(t, out)
	verify := func(opt VerifyOptions) *Verified {
		b, err := OpenBundle(out)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		opt.Env = env
		v, err := Verify(context.Background(), b, opt)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	v := verify(VerifyOptions{})
	problems := strings.Join(v.Problems, "\n")
	if v.OK() || !strings.Contains(problems, "log/inclusion.jsonl") || !strings.Contains(problems, "log/receipts.jsonl") {
		t.Fatalf("the forgery against the hub's proofs: %s", problems)
	}
	for _, c := range v.Claims { // everything the forger controls verifies on its own terms
		if strings.Contains(c, "in the hub's log") {
			t.Fatalf("claimed the hub's log: %s", c)
		}
	}
	if !strings.Contains(strings.Join(v.Claims, "\n"), "is the one named by the signed case.exported") {
		t.Fatalf("the forger's own signature should verify on its own terms: %v", v.Claims)
	}
	v = verify(VerifyOptions{TerminalKey: key.Public})
	if v.OK() || !strings.Contains(strings.Join(v.Problems, "\n"), "not the trusted terminal key") {
		t.Fatalf("the forgery against the registered terminal key: %v", v.Problems)
	}
	// Without the hub's files (a forger drops them and forges again), only
	// the registered terminal key exposes it.
	os.RemoveAll(filepath.Join(out, "log"))
	forge(t, out)
	if v := verify(VerifyOptions{}); !v.OK() {
		t.Fatalf("a forgery without hub proofs and without a trusted key is indistinguishable (the note must say the key came from the file): %v", v.Problems)
	} else if !strings.Contains(strings.Join(v.Notes, "\n"), "was taken from terminal.json") {
		t.Fatalf("no note that the key was the file's own: %v", v.Notes)
	}
	if v := verify(VerifyOptions{TerminalKey: key.Public}); v.OK() {
		t.Fatal("the registered terminal key did not expose the forgery")
	}
}

// A hub key other than the trusted one is named, and an edited receipt
// fails its signature.
func TestHubKeyAndReceiptTamper(t *testing.T) {
	st, key, caseID := caseWithFootage(t)
	env := testEnv(t)
	out := filepath.Join(t.TempDir(), "case")
	if _, err := Export(context.Background(), st, ExportOptions{Case: caseID, Out: out, Actor: "o-001", Terminal: key, Env: env}); err != nil {
		t.Fatal(err)
	}
	other, _, _ := ed25519.GenerateKey(rand.Reader)
	b, _ := OpenBundle(out)
	v, err := Verify(context.Background(), b, VerifyOptions{HubKey: other, Env: env})
	b.Close()
	if err != nil || v.OK() || !strings.Contains(strings.Join(v.Problems, "\n"), "not the trusted hub key") {
		t.Fatalf("another hub key: %v %v", v.Problems, err)
	}
	p := filepath.Join(out, "log", "receipts.jsonl")
	raw, _ := os.ReadFile(p)
	os.WriteFile(p, bytes.Replace(raw, []byte(`"size":`), []byte(`"size":1`), 1), 0o600)
	b, _ = OpenBundle(out)
	v, err = Verify(context.Background(), b, VerifyOptions{Env: env})
	b.Close()
	if err != nil || v.OK() || !strings.Contains(strings.Join(v.Problems, "\n"), "receipts.jsonl") {
		t.Fatalf("an edited receipt: %v %v", v.Problems, err)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	files := map[string][]byte{}
	if err := putJSON(files, "f", v); err != nil {
		t.Fatal(err)
	}
	return files["f"]
}
