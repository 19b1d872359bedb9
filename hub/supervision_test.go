package hub_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"lawtrail/casework"
	"lawtrail/hub"
	"lawtrail/terminal/terminaltest"
)

// The overview at the hub's clock (Wednesday 9 December 2026): the
// decisions left unpublished past their due day and the one published
// late, the seizure nobody filmed, the agency's figures, the review round,
// the terminals and the months.
func TestSupervision(t *testing.T) {
	r := newRecord(t)
	ctx := context.Background()
	sv, err := r.hub.Supervision(ctx, hub.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	var overdue []string
	for _, o := range sv.OverduePublications {
		overdue = append(overdue, fmt.Sprintf("%s %s due %s published %q late %d", o.Case, o.Decided, o.Due, o.PublishedAt, o.DaysLate))
	}
	slices.Sort(overdue)
	want := []string{
		r.caseB + ` 2026-11-25 due 2026-12-04 published "" late 3`,           // 7, 8, 9 December
		r.caseE + ` 2026-11-25 due 2026-12-04 published "2026-12-08" late 2`, // 7, 8 December
		r.caseMajor + ` 2026-11-26 due 2026-12-07 published "" late 2`,       // 8, 9 December
	}
	slices.Sort(want)
	if !slices.Equal(overdue, want) {
		t.Errorf("overdue publications:\n%s\nwant:\n%s", strings.Join(overdue, "\n"), strings.Join(want, "\n"))
	}
	if len(sv.AVGaps) != 1 {
		t.Fatalf("AV gaps %+v, want the seizure nobody filmed", sv.AVGaps)
	}
	if g := sv.AVGaps[0]; g.Step != r.stepC || g.Case != r.caseC || !g.NoFootage || g.Uncovered != 10*time.Minute ||
		g.Kind != casework.StepSeizure || g.CaseNumber != "示市监罚〔2026〕14号" || g.Agency != terminaltest.Agency {
		t.Errorf("AV gap %+v", g)
	}
	if len(sv.CasesPastLimit) != 0 {
		t.Errorf("cases past limit %+v at %s", sv.CasesPastLimit, sv.At)
	}

	if len(sv.Agencies) != 2 {
		t.Fatalf("agencies %+v", sv.Agencies)
	}
	a := sv.Agencies[slices.IndexFunc(sv.Agencies, func(a hub.AgencyFigures) bool { return a.Agency == terminaltest.Agency })]
	wantFigures := hub.AgencyFigures{Agency: terminaltest.Agency, Name: terminaltest.Agency, Officers: 3, Reviewers: 1, ReviewersOK: true,
		AVSets: 1, AVSetsOK: true, Cases: 7, OpenCases: 7, Decisions: 4, Major: 1, MajorReviewed: 1, Published: 2, Overdue: 3, AVGaps: 1}
	if a != wantFigures {
		t.Errorf("figures\n%+v\nwant\n%+v", a, wantFigures)
	}

	if len(sv.Reviews) != 1 {
		t.Fatalf("reviews %+v", sv.Reviews)
	}
	if rv := sv.Reviews[0]; rv.Case != r.caseMajor || !rv.Major || rv.Round != 1 || rv.Outcome != casework.OutcomeAgree ||
		rv.Submitted != "2026-11-20" || rv.Opinion != "2026-11-20" || rv.WorkingDays != 0 || rv.Late {
		t.Errorf("review %+v", rv)
	}
	if len(sv.Terminals) != 2 {
		t.Fatalf("terminals %+v", sv.Terminals)
	}
	for _, tm := range sv.Terminals {
		if !tm.LastSeen.Equal(*r.clock) || tm.Events < 2 || tm.Revoked {
			t.Errorf("terminal %+v: last seen at the hub's clock %s, its events counted", tm, *r.clock)
		}
	}
	checkMonths(t, sv.Monthly)
}

func checkMonths(t *testing.T, months []hub.MonthFigures) {
	t.Helper()
	if len(months) != 12 || months[0].Month != "2026-01" || months[11].Month != "2026-12" {
		t.Fatalf("months %+v", months)
	}
	nov, dec := months[10], months[11]
	if nov.Opened != 8 || nov.Closed != 0 || nov.AVGaps != 1 || nov.ReviewDays != 0 || nov.OverduePublications != 0 {
		t.Errorf("November %+v", nov)
	}
	if dec.Opened != 0 || dec.OverduePublications != 3 || dec.AVGaps != 0 {
		t.Errorf("December %+v", dec)
	}
}

// Art. 60: by 1 March 2027 the penalty cases opened on 20 November without
// a decision are past their 90 days; those with one are not.
func TestSupervisionCasesPastLimit(t *testing.T) {
	r := newRecord(t)
	*r.clock = time.Date(2027, 3, 1, 10, 0, 0, 0, casework.Shanghai)
	sv, err := r.hub.Supervision(context.Background(), hub.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	var past []string
	for _, c := range sv.CasesPastLimit {
		past = append(past, c.Case)
		if c.Opened != "2026-11-20" || c.Due < "2027-02-18" || c.DaysOver < 1 || c.Rule != "行政处罚法第六十条" || c.Act != casework.ActPenalty {
			t.Errorf("case past limit %+v", c)
		}
	}
	slices.Sort(past)
	want := []string{r.caseC, r.caseD, r.caseOther}
	slices.Sort(want)
	if !slices.Equal(past, want) {
		t.Errorf("past the limit %q, want %q (the undecided penalty cases)", past, want)
	}
}

// A scope holds its agency's part only; a case outside it is no case.
func TestSupervisionScope(t *testing.T) {
	r := newRecord(t)
	ctx := context.Background()
	sv, err := r.hub.Supervision(ctx, hub.Scope{Agency: otherAgency})
	if err != nil {
		t.Fatal(err)
	}
	if len(sv.Agencies) != 1 || sv.Agencies[0].Agency != otherAgency || sv.Agencies[0].Cases != 1 || len(sv.OverduePublications) != 0 ||
		len(sv.AVGaps) != 0 || len(sv.Reviews) != 0 || len(sv.Terminals) != 1 || sv.Terminals[0].Agency != otherAgency {
		t.Errorf("the other agency's overview %+v", sv)
	}
	for _, agency := range []string{"nope", `' OR 1=1 --`, strings.Repeat("局", 100000)} {
		sv, err := r.hub.Supervision(ctx, hub.Scope{Agency: agency})
		if err != nil || len(sv.Agencies) != 0 || len(sv.Terminals) != 0 || len(sv.OverduePublications) != 0 || len(sv.Monthly) != 12 {
			t.Errorf("scope %.20q: %+v, %v", agency, sv, err)
		}
	}
	for _, c := range []struct {
		scope hub.Scope
		id    string
	}{
		{hub.Scope{Agency: otherAgency}, r.caseA},
		{hub.Scope{Agency: terminaltest.Agency}, r.caseOther},
		{hub.Scope{}, "c-unknown"},
		{hub.Scope{}, `"><img src=x onerror=alert(1)>`},
		{hub.Scope{}, strings.Repeat("c", 100000)},
	} {
		if _, _, err := r.hub.CaseTimeline(ctx, c.scope, c.id); !errors.Is(err, hub.ErrNoCase) {
			t.Errorf("case %.20q in %q: %v", c.id, c.scope.Agency, err)
		}
	}
}

// A case's timeline: its events in log order, each said in a line.
func TestCaseTimeline(t *testing.T) {
	r := newRecord(t)
	ctx := context.Background()
	sum, entries, err := r.hub.CaseTimeline(ctx, hub.Scope{Agency: terminaltest.Agency}, r.caseA)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Case != r.caseA || sum.Number != "示市监罚〔2026〕11号" || sum.Title != "销售过期食品" || sum.Act != casework.ActPenalty ||
		sum.Publication != r.pubA || sum.Decision == nil || sum.Decision.Penalties[0].AmountYuan != "5000" || sum.Agency != terminaltest.Agency {
		t.Errorf("summary %+v", sum)
	}
	if got := lines(entries); !slices.Equal(got, []string{
		"case.opened 立案：示市监罚〔2026〕11号 销售过期食品（行政处罚）",
		"doc.drafted 保存文书草稿：行政处罚决定书",
		"doc.finalized 文书定稿：行政处罚决定书 第1版",
		"publicity.published 公示决定（" + r.pubA + "）",
	}) {
		t.Errorf("timeline of A:\n%s", strings.Join(got, "\n"))
	}
	for i := 1; i < len(entries); i++ {
		if entries[i].At.Before(entries[i-1].At) || entries[i].Digest.IsZero() || entries[i].Terminal != r.f.Desk.Info.ID {
			t.Errorf("entry %d: %+v", i, entries[i])
		}
	}
	_, entries, err = r.hub.CaseTimeline(ctx, hub.Scope{}, r.caseD)
	if err != nil {
		t.Fatal(err)
	}
	if got := lines(entries); len(got) != 3 || !strings.HasPrefix(got[1], "step.recorded 记录查封扣押（2026-11-20 10:16至10:40）") ||
		got[2] != "step.footage_linked 关联音像记录 "+r.footage.String()[:12] {
		t.Errorf("timeline of D:\n%s", strings.Join(got, "\n"))
	}
	_, entries, err = r.hub.CaseTimeline(ctx, hub.Scope{}, r.caseMajor)
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(lines(entries), "\n")
	for _, want := range []string{"拟作决定：行政处罚", "提交法制审核（第1轮，重大执法决定（fine-individual）", "指定第1轮审核人员：o-007",
		"第1轮审核意见：同意", "文书定稿：行政处罚决定书 第1版"} {
		if !strings.Contains(all, want) {
			t.Errorf("timeline of the major case lacks %q:\n%s", want, all)
		}
	}
}

func lines(entries []hub.TimelineEntry) []string {
	var out []string
	for _, e := range entries {
		out = append(out, e.Type+" "+e.Summary)
	}
	return out
}
