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
}
