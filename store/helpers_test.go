package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"lawtrail/assets"
	"lawtrail/casework"
	"lawtrail/evidence"
)

var testKDF = evidence.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}

// testConfig is the agency configuration of the tests: the bundled AV matters
// list and templates, and "note", a template with a single text field.
func testConfig(t testing.TB) *casework.Config {
	t.Helper()
	ts, err := casework.LoadTemplates(assets.Templates, "templates")
	if err != nil {
		t.Fatal(err)
	}
	note, err := casework.ParseTemplate("note.json", []byte(`{"version":1,"id":"note","name":"便笺","name_en":"Note",
		"sections":[{"title":"内容","fields":[{"key":"findings","label":"内容","type":"longtext","required":true}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	ts[note.ID] = note
	m, err := casework.ParseAVMatters(assets.AVMatters)
	if err != nil {
		t.Fatal(err)
	}
	return &casework.Config{Templates: ts, AVMatters: m}
}

// fixture is an initialised terminal in a temporary folder.
type fixture struct {
	dir      string
	store    *Store
	terminal evidence.KeyPair
	keys     *RecordKeys // the record's keys, derived from terminal
	admin    string
}

func newFixture(t testing.TB) *fixture { return newFixtureNamed(t, "采集站-1") }

// newFixtureNamed is a terminal of the same agency under another name.
func newFixtureNamed(t testing.TB, name string) *fixture {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	key, err := InitTerminal(ctx, dir, TerminalSetup{
		TerminalName: name, AgencyName: "某区市场监督管理局", OfficerID: "o-001", OfficerName: "张三",
		CredentialNo: "35010000001", Roles: []casework.Role{casework.RoleAdmin, casework.RoleOfficer},
		Passphrase: []byte("terminal pass"), PIN: []byte("123456"), KDF: testKDF, Rand: rand.Reader,
	})
	if err != nil {
		t.Fatal(err)
	}
	keys, err := DeriveRecordKeys(key)
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Date(2026, 11, 26, 9, 0, 0, 0, casework.Shanghai)
	s, err := Open(ctx, dir, Options{Now: func() time.Time { clock = clock.Add(time.Second); return clock }, Config: testConfig(t), Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return &fixture{dir: dir, store: s, terminal: key, keys: keys, admin: "o-001"}
}

func (f *fixture) append(t testing.TB, drafts ...Draft) []evidence.Event {
	t.Helper()
	evs, err := f.store.Append(context.Background(), f.terminal, drafts...)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// caseDrafts opens case n and records a step in it.
func (f *fixture) caseDrafts(n int) []Draft {
	start := time.Date(2026, 11, 20, 10, 0, 0, 0, casework.Shanghai)
	id := fmt.Sprintf("c-%d", n)
	return []Draft{
		{Actor: f.admin, Payload: &casework.CaseOpened{Case: id, Number: fmt.Sprintf("某市监罚〔2026〕%d号", n),
			Title: "无照经营", ActType: casework.ActPenalty, Agency: AgencyIDFromName("某区市场监督管理局")}},
		{Actor: f.admin, Payload: &casework.CasePhaseAdvanced{Case: id, Phase: casework.PhaseInvestigation}},
		{Actor: f.admin, Payload: &casework.StepRecorded{Step: id + "-s1", Case: id, Kind: casework.StepOnSiteInspection,
			Start: start, End: start.Add(40 * time.Minute), Officers: []string{f.admin}, Note: "现场检查"}},
	}
}

func (f *fixture) trusted(t testing.TB) *evidence.Keys {
	t.Helper()
	k, err := TrustedKeys(f.dir)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// dumpProjections renders every projection table, rows sorted, as text.
func dumpProjections(t testing.TB, db *sql.DB) string {
	t.Helper()
	var out strings.Builder
	for _, table := range projectionTables {
		rows, err := db.Query("SELECT * FROM " + table)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		var lines []string
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			lines = append(lines, fmt.Sprintf("%q", vals))
		}
		rows.Close()
		sort.Strings(lines)
		fmt.Fprintf(&out, "%s (%d)\n%s\n", table, len(lines), strings.Join(lines, "\n"))
	}
	return out.String()
}

func testTime(min int) time.Time {
	return time.Date(2026, 11, 20, 10, min, 0, 0, casework.Shanghai)
}

// footageDraft records a recorder file with content d of n bytes.
func footageDraft(clerk string, d evidence.Digest, n int64, path string) Draft {
	return Draft{Actor: clerk, Blobs: []evidence.Digest{d}, Payload: &casework.FootageIngested{
		Digest: d, SourceKey: casework.SourceKey{DeviceSerial: "DSJ0001", Path: path, Size: n,
			ModTime: time.Date(2026, 11, 20, 10, 30, 0, 0, casework.Shanghai)},
		Clerk: clerk, Station: "采集站-1"}}
}

// officerKey unseals the fixture admin's key (PIN 123456).
func (f *fixture) officerKey(t testing.TB) evidence.OfficerKey {
	t.Helper()
	sk, err := ReadSealedKey(OfficerKeyPath(f.dir, f.admin))
	if err != nil {
		t.Fatal(err)
	}
	k, err := sk.Unseal([]byte("123456"))
	if err != nil {
		t.Fatal(err)
	}
	return evidence.OfficerKey{Officer: f.admin, Key: k}
}

// insiderSQL runs SQL on the fixture's closed database as an insider who
// knows the passphrase would, with the record's key and none of the
// store's rules (the sqlite3 program cannot read a sealed file).
func (f *fixture) insiderSQL(t testing.TB, sql string) {
	t.Helper()
	db, err := openTerminalDB(context.Background(), filepath.Join(f.dir, DatabaseFile), &f.keys.Database)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(sql); err != nil {
		t.Fatalf("insider SQL %q: %v", sql, err)
	}
}
