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

// Ledger builds the ledger rows from each case's Report, judging AV
// coverage with matters and deadlines at now.
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
		r, err := s.report(ctx, c, windows, matters)
		if err != nil {
			return nil, err
		}
		row := LedgerRow{Number: c.Number, Title: c.Title, ActType: c.ActType, Phase: c.Phase, OpenedAt: c.OpenedAt, Steps: len(r.Steps)}
		for _, d := range r.Documents {
			row.Documents += len(d.Versions)
		}
		for _, st := range r.Steps {
			row.Footage += len(st.Footage)
			if st.AV == casework.AVMandatory && st.Coverage != nil && !st.Coverage.Complete() {
				row.AVGaps++
			}
		}
		for i, d := range r.Deadlines {
			if d.Overdue(now) {
				row.OverdueDeadlines++
			} else if row.NextDeadline == nil || d.Due.Before(row.NextDeadline.Due) {
				row.NextDeadline = &r.Deadlines[i]
			}
		}
		rows = append(rows, row)
	}
	return rows, nil
}
