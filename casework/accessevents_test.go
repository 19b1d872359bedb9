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

// accessState is memState with footage: which cases link each file and who
// docked it.
type accessState struct {
	*memState
	linked    map[string][]string // digest → cases
	clerk     map[string]string   // digest → officer
	reviewers map[string][]string // case → reviewers
}

func (s *accessState) FootageExists(_ context.Context, d string) (bool, error) {
	_, ok := s.clerk[d]
	return ok, nil
}
func (s *accessState) FootageCases(_ context.Context, d string) ([]string, error) {
	return s.linked[d], nil
}
func (s *accessState) FootageClerk(_ context.Context, d string) (string, error) {
	return s.clerk[d], nil
}
func (s *accessState) CaseReviewers(_ context.Context, c string) ([]string, error) {
	return s.reviewers[c], nil
}

// R6 (every view and export is a signed event naming who, what and — off
// the case — why): an officer on the case (or who docked the file) needs
// no reason; anyone else is refused without one; the viewer co-signs; what
// is named exists and belongs together.
func TestR6AccessNeedsAReasonOffTheCase(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, Shanghai)
	clip, loose, unknown := evidence.Sum([]byte("clip")), evidence.Sum([]byte("loose")), evidence.Sum([]byte("nothing"))
	st := &accessState{
		memState: &memState{
			officers: map[string]Officer{
				"o1": {ID: "o1", Name: "张三", Agency: "a", Roles: []Role{RoleOfficer}, CredentialNo: "1"},
				"o2": {ID: "o2", Name: "李四", Agency: "a", Roles: []Role{RoleClerk}},
				"o3": {ID: "o3", Name: "王五", Agency: "a", Roles: []Role{RoleSupervisor}},
				"o4": {ID: "o4", Name: "赵六", Agency: "a", Roles: []Role{RoleReviewer}, Revoked: true, RevokeReason: "离职"},
				"o5": {ID: "o5", Name: "钱七", Agency: "a", Roles: []Role{RoleReviewer}},
			},
			cases:        map[string]Case{"c1": {ID: "c1"}, "c2": {ID: "c2"}},
			participants: map[string][]string{"c1": {"o1"}},
			docs:         map[string]DocumentRecord{"d1": {Case: "c1", Finalized: 2}},
			reviews:      map[string]ReviewRecord{"c1": {ID: "r1", Case: "c1", Round: 2}},
		},
		linked:    map[string][]string{clip.String(): {"c1"}},
		clerk:     map[string]string{clip.String(): "o2", loose.String(): "o2"},
		reviewers: map[string][]string{"c1": {"o5"}},
	}
	played := func(d evidence.Digest, c, reason string) Payload {
		return &FootagePlayed{FootageAccess{Digest: d, Case: c, Reason: reason}}
	}
	exported := func(d evidence.Digest, c, reason string) Payload {
		return &FootageExported{FootageAccess{Digest: d, Case: c, Reason: reason}}
	}
	viewed := func(doc string, v int, c, reason string) Payload {
		return &DocumentViewed{Doc: doc, Version: v, Case: c, How: ViewPDF, Reason: reason}
	}
	printed := func(review string, round int, c, reason string) Payload {
		return &ReviewPrinted{Review: review, Round: round, Kind: PaperOpinion, Case: c, Reason: reason}
	}
	ledger := func(reason string) Payload { return &LedgerExported{Format: LedgerXLSX, Cases: 3, Reason: reason} }
	cases := []struct {
		name     string
		actor    string
		p        Payload
		noCoSign bool
		want     error // nil: allowed
	}{
		{"on the case, no reason", "o1", played(clip, "c1", ""), false, nil},
		{"on the case, a reason anyway", "o1", exported(clip, "c1", "移送"), false, nil},
		{"docked it", "o2", played(clip, "c1", ""), false, nil},
		{"docked it, linked to no case", "o2", exported(loose, "", ""), false, nil},
		{"off the case, no reason", "o3", played(clip, "c1", ""), false, ErrReasonRequired},
		{"off the case, blank reason", "o3", exported(clip, "c1", "   "), false, ErrReasonRequired},
		{"off the case, a reason", "o3", played(clip, "c1", "督查抽查"), false, nil},
		{"unlinked footage, not its clerk", "o1", played(loose, "", ""), false, ErrReasonRequired},
		{"not co-signed", "o1", played(clip, "c1", ""), true, ErrNotCoSigned},
		{"a case that does not link it", "o3", played(clip, "c2", "督查"), false, ErrRule},
		{"footage unknown", "o3", played(unknown, "", "督查"), false, ErrRule},
		{"revoked viewer", "o4", played(clip, "c1", "复核"), false, ErrRevoked},
		{"document, on the case", "o1", viewed("d1", 2, "c1", ""), false, nil},
		{"document, its reviewer", "o5", viewed("d1", 2, "c1", ""), false, nil},
		{"footage, the case's reviewer", "o5", played(clip, "c1", ""), false, nil},
		{"footage not linked, the reviewer of another case", "o5", played(loose, "", ""), false, ErrReasonRequired},
		{"document, off the case", "o3", viewed("d1", 1, "c1", ""), false, ErrReasonRequired},
		{"document, off the case, a reason", "o3", viewed("d1", 1, "c1", "信访核查"), false, nil},
		{"document of another case", "o3", viewed("d1", 1, "c2", "信访核查"), false, ErrRule},
		{"document version not signed", "o1", viewed("d1", 3, "c1", ""), false, ErrRule},
		{"no such document", "o1", viewed("d9", 1, "c1", ""), false, ErrRule},
		{"review paper, on the case", "o1", printed("r1", 2, "c1", ""), false, nil},
		{"review paper, its reviewer", "o5", printed("r1", 1, "c1", ""), false, nil},
		{"review paper, off the case", "o3", printed("r1", 1, "c1", ""), false, ErrReasonRequired},
		{"review paper, off the case, blank reason", "o2", printed("r1", 1, "c1", " "), false, ErrReasonRequired},
		{"review paper, off the case, a reason", "o3", printed("r1", 1, "c1", "执法监督检查"), false, nil},
		{"review paper, not co-signed", "o1", printed("r1", 1, "c1", ""), true, ErrNotCoSigned},
		{"review of another case", "o3", printed("r1", 1, "c2", "督查"), false, ErrRule},
		{"review round not held", "o1", printed("r1", 3, "c1", ""), false, ErrRule},
		{"no such review", "o1", printed("r9", 1, "c1", ""), false, ErrRule},
		{"ledger, no reason", "o3", ledger(""), false, nil},
		{"ledger, a clerk", "o2", ledger("月度报送"), false, nil},
		{"ledger, not co-signed", "o2", ledger(""), true, ErrNotCoSigned},
		{"ledger, revoked", "o4", ledger("汇总"), false, ErrRevoked},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := Act{Actor: tc.actor, At: now, Payload: tc.p}
			if !tc.noCoSign {
				a.CoSigners = []string{tc.actor}
			}
			err := CheckRules(ctx, st, a)
			switch {
			case tc.want == nil && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want != nil && !errors.Is(err, tc.want):
				t.Fatalf("got %v, want %v", err, tc.want)
			case tc.want != nil && !errors.Is(err, ErrRule):
				t.Fatalf("%v is not a rule's refusal", err)
			}
		})
	}
	// A record that cannot say who is on a case refuses every access.
	if err := CheckRules(ctx, st.memState, Act{Actor: "o1", At: now, CoSigners: []string{"o1"}, Payload: played(clip, "c1", "")}); !errors.Is(err, ErrRule) {
		t.Fatalf("a state without AccessRecord: %v", err)
	}
}

// The payloads' own bounds: a reason of at most 500 characters, one line,
// no NUL or other control character, valid UTF-8; ids and versions.
func TestAccessPayloadBounds(t *testing.T) {
	d := evidence.Sum([]byte("clip"))
	ok := []Payload{
		&FootagePlayed{FootageAccess{Digest: d}},
		&FootagePlayed{FootageAccess{Digest: d, Case: "c-1", Reason: strings.Repeat("查", MaxAccessReason)}},
		&FootageExported{FootageAccess{Digest: d, Reason: `<script>alert(1)</script>"><img src=x onerror=alert(1)>`}},
		&DocumentViewed{Doc: "d-1", Version: 1, Case: "c-1", How: ViewShown},
		&ReviewPrinted{Review: "r-1", Round: 1, Kind: PaperOpinion, Case: "c-1"},
		&ReviewPrinted{Review: "r-1", Round: 3, Kind: PaperDiscussion, Case: "c-1", Reason: strings.Repeat("审", MaxAccessReason)},
		&LedgerExported{Format: LedgerXLSX, Cases: 0},
		&LedgerExported{Format: LedgerCSV, Cases: 12, Reason: "月度报送"},
	}
	for _, p := range ok {
		raw, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Decode(p.EventType(), raw); err != nil {
			t.Errorf("%s %s: %v", p.EventType(), raw, err)
		}
	}
	bad := map[string]Payload{
		"reason of 501 characters": &FootagePlayed{FootageAccess{Digest: d, Reason: strings.Repeat("查", MaxAccessReason+1)}},
		"reason of 10 KB":          &FootageExported{FootageAccess{Digest: d, Reason: strings.Repeat("x", 10<<10)}},
		"NUL in the reason":        &FootagePlayed{FootageAccess{Digest: d, Reason: "督查\x00抽查"}},
		"newline in the reason":    &FootagePlayed{FootageAccess{Digest: d, Reason: "督查\n抽查"}},
		"escape in the reason":     &FootagePlayed{FootageAccess{Digest: d, Reason: "督查\x1b[2J"}},
		"blank reason":             &FootagePlayed{FootageAccess{Digest: d, Reason: "  "}},
		"invalid UTF-8":            &FootagePlayed{FootageAccess{Digest: d, Reason: "督\xff查"}},
		"no digest":                &FootagePlayed{FootageAccess{Reason: "x"}},
		"bad case id":              &FootagePlayed{FootageAccess{Digest: d, Case: "../c"}},
		"version 0":                &DocumentViewed{Doc: "d-1", Version: 0, Case: "c-1", How: ViewPDF},
		"unknown how":              &DocumentViewed{Doc: "d-1", Version: 1, Case: "c-1", How: "printed"},
		"no case":                  &DocumentViewed{Doc: "d-1", Version: 1, How: ViewPDF},
		"review round 0":           &ReviewPrinted{Review: "r-1", Round: 0, Kind: PaperOpinion, Case: "c-1"},
		"review unknown kind":      &ReviewPrinted{Review: "r-1", Round: 1, Kind: "decision", Case: "c-1"},
		"review without case":      &ReviewPrinted{Review: "r-1", Round: 1, Kind: PaperOpinion},
		"review without id":        &ReviewPrinted{Round: 1, Kind: PaperOpinion, Case: "c-1"},
		"review reason of 501":     &ReviewPrinted{Review: "r-1", Round: 1, Kind: PaperOpinion, Case: "c-1", Reason: strings.Repeat("审", MaxAccessReason+1)},
		"review reason two lines":  &ReviewPrinted{Review: "r-1", Round: 1, Kind: PaperOpinion, Case: "c-1", Reason: "a\nb"},
		"ledger unknown format":    &LedgerExported{Format: "pdf", Cases: 1},
		"ledger no format":         &LedgerExported{Cases: 1},
		"ledger negative cases":    &LedgerExported{Format: LedgerCSV, Cases: -1},
		"ledger blank reason":      &LedgerExported{Format: LedgerCSV, Reason: " "},
	}
	for name, p := range bad {
		if err := p.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	// Spelled otherwise than lawtrail writes it: refused.
	for _, raw := range []string{
		`{"case":"c-1","digest":"` + d.String() + `"}`,
		`{"digest":"` + d.String() + `","Reason":"x"}`,
		`{"digest":"` + d.String() + `","reason":""}`,
	} {
		if _, err := Decode(TypeFootagePlayed, json.RawMessage(raw)); err == nil {
			t.Errorf("%s: accepted", raw)
		}
	}
	for typ, raws := range map[string][]string{
		TypeReviewPrinted:  {`{"round":1,"review":"r-1","kind":"opinion","case":"c-1"}`, `{"review":"r-1","round":1,"kind":"opinion","case":"c-1","reason":""}`},
		TypeLedgerExported: {`{"cases":1,"format":"csv"}`, `{"format":"csv","cases":1,"reason":""}`, `{"format":"csv"}`},
	} {
		for _, raw := range raws {
			if _, err := Decode(typ, json.RawMessage(raw)); err == nil {
				t.Errorf("%s %s: accepted", typ, raw)
			}
		}
	}
	// The field order the spec gives.
	for _, tc := range []struct {
		p    Payload
		want string
	}{
		{&ReviewPrinted{Review: "r-1", Round: 2, Kind: PaperDiscussion, Case: "c-1", Reason: "督查"}, `{"review":"r-1","round":2,"kind":"discussion","case":"c-1","reason":"督查"}`},
		{&LedgerExported{Format: LedgerXLSX, Cases: 0}, `{"format":"xlsx","cases":0}`},
	} {
		if raw, _ := json.Marshal(tc.p); string(raw) != tc.want {
			t.Errorf("%s encodes as %s, want %s", tc.p.EventType(), raw, tc.want)
		}
	}
}
