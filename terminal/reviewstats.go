package terminal

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"time"

	"lawtrail/casework"
	"lawtrail/store"
)

// The figures of legal review an agency reports (L3: enough reviewers for
// its officers; L1: every major decision reviewed before it was made) and
// watches (turnaround, rounds, what is pending or overdue), computed from
// the record as this terminal holds it.

// ReviewStats are the figures of every agency the record knows.
type ReviewStats struct {
	At       time.Time
	Agencies []AgencyReviewStats
}

// AgencyReviewStats are one agency's figures of legal review.
type AgencyReviewStats struct {
	Agency string
	// Officers counts the enforcement officers (role officer) not revoked;
	// Reviewers the legal reviewers not revoked.
	Officers, Reviewers int
	// ReviewersWanted is the fewest reviewers the agency's officers call
	// for: 5% of them rounded up, and at least one (so one where fewer
	// than 20 officers); RatioMet says the agency has them.
	ReviewersWanted int
	RatioMet        bool
	// MajorFinalized counts the finalized versions of decision documents
	// whose decision is major under the list in force; ReviewedFirst how
	// many of them a passed round of exactly that decision and draft
	// preceded. The two must be equal; Unreviewed names the others.
	MajorFinalized, ReviewedFirst int
	Unreviewed                    []UnreviewedDecision
	// Turnaround is submission to opinion over every round with one.
	Turnaround Turnaround
	// ReviewedCases counts the cases with a review; RoundsMean and
	// RoundsMax are the rounds each took.
	ReviewedCases int
	RoundsMean    float64
	RoundsMax     int
	// Pending counts the reviews whose latest round awaits its opinion;
	// Overdue those of them past their due day.
	Pending, Overdue int
}

// UnreviewedDecision is a major decision finalized without a passed review
// of it before: a version the gate would have refused, so one that came
// from a record changed behind the rules' back.
type UnreviewedDecision struct {
	Case    string
	Doc     string
	Version int
	At      string
}

// Turnaround is how long review rounds took from submission to opinion.
type Turnaround struct {
	Rounds                      int
	MedianHours, MaxHours       float64
	MedianWorkdays, MaxWorkdays int
}

// ReviewStats computes the figures of legal review at now.
func (t *Terminal) ReviewStats(ctx context.Context, now time.Time) (ReviewStats, error) {
	out := ReviewStats{At: now}
	byAgency := map[string]*AgencyReviewStats{}
	agency := func(id string) *AgencyReviewStats {
		if byAgency[id] == nil {
			byAgency[id] = &AgencyReviewStats{Agency: id}
		}
		return byAgency[id]
	}
	officers, err := t.st.Officers(ctx)
	if err != nil {
		return out, err
	}
	for _, o := range officers {
		a := agency(o.Agency)
		if o.Revoked {
			continue
		}
		if casework.HasRole(o.Roles, casework.RoleOfficer) {
			a.Officers++
		}
		if casework.HasRole(o.Roles, casework.RoleReviewer) {
			a.Reviewers++
		}
	}
	cases, err := t.st.Cases(ctx)
	if err != nil {
		return out, err
	}
	rounds := map[string][][]store.ReviewRound{} // agency → each reviewed case's rounds
	for _, c := range cases {
		a := agency(c.Agency)
		rs, err := t.st.CaseReviewRounds(ctx, c.ID)
		if err != nil {
			return out, fmt.Errorf("review stats: case %s: %w", c.ID, err)
		}
		if len(rs) > 0 {
			rounds[c.Agency] = append(rounds[c.Agency], rs)
		}
		if err := t.countMajor(ctx, a, c.ID, rs); err != nil {
			return out, fmt.Errorf("review stats: case %s: %w", c.ID, err)
		}
	}
	cal := t.Config().Calendar
	for id, a := range byAgency {
		a.ReviewersWanted = max(1, (a.Officers+19)/20)
		a.RatioMet = a.Reviewers >= a.ReviewersWanted
		a.countRounds(rounds[id], cal, now)
		out.Agencies = append(out.Agencies, *a)
	}
	sort.Slice(out.Agencies, func(i, j int) bool { return out.Agencies[i].Agency < out.Agencies[j].Agency })
	return out, nil
}

// countMajor counts a case's finalized major decisions and whether a passed
// round of exactly that decision and draft came before each.
func (t *Terminal) countMajor(ctx context.Context, a *AgencyReviewStats, caseID string, rs []store.ReviewRound) error {
	docs, err := t.st.CaseDocuments(ctx, caseID)
	if err != nil {
		return err
	}
	cfg := t.Config()
	for _, d := range docs {
		tpl := cfg.Templates[d.Template]
		if tpl == nil {
			continue
		}
		for _, v := range d.Versions {
			dec, has, err := tpl.DecisionOf(v.Content.Fields)
			if err != nil || !has {
				continue
			}
			if major, _ := cfg.MajorList.Evaluate(dec); !major {
				continue
			}
			a.MajorFinalized++
			if reviewedBefore(rs, dec, v) {
				a.ReviewedFirst++
				continue
			}
			a.Unreviewed = append(a.Unreviewed, UnreviewedDecision{Case: caseID, Doc: d.ID, Version: v.Content.Version, At: v.At})
		}
	}
	return nil
}

// reviewedBefore: a round passed, before version v was signed, for exactly
// its decision and its text.
func reviewedBefore(rs []store.ReviewRound, d casework.Decision, v store.DocumentVersion) bool {
	signed, err := v.SignedAt()
	if err != nil {
		return false
	}
	for _, r := range rs {
		if !r.Passed() || !r.Decision.Equal(d) || r.DocHash == nil || *r.DocHash != v.ContentHash {
			continue
		}
		passedAt := r.OpinionAt
		if r.Outcome != casework.OutcomeAgree {
			passedAt = r.ResolvedAt
		}
		if at, err := time.Parse(time.RFC3339Nano, passedAt); err == nil && !at.After(signed) {
			return true
		}
	}
	return false
}

// countRounds fills the turnaround, the rounds per case and what is
// pending from each reviewed case's rounds.
func (a *AgencyReviewStats) countRounds(cases [][]store.ReviewRound, cal casework.Calendar, now time.Time) {
	var hours []float64
	var days []int
	total := 0
	for _, rs := range cases {
		total += len(rs)
		a.RoundsMax = max(a.RoundsMax, len(rs))
		if last := rs[len(rs)-1]; last.Pending() {
			a.Pending++
			if last.Overdue(now) {
				a.Overdue++
			}
		}
		for _, r := range rs {
			at, err := time.Parse(time.RFC3339Nano, r.OpinionAt)
			if r.OpinionAt == "" || err != nil {
				continue
			}
			hours = append(hours, at.Sub(r.SubmittedAt).Hours())
			days = append(days, workdaysBetween(cal, r.SubmittedAt, at))
		}
	}
	a.ReviewedCases = len(cases)
	if len(cases) > 0 {
		a.RoundsMean = float64(total) / float64(len(cases))
	}
	a.Turnaround = turnaround(hours, days)
}

func turnaround(hours []float64, days []int) Turnaround {
	t := Turnaround{Rounds: len(hours)}
	if len(hours) == 0 {
		return t
	}
	slices.Sort(hours)
	slices.Sort(days)
	t.MedianHours, t.MaxHours = median(hours), hours[len(hours)-1]
	t.MedianWorkdays, t.MaxWorkdays = int(math.Round(median(intsToFloats(days)))), days[len(days)-1]
	return t
}

// median of sorted values.
func median(sorted []float64) float64 {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

func intsToFloats(v []int) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// workdaysBetween counts the working days after the day of from up to and
// including the day of to, as a time limit counts them (the day of
// submission not counted): an opinion the same day took 0.
func workdaysBetween(cal casework.Calendar, from, to time.Time) int {
	n := 0
	day := from.In(casework.Shanghai)
	last := to.In(casework.Shanghai).Format(time.DateOnly)
	for i := 0; i < 3660; i++ { // ten years bounds a bad clock
		day = day.AddDate(0, 0, 1)
		if day.Format(time.DateOnly) > last {
			break
		}
		if cal.IsWorkday(day) {
			n++
		}
	}
	return n
}
