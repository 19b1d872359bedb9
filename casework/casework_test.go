package casework

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"lawtrail/evidence"
)

func TestParseRoles(t *testing.T) {
	got, err := ParseRoles(" admin, officer ,admin")
	if err != nil || len(got) != 2 || got[0] != RoleAdmin || got[1] != RoleOfficer {
		t.Fatalf("ParseRoles: %v %v", got, err)
	}
	for _, bad := range []string{"", ",", "root", "admin,superuser"} {
		if _, err := ParseRoles(bad); err == nil {
			t.Errorf("ParseRoles(%q) accepted", bad)
		}
	}
}

// R1: a case moves forward through 启动 → 调查取证 → 审核决定 → 送达执行, never back.
func TestR1PhasesOnlyMoveForward(t *testing.T) {
	ok := [][2]Phase{{PhaseInitiation, PhaseInvestigation}, {PhaseInvestigation, PhaseDecision},
		{PhaseDecision, PhaseExecution}, {PhaseInitiation, PhaseExecution}}
	for _, p := range ok {
		if err := CheckAdvance(p[0], p[1]); err != nil {
			t.Errorf("%s → %s refused: %v", p[0], p[1], err)
		}
	}
	bad := [][2]Phase{{PhaseDecision, PhaseInvestigation}, {PhaseDecision, PhaseDecision},
		{PhaseInitiation, "closed"}, {"draft", PhaseDecision}}
	for _, p := range bad {
		if err := CheckAdvance(p[0], p[1]); err == nil {
			t.Errorf("%s → %s allowed", p[0], p[1])
		}
	}
}

func TestEveryStepKindHasAPhase(t *testing.T) {
	for k := range stepPhase {
		if p, err := PhaseOf(k); err != nil || p == "" {
			t.Errorf("%s: %v", k, err)
		}
	}
	if _, err := PhaseOf("karaoke"); err == nil {
		t.Error("unknown step kind accepted")
	}
}

func TestDecodeRejectsBadPayloads(t *testing.T) {
	key := strings.Repeat("A", 43) + "=" // 32 bytes in base64
	cases := map[string]struct{ typ, raw string }{
		"unknown type":         {"case.deleted", `{}`},
		"unknown field":        {TypeCaseOpened, `{"case":"c1","number":"1","title":"t","act_type":"penalty","agency":"a","x":1}`},
		"bad act type":         {TypeCaseOpened, `{"case":"c1","number":"1","title":"t","act_type":"arrest","agency":"a"}`},
		"id with slash":        {TypeCaseOpened, `{"case":"../c1","number":"1","title":"t","act_type":"penalty","agency":"a"}`},
		"title with newline":   {TypeCaseOpened, `{"case":"c1","number":"1","title":"a\nb","act_type":"penalty","agency":"a"}`},
		"empty title":          {TypeCaseOpened, `{"case":"c1","number":"1","title":"  ","act_type":"penalty","agency":"a"}`},
		"short officer key":    {TypeOfficerEnrolled, `{"officer":"o1","name":"张三","agency":"a","roles":["admin"],"public_key":"AAAA"}`},
		"no roles":             {TypeOfficerEnrolled, `{"officer":"o1","name":"张三","agency":"a","roles":[],"public_key":"` + key + `"}`},
		"unknown role":         {TypeOfficerEnrolled, `{"officer":"o1","name":"张三","agency":"a","roles":["god"],"public_key":"` + key + `"}`},
		"step ends first":      {TypeStepRecorded, `{"step":"s","case":"c","kind":"interview","start":"2026-01-02T10:00:00+08:00","end":"2026-01-02T09:00:00+08:00","officers":["o1"]}`},
		"step without times":   {TypeStepRecorded, `{"step":"s","case":"c","kind":"interview","officers":["o1"]}`},
		"step no officer":      {TypeStepRecorded, `{"step":"s","case":"c","kind":"interview","start":"2026-01-02T10:00:00+08:00","end":"2026-01-02T11:00:00+08:00","officers":[]}`},
		"step unknown kind":    {TypeStepRecorded, `{"step":"s","case":"c","kind":"party","start":"2026-01-02T10:00:00+08:00","end":"2026-01-02T11:00:00+08:00","officers":["o1"]}`},
		"footage no digest":    {TypeFootageIngested, `{"size":1,"device_serial":"D","original_path":"a","clerk":"o1","station":"s","clock_offset_ns":0}`},
		"footage negative":     {TypeFootageIngested, `{"digest":"` + evidence.Sum(nil).String() + `","size":-1,"device_serial":"D","original_path":"a","clerk":"o1","station":"s","clock_offset_ns":0}`},
		"not an object":        {TypeAgencyRegistered, `[]`},
		"agency name too long": {TypeAgencyRegistered, `{"agency":"a","name":"` + strings.Repeat("局", 201) + `"}`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := Decode(tc.typ, json.RawMessage(tc.raw)); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func TestDecodeRoundTrip(t *testing.T) {
	start := time.Date(2026, 11, 20, 10, 0, 0, 0, Shanghai)
	in := &StepRecorded{Step: "s1", Case: "c1", Kind: StepSeizure, Start: start, End: start.Add(time.Hour), Officers: []string{"o1", "o2"}, Note: "查封仓库"}
	raw, _ := json.Marshal(in)
	p, err := Decode(TypeStepRecorded, raw)
	if err != nil {
		t.Fatal(err)
	}
	got := p.(*StepRecorded)
	if got.Step != "s1" || !got.End.Equal(in.End) || len(got.Officers) != 2 || got.Note != "查封仓库" {
		t.Fatalf("round trip: %+v", got)
	}
}

// memState is an in-memory State for the rule tests.
type memState struct {
	officers map[string]Officer
	cases    map[string]Case
	steps    map[string]bool
	sources  map[string]SourceRecord
}

func (m *memState) Officer(_ context.Context, id string) (Officer, bool, error) {
	o, ok := m.officers[id]
	return o, ok, nil
}
func (m *memState) OfficerCount(context.Context) (int, error) { return len(m.officers), nil }
func (m *memState) Case(_ context.Context, id string) (Case, bool, error) {
	c, ok := m.cases[id]
	return c, ok, nil
}
func (m *memState) StepExists(_ context.Context, id string) (bool, error) { return m.steps[id], nil }
func (m *memState) Document(context.Context, string) (DocumentRecord, bool, error) {
	return DocumentRecord{}, false, nil
}

func (m *memState) FootageExists(_ context.Context, d string) (bool, error) { return false, nil }

func (m *memState) SourceFile(_ context.Context, k SourceKey) (SourceRecord, bool, error) {
	r, ok := m.sources[k.DeviceSerial+"|"+k.RawPath()]
	return r, ok, nil
}

// L8: every act names an enrolled officer; only an admin enrolls officers.
func TestL8RulesOnActors(t *testing.T) {
	ctx := context.Background()
	empty := &memState{officers: map[string]Officer{}}
	first := &OfficerEnrolled{Officer: "o1", Name: "张三", Agency: "a", Roles: []Role{RoleAdmin}, PublicKey: make([]byte, 32)}
	if err := CheckRules(ctx, empty, "o1", first); err != nil {
		t.Fatalf("first admin enrolling themselves: %v", err)
	}
	if err := CheckRules(ctx, empty, "o2", first); !errors.Is(err, ErrRule) {
		t.Fatalf("first officer enrolled by someone else: %v", err)
	}
	notAdmin := *first
	notAdmin.Roles = []Role{RoleOfficer}
	if err := CheckRules(ctx, empty, "o1", &notAdmin); !errors.Is(err, ErrRule) {
		t.Fatalf("first officer without admin role: %v", err)
	}

	st := &memState{
		officers: map[string]Officer{"o1": {ID: "o1", Roles: []Role{RoleAdmin}}, "o2": {ID: "o2", Roles: []Role{RoleOfficer}}},
		cases:    map[string]Case{"c1": {ID: "c1", Phase: PhaseDecision}},
		steps:    map[string]bool{"s1": true},
		sources:  map[string]SourceRecord{},
	}
	next := &OfficerEnrolled{Officer: "o3", Name: "李四", Agency: "a", Roles: []Role{RoleOfficer}, PublicKey: make([]byte, 32)}
	start := time.Date(2026, 11, 20, 10, 0, 0, 0, Shanghai)
	step := func(id, c string, officers ...string) *StepRecorded {
		return &StepRecorded{Step: id, Case: c, Kind: StepInterview, Start: start, End: start, Officers: officers}
	}
	cases := []struct {
		name  string
		actor string
		p     Payload
		ok    bool
	}{
		{"admin enrolls", "o1", next, true},
		{"officer enrolls", "o2", next, false},
		{"enrolled twice", "o1", &OfficerEnrolled{Officer: "o2", Name: "x", Agency: "a", Roles: []Role{RoleOfficer}, PublicKey: make([]byte, 32)}, false},
		{"stranger opens a case", "o9", &CaseOpened{Case: "c2"}, false},
		{"officer opens a case", "o2", &CaseOpened{Case: "c2"}, true},
		{"case opened twice", "o2", &CaseOpened{Case: "c1"}, false},
		{"phase forward", "o2", &CasePhaseAdvanced{Case: "c1", Phase: PhaseExecution}, true},
		{"phase back", "o2", &CasePhaseAdvanced{Case: "c1", Phase: PhaseInvestigation}, false},
		{"phase of unknown case", "o2", &CasePhaseAdvanced{Case: "c9", Phase: PhaseExecution}, false},
		{"step", "o2", step("s2", "c1", "o1", "o2"), true},
		{"step twice", "o2", step("s1", "c1", "o2"), false},
		{"step in unknown case", "o2", step("s3", "c9", "o2"), false},
		{"step with unknown officer", "o2", step("s4", "c1", "o2", "o9"), false},
	}
	for _, tc := range cases {
		err := CheckRules(ctx, st, tc.actor, tc.p)
		if tc.ok && err != nil {
			t.Errorf("%s: refused: %v", tc.name, err)
		}
		if !tc.ok && !errors.Is(err, ErrRule) {
			t.Errorf("%s: got %v, want a rule refusal", tc.name, err)
		}
	}
}

// R3: footage is suggested for a step by time overlap, the step's own
// officers' recordings first.
func TestR3SuggestFootageByOverlap(t *testing.T) {
	at := func(h, m int) time.Time { return time.Date(2026, 11, 20, h, m, 0, 0, Shanghai) }
	d := func(s string) evidence.Digest { return evidence.Sum([]byte(s)) }
	spans := []FootageSpan{
		{Digest: d("before"), Officer: "o1", Start: at(8, 0), End: at(9, 0)},
		{Digest: d("other officer, long"), Officer: "o9", Start: at(10, 0), End: at(11, 0)},
		{Digest: d("own, short"), Officer: "o1", Start: at(10, 50), End: at(11, 30)},
		{Digest: d("own, long"), Officer: "o2", Start: at(9, 55), End: at(10, 40)},
	}
	got := SuggestFootage(at(10, 0), at(11, 0), []string{"o1", "o2"}, spans)
	if len(got) != 3 || got[0].Digest != d("own, long") || got[1].Digest != d("own, short") || got[2].OfficerMatch {
		t.Fatalf("suggestions %+v", got)
	}
	if got[0].Overlap != 40*time.Minute {
		t.Fatalf("overlap %v", got[0].Overlap)
	}
}
