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
	here     map[string]bool // officers with a key on this terminal
	cases    map[string]Case
	steps    map[string]StepInfo
	sources  map[string]SourceRecord
	config   *Config
	// legal review (review_test.go)
	decisions    map[string]Decision     // by case
	reviews      map[string]ReviewRecord // by case
	participants map[string][]string     // by case
	docs         map[string]DocumentRecord
}

func (m *memState) Officer(_ context.Context, id string) (Officer, bool, error) {
	o, ok := m.officers[id]
	return o, ok, nil
}
func (m *memState) OfficerCount(context.Context) (int, error) { return len(m.officers), nil }
func (m *memState) EnrolledHere(_ context.Context, id string) (bool, error) {
	return m.here[id], nil
}
func (m *memState) Case(_ context.Context, id string) (Case, bool, error) {
	c, ok := m.cases[id]
	return c, ok, nil
}
func (m *memState) Step(_ context.Context, id string) (StepInfo, bool, error) {
	s, ok := m.steps[id]
	return s, ok, nil
}
func (m *memState) Document(_ context.Context, id string) (DocumentRecord, bool, error) {
	d, ok := m.docs[id]
	return d, ok, nil
}

func (m *memState) Decision(_ context.Context, c string) (Decision, bool, error) {
	d, ok := m.decisions[c]
	return d, ok, nil
}

func (m *memState) Review(_ context.Context, id string) (ReviewRecord, bool, error) {
	for _, r := range m.reviews {
		if r.ID == id {
			return r, true, nil
		}
	}
	return ReviewRecord{}, false, nil
}

func (m *memState) CaseReview(_ context.Context, c string) (ReviewRecord, bool, error) {
	r, ok := m.reviews[c]
	return r, ok, nil
}

func (m *memState) CaseParticipants(_ context.Context, c string) ([]string, error) {
	return m.participants[c], nil
}

func (m *memState) FootageExists(_ context.Context, d string) (bool, error) { return false, nil }

func (m *memState) SourceFile(_ context.Context, k SourceKey) (SourceRecord, bool, error) {
	r, ok := m.sources[k.DeviceSerial+"|"+k.RawPath()]
	return r, ok, nil
}

func (m *memState) Config() *Config { return m.config }

// L8 (each act by the person acting, within their role): every act names an
// enrolled, unrevoked officer whose roles allow it; only an admin enrolls,
// revokes and changes roles; enforcement acts need a valid credential; an
// officer named present co-signs.
func TestL8RulesOnActors(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, Shanghai)
	act := func(actor string, p Payload, cosigners ...string) Act {
		return Act{Actor: actor, At: now, CoSigners: cosigners, Payload: p}
	}
	empty := &memState{officers: map[string]Officer{}}
	first := &OfficerEnrolled{Officer: "o1", Name: "张三", Agency: "a", Roles: []Role{RoleAdmin}, PublicKey: make([]byte, 32)}
	if err := CheckRules(ctx, empty, act("o1", first)); err != nil {
		t.Fatalf("first admin enrolling themselves: %v", err)
	}
	if err := CheckRules(ctx, empty, act("o2", first)); !errors.Is(err, ErrRule) {
		t.Fatalf("first officer enrolled by someone else: %v", err)
	}
	notAdmin := *first
	notAdmin.Roles = []Role{RoleOfficer}
	if err := CheckRules(ctx, empty, act("o1", &notAdmin)); !errors.Is(err, ErrRule) {
		t.Fatalf("first officer without admin role: %v", err)
	}

	matters := AVMatters{Mandatory: []StepKind{StepSeizure}}
	st := &memState{
		officers: map[string]Officer{
			"o1": {ID: "o1", Name: "张三", Agency: "a", Roles: []Role{RoleAdmin, RoleOfficer}, CredentialNo: "1"},
			"o2": {ID: "o2", Name: "李四", Agency: "a", Roles: []Role{RoleOfficer}, CredentialNo: "2", ValidUntil: "2026-11-20"},
			"o3": {ID: "o3", Name: "王五", Agency: "a", Roles: []Role{RoleOfficer}, CredentialNo: "3", ValidUntil: "2026-11-19"},
			"o4": {ID: "o4", Name: "赵六", Agency: "a", Roles: []Role{RoleClerk}},
			"o5": {ID: "o5", Name: "钱七", Agency: "a", Roles: []Role{RoleOfficer}, CredentialNo: "5", Revoked: true, RevokeReason: "离职"},
			"o6": {ID: "o6", Name: "孙八", Agency: "a", Roles: []Role{RoleOfficer}},
		},
		here:    map[string]bool{"o1": true, "o2": true},
		cases:   map[string]Case{"c1": {ID: "c1", Phase: PhaseDecision}},
		steps:   map[string]StepInfo{"s1": {Case: "c1", Kind: StepInterview}, "sz": {Case: "c1", Kind: StepSeizure}},
		sources: map[string]SourceRecord{},
		config:  &Config{AVMatters: matters},
	}
	enroll := func(id, name string) *OfficerEnrolled {
		return &OfficerEnrolled{Officer: id, Name: name, Agency: "a", Roles: []Role{RoleOfficer}, PublicKey: make([]byte, 32)}
	}
	step := func(id, c string, officers ...string) *StepRecorded {
		return &StepRecorded{Step: id, Case: c, Kind: StepInterview, Start: now, End: now, Officers: officers}
	}
	cases := []struct {
		name string
		a    Act
		ok   bool
	}{
		{"admin enrolls", act("o1", enroll("o9", "周九")), true},
		{"officer enrolls an officer", act("o2", enroll("o9", "周九")), false},
		{"enrolled twice on this terminal", act("o1", enroll("o2", "李四")), false},
		{"known from another terminal, enrolled here", act("o1", enroll("o3", "王五")), true},
		{"known under another name", act("o1", enroll("o3", "王五五")), false},
		{"revoked officer enrolled again", act("o1", enroll("o5", "钱七")), false},
		{"stranger opens a case", act("o99", &CaseOpened{Case: "c2"}), false},
		{"officer opens a case", act("o2", &CaseOpened{Case: "c2"}), true},
		{"clerk opens a case", act("o4", &CaseOpened{Case: "c2"}), false},
		{"expired credential opens a case", act("o3", &CaseOpened{Case: "c2"}), false},
		{"no credential opens a case", act("o6", &CaseOpened{Case: "c2"}), false},
		{"revoked officer opens a case", act("o5", &CaseOpened{Case: "c2"}), false},
		{"case opened twice", act("o2", &CaseOpened{Case: "c1"}), false},
		{"phase forward", act("o2", &CasePhaseAdvanced{Case: "c1", Phase: PhaseExecution}), true},
		{"phase back", act("o2", &CasePhaseAdvanced{Case: "c1", Phase: PhaseInvestigation}), false},
		{"phase of unknown case", act("o2", &CasePhaseAdvanced{Case: "c9", Phase: PhaseExecution}), false},
		{"step co-signed by the other officer", act("o2", step("s2", "c1", "o1", "o2"), "o1"), true},
		{"step without the other's co-signature", act("o2", step("s2", "c1", "o1", "o2")), false},
		{"step naming an expired officer", act("o2", step("s2", "c1", "o3", "o2"), "o3"), false},
		{"step naming a revoked officer", act("o2", step("s2", "c1", "o5", "o2"), "o5"), false},
		{"step naming a clerk", act("o2", step("s2", "c1", "o4", "o2"), "o4"), false},
		{"step naming one officer twice", act("o2", step("s2", "c1", "o2", "o2")), false},
		{"step twice", act("o2", step("s1", "c1", "o2")), false},
		{"step in unknown case", act("o2", step("s3", "c9", "o2")), false},
		{"step with unknown officer", act("o2", step("s4", "c1", "o2", "o99"), "o99"), false},
		{"text-only interview", act("o2", &StepTextOnly{Step: "s1", Reason: "r"}), true},
		{"text-only seizure (must be on AV)", act("o2", &StepTextOnly{Step: "sz", Reason: "r"}), false},
		{"admin revokes", act("o1", &OfficerRevoked{Officer: "o2", Reason: "调离"}), true},
		{"officer revokes", act("o2", &OfficerRevoked{Officer: "o3", Reason: "x"}), false},
		{"admin revokes themselves", act("o1", &OfficerRevoked{Officer: "o1", Reason: "x"}), false},
		{"revoked twice", act("o1", &OfficerRevoked{Officer: "o5", Reason: "x"}), false},
		{"roles changed", act("o1", &OfficerRolesChanged{Officer: "o2", Roles: []Role{RoleReviewer}}), true},
		{"admin drops own admin role", act("o1", &OfficerRolesChanged{Officer: "o1", Roles: []Role{RoleOfficer}}), false},
		{"clerk docks", act("o4", &FootageIngested{}), true},
		{"clerk exports", act("o4", &CaseExported{Case: "c1"}), true},
		{"unknown type", act("o1", strangePayload{}), false},
	}
	for _, tc := range cases {
		err := CheckRules(ctx, st, tc.a)
		if tc.ok && err != nil {
			t.Errorf("%s: refused: %v", tc.name, err)
		}
		if !tc.ok && !errors.Is(err, ErrRule) {
			t.Errorf("%s: got %v, want a rule refusal", tc.name, err)
		}
	}
	if err := CheckRules(ctx, st, act("o3", &CaseOpened{Case: "c2"})); !errors.Is(err, ErrCredentialExpired) {
		t.Errorf("expired credential: %v, want ErrCredentialExpired", err)
	}
	if err := CheckRules(ctx, st, Act{Actor: "o3", At: now.Add(-24 * time.Hour), Payload: &CaseOpened{Case: "c2"}}); err != nil {
		t.Errorf("the credential's last day is still valid: %v", err)
	}
	if err := CheckRules(ctx, st, act("o5", &CaseOpened{Case: "c2"})); !errors.Is(err, ErrRevoked) {
		t.Errorf("revoked: %v, want ErrRevoked", err)
	}
	if err := CheckRules(ctx, st, act("o4", &CaseOpened{Case: "c2"})); !errors.Is(err, ErrRole) {
		t.Errorf("clerk: %v, want ErrRole", err)
	}
}

type strangePayload struct{}

func (strangePayload) EventType() string { return "case.vanished" }
func (strangePayload) Validate() error   { return nil }

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
