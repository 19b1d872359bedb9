package store

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"lawtrail/casework"
	"lawtrail/evidence"
)

func TestInitTerminalWritesFirstEventsAndRefusesTwice(t *testing.T) {
	f := newFixture(t)
	var types []string
	err := f.store.Events(context.Background(), func(se StoredEvent) error {
		b, err := evidence.ParseBody(se.Event.Body)
		types = append(types, b.Type)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{casework.TypeTerminalInitialized, casework.TypeOfficerEnrolled, casework.TypeAgencyRegistered}
	if len(types) != 3 || types[0] != want[0] || types[1] != want[1] || types[2] != want[2] {
		t.Fatalf("first events %v, want %v", types, want)
	}
	_, err = InitTerminal(context.Background(), f.dir, TerminalSetup{})
	if !errors.Is(err, ErrInitialized) {
		t.Fatalf("second init: got %v, want ErrInitialized", err)
	}
	if _, err := UnlockTerminal(f.dir, []byte("wrong")); !errors.Is(err, evidence.ErrWrongPassphrase) {
		t.Fatalf("unlock with wrong passphrase: %v", err)
	}
	k, err := UnlockTerminal(f.dir, []byte("terminal pass"))
	if err != nil || !k.Public.Equal(f.terminal.Public) {
		t.Fatalf("unlock: %v", err)
	}
}

// R1: every change is an append-only signed event in a gapless hash chain.
func TestR1AppendBuildsGaplessSignedChain(t *testing.T) {
	f := newFixture(t)
	for i := 1; i <= 5; i++ {
		f.append(t, f.caseDrafts(i)...)
	}
	var evs []evidence.Event
	var seqs []uint64
	if err := f.store.Events(context.Background(), func(se StoredEvent) error {
		evs = append(evs, se.Event)
		seqs = append(seqs, se.Seq)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(evs) != 3+5*3 {
		t.Fatalf("%d events, want 18", len(evs))
	}
	for i, s := range seqs {
		if s != uint64(i+1) {
			t.Fatalf("seq %d at position %d", s, i)
		}
	}
	keys := f.trusted(t)
	keys.AddOfficer("o-001", mustOfficerPub(t, f))
	if err := evidence.VerifyChain(evs, keys); err != nil {
		t.Fatal(err)
	}
	seq, head, err := f.store.Head(context.Background(), f.terminal.ID())
	if err != nil || seq != 18 || head != evs[17].Hash() {
		t.Fatalf("head %d %s %v", seq, head, err)
	}
}

func mustOfficerPub(t *testing.T, f *fixture) []byte {
	sk, err := ReadSealedKey(OfficerKeyPath(f.dir, "o-001"))
	if err != nil {
		t.Fatal(err)
	}
	return sk.Public
}

// A batch is one transaction: a refused draft in the middle leaves nothing.
func TestAppendBatchIsAllOrNothing(t *testing.T) {
	f := newFixture(t)
	before := dumpProjections(t, f.store.db)
	drafts := f.caseDrafts(1)
	drafts = append(drafts, Draft{Actor: f.admin, Payload: &casework.CasePhaseAdvanced{Case: "c-1", Phase: casework.PhaseInitiation}})
	_, err := f.store.Append(context.Background(), f.terminal, drafts...)
	if !errors.Is(err, casework.ErrRule) {
		t.Fatalf("got %v, want a rule refusal", err)
	}
	if after := dumpProjections(t, f.store.db); after != before {
		t.Fatalf("a refused batch changed projections:\n%s", after)
	}
	if seq, _, _ := f.store.Head(context.Background(), f.terminal.ID()); seq != 3 {
		t.Fatalf("head at %d after a refused batch, want 3", seq)
	}
	f.append(t, f.caseDrafts(1)...) // and the sequence continues without a gap
	if seq, _, _ := f.store.Head(context.Background(), f.terminal.ID()); seq != 6 {
		t.Fatalf("head at %d, want 6", seq)
	}
}

func TestAppendRefusals(t *testing.T) {
	f := newFixture(t)
	f.append(t, f.caseDrafts(1)...)
	stranger, _ := evidence.GenerateKeyPair(nil)
	cases := []struct {
		name  string
		key   evidence.KeyPair
		draft Draft
		want  error
	}{
		{"step in unknown case", f.terminal, Draft{Actor: f.admin, Payload: &casework.StepRecorded{Step: "s9", Case: "c-404",
			Kind: casework.StepInterview, Start: testTime(0), End: testTime(10), Officers: []string{f.admin}}}, casework.ErrRule},
		{"phase goes back", f.terminal, Draft{Actor: f.admin, Payload: &casework.CasePhaseAdvanced{Case: "c-1", Phase: casework.PhaseInitiation}}, casework.ErrRule},
		{"unknown actor", f.terminal, Draft{Actor: "o-404", Payload: &casework.CaseOpened{Case: "c-2", Number: "2", Title: "t",
			ActType: casework.ActInspection, Agency: "a1"}}, casework.ErrRule},
		{"no actor", f.terminal, Draft{Payload: &casework.CaseOpened{Case: "c-2", Number: "2", Title: "t",
			ActType: casework.ActInspection, Agency: "a1"}}, casework.ErrRule},
		{"case opened twice", f.terminal, f.caseDrafts(1)[0], casework.ErrRule},
		{"other terminal key", stranger, f.caseDrafts(2)[0], ErrNotYours},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.store.Append(context.Background(), tc.key, tc.draft)
			if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
	if seq, _, _ := f.store.Head(context.Background(), f.terminal.ID()); seq != 6 {
		t.Fatalf("refusals moved the head to %d", seq)
	}
}

func TestEventsTableRefusesUpdateAndDelete(t *testing.T) {
	f := newFixture(t)
	if _, err := f.store.db.Exec("UPDATE events SET type = 'x' WHERE seq = 1"); err == nil {
		t.Fatal("UPDATE of an event succeeded")
	}
	if _, err := f.store.db.Exec("DELETE FROM events WHERE seq = 1"); err == nil {
		t.Fatal("DELETE of an event succeeded")
	}
}

// Projections rebuilt from the log equal those maintained event by event.
func TestRebuildEqualsIncrementalProjection(t *testing.T) {
	f := newFixture(t)
	for i := 1; i <= 4; i++ {
		f.append(t, f.caseDrafts(i)...)
	}
	blob := evidence.Sum([]byte("footage-1"))
	fd := footageDraft(f.admin, blob, 9, "DCIM/100MEDIA/20261120_100000.MP4")
	fd.Payload.(*casework.FootageIngested).Start = testTime(0)
	fd.Payload.(*casework.FootageIngested).End = testTime(30)
	f.append(t, fd)
	f.append(t, footageDraft(f.admin, blob, 9, "DCIM/100MEDIA/same content, other name.MP4"))
	f.append(t, Draft{Actor: f.admin, Payload: &casework.FootageCleared{Digest: blob, Policy: "after-local-verify",
		SourceKey: fd.Payload.(*casework.FootageIngested).SourceKey}})
	content := casework.DocumentContent{Doc: "d-1", Case: "c-1", Template: "note", TemplateVersion: 1, Version: 1,
		Fields: map[string]json.RawMessage{"findings": json.RawMessage(`"现场检查"`)}}
	f.append(t, Draft{Actor: f.admin, Payload: &casework.DocDrafted{DocumentContent: content}})
	h, _ := content.Hash()
	if _, err := f.store.Append(context.Background(), f.terminal, Draft{Actor: f.admin, Payload: &casework.DocFinalized{DocumentContent: content, ContentHash: h}}); !errors.Is(err, casework.ErrRule) {
		t.Fatalf("a finalized document without the officer's co-signature: %v", err)
	}
	cosign := []evidence.OfficerKey{f.officerKey(t)}
	f.append(t, Draft{Actor: f.admin, Payload: &casework.DocFinalized{DocumentContent: content, ContentHash: h}, CoSigners: cosign})
	if _, err := f.store.Append(context.Background(), f.terminal, Draft{Actor: f.admin, Payload: &casework.DocFinalized{DocumentContent: content, ContentHash: h}, CoSigners: cosign}); !errors.Is(err, casework.ErrRule) {
		t.Fatalf("a second version 1: %v", err)
	}
	incremental := dumpProjections(t, f.store.db)
	if err := f.store.RebuildProjections(context.Background()); err != nil {
		t.Fatal(err)
	}
	if rebuilt := dumpProjections(t, f.store.db); rebuilt != incremental {
		t.Fatalf("rebuild differs:\nincremental:\n%s\nrebuilt:\n%s", incremental, rebuilt)
	}
	if got := countRows(t, f, "custody"); got != 2 {
		t.Fatalf("custody rows %d, want 2", got)
	}
	if got := countRows(t, f, "footage_sources"); got != 2 {
		t.Fatalf("footage sources %d, want 2", got)
	}
}

func countRows(t *testing.T, f *fixture, table string) int {
	var n int
	if err := f.store.db.QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// An init cut off after its events but before its key file refuses a
// second init instead of starting another chain beside the first.
func TestInterruptedInitIsNotRepeated(t *testing.T) {
	f := newFixture(t)
	if err := os.Remove(TerminalKeyPath(f.dir)); err != nil {
		t.Fatal(err)
	}
	_, err := InitTerminal(context.Background(), f.dir, TerminalSetup{
		TerminalName: "t", AgencyName: "a", OfficerID: "o-9", OfficerName: "x", Roles: []casework.Role{casework.RoleAdmin},
		Passphrase: []byte("terminal pass"), PIN: []byte("123456"), KDF: testKDF, Rand: rand.Reader})
	if !errors.Is(err, ErrInitialized) {
		t.Fatalf("got %v, want ErrInitialized", err)
	}
}

// Recorder clocks are corrected by the offset taken at docking: minutes
// fast, and a recorder reset to 2000-01-01 (years behind).
func TestFootageWindowsCorrectClockOffsets(t *testing.T) {
	f := newFixture(t)
	truth := time.Date(2026, 11, 20, 10, 0, 0, 0, casework.Shanghai)
	cases := []struct {
		name     string
		recorder time.Time // what the recorder's clock said at the true start
	}{
		{"three minutes fast", truth.Add(3 * time.Minute)},
		{"reset to 2000-01-01", time.Date(2000, 1, 1, 8, 0, 0, 0, casework.Shanghai)},
	}
	for i, tc := range cases {
		d := evidence.Sum([]byte(tc.name))
		fd := footageDraft(f.admin, d, 10, fmt.Sprintf("DCIM/%d.MP4", i))
		p := fd.Payload.(*casework.FootageIngested)
		p.Start, p.End = tc.recorder, tc.recorder.Add(20*time.Minute)
		p.ClockOffset, p.ClockKnown = tc.recorder.Sub(truth), true
		f.append(t, fd)
	}
	ws, err := f.store.FootageWindows(context.Background())
	if err != nil || len(ws) != 2 {
		t.Fatalf("%v %v", ws, err)
	}
	for _, w := range ws {
		if !w.Start.Equal(truth) || !w.End.Equal(truth.Add(20*time.Minute)) {
			t.Errorf("corrected span %s–%s, want %s–", w.Start, w.End, truth)
		}
	}
}

// R3c: a step may be marked text-only with a reason; the mark shows on the step.
func TestR3cTextOnlyStep(t *testing.T) {
	f := newFixture(t)
	f.append(t, f.caseDrafts(1)...)
	if _, err := f.store.Append(context.Background(), f.terminal, Draft{Actor: f.admin, Payload: &casework.StepTextOnly{Step: "c-1-s1"}}); err == nil {
		t.Fatal("text-only without a reason accepted")
	}
	if _, err := f.store.Append(context.Background(), f.terminal, Draft{Actor: f.admin, Payload: &casework.StepTextOnly{Step: "nope", Reason: "r"}}); !errors.Is(err, casework.ErrRule) {
		t.Fatalf("text-only of an unknown step: %v", err)
	}
	f.append(t, Draft{Actor: f.admin, Payload: &casework.StepTextOnly{Step: "c-1-s1", Reason: "当事人书面确认，笔录已完整记录"}})
	steps, err := f.store.Steps(context.Background(), "c-1")
	if err != nil || len(steps) != 1 || steps[0].TextOnly == "" {
		t.Fatalf("steps %+v %v", steps, err)
	}
}
