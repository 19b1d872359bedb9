package store

import (
	"context"
	"time"

	"lawtrail/casework"
)

// LedgerRow is one case in the enforcement ledger (执法台账, R5).
type LedgerRow struct {
	Number, Title    string
	ActType          casework.ActType
	Phase            casework.Phase
	OpenedAt         time.Time
	Steps            int
	Documents        int // finalized versions
	Footage          int // linked footage files
	AVGaps           int // steps the AV list requires filming that have gaps
	NextDeadline     *casework.Deadline
	OverdueDeadlines int
}

// Ledger builds the ledger rows, judging AV coverage with matters and
// deadlines at now.
func (s *Store) Ledger(ctx context.Context, matters casework.AVMatters, now time.Time) ([]LedgerRow, error) {
	cases, err := s.Cases(ctx)
	if err != nil {
		return nil, err
	}
	windows, err := s.FootageWindows(ctx)
	if err != nil {
		return nil, err
	}
	var rows []LedgerRow
	for _, c := range cases {
		steps, err := s.Steps(ctx, c.ID)
		if err != nil {
			return nil, err
		}
		row := LedgerRow{Number: c.Number, Title: c.Title, ActType: c.ActType, Phase: c.Phase, OpenedAt: c.OpenedAt, Steps: len(steps)}
		if err := s.db.QueryRowContext(ctx, "SELECT coalesce(sum(finalized), 0) FROM documents WHERE case_id = ?", c.ID).Scan(&row.Documents); err != nil {
			return nil, err
		}
		var deadlines []casework.Deadline
		if c.ActType == casework.ActPenalty && c.Phase != casework.PhaseExecution {
			deadlines = append(deadlines, casework.CaseLimit(c.OpenedAt))
		}
		for _, st := range steps {
			row.Footage += len(st.Footage)
			if matters.For(st.Kind) == casework.AVMandatory { // text-only is never allowed here (R3a)
				var spans []casework.FootageSpan
				for _, w := range windows {
					spans = append(spans, stepSpan(w, st)...)
				}
				if !casework.CoverStep(st.Start, st.End, st.Officers, spans).Complete() {
					row.AVGaps++
				}
			}
			switch st.Kind {
			case casework.StepSeizure:
				deadlines = append(deadlines, casework.SeizureTerm(st.Start, false))
			case casework.StepPreservation:
				deadlines = append(deadlines, casework.DecisionOnPreservedEvidence(st.Start))
			}
		}
		for i, d := range deadlines {
			if d.Overdue(now) {
				row.OverdueDeadlines++
			} else if row.NextDeadline == nil || d.Due.Before(row.NextDeadline.Due) {
				row.NextDeadline = &deadlines[i]
			}
		}
		rows = append(rows, row)
	}
	return rows, nil
}
