package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"lawtrail/casework"
	"lawtrail/evidence"
)

// fixtureWithFootage has cases and three blobs named by footage events.
func fixtureWithFootage(t *testing.T) (*fixture, []evidence.Digest) {
	f := newFixture(t)
	f.append(t, f.caseDrafts(1)...)
	var digests []evidence.Digest
	for i, content := range []string{"first recording", "second recording", "third recording"} {
		d, n, err := f.store.Blobs().Put(context.Background(), strings.NewReader(content))
		if err != nil {
			t.Fatal(err)
		}
		f.append(t, footageDraft(f.admin, d, n, "DCIM/"+string(rune('a'+i))+".MP4"))
		digests = append(digests, d)
	}
	return f, digests
}

func checkReport(t *testing.T, f *fixture) Report {
	t.Helper()
	r, err := f.store.Check(context.Background(), f.trusted(t))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestCheckCleanStore(t *testing.T) {
	f, _ := fixtureWithFootage(t)
	r := checkReport(t, f)
	if !r.OK() || r.Events != 9 || r.Blobs != 3 {
		t.Fatalf("report %+v", r)
	}
}

// R1/R5: flipping one byte of one stored event body is found, and only that
// event is named.
func TestR5CheckNamesExactlyTheTamperedEvent(t *testing.T) {
	for _, seq := range []int{1, 2, 5, 9} {
		f, _ := fixtureWithFootage(t)
		var body []byte
		if err := f.store.db.QueryRow("SELECT body FROM events WHERE seq = ?", seq).Scan(&body); err != nil {
			t.Fatal(err)
		}
		i := bytes.Index(body, []byte(`"time":"2026`)) + len(`"time":"202`)
		body[i] ^= 0x01 // 2026 → 2027 (still parseable, now a different body)
		rawUpdate(t, f, "UPDATE events SET body = ? WHERE seq = ?", body, seq)
		r := checkReport(t, f)
		if len(r.Problems) != 1 {
			t.Fatalf("seq %d: %d problems, want 1: %v", seq, len(r.Problems), r.Problems)
		}
		want := "event " + f.terminal.ID() + "#" + strconv.Itoa(seq)
		if r.Problems[0].Item != want {
			t.Fatalf("named %q, want %q", r.Problems[0].Item, want)
		}
	}
}

// Even an attacker who also rewrites the stored hash column is caught by the
// signature, and the next event's link is not blamed for it.
func TestCheckTamperWithRecomputedHash(t *testing.T) {
	f, _ := fixtureWithFootage(t)
	var body []byte
	f.store.db.QueryRow("SELECT body FROM events WHERE seq = 4").Scan(&body)
	changed := bytes.Replace(body, []byte("无照经营"), []byte("合法经营"), 1)
	if bytes.Equal(changed, body) {
		t.Fatal("event 4 is not the case title event")
	}
	body = changed
	h := evidence.Sum(body)
	rawUpdate(t, f, "UPDATE events SET body = ?, hash = ? WHERE seq = 4", body, h[:])
	r := checkReport(t, f)
	if len(r.Problems) != 1 || !errors.Is(r.Problems[0].Err, evidence.ErrBadSignature) {
		t.Fatalf("problems %v, want one bad signature", r.Problems)
	}
}

func TestCheckNamesExactlyTheTamperedBlob(t *testing.T) {
	f, digests := fixtureWithFootage(t)
	p := f.store.Blobs().Path(digests[1])
	os.Chmod(p, 0o600)
	content, _ := os.ReadFile(p)
	content[0] ^= 0x01
	if err := os.WriteFile(p, content, 0o400); err != nil {
		t.Fatal(err)
	}
	r := checkReport(t, f)
	if len(r.Problems) != 1 || r.Problems[0].Item != "blob "+digests[1].String() || !errors.Is(r.Problems[0].Err, ErrBlobCorrupt) {
		t.Fatalf("problems %v, want blob %s corrupt", r.Problems, digests[1])
	}
	if _, err := f.store.Blobs().Open(context.Background(), digests[1]); !errors.Is(err, ErrBlobCorrupt) {
		t.Fatalf("a corrupt blob was served: %v", err)
	}
}

func TestCheckMissingAndStrayBlobs(t *testing.T) {
	f, digests := fixtureWithFootage(t)
	if err := os.Remove(f.store.Blobs().Path(digests[2])); err != nil {
		t.Fatal(err)
	}
	stray := filepath.Join(f.dir, BlobDir, "zz", "not-a-digest")
	os.MkdirAll(filepath.Dir(stray), 0o700)
	os.WriteFile(stray, []byte("x"), 0o600)
	r := checkReport(t, f)
	if len(r.Problems) != 2 {
		t.Fatalf("problems %v, want 2", r.Problems)
	}
	var sawMissing, sawStray bool
	for _, p := range r.Problems {
		sawMissing = sawMissing || (p.Item == "blob "+digests[2].String() && errors.Is(p.Err, ErrBlobMissing))
		sawStray = sawStray || strings.Contains(p.Item, "not-a-digest")
	}
	if !sawMissing || !sawStray {
		t.Fatalf("problems %v", r.Problems)
	}
}

// A row removed behind SQLite's back (triggers dropped) is a gap, named once.
func TestCheckNamesRemovedEventAsGap(t *testing.T) {
	f, _ := fixtureWithFootage(t)
	rawUpdate(t, f, "DROP TRIGGER events_no_delete")
	rawUpdate(t, f, "DELETE FROM events WHERE seq = 5")
	r := checkReport(t, f)
	if len(r.Problems) != 1 || !errors.Is(r.Problems[0].Err, evidence.ErrGap) {
		t.Fatalf("problems %v, want one gap", r.Problems)
	}
}

func rawUpdate(t *testing.T, f *fixture, query string, args ...any) {
	t.Helper()
	if strings.HasPrefix(query, "UPDATE events") {
		if _, err := f.store.db.Exec("DROP TRIGGER IF EXISTS events_no_update"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.store.db.Exec(query, args...); err != nil {
		t.Fatal(err)
	}
}

// Defect 4 of "Trust, checked from outside": an edit of a derived table
// made in SQLite without an event (a case's title or phase, a footage row's
// officer or device, a deleted custody row, a duplicated row) passed check.
// Now every derived table is compared with one rebuilt from the signed
// events, and the table and row are named.
func TestCheckFindsEditedDerivedTables(t *testing.T) {
	cases := []struct {
		name, query, table string
	}{
		{"case title", "UPDATE cases SET title = '已撤销' WHERE id = 'c-1'", "cases"},
		{"case phase", "UPDATE cases SET phase = 'execution' WHERE id = 'c-1'", "cases"},
		{"footage officer", "UPDATE footage SET officer = '999999' WHERE rowid = 1", "footage"},
		{"footage device", "UPDATE footage SET device_serial = 'OTHER' WHERE rowid = 2", "footage"},
		{"custody row deleted", "DELETE FROM custody WHERE rowid = 1", "custody"},
		{"custody row added", "INSERT INTO custody (digest, terminal, seq, type, actor, time) SELECT digest, terminal, seq + 100, type, actor, time FROM custody LIMIT 1", "custody"},
		{"officer added", "INSERT INTO officers (id, name, credential_no, agency, roles, public_key, enrolled_by, enrolled_at) SELECT 'o-x', '假', '', agency, roles, public_key, enrolled_by, enrolled_at FROM officers LIMIT 1", "officers"},
		{"step deleted", "DELETE FROM steps", "steps"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, _ := fixtureWithFootage(t)
			if r := checkReport(t, f); !r.OK() || !r.TablesCompared {
				t.Fatalf("clean store: %+v", r)
			}
			rawUpdate(t, f, c.query)
			r := checkReport(t, f)
			if r.OK() {
				t.Fatalf("%s: check passed an edited table", c.name)
			}
			for _, p := range r.Problems {
				if p.Item != "table "+c.table || !strings.Contains(p.Err.Error(), "row") {
					t.Errorf("unexpected problem %s", p)
				}
			}
		})
	}
}

// The replica check leaves no scratch folder behind, and a stale one a
// killed check left is removed by the next.
func TestCheckLeavesNoScratch(t *testing.T) {
	f, _ := fixtureWithFootage(t)
	if err := os.Mkdir(filepath.Join(f.dir, replicaPrefix+"stale"), 0o700); err != nil {
		t.Fatal(err)
	}
	checkReport(t, f)
	left, _ := filepath.Glob(filepath.Join(f.dir, replicaPrefix+"*"))
	if len(left) != 0 {
		t.Fatalf("scratch left: %v", left)
	}
}

// A terminal-key holder who writes a signed event straight into SQLite,
// past Append and its rules (here a case moved back from investigation to
// initiation, which phases never do), is found by check: the replay runs
// the same rules as Append.
func TestCheckFindsSignedEventTheRulesRefuse(t *testing.T) {
	f := newFixture(t)
	f.append(t, f.caseDrafts(1)...)
	ctx := context.Background()
	seq, prev, err := f.store.Head(ctx, f.terminal.ID())
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := json.Marshal(&casework.CasePhaseAdvanced{Case: "c-1", Phase: casework.PhaseInitiation})
	raw, err := evidence.EncodeBody(evidence.Body{Version: evidence.BodyVersion, Terminal: f.terminal.ID(), Seq: seq + 1, Prev: prev,
		Time: time.Date(2026, 11, 21, 9, 0, 0, 0, casework.Shanghai), Actor: f.admin, Type: casework.TypeCasePhaseAdvanced, Payload: payload})
	if err != nil {
		t.Fatal(err)
	}
	ev := evidence.Sign(raw, f.terminal)
	h := ev.Hash()
	rawUpdate(t, f, "INSERT INTO events (terminal, seq, hash, type, body, sig, cosigs) VALUES (?, ?, ?, ?, ?, ?, '[]')",
		f.terminal.ID(), seq+1, h[:], casework.TypeCasePhaseAdvanced, raw, ev.Sig)
	r := checkReport(t, f)
	if r.OK() || len(r.Problems) != 1 || !strings.Contains(r.Problems[0].Err.Error(), "the rules refuse it") {
		t.Fatalf("a signed event the rules refuse: %v", r.Problems)
	}
}
