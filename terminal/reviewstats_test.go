package terminal_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"lawtrail/casework"
	"lawtrail/terminal"
	"lawtrail/terminal/terminaltest"
)

// The figures of legal review from a real record: one case reviewed in two
// rounds (存在问题 after 26 hours, then 同意) and finalized, one submitted and
// left pending past its due day, one non-major decision finalized with no
// review (not counted). Two officers and one reviewer meet L3's ratio
// (reviewers at least 5% of the officers, at least one); 22 officers and
// one reviewer do not.
func TestReviewStats(t *testing.T) {
	ctx := context.Background()
	d := newReviewDesk(t)
	clock := d.f.Clock

	draft, err := d.officer.SaveDraft(ctx, penaltyDraft(d.caseID, "", "200000"))
	if err != nil {
		t.Fatal(err)
	}
	sub, err := d.officer.SubmitReview(ctx, terminal.Submission{Case: d.caseID, Doc: draft.Doc})
	if err != nil {
		t.Fatal(err)
	}
	must(t, d.reviewer.AssignReview(ctx, sub.Review, "o-003"))
	clock.T = clock.T.Add(26 * time.Hour) // Friday 09:00 → Saturday 11:00: no working day yet
	_, err = d.reviewer.GiveOpinion(ctx, sub.Review, terminal.Opinion{Outcome: casework.OutcomeProblems, Problems: "裁量过重",
		Checklist: []casework.ChecklistEntry{{Item: casework.CheckBasis, Finding: casework.FindingProblem, Note: "裁量过重"}}})
	must(t, err)
	if _, err := d.officer.SaveDraft(ctx, penaltyDraft(d.caseID, draft.Doc, "150000")); err != nil {
		t.Fatal(err)
	}
	if _, err := d.officer.SubmitReview(ctx, terminal.Submission{Case: d.caseID, Doc: draft.Doc}); err != nil {
		t.Fatal(err)
	}
	must(t, d.reviewer.AssignReview(ctx, sub.Review, "o-003"))
	clock.T = clock.T.Add(72 * time.Hour) // Saturday → Tuesday: Monday and Tuesday are working days
	_, err = d.reviewer.GiveOpinion(ctx, sub.Review, terminal.Opinion{Outcome: casework.OutcomeAgree})
	must(t, err)
	if _, err := d.officer.FinalizeLatestDraft(ctx, draft.Doc, nil); err != nil {
		t.Fatal(err)
	}

	pending, err := d.officer.OpenCase(ctx, terminal.NewCase{Number: "示市监罚〔2026〕8号", Title: "无证经营"})
	must(t, err)
	if _, err := d.officer.SaveDraft(ctx, penaltyDraft(pending.Case, "", "300000")); err != nil {
		t.Fatal(err)
	}
	if _, err := d.officer.SubmitReview(ctx, terminal.Submission{Case: pending.Case}); err != nil {
		t.Fatal(err)
	}
	minor, err := d.officer.OpenCase(ctx, terminal.NewCase{Number: "示市监罚〔2026〕9号", Title: "未亮照经营"})
	must(t, err)
	small, err := d.officer.SaveDraft(ctx, penaltyDraft(minor.Case, "", "5000"))
	must(t, err)
	if _, err := d.officer.FinalizeLatestDraft(ctx, small.Doc, nil); err != nil {
		t.Fatal(err)
	}

	a := agencyStats(t, d.f, clock.T)
	want := terminal.AgencyReviewStats{Agency: a.Agency, Officers: 2, Reviewers: 1, ReviewersWanted: 1, RatioMet: true,
		MajorFinalized: 1, ReviewedFirst: 1, ReviewedCases: 2, RoundsMean: 1.5, RoundsMax: 2, Pending: 1}
	a.Turnaround, a.Unreviewed = terminal.Turnaround{}, nil
	if fmt.Sprint(a) != fmt.Sprint(want) {
		t.Errorf("figures\n got %+v\nwant %+v", a, want)
	}
	tr := agencyStats(t, d.f, clock.T).Turnaround
	if tr.Rounds != 2 || tr.MaxHours < 72 || tr.MaxHours > 73 || tr.MedianHours < 49 || tr.MedianHours > 50 ||
		tr.MaxWorkdays != 2 || tr.MedianWorkdays != 1 {
		t.Errorf("turnaround %+v, want 2 rounds of 26 h (0 working days) and 72 h (2 working days)", tr)
	}
	if late := agencyStats(t, d.f, clock.T.AddDate(0, 1, 0)); late.Overdue != 1 || late.Pending != 1 {
		t.Errorf("a month on: pending %d, overdue %d; want 1 and 1", late.Pending, late.Overdue)
	}

	for i := range 20 {
		d.f.Enroll(t, fmt.Sprintf("o-1%02d", i), "执法人员", fmt.Sprintf("350100001%02d", i), "246899", casework.RoleOfficer)
	}
	if a := agencyStats(t, d.f, clock.T); a.Officers != 22 || a.ReviewersWanted != 2 || a.RatioMet {
		t.Errorf("22 officers, 1 reviewer: %+v, want 2 reviewers wanted and the ratio not met", a)
	}
}

func agencyStats(t *testing.T, f *terminaltest.Fixture, now time.Time) terminal.AgencyReviewStats {
	t.Helper()
	st, err := f.Terminal.ReviewStats(context.Background(), now)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Agencies) != 1 {
		t.Fatalf("agencies %+v, want the fixture's one", st.Agencies)
	}
	return st.Agencies[0]
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
