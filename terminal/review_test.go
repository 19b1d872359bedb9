package terminal_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"lawtrail/assets"
	"lawtrail/casework"
	"lawtrail/terminal"
	"lawtrail/terminal/terminaltest"
)

// penaltyDraft is a complete 行政处罚决定书 fining an organisation yuan.
func penaltyDraft(caseID, doc, yuan string) terminal.DocumentDraft {
	return terminal.DocumentDraft{Doc: doc, Case: caseID, Template: "penalty_decision", Fields: map[string]json.RawMessage{
		"doc_no":     json.RawMessage(`"示市监罚〔2026〕7号"`),
		"party":      json.RawMessage(`{"name":"某某食品有限公司","id_no":"91350100MA00000000","address":"某路1号","legal_rep":"李四","phone":""}`),
		"facts":      json.RawMessage(`"销售过期食品。"`),
		"basis":      json.RawMessage(`"《食品安全法》第一百二十四条。"`),
		"penalty":    json.RawMessage(`"罚款。"`),
		"fine":       json.RawMessage(yuan),
		"decision":   json.RawMessage(`{"act":"penalty","party_kind":"organisation","penalties":[{"kind":"fine","amount_yuan":` + yuan + `}]}`),
		"payment":    json.RawMessage(`"十五日内缴纳。"`),
		"remedies":   json.RawMessage(`"六十日内申请行政复议。"`),
		"decided_at": json.RawMessage(`"2026-11-25 10:00"`),
	}}
}

type reviewDesk struct {
	f                       *terminaltest.Fixture
	officer, reviewer, head *terminal.Session
	caseID                  string
}

func newReviewDesk(t *testing.T) reviewDesk {
	f := terminaltest.New(t)
	f.Enroll(t, "o-002", "李四", "35010000002", "246802", casework.RoleOfficer)
	f.Enroll(t, "o-003", "王五", "", "246803", casework.RoleReviewer)
	f.Enroll(t, "o-004", "赵六", "", "246804", casework.RoleHead)
	d := reviewDesk{f: f, officer: f.Login(t, "o-002", "246802"), reviewer: f.Login(t, "o-003", "246803"), head: f.Login(t, "o-004", "246804")}
	c, err := d.officer.OpenCase(context.Background(), terminal.NewCase{Number: "示市监罚〔2026〕7号", Title: "销售过期食品"})
	if err != nil {
		t.Fatal(err)
	}
	d.caseID = c.Case
	return d
}

// submitAssigned drafts a decision fining the organisation yuan, submits it
// for review and has the head assign the reviewer 王五 (o-003).
func (d reviewDesk) submitAssigned(t *testing.T, yuan string) (casework.DocumentContent, casework.ReviewSubmitted) {
	t.Helper()
	ctx := context.Background()
	draft, err := d.officer.SaveDraft(ctx, penaltyDraft(d.caseID, "", yuan))
	if err != nil {
		t.Fatal(err)
	}
	sub, err := d.officer.SubmitReview(ctx, terminal.Submission{Case: d.caseID, Doc: draft.Doc})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.head.AssignReview(ctx, sub.Review, "o-003"); err != nil {
		t.Fatal(err)
	}
	return draft, sub
}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := terminal.Code(err); got != code {
		t.Fatalf("%s: %v (code %q), want code %q", what, err, got, code)
	}
}

// L1, L4–L8: a fine of 200,000 yuan on an organisation is major under the
// shipped list (its criterion named); its decision is not finalized before
// a passed review of exactly that draft; a round with problems, the fix
// resubmitted, 同意, finalized; a change after 同意 is held again.
func TestMajorDecisionGatedByReview(t *testing.T) {
	ctx := context.Background()
	d := newReviewDesk(t)
	draft, err := d.officer.SaveDraft(ctx, penaltyDraft(d.caseID, "", "200000"))
	if err != nil {
		t.Fatal(err)
	}
	doc := draft.Doc
	cd, has, err := d.f.Terminal.CaseDecision(ctx, d.caseID)
	if err != nil || !has || !cd.Major || len(cd.Matched) != 1 || cd.Matched[0].ID != "fine-organisation" {
		t.Fatalf("case decision %+v %v %v, want major by fine-organisation", cd, has, err)
	}
	_, err = d.officer.FinalizeLatestDraft(ctx, doc, nil)
	wantCode(t, "finalizing before review", err, terminal.CodeReviewRequired)
	if !strings.Contains(err.Error(), "对法人或者其他组织处以十万元以上罚款") {
		t.Fatalf("the refusal does not name the criterion: %v", err)
	}
	err = d.officer.AdvanceCase(ctx, d.caseID, casework.PhaseExecution)
	wantCode(t, "advancing to 送达执行 before review", err, terminal.CodeReviewRequired)

	sub, err := d.officer.SubmitReview(ctx, terminal.Submission{Case: d.caseID, Doc: doc})
	if err != nil {
		t.Fatal(err)
	}
	if sub.Round != 1 || sub.Due == "" || sub.DocHash == nil {
		t.Fatalf("submission %+v", sub)
	}
	// 回避: the handling officer is refused as reviewer; a reviewer may not
	// assign another; the head assigns the reviewer.
	wantCode(t, "an officer who is no reviewer", d.head.AssignReview(ctx, sub.Review, "o-002"), terminal.CodeRole)
	d.f.Enroll(t, "o-005", "钱七", "35010000005", "246805", casework.RoleOfficer, casework.RoleReviewer)
	both := d.f.Login(t, "o-005", "246805")
	at := d.f.Clock.Now()
	if _, err := both.RecordStep(ctx, terminal.NewStep{Case: d.caseID, Kind: casework.StepInterview, Start: at, End: at.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "a reviewer who took part in the case", d.head.AssignReview(ctx, sub.Review, "o-005"), terminal.CodeRecused)
	wantCode(t, "a reviewer who took part taking it themselves", both.AssignReview(ctx, sub.Review, "o-005"), terminal.CodeRecused)
	wantCode(t, "a reviewer assigning another", d.reviewer.AssignReview(ctx, sub.Review, "o-004"), terminal.CodeRole)
	if err := d.head.AssignReview(ctx, sub.Review, "o-003"); err != nil {
		t.Fatal(err)
	}
	_, err = d.head.GiveOpinion(ctx, sub.Review, terminal.Opinion{Outcome: casework.OutcomeAgree})
	wantCode(t, "an opinion by someone not assigned", err, terminal.CodeRole)
	_, err = d.reviewer.GiveOpinion(ctx, sub.Review, terminal.Opinion{Outcome: casework.OutcomeProblems,
		Checklist: []casework.ChecklistEntry{{Item: casework.CheckBasis, Finding: casework.FindingProblem, Note: "裁量过重"}},
		Problems:  "罚款数额与裁量基准不符", Changes: "按基准调整为十五万元"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = d.officer.FinalizeLatestDraft(ctx, doc, nil)
	wantCode(t, "finalizing after 存在问题", err, terminal.CodeReviewRequired)

	// The fix: a new draft, resubmitted as round 2, agreed.
	if _, err := d.officer.SaveDraft(ctx, penaltyDraft(d.caseID, doc, "150000")); err != nil {
		t.Fatal(err)
	}
	sub2, err := d.officer.SubmitReview(ctx, terminal.Submission{Case: d.caseID, Doc: doc})
	if err != nil || sub2.Round != 2 || sub2.Review != sub.Review {
		t.Fatalf("resubmission %+v: %v", sub2, err)
	}
	if err := d.reviewer.AssignReview(ctx, sub.Review, "o-003"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.reviewer.GiveOpinion(ctx, sub.Review, terminal.Opinion{Outcome: casework.OutcomeAgree}); err != nil {
		t.Fatal(err)
	}
	// A change after 同意 is held until reviewed again.
	if _, err := d.officer.SaveDraft(ctx, penaltyDraft(d.caseID, doc, "180000")); err != nil {
		t.Fatal(err)
	}
	_, err = d.officer.FinalizeLatestDraft(ctx, doc, nil)
	wantCode(t, "finalizing a decision changed after 同意", err, terminal.CodeReviewRequired)
	if _, err := d.officer.SaveDraft(ctx, penaltyDraft(d.caseID, doc, "150000")); err != nil {
		t.Fatal(err)
	}
	if _, err := d.officer.FinalizeLatestDraft(ctx, doc, nil); err != nil {
		t.Fatalf("finalizing the reviewed draft: %v", err)
	}
	if err := d.officer.AdvanceCase(ctx, d.caseID, casework.PhaseExecution); err != nil {
		t.Fatalf("advancing after 同意: %v", err)
	}
	rounds, err := d.f.Terminal.ReviewRounds(ctx, sub.Review)
	if err != nil || len(rounds) != 2 || rounds[0].Outcome != casework.OutcomeProblems || rounds[1].Outcome != casework.OutcomeAgree {
		t.Fatalf("rounds %+v: %v", rounds, err)
	}
	if rounds[0].Checklist[3].Finding != casework.FindingProblem || len(rounds[0].Checklist) != 7 {
		t.Fatalf("round 1's checklist %+v", rounds[0].Checklist)
	}
	checkStore(t, d.f)
}

// L7: a disputed opinion goes to a head, who resolves it after a collective
// discussion; proceeding lets the reviewed decision be finalized.
func TestDisputeResolvedByHead(t *testing.T) {
	ctx := context.Background()
	d := newReviewDesk(t)
	draft, sub := d.submitAssigned(t, "200000")
	wantCode(t, "a dispute before any opinion", d.officer.DisputeReview(ctx, sub.Review, "不同意"), terminal.CodeRule)
	if _, err := d.reviewer.GiveOpinion(ctx, sub.Review, terminal.Opinion{Outcome: casework.OutcomeProblems, Problems: "证据不足",
		Checklist: []casework.ChecklistEntry{{Item: casework.CheckFacts, Finding: casework.FindingProblem, Note: "缺少检验报告"}}}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "a head resolving an undisputed round",
		d.head.ResolveReview(ctx, sub.Review, casework.ResolutionProceed, "照准", nil), terminal.CodeRule)
	if err := d.officer.DisputeReview(ctx, sub.Review, "检验报告已在卷，审核人员漏看"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "a reviewer resolving", d.reviewer.ResolveReview(ctx, sub.Review, casework.ResolutionProceed, "照准", nil), terminal.CodeRole)
	_, err := d.officer.SubmitReview(ctx, terminal.Submission{Case: d.caseID, Doc: draft.Doc})
	wantCode(t, "resubmitting while the dispute is open", err, terminal.CodeRule)
	col := &casework.Collective{Held: "2026-11-26", Attendees: []string{"赵六", "王五", "李四"}, Conclusion: "检验报告在卷，证据充分，按原决定执行。"}
	if err := d.head.ResolveReview(ctx, sub.Review, casework.ResolutionProceed, "经集体讨论，按原决定执行", col); err != nil {
		t.Fatal(err)
	}
	if _, err := d.officer.FinalizeLatestDraft(ctx, draft.Doc, nil); err != nil {
		t.Fatalf("finalizing after the head's resolution: %v", err)
	}
	rounds, err := d.f.Terminal.ReviewRounds(ctx, sub.Review)
	if err != nil || rounds[0].Collective == nil || len(rounds[0].Collective.Attendees) != 3 || rounds[0].Resolution != casework.ResolutionProceed {
		t.Fatalf("rounds %+v: %v", rounds, err)
	}
	checkStore(t, d.f)
}

// A decision the list does not make major is never held up: a 5,000 yuan
// fine on an organisation is finalized and served with no review.
func TestNonMajorDecisionNeverHeld(t *testing.T) {
	ctx := context.Background()
	d := newReviewDesk(t)
	draft, err := d.officer.SaveDraft(ctx, penaltyDraft(d.caseID, "", "5000"))
	if err != nil {
		t.Fatal(err)
	}
	if cd, _, _ := d.f.Terminal.CaseDecision(ctx, d.caseID); cd.Major {
		t.Fatalf("5000 yuan judged major: %+v", cd.Matched)
	}
	if _, err := d.officer.FinalizeLatestDraft(ctx, draft.Doc, nil); err != nil {
		t.Fatal(err)
	}
	if err := d.officer.AdvanceCase(ctx, d.caseID, casework.PhaseExecution); err != nil {
		t.Fatal(err)
	}
}

// A decision set on the case before any document (case decision) is what
// is reviewed and gates 送达执行.
func TestDecisionOnTheCaseGatesExecution(t *testing.T) {
	ctx := context.Background()
	d := newReviewDesk(t)
	dec, err := casework.ParseDecision([]byte(`{"act":"penalty","party_kind":"individual","penalties":[{"kind":"revoke_licence","object":"食品经营许可证"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := d.officer.ProposeDecision(ctx, d.caseID, dec); err != nil {
		t.Fatal(err)
	}
	err = d.officer.AdvanceCase(ctx, d.caseID, casework.PhaseExecution)
	wantCode(t, "serving a licence revocation unreviewed", err, terminal.CodeReviewRequired)
	if !errors.Is(err, casework.ErrReviewRequired) || !strings.Contains(err.Error(), "吊销许可证件") {
		t.Fatalf("refusal: %v", err)
	}
	sub, err := d.officer.SubmitReview(ctx, terminal.Submission{Case: d.caseID})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.reviewer.AssignReview(ctx, sub.Review, "o-003"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.reviewer.GiveOpinion(ctx, sub.Review, terminal.Opinion{Outcome: casework.OutcomeAgree}); err != nil {
		t.Fatal(err)
	}
	if err := d.officer.AdvanceCase(ctx, d.caseID, casework.PhaseExecution); err != nil {
		t.Fatal(err)
	}
}

func checkStore(t *testing.T, f *terminaltest.Fixture) {
	t.Helper()
	rep, err := f.Terminal.Store().Check(context.Background(), mustTrusted(t, f))
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Fatalf("check: %v", rep.Problems)
	}
}

// An agency whose published list asks a head's approval of every
// submission: without it the submission is refused; the head approving
// with their own PIN co-signs it; a wrong PIN records nothing.
func TestHeadApprovalWhereThePolicyAsks(t *testing.T) {
	ctx := context.Background()
	d := newReviewDesk(t)
	list := strings.Replace(string(assets.MajorDecisions), `"head_approval": false`, `"head_approval": true`, 1)
	list = strings.Replace(list, `"version": 1`, `"version": 2`, 1)
	if _, err := d.f.Admin.PublishConfig(ctx, terminal.ConfigFile{Content: []byte(list)}); err != nil {
		t.Fatal(err)
	}
	if !d.f.Terminal.Config().MajorList.Review.HeadApproval {
		t.Fatal("the published list is not in force")
	}
	draft, err := d.officer.SaveDraft(ctx, penaltyDraft(d.caseID, "", "200000"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = d.officer.SubmitReview(ctx, terminal.Submission{Case: d.caseID, Doc: draft.Doc})
	wantCode(t, "a submission without the head's approval", err, terminal.CodeRule)
	_, err = d.officer.SubmitReview(ctx, terminal.Submission{Case: d.caseID, Doc: draft.Doc, Approver: &terminal.Witness{Officer: "o-004", PIN: []byte("000000")}})
	wantCode(t, "the head's wrong PIN", err, terminal.CodeWrongPIN)
	_, err = d.officer.SubmitReview(ctx, terminal.Submission{Case: d.caseID, Doc: draft.Doc, Approver: &terminal.Witness{Officer: "o-003", PIN: []byte("246803")}})
	wantCode(t, "a reviewer approving as head", err, terminal.CodeRole)
	sub, err := d.officer.SubmitReview(ctx, terminal.Submission{Case: d.caseID, Doc: draft.Doc, Approver: &terminal.Witness{Officer: "o-004", PIN: []byte("246804")}})
	if err != nil || sub.ApprovedBy != "o-004" {
		t.Fatalf("approved submission %+v: %v", sub, err)
	}
	checkStore(t, d.f)
}
