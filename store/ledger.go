package store

import (
	"context"
	"fmt"
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
	// Major: the case's proposed decision, as it stands, is major under
	// the list given (重大执法决定); false when no decision is stated.
	Major bool
	// Review is the latest round of the case's legal review (nil: never
	// submitted); its Round is how many rounds there were.
	Review *casework.ReviewRecord
}

// Ledger builds the ledger rows from each case's Report, judging AV
// coverage with matters, deadlines at now and major decisions by the list
// major (nil: none is major).
func (s *Store) Ledger(ctx context.Context, matters casework.AVMatters, major *casework.MajorList, now time.Time) ([]LedgerRow, error) {
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
		if err := s.ledgerReview(ctx, &row, c.ID, major); err != nil {
			return nil, err
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// ledgerReview fills a row's major decision and legal review.
func (s *Store) ledgerReview(ctx context.Context, row *LedgerRow, caseID string, major *casework.MajorList) error {
	d, has, err := caseDecision(ctx, s.db, caseID)
	if err != nil {
		return fmt.Errorf("ledger: case %s: %w", caseID, err)
	}
	if has {
		row.Major, _ = major.Evaluate(d)
	}
	r, found, err := latestRoundOf(ctx, s.db, "case_id", caseID)
	if err != nil {
		return fmt.Errorf("ledger: case %s: %w", caseID, err)
	}
	if found {
		row.Review = &r
	}
	return nil
}
