package casework

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"time"
)

// AVMatters is the agency's list of what must be filmed from start to end
// (R3a: seizure, forced demolition, …) and what should be (R3b). It is data
// (assets/lists/av-matters.json), never code.
type AVMatters struct {
	Version     int        `json:"version"`
	Description string     `json:"description,omitempty"`
	Mandatory   []StepKind `json:"mandatory"`
	Suggested   []StepKind `json:"suggested"`
}

// ParseAVMatters reads the list, refusing unknown step kinds by name.
func ParseAVMatters(raw []byte) (AVMatters, error) {
	var m AVMatters
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return m, fmt.Errorf("AV matters list: %w", err)
	}
	if m.Version != 1 {
		return m, fmt.Errorf("AV matters list: version %d, want 1", m.Version)
	}
	for _, k := range append(append([]StepKind{}, m.Mandatory...), m.Suggested...) {
		if _, err := PhaseOf(k); err != nil {
			return m, fmt.Errorf("AV matters list: %w", err)
		}
	}
	return m, nil
}

// Requirement is what the list asks of a step kind.
type Requirement string

// The three answers.
const (
	AVMandatory Requirement = "mandatory" // R3a: whole span must be covered
	AVSuggested Requirement = "suggested" // R3b: shown, not enforced
	AVNone      Requirement = "none"
)

// For returns what the list asks of kind.
func (m AVMatters) For(kind StepKind) Requirement {
	switch {
	case slices.Contains(m.Mandatory, kind):
		return AVMandatory
	case slices.Contains(m.Suggested, kind):
		return AVSuggested
	}
	return AVNone
}

// Gap is a stretch of a step that no footage covers.
type Gap struct {
	Start, End time.Time
}

// Length is how long the gap lasts.
func (g Gap) Length() time.Duration { return g.End.Sub(g.Start) }

// Coverage is how well footage covers a step.
type Coverage struct {
	Covered time.Duration
	Gaps    []Gap // in time order, including at the start and at the end
}

// Complete reports whether the whole step is covered.
func (c Coverage) Complete() bool { return len(c.Gaps) == 0 }

// CoverStep computes which parts of [start, end] the footage of the step's
// officers covers. Spans must already be on the terminal's clock (recorder
// times corrected by the clock offset taken at docking); footage of other
// officers does not count.
func CoverStep(start, end time.Time, officers []string, spans []FootageSpan) Coverage {
	var mine []FootageSpan
	for _, s := range spans {
		if slices.Contains(officers, s.Officer) && s.End.After(start) && s.Start.Before(end) {
			mine = append(mine, s)
		}
	}
	sort.Slice(mine, func(i, j int) bool { return mine[i].Start.Before(mine[j].Start) })
	var c Coverage
	cursor := start
	for _, s := range mine {
		from, to := s.Start, s.End
		if from.Before(cursor) {
			from = cursor
		}
		if to.After(end) {
			to = end
		}
		if !to.After(from) {
			continue
		}
		if from.After(cursor) {
			c.Gaps = append(c.Gaps, Gap{cursor, from})
		}
		c.Covered += to.Sub(from)
		cursor = to
	}
	if end.After(cursor) {
		c.Gaps = append(c.Gaps, Gap{cursor, end})
	}
	return c
}

// TypeStepTextOnly marks a step as recorded in text only (R3c).
const TypeStepTextOnly = "step.text_only"

// StepTextOnly says a step is fully recorded in text, with the reason. The
// AV list decides where that is allowed: never for a mandatory kind.
type StepTextOnly struct {
	Step   string `json:"step"`
	Reason string `json:"reason"`
}

func (StepTextOnly) EventType() string { return TypeStepTextOnly }

// Validate checks the payload on its own.
func (p StepTextOnly) Validate() error {
	return firstError(checkID("step", p.Step), checkText("text-only reason", p.Reason, 500))
}

// AllowsTextOnly reports whether a step of kind may be recorded in text
// only: not where the list makes filming mandatory (R3a).
func (m AVMatters) AllowsTextOnly(kind StepKind) bool { return m.For(kind) != AVMandatory }
