package terminal_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"lawtrail/casework"
	"lawtrail/evidence"
	"lawtrail/store"
	"lawtrail/terminal"
	"lawtrail/terminal/terminaltest"
)

const liPIN = "246813"

// onsite is a 现场笔录 naming both officers present.
func onsite(officers string) map[string]json.RawMessage {
	raw := `{
 "doc_no": "示市监现〔2026〕1号", "start_time": "2026-11-20 10:15", "end_time": "2026-11-20 10:40", "place": "某路1号",
 "party": {"name": "某某食品店", "id_no": "91350100MA00000000", "address": "某路1号"},
 "officers": ` + officers + `,
 "recorder": "张三", "credential_shown": true, "rights_explained": true, "party_answer": "清楚，不申请回避",
 "findings": "店内存放无标签散装白酒三桶。", "av_note": "执法记录仪 DSJ1234 全程记录",
 "party_signature": {"signer": "王某", "strokes": [[0,0,10,10]]},
 "officer_signatures": {"signer": "张三", "strokes": [[0,0,5,5]]}}`
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		panic(err)
	}
	return m
}

const both = `[{"name": "张三", "id": "o-001", "credential": "35010000001"}, {"name": "李四", "id": "o-002", "credential": "35010000002"}]`

func eventCount(t *testing.T, f *terminaltest.Fixture) int {
	t.Helper()
	n, err := f.Terminal.Store().EventCount(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// wantRefused runs act and checks it fails with code, storing nothing.
func wantRefused(t *testing.T, f *terminaltest.Fixture, what, code string, act func() error) {
	t.Helper()
	before := eventCount(t, f)
	err := act()
	if got := terminal.Code(err); got != code {
		t.Errorf("%s: error %v (code %q), want code %q", what, err, got, code)
	}
	if after := eventCount(t, f); after != before {
		t.Errorf("%s: %d events stored by a refused act", what, after-before)
	}
}

// Two officers on site (行政处罚法 Art. 42): an admin enrolls 李四, a step
// with both present is co-signed by both PINs on the same terminal, and a
// 现场笔录 naming both is finalized only with both signatures.
func TestTwoOfficersCoSign(t *testing.T) {
	ctx := context.Background()
	f := terminaltest.New(t)
	f.Enroll(t, "o-002", "李四", "35010000002", liPIN, casework.RoleOfficer)
	c, err := f.Admin.OpenCase(ctx, terminal.NewCase{Number: "示市监罚〔2026〕1号", Title: "无照经营"})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 11, 20, 10, 15, 0, 0, casework.Shanghai)
	step := terminal.NewStep{Case: c.Case, Kind: casework.StepOnSiteInspection, Start: start, End: start.Add(25 * time.Minute),
		Officers: []string{"o-001", "o-002"}}
	wantRefused(t, f, "step without 李四's signature", terminal.CodeNotCoSigned, func() error {
		_, err := f.Admin.RecordStep(ctx, step)
		return err
	})
	step.Witnesses = []terminal.Witness{{Officer: "o-002", PIN: []byte("000000")}}
	wantRefused(t, f, "step with 李四's wrong PIN", terminal.CodeWrongPIN, func() error {
		_, err := f.Admin.RecordStep(ctx, step)
		return err
	})
	step.Witnesses[0].PIN = []byte(liPIN)
	st, err := f.Admin.RecordStep(ctx, step)
	if err != nil {
		t.Fatal(err)
	}
	var cosigners []string
	f.Terminal.Store().Events(ctx, func(se store.StoredEvent) error {
		if strings.Contains(string(se.Event.Body), st.Step) {
			for _, cs := range se.Event.CoSigs {
				cosigners = append(cosigners, cs.Officer)
			}
		}
		return nil
	})
	if strings.Join(cosigners, ",") != "o-001,o-002" {
		t.Fatalf("step co-signed by %v, want both officers", cosigners)
	}

	doc := terminal.DocumentDraft{Case: c.Case, Template: "onsite_record", Fields: onsite(both)}
	wantRefused(t, f, "现场笔录 without 李四's signature", terminal.CodeNotCoSigned, func() error {
		_, err := f.Admin.FinalizeDocument(ctx, doc, nil)
		return err
	})
	wrongCred := strings.Replace(both, "35010000002", "35019999999", 1)
	wantRefused(t, f, "现场笔录 with a credential number not 李四's", terminal.CodeRule, func() error {
		_, err := f.Admin.FinalizeDocument(ctx, terminal.DocumentDraft{Case: c.Case, Template: "onsite_record", Fields: onsite(wrongCred)},
			[]terminal.Witness{{Officer: "o-002", PIN: []byte(liPIN)}})
		return err
	})
	typed := `[{"name": "张三", "id": "o-001", "credential": "35010000001"}, {"name": "路人", "credential": "123"}]`
	wantRefused(t, f, "现场笔录 naming someone not enrolled", terminal.CodeRule, func() error {
		_, err := f.Admin.FinalizeDocument(ctx, terminal.DocumentDraft{Case: c.Case, Template: "onsite_record", Fields: onsite(typed)}, nil)
		return err
	})
	fin, err := f.Admin.FinalizeDocument(ctx, doc, []terminal.Witness{{Officer: "o-002", PIN: []byte(liPIN)}})
	if err != nil {
		t.Fatal(err)
	}
	if fin.Content.Version != 1 {
		t.Fatalf("version %d", fin.Content.Version)
	}
	rep, err := f.Terminal.Store().Check(ctx, mustTrusted(t, f))
	if err != nil || !rep.OK() {
		t.Fatalf("check: %v %v", rep.Problems, err)
	}
}

func mustTrusted(t *testing.T, f *terminaltest.Fixture) *evidence.Keys {
	t.Helper()
	k, err := store.TrustedKeys(f.Dir)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// Roles are checked at append for each act (L8: each act by the person
// entitled to it): an officer cannot enroll officers, a clerk cannot open a
// case, an expired credential stops enforcement acts, a mandatory-AV step
// (seizure) cannot be marked text-only.
func TestRolesRefused(t *testing.T) {
	ctx := context.Background()
	f := terminaltest.New(t)
	f.Enroll(t, "o-002", "李四", "35010000002", liPIN, casework.RoleOfficer)
	f.Enroll(t, "o-003", "赵六", "", "975310", casework.RoleClerk)
	if _, err := f.Admin.EnrollOfficer(ctx, terminal.NewOfficer{ID: "o-004", Name: "王五", CredentialNo: "35010000004",
		ValidUntil: "2026-11-19", Roles: []casework.Role{casework.RoleOfficer}, PIN: []byte("864200")}); err != nil {
		t.Fatal(err)
	}
	li := f.Login(t, "o-002", liPIN)
	wantRefused(t, f, "an officer enrolling an officer", terminal.CodeRole, func() error {
		_, err := li.EnrollOfficer(ctx, terminal.NewOfficer{ID: "o-009", Name: "周九", Roles: []casework.Role{casework.RoleOfficer}, PIN: []byte("111333")})
		return err
	})
	if _, err := os.Stat(store.OfficerKeyPath(f.Dir, "o-009")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused enrollment left a key file: %v", err)
	}
	clerk := f.Login(t, "o-003", "975310")
	wantRefused(t, f, "a clerk opening a case", terminal.CodeRole, func() error {
		_, err := clerk.OpenCase(ctx, terminal.NewCase{Number: "1", Title: "t"})
		return err
	})
	wang := f.Login(t, "o-004", "864200")
	wantRefused(t, f, "an expired credential opening a case", terminal.CodeCredentialExpired, func() error {
		_, err := wang.OpenCase(ctx, terminal.NewCase{Number: "1", Title: "t"})
		return err
	})
	c, err := li.OpenCase(ctx, terminal.NewCase{Number: "2", Title: "查封"})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 11, 20, 11, 0, 0, 0, casework.Shanghai)
	st, err := li.RecordStep(ctx, terminal.NewStep{Case: c.Case, Kind: casework.StepSeizure, Start: start, End: start.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	wantRefused(t, f, "text-only seizure", terminal.CodeRule, func() error { return li.MarkTextOnly(ctx, st.Step, "笔录已记录") })
	wantRefused(t, f, "a step naming the expired officer", terminal.CodeCredentialExpired, func() error {
		_, err := li.RecordStep(ctx, terminal.NewStep{Case: c.Case, Kind: casework.StepInterview, Start: start, End: start,
			Witnesses: []terminal.Witness{{Officer: "o-004", PIN: []byte("864200")}}})
		return err
	})
}

// A revoked officer can no longer log in or sign; their past signatures stay
// valid (check passes); an admin cannot revoke themselves.
func TestRevokedOfficer(t *testing.T) {
	ctx := context.Background()
	f := terminaltest.New(t)
	f.Enroll(t, "o-002", "李四", "35010000002", liPIN, casework.RoleOfficer)
	li := f.Login(t, "o-002", liPIN)
	c, err := li.OpenCase(ctx, terminal.NewCase{Number: "1", Title: "t"})
	if err != nil {
		t.Fatal(err)
	}
	wantRefused(t, f, "admin revoking themselves", terminal.CodeRule, func() error { return f.Admin.RevokeOfficer(ctx, "o-001", "x") })
	if err := f.Admin.RevokeOfficer(ctx, "o-002", "调离执法岗位"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Desk.Login(ctx, "o-002", []byte(liPIN)); terminal.Code(err) != terminal.CodeRevoked {
		t.Errorf("revoked login: %v", err)
	}
	wantRefused(t, f, "a session of the revoked officer acting", terminal.CodeRevoked, func() error {
		return li.AdvanceCase(ctx, c.Case, casework.PhaseInvestigation)
	})
	start := time.Date(2026, 11, 20, 11, 0, 0, 0, casework.Shanghai)
	wantRefused(t, f, "the revoked officer co-signing", terminal.CodeRevoked, func() error {
		_, err := f.Admin.RecordStep(ctx, terminal.NewStep{Case: c.Case, Kind: casework.StepInterview, Start: start, End: start,
			Witnesses: []terminal.Witness{{Officer: "o-002", PIN: []byte(liPIN)}}})
		return err
	})
	wantRefused(t, f, "revoked twice", terminal.CodeRule, func() error { return f.Admin.RevokeOfficer(ctx, "o-002", "x") })
	rep, err := f.Terminal.Store().Check(ctx, mustTrusted(t, f))
	if err != nil || !rep.OK() {
		t.Fatalf("check after revocation: %v %v", rep.Problems, err)
	}
}

// Five wrong PINs lock an officer for five minutes, and the lock survives a
// restart (a script cannot guess by starting a new process each time).
func TestPINLockoutSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	f := terminaltest.New(t)
	f.Enroll(t, "o-002", "李四", "35010000002", liPIN, casework.RoleOfficer)
	for i := 1; i < terminal.MaxPINFailures; i++ {
		_, err := f.Desk.Login(ctx, "o-002", []byte("000000"))
		var wrong *terminal.WrongPINError
		if !errors.As(err, &wrong) || wrong.Left != terminal.MaxPINFailures-i {
			t.Fatalf("wrong PIN %d: %v", i, err)
		}
	}
	f.Reopen(t)
	if _, err := f.Desk.Login(ctx, "o-002", []byte("000000")); terminal.Code(err) != terminal.CodeLocked {
		t.Fatalf("fifth wrong PIN after a restart: %v", err)
	}
	f.Reopen(t)
	if _, err := f.Desk.Login(ctx, "o-002", []byte(liPIN)); terminal.Code(err) != terminal.CodeLocked {
		t.Fatalf("right PIN while locked: %v", err)
	}
	f.Clock.T = f.Clock.T.Add(terminal.PINLockFor)
	if _, err := f.Desk.Login(ctx, "o-002", []byte(liPIN)); err != nil {
		t.Fatalf("right PIN after the lock: %v", err)
	}
}

// An officer changes their own PIN; the key stays, the old PIN stops working.
func TestChangePIN(t *testing.T) {
	ctx := context.Background()
	f := terminaltest.New(t)
	f.Enroll(t, "o-002", "李四", "35010000002", liPIN, casework.RoleOfficer)
	before := f.Login(t, "o-002", liPIN).OfficerKey().Public
	if err := f.Desk.ChangePIN(ctx, "o-002", []byte(liPIN), []byte("12345")); terminal.Code(err) != terminal.CodeSecrets {
		t.Errorf("a five-digit PIN: %v", err)
	}
	if err := f.Desk.ChangePIN(ctx, "o-002", []byte(liPIN), []byte("975311")); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Desk.Login(ctx, "o-002", []byte(liPIN)); terminal.Code(err) != terminal.CodeWrongPIN {
		t.Errorf("old PIN after the change: %v", err)
	}
	if after := f.Login(t, "o-002", "975311").OfficerKey().Public; !after.Equal(before) {
		t.Error("changing the PIN changed the key")
	}
}
