package store

import (
	"context"
	"errors"
	"slices"
	"time"

	"lawtrail/casework"
)

// ErrNoCase is returned for an unknown case id.
var ErrNoCase = errors.New("no such case")

// StepReport is a step with what the AV list asks of it and how its linked
// footage covers it.
type StepReport struct {
	StepRow
	AV       casework.Requirement `json:"av"`
	Coverage *casework.Coverage   `json:"coverage,omitempty"`
}

// CaseReport is a case as `case show` and the case file present it.
type CaseReport struct {
	Case      CaseRow             `json:"case"`
	Steps     []StepReport        `json:"steps"`
	Documents []DocumentRow       `json:"documents"`
	Deadlines []casework.Deadline `json:"deadlines"`
}

// Report gathers a case's steps with coverage, documents and deadlines.
func (s *Store) Report(ctx context.Context, caseID string, matters casework.AVMatters) (CaseReport, error) {
	cases, err := s.Cases(ctx)
	if err != nil {
		return CaseReport{}, err
	}
	i := slices.IndexFunc(cases, func(c CaseRow) bool { return c.ID == caseID })
	if i < 0 {
		return CaseReport{}, ErrNoCase
	}
	windows, err := s.FootageWindows(ctx)
	if err != nil {
		return CaseReport{}, err
	}
	return s.report(ctx, cases[i], windows, matters)
}

// report builds one case's report from footage windows read once for all.
func (s *Store) report(ctx context.Context, c CaseRow, windows []FootageWindow, matters casework.AVMatters) (CaseReport, error) {
	r := CaseReport{Case: c}
	cal, err := s.calendar(ctx) // config.go: the agency's holiday patch, if published
	if err != nil {
		return r, err
	}
	steps, err := s.Steps(ctx, c.ID)
	if err != nil {
		return r, err
	}
	for _, st := range steps {
		sr := StepReport{StepRow: st, AV: matters.For(st.Kind)}
		if sr.AV != casework.AVNone && st.TextOnly == "" {
			var spans []casework.FootageSpan
			for _, w := range windows {
				spans = append(spans, stepSpan(w, st)...)
			}
			cov := casework.CoverStep(st.Start, st.End, st.Officers, spans)
			sr.Coverage = &cov
		}
		r.Steps = append(r.Steps, sr)
		switch st.Kind {
		case casework.StepSeizure:
			r.Deadlines = append(r.Deadlines, cal.SeizureTerm(st.Start, false))
		case casework.StepPreservation:
			r.Deadlines = append(r.Deadlines, cal.DecisionOnPreservedEvidence(st.Start))
		}
	}
	if r.Case.ActType == casework.ActPenalty && r.Case.Phase != casework.PhaseExecution {
		r.Deadlines = append(r.Deadlines, cal.CaseLimit(r.Case.OpenedAt))
	}
	if r.Documents, err = s.CaseDocuments(ctx, c.ID); err != nil {
		return r, err
	}
	for _, d := range r.Documents {
		if n := len(d.Versions); n > 0 {
			r.Deadlines = append(r.Deadlines, cal.DocumentDeadlines(d.Template, d.Versions[n-1].Content.Fields)...)
		}
	}
	return r, nil
}

// Overdue lists the deadlines passed at now.
func (r CaseReport) Overdue(now time.Time) []casework.Deadline {
	var out []casework.Deadline
	for _, d := range r.Deadlines {
		if d.Overdue(now) {
			out = append(out, d)
		}
	}
	return out
}

// stepSpan counts a footage window for a step when the step's officers
// recorded it, or when an officer linked it to the step (the link says the
// clip records this step, whoever's recorder made it).
func stepSpan(w FootageWindow, st StepRow) []casework.FootageSpan {
	linked := slices.Contains(st.Footage, w.Digest)
	if !linked && !slices.Contains(st.Officers, w.Officer) {
		return nil
	}
	officer := w.Officer
	if !slices.Contains(st.Officers, officer) {
		officer = st.Officers[0]
	}
	return []casework.FootageSpan{{Digest: w.Digest, Officer: officer, Start: w.Start, End: w.End}}
}
