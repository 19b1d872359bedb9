package store

import (
	"testing"

	"lawtrail/casework"
	"lawtrail/evidence"
)

// Two events commute unless one writes what the other reads or writes: an
// earlier-placed event arriving late is applied in place only then.
func TestTouchesClash(t *testing.T) {
	body := func(actor string) evidence.Body { return evidence.Body{Actor: actor} }
	step := func(id, c string) casework.Payload {
		return &casework.StepRecorded{Step: id, Case: c, Officers: []string{"o-001"}}
	}
	cases := []struct {
		name         string
		early, later casework.Payload
		laterActor   string
		want         bool
	}{
		{"two steps of one case", step("s-1", "c-1"), step("s-2", "c-1"), "o-001", false},
		{"two phase advances of one case", &casework.CasePhaseAdvanced{Case: "c-1"}, &casework.CasePhaseAdvanced{Case: "c-1"}, "o-001", true},
		{"phase advances of two cases", &casework.CasePhaseAdvanced{Case: "c-1"}, &casework.CasePhaseAdvanced{Case: "c-2"}, "o-001", false},
		{"a step, then its case opened", step("s-1", "c-1"), &casework.CaseOpened{Case: "c-1"}, "o-001", true},
		{"an act, then its officer enrolled again", step("s-1", "c-1"), &casework.OfficerEnrolled{Officer: "o-001"}, "o-009", true},
		{"an act, then another officer enrolled", step("s-1", "c-1"), &casework.OfficerEnrolled{Officer: "o-002"}, "o-009", false},
		{"a document, then its next version", &casework.DocDrafted{DocumentContent: casework.DocumentContent{Doc: "d-1", Case: "c-1"}},
			&casework.DocFinalized{DocumentContent: casework.DocumentContent{Doc: "d-1", Case: "c-1"}}, "o-001", true},
		{"templates published, then a document finalized", &casework.ConfigPublished{Kind: casework.ConfigTemplates},
			&casework.DocFinalized{DocumentContent: casework.DocumentContent{Doc: "d-1", Case: "c-1"}}, "o-001", true},
		{"a rebased event without effect", &casework.EventRebased{Conflict: "x"}, step("s-1", "c-1"), "o-001", false},
		{"a type this code does not know", unknownPayload{}, step("s-1", "c-1"), "o-001", true},
	}
	for _, c := range cases {
		later := newLaterSet()
		later.add(10, touchesOf(body(c.laterActor), c.later))
		if got := later.clashes(5, touchesOf(body("o-001"), c.early)); got != c.want {
			t.Errorf("%s: clash %v, want %v", c.name, got, c.want)
		}
		if later.clashes(10, touchesOf(body("o-001"), c.early)) {
			t.Errorf("%s: an event placed after the set clashes", c.name)
		}
	}
}

type unknownPayload struct{}

func (unknownPayload) EventType() string { return "some.future_type" }
func (unknownPayload) Validate() error   { return nil }
