package casework

import (
	"os"
	"testing"
	"time"

	"lawtrail/evidence"
)

func TestShippedAVMatters(t *testing.T) {
	raw, err := os.ReadFile("../assets/lists/av-matters.json")
	if err != nil {
		t.Fatal(err)
	}
	m, err := ParseAVMatters(raw)
	if err != nil {
		t.Fatal(err)
	}
	if m.For(StepSeizure) != AVMandatory || m.For(StepForcedDemolition) != AVMandatory || m.For(StepHearing) != AVSuggested || m.For(StepDecision) != AVNone {
		t.Fatalf("list %+v", m)
	}
	for _, bad := range []string{`{"version":1,"mandatory":["karaoke"]}`, `{"version":2}`, `{"version":1,"extra":1}`} {
		if _, err := ParseAVMatters([]byte(bad)); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}

// R3a: a mandatory step's span must be covered by its officers' footage;
// every gap is listed with its length.
func TestR3aCoverageGaps(t *testing.T) {
	at := func(m int) time.Time { return time.Date(2026, 11, 20, 10, m, 0, 0, Shanghai) }
	span := func(officer string, from, to int) FootageSpan {
		return FootageSpan{Digest: evidence.Sum([]byte(officer + at(from).String())), Officer: officer, Start: at(from), End: at(to)}
	}
	cases := []struct {
		name  string
		spans []FootageSpan
		gaps  [][2]int
	}{
		{"fully covered by overlapping clips", []FootageSpan{span("o1", -5, 20), span("o2", 15, 45), span("o1", 40, 65)}, nil},
		{"gap at start and end", []FootageSpan{span("o1", 5, 50)}, [][2]int{{0, 5}, {50, 60}}},
		{"gap in the middle", []FootageSpan{span("o1", 0, 20), span("o2", 30, 60)}, [][2]int{{20, 30}}},
		{"another officer's footage does not count", []FootageSpan{span("o9", 0, 60)}, [][2]int{{0, 60}}},
		{"no footage", nil, [][2]int{{0, 60}}},
	}
	for _, tc := range cases {
		c := CoverStep(at(0), at(60), []string{"o1", "o2"}, tc.spans)
		if len(c.Gaps) != len(tc.gaps) {
			t.Errorf("%s: gaps %v, want %v", tc.name, c.Gaps, tc.gaps)
			continue
		}
		for i, g := range tc.gaps {
			if !c.Gaps[i].Start.Equal(at(g[0])) || !c.Gaps[i].End.Equal(at(g[1])) {
				t.Errorf("%s: gap %d is %s–%s", tc.name, i, c.Gaps[i].Start.Format("15:04"), c.Gaps[i].End.Format("15:04"))
			}
		}
		if tc.gaps == nil && (!c.Complete() || c.Covered != time.Hour) {
			t.Errorf("%s: covered %v", tc.name, c.Covered)
		}
	}
}
