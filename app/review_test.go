package app

import (
	"context"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"lawtrail/casework"
	"lawtrail/evidence"
	"lawtrail/store"
	"lawtrail/terminal"
)

// Legal review in the app, from the handling officer's draft to a signed
// opinion and back (DOMAIN L1, L5, L8: a major decision is not finalized
// without a passed review; the reviewer works the seven-item checklist;
// each act is signed by the person who makes it). 张三 drafts a 行政处罚决定书
// fining an organisation 200,000 yuan — major under the shipped list — and
// finalizing it is refused in words with nothing recorded; he submits it
// with the case view's button; 王五, a reviewer, logs in, finds it under
// 待分配, takes it, marks 法律依据 存在问题 with a note and signs 存在问题;
// the record holds that opinion signed by 王五. 张三 reads the opinion in
// the case view, drafts 150,000 yuan and resubmits; 王五 agrees; 张三 reads
// 同意 and the decision is finalized.
func TestUIReviewDeskFromQueueToSignedOpinion(t *testing.T) {
	defer holdUI()()
	u, d, _ := demoUI(t)
	ctx := context.Background()
	eventually(t, "the main screen", func() bool { return u.main != nil })
	if u.main.Review != nil || tabNamed(u.main, lang.L("tab.review")) != nil {
		t.Fatal("an officer who is neither reviewer nor head has the reviewer's desk")
	}
	enrollReviewer(t, u) // 王五, o-003, PIN 864203

	// 张三 drafts the decision; finalizing it before review is refused.
	c, row := openDemoCase(t, u)
	ed := newPenaltyDecision(t, u, c, "200000")
	eventually(t, "the case view to show the decision as major", func() bool {
		text := objectText(c.Timeline)
		return strings.Contains(text, "罚款 200000 元") && strings.Contains(text, "对法人或者其他组织处以十万元以上罚款")
	})
	before := eventCount(t, u)
	ed.Status.SetText("")
	test.Tap(ed.Finalize)
	eventually(t, "the refusal to finalize", func() bool { return ed.Status.Text != "" })
	if !says(ed.Status.Text, "err.review_required") || eventCount(t, u) != before {
		t.Fatalf("finalizing a major decision before review: %q, %d events recorded", ed.Status.Text, eventCount(t, u)-before)
	}
	ed.win.Close()
	submitted := tapCaseReview(t, u, c, lang.L("review.submit"))
	if len(submitted) != 1 || submitted[0].Doc != ed.DocID || submitted[0].SubmittedBy != d.Officer {
		t.Fatalf("the submission %+v, want %s's draft %s", submitted, d.Officer, ed.DocID)
	}
	review := submitted[0].ID

	// 王五 takes it from 待分配 and gives 存在问题.
	rd := openDesk(t, u, "王五", "864203")
	giveOpinion(t, u, rd, review, func() {
		basis := rd.Checklist[slices.Index(casework.CheckItems, casework.CheckBasis)]
		basis.Finding.SetSelected(casework.FindingProblem.Label())
		test.Type(basis.Note, "裁量过重")
		rd.Outcome.SetSelected(casework.OutcomeProblems.Label())
		test.Type(rd.Problems, "罚款数额与裁量基准不符")
		test.Type(rd.Changes, "按基准调整为十五万元")
	})
	rounds, err := u.term.ReviewRounds(ctx, review)
	if err != nil || len(rounds) != 1 {
		t.Fatalf("rounds %+v: %v", rounds, err)
	}
	r1 := rounds[0]
	if r1.Outcome != casework.OutcomeProblems || r1.OpinionBy != "o-003" || r1.Problems != "罚款数额与裁量基准不符" ||
		r1.Changes != "按基准调整为十五万元" || len(r1.Checklist) != len(casework.CheckItems) {
		t.Fatalf("round 1 %+v", r1)
	}
	for _, e := range r1.Checklist {
		want := casework.ChecklistEntry{Item: e.Item, Finding: casework.FindingOK}
		if e.Item == casework.CheckBasis {
			want = casework.ChecklistEntry{Item: e.Item, Finding: casework.FindingProblem, Note: "裁量过重"}
		}
		if e != want {
			t.Errorf("checklist %s: %+v, want %+v", e.Item, e, want)
		}
	}
	signedBy(t, u, r1.OpinionTerminal, r1.OpinionSeq, "o-003")

	// 张三 reads the opinion, drafts the fix and resubmits.
	loginAs(t, u, "张三", d.PIN)
	c, _ = openDemoCase(t, u)
	eventually(t, "the opinion in the case view", func() bool {
		return strings.Contains(c.Review.Opinion.Text, casework.OutcomeProblems.Label()) &&
			strings.Contains(c.Review.Opinion.Text, "罚款数额与裁量基准不符") && strings.Contains(c.Review.Opinion.Text, "裁量过重")
	})
	if findButton(c.Timeline, lang.L("review.dispute")) == nil {
		t.Error("no 提出异议 after 存在问题")
	}
	ed = newPenaltyDecision(t, u, c, "150000")
	resubmitted := tapCaseReview(t, u, c, lang.L("review.resubmit"))
	if len(resubmitted) != 2 || resubmitted[1].Doc != ed.DocID || resubmitted[1].Decision.Penalties[0].AmountYuan != "150000" {
		t.Fatalf("the resubmission %+v", resubmitted)
	}

	// 王五 agrees with round 2.
	rd = openDesk(t, u, "王五", "864203")
	giveOpinion(t, u, rd, review, func() { rd.Outcome.SetSelected(casework.OutcomeAgree.Label()) })
	rounds, err = u.term.ReviewRounds(ctx, review)
	if err != nil || len(rounds) != 2 || rounds[1].Outcome != casework.OutcomeAgree || rounds[1].OpinionBy != "o-003" {
		t.Fatalf("rounds %+v: %v", rounds, err)
	}
	signedBy(t, u, rounds[1].OpinionTerminal, rounds[1].OpinionSeq, "o-003")

	// 张三 reads 同意, and the reviewed draft is finalized.
	loginAs(t, u, "张三", d.PIN)
	c, _ = openDemoCase(t, u)
	eventually(t, "同意 in the case view", func() bool {
		return strings.HasPrefix(c.Review.Opinion.Text, lang.X("review.round", "", map[string]any{"Round": 2, "By": "张三",
			"At": rounds[1].SubmittedAt.In(casework.Shanghai).Format(timeLayout), "State": reviewState(rounds[1], nil)}))
	})
	if findButton(c.Timeline, lang.L("review.resubmit")) != nil || findButton(c.Timeline, lang.L("review.dispute")) != nil {
		t.Error("resubmit or dispute offered after 同意 of the decision as it stands")
	}
	ed.Status.SetText("")
	test.Tap(ed.Finalize)
	eventually(t, "the reviewed decision finalized", func() bool { return ed.Finalized == 1 })
	if row.ID != ed.Case {
		t.Fatalf("the editor's case %s, the demo case %s", ed.Case, row.ID)
	}
}

// The decision field reads and writes the JSON casework.ParseDecision
// accepts, and says in words why a form is not yet a decision.
func TestDecisionInputRoundTrip(t *testing.T) {
	defer holdUI()()
	test.NewTempApp(t)
	d := NewDecisionInput()
	if _, filled := d.JSON(); filled {
		t.Fatal("a form with no party kind states a decision")
	}
	d.PartyKind.SetSelected(casework.PartyOrganisation.Label())
	test.Tap(d.AddPenalty)
	d.Penalties[0].Kind.SetSelected(casework.PenaltyFine.Label())
	if _, filled := d.JSON(); filled || d.Problem.Text != lang.X("decision.err.amount", "", map[string]any{"Kind": "罚款"}) {
		t.Fatalf("a fine with no amount: problem %q", d.Problem.Text)
	}
	test.Type(d.Penalties[0].Amount, "200000")
	test.Tap(d.AddPenalty)
	d.Penalties[1].Kind.SetSelected(casework.PenaltyRevokeLicence.Label())
	if !d.Penalties[1].Amount.Disabled() {
		t.Error("a licence revocation asks for an amount")
	}
	test.Type(d.Penalties[1].Object, "食品经营许可证")
	d.Hearing.SetSelected(casework.HearingHeld.Label())
	d.Crime.SetChecked(true)
	d.Flags.SetSelected([]string{casework.FlagComplex.Label()})
	raw, filled := d.JSON()
	if !filled || d.Problem.Text != "" {
		t.Fatalf("a complete decision: %s %v %q", raw, filled, d.Problem.Text)
	}
	want := `{"act":"penalty","party_kind":"organisation","penalties":[{"kind":"fine","amount_yuan":200000},` +
		`{"kind":"revoke_licence","object":"食品经营许可证"}],"hearing":"held","crime_transfer":true,"flags":["complex"]}`
	if string(raw) != want {
		t.Fatalf("decision JSON\n%s\nwant\n%s", raw, want)
	}
	again := NewDecisionInput()
	again.SetJSON(string(raw))
	if back, _ := again.JSON(); string(back) != want {
		t.Fatalf("read back: %s", back)
	}
}

// tabNamed is the main screen's tab with text, nil when there is none.
func tabNamed(m *Main, text string) *container.TabItem {
	for _, it := range m.Tabs.Items {
		if it.Text == text {
			return it
		}
	}
	return nil
}

// openDemoCase selects the demo case on the cases tab and waits for its
// view, the review part included.
func openDemoCase(t *testing.T, u *UI) (*Cases, store.CaseRow) {
	t.Helper()
	c := u.main.Cases
	fyne.DoAndWait(func() { u.main.Tabs.Select(tabNamed(u.main, lang.L("tab.cases"))) })
	eventually(t, "the demo case", func() bool { return c.List.Length() == 1 })
	fyne.DoAndWait(func() { c.List.Select(0) })
	eventually(t, "the case view", func() bool {
		return c.Selected != nil && strings.Contains(objectText(c.Timeline), lang.L("review.title"))
	})
	return c, *c.Selected
}

// newPenaltyDecision opens a 行政处罚决定书 for the case open, fills it
// fining an organisation yuan (the decision field through its widgets) and
// saves the draft.
func newPenaltyDecision(t *testing.T, u *UI, c *Cases, yuan string) *DocumentEditor {
	t.Helper()
	fyne.DoAndWait(func() {
		c.DocTemplate.SetSelected("行政处罚决定书")
		c.OpenEditor(u)
	})
	ed := c.Editor
	if ed.Decision == nil {
		t.Fatal("the 行政处罚决定书 has no decision field")
	}
	for key, v := range map[string]string{"doc_no": "示市监罚〔2026〕7号", "party": "某某食品有限公司", "facts": "销售过期食品。",
		"basis": "《食品安全法》第一百二十四条。", "penalty": "罚款。", "fine": yuan, "payment": "十五日内缴纳。", "remedies": "六十日内申请行政复议。"} {
		ed.Set(key, v)
	}
	if c.Review.state.has { // a new draft starts from the decision as it stands
		if got, _ := ed.Decision.JSON(); string(got) != string(c.Review.state.decision.Decision.Canonical()) {
			t.Fatalf("the new draft's decision %s, the case's %s", got, c.Review.state.decision.Decision.Canonical())
		}
	} else {
		ed.Decision.PartyKind.SetSelected(casework.PartyOrganisation.Label())
		test.Tap(ed.Decision.AddPenalty)
		ed.Decision.Penalties[0].Kind.SetSelected(casework.PenaltyFine.Label())
	}
	ed.Decision.Penalties[0].Amount.SetText("")
	test.Type(ed.Decision.Penalties[0].Amount, yuan)
	test.Tap(ed.Save)
	eventually(t, "the draft saved", func() bool { return ed.Status.Text != "" })
	if ed.Status.Text != lang.L("doc.saved") {
		t.Fatalf("saving the draft: %q", ed.Status.Text)
	}
	eventually(t, "the case view to show the decision", func() bool {
		return strings.Contains(objectText(c.Timeline), "罚款 "+yuan+" 元") && c.Review.state.doc == ed.DocID
	})
	return ed
}

// tapCaseReview taps the case view's submit button labelled label and
// returns the case's review rounds once one more is recorded.
func tapCaseReview(t *testing.T, u *UI, c *Cases, label string) []store.ReviewRound {
	t.Helper()
	b := findButton(c.Timeline, label)
	if b == nil {
		t.Fatalf("no %q in the case view:\n%s", label, objectText(c.Timeline))
	}
	before := len(c.Review.state.rounds)
	c.Status.SetText("")
	test.Tap(b)
	eventually(t, "the submission", func() bool { return c.Status.Text != "" })
	if c.Status.Text != lang.L("cases.saved") {
		t.Fatalf("%s: %q", label, c.Status.Text)
	}
	rounds, err := u.st().CaseReviewRounds(context.Background(), c.Selected.ID)
	if err != nil || len(rounds) != before+1 {
		t.Fatalf("rounds after %s: %+v, %v", label, rounds, err)
	}
	return rounds
}

// enrollReviewer has the logged-in admin enroll 王五 (o-003, PIN 864203), a
// legal reviewer.
func enrollReviewer(t *testing.T, u *UI) {
	t.Helper()
	if _, err := u.sess.EnrollOfficer(context.Background(), terminal.NewOfficer{ID: "o-003", Name: "王五", CredentialNo: "35010000003",
		Roles: []casework.Role{casework.RoleReviewer}, PIN: []byte("864203")}); err != nil {
		t.Fatal(err)
	}
}

// loginAs switches to the officer named name.
func loginAs(t *testing.T, u *UI, name, pin string) {
	t.Helper()
	u.showLogin()
	l := u.login
	var label string
	eventually(t, name+" on the login list", func() bool {
		i := slices.IndexFunc(l.Officer.Options, func(o string) bool { return strings.HasPrefix(o, name) })
		if i >= 0 {
			label = l.Officer.Options[i]
		}
		return i >= 0
	})
	fyne.DoAndWait(func() { l.Officer.SetSelected(label) })
	test.Type(l.PIN, pin)
	test.Tap(l.Submit)
	eventually(t, name+" logged in", func() bool { return u.main != nil && u.sess != nil && u.sess.Officer.Name == name })
}

// openDesk logs in the reviewer and opens the 法制审核 tab.
func openDesk(t *testing.T, u *UI, name, pin string) *ReviewDesk {
	t.Helper()
	loginAs(t, u, name, pin)
	tab := tabNamed(u.main, lang.L("tab.review"))
	if tab == nil || u.main.Review == nil {
		t.Fatalf("%s, a reviewer, has no 法制审核 tab", name)
	}
	fyne.DoAndWait(func() { u.main.Tabs.Select(tab) })
	return u.main.Review
}

// giveOpinion finds the review under 待分配, takes it (领取), sees it under
// 我的, fills the opinion with fill and signs it.
func giveOpinion(t *testing.T, u *UI, rd *ReviewDesk, review string, fill func()) {
	t.Helper()
	if rd.Queue.Selected != lang.L("review.queue.new") {
		t.Fatalf("the desk opens on %q, not 待分配", rd.Queue.Selected)
	}
	eventually(t, "the review under 待分配", func() bool { return len(rd.Shown()) == 1 && rd.Shown()[0].ID == review })
	fyne.DoAndWait(func() { rd.List.Select(0) })
	eventually(t, "the review as submitted", func() bool { return findButton(rd.Detail, lang.L("review.take")) != nil })
	draft, _ := findObject(rd.Detail, func(c fyne.CanvasObject) bool { _, ok := c.(*widget.Accordion); return ok }).(*widget.Accordion)
	if draft == nil {
		t.Fatal("the draft decision document is not offered to read")
	}
	fyne.DoAndWait(func() { draft.Open(0) })
	text := objectText(rd.Detail)
	// The decision, why it is major, the draft, and the case's steps with
	// their audio/video coverage (the demo's 现场检查 is to be filmed).
	for _, want := range []string{"罚款", "对法人或者其他组织处以十万元以上罚款", "违法事实和证据：销售过期食品。", lang.L("step.onsite_inspection")} {
		if !strings.Contains(text, want) {
			t.Errorf("the review as submitted does not say %q:\n%s", want, text)
		}
	}
	suggested := strings.TrimSpace(lang.X("cases.av.suggested", "", map[string]any{"Gaps": ""}))
	if !strings.Contains(text, suggested) && !strings.Contains(text, lang.L("cases.av.complete")) {
		t.Errorf("the review as submitted does not say the step's audio/video coverage (%q):\n%s", suggested, text)
	}
	test.Tap(findButton(rd.Detail, lang.L("review.take")))
	eventually(t, "the opinion form", func() bool { return findButton(rd.Detail, lang.L("review.sign")) != nil })
	fyne.DoAndWait(func() { rd.Queue.SetSelected(lang.L("review.queue.mine")) })
	eventually(t, "the review under 我的", func() bool { return len(rd.Shown()) == 1 && rd.Shown()[0].Reviewer == u.sess.Officer.ID })
	fill()
	rd.Status.SetText("")
	test.Tap(rd.Sign)
	eventually(t, "the opinion signed", func() bool { return rd.Status.Text != "" })
	if rd.Status.Text != lang.L("cases.saved") {
		t.Fatalf("signing the opinion: %q", rd.Status.Text)
	}
	eventually(t, "no opinion form once signed", func() bool {
		return rd.Current != nil && !rd.Current.Pending() && findButton(rd.Detail, lang.L("review.sign")) == nil
	})
}

// signedBy checks that the event at terminal, seq is co-signed by officer,
// and that every signature of the record verifies.
func signedBy(t *testing.T, u *UI, term string, seq uint64, officer string) {
	t.Helper()
	ctx := context.Background()
	evs, err := u.st().EventsFrom(ctx, term, seq, 1)
	if err != nil || len(evs) != 1 {
		t.Fatalf("event %s/%d: %v", term, seq, err)
	}
	if !slices.ContainsFunc(evs[0].CoSigs, func(c evidence.CoSignature) bool { return c.Officer == officer }) {
		t.Fatalf("event %s/%d is not co-signed by %s: %+v", term, seq, officer, evs[0].CoSigs)
	}
	trusted, err := store.TrustedKeys(u.dir)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := u.st().Check(ctx, trusted)
	if err != nil || !rep.OK() {
		t.Fatalf("check: %v %v", rep.Problems, err)
	}
}

// objectText is every label's text inside o, one a line.
func objectText(o fyne.CanvasObject) string {
	var lines []string
	findObject(o, func(c fyne.CanvasObject) bool {
		if l, ok := c.(*widget.Label); ok {
			lines = append(lines, l.Text)
		}
		return false
	})
	return strings.Join(lines, "\n")
}

// A dispute goes to a head (DOMAIN L7: the handling unit may dispute an
// opinion; a head decides, after a collective discussion where one is
// held): 赵六, a head, assigns the review to 王五 (only reviewers are
// offered); 王五 finds 存在问题; 张三 disputes it in the case view; 赵六 finds
// it under 争议 and resolves it to go ahead after a collective discussion;
// the decision as reviewed is then finalized.
func TestUIReviewDisputeResolvedByHead(t *testing.T) {
	defer holdUI()()
	u, d, _ := demoUI(t)
	ctx := context.Background()
	eventually(t, "the main screen", func() bool { return u.main != nil })
	for _, o := range []terminal.NewOfficer{
		{ID: "o-003", Name: "王五", CredentialNo: "35010000003", Roles: []casework.Role{casework.RoleReviewer}, PIN: []byte("864203")},
		{ID: "o-004", Name: "赵六", CredentialNo: "35010000004", Roles: []casework.Role{casework.RoleHead}, PIN: []byte("864204")},
	} {
		if _, err := u.sess.EnrollOfficer(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	c, _ := openDemoCase(t, u)
	ed := newPenaltyDecision(t, u, c, "200000")
	review := tapCaseReview(t, u, c, lang.L("review.submit"))[0].ID

	// 赵六 assigns it to 王五.
	rd := openDesk(t, u, "赵六", "864204")
	if !slices.Contains(rd.Queue.Options, lang.L("review.queue.disputed")) {
		t.Fatalf("a head's desk has no 争议 queue: %v", rd.Queue.Options)
	}
	eventually(t, "the review under 待分配", func() bool { return len(rd.Shown()) == 1 })
	fyne.DoAndWait(func() { rd.List.Select(0) })
	eventually(t, "the head's 分配", func() bool { return findButton(rd.Detail, lang.L("review.assign")) != nil })
	if findButton(rd.Detail, lang.L("review.take")) != nil {
		t.Error("a head who is no reviewer is offered 领取")
	}
	if len(rd.Reviewer.Options) != 1 || !strings.HasPrefix(rd.Reviewer.Options[0], "王五") {
		t.Fatalf("reviewers offered: %v", rd.Reviewer.Options)
	}
	fyne.DoAndWait(func() { rd.Reviewer.SetSelected(rd.Reviewer.Options[0]) })
	rd.Status.SetText("")
	test.Tap(rd.Assign)
	eventually(t, "the assignment", func() bool { return rd.Status.Text != "" })
	if rd.Status.Text != lang.L("cases.saved") {
		t.Fatalf("分配: %q", rd.Status.Text)
	}

	// 王五 finds it under 我的 and gives 存在问题.
	rd = openDesk(t, u, "王五", "864203")
	fyne.DoAndWait(func() { rd.Queue.SetSelected(lang.L("review.queue.mine")) })
	eventually(t, "the review under 我的", func() bool { return len(rd.Shown()) == 1 })
	fyne.DoAndWait(func() { rd.List.Select(0) })
	eventually(t, "the opinion form", func() bool { return findButton(rd.Detail, lang.L("review.sign")) != nil })
	facts := rd.Checklist[slices.Index(casework.CheckItems, casework.CheckFacts)]
	facts.Finding.SetSelected(casework.FindingProblem.Label())
	test.Type(facts.Note, "缺少检验报告")
	rd.Outcome.SetSelected(casework.OutcomeProblems.Label())
	test.Type(rd.Problems, "证据不足")
	rd.Status.SetText("")
	test.Tap(rd.Sign)
	eventually(t, "the opinion signed", func() bool { return rd.Status.Text != "" })
	if rd.Status.Text != lang.L("cases.saved") {
		t.Fatalf("signing: %q", rd.Status.Text)
	}

	// 张三 disputes it.
	loginAs(t, u, "张三", d.PIN)
	c, _ = openDemoCase(t, u)
	eventually(t, "提出异议", func() bool { return findButton(c.Timeline, lang.L("review.dispute")) != nil })
	test.Type(c.Review.Reason, "检验报告已在卷，审核人员漏看")
	c.Status.SetText("")
	test.Tap(findButton(c.Timeline, lang.L("review.dispute")))
	eventually(t, "the dispute", func() bool { return c.Status.Text != "" })
	if c.Status.Text != lang.L("cases.saved") {
		t.Fatalf("提出异议: %q", c.Status.Text)
	}

	// 赵六 resolves it after a collective discussion.
	rd = openDesk(t, u, "赵六", "864204")
	fyne.DoAndWait(func() { rd.Queue.SetSelected(lang.L("review.queue.disputed")) })
	eventually(t, "the review under 争议", func() bool { return len(rd.Shown()) == 1 })
	fyne.DoAndWait(func() { rd.List.Select(0) })
	eventually(t, "the resolution form", func() bool { return findButton(rd.Detail, lang.L("review.resolve")) != nil })
	if text := objectText(rd.Detail); !strings.Contains(text, "检验报告已在卷，审核人员漏看") || !strings.Contains(text, "缺少检验报告") {
		t.Errorf("the head does not read the opinion and the dispute:\n%s", text)
	}
	rd.Resolution.SetSelected(casework.ResolutionProceed.Label())
	test.Type(rd.HeadDecision, "经集体讨论，按原决定执行")
	rd.Collective.SetChecked(true)
	test.Type(rd.Attendees, "赵六、王五、张三")
	test.Type(rd.Conclusion, "检验报告在卷，证据充分。")
	rd.Status.SetText("")
	test.Tap(rd.Resolve)
	eventually(t, "the resolution", func() bool { return rd.Status.Text != "" })
	if rd.Status.Text != lang.L("cases.saved") {
		t.Fatalf("签署决定: %q", rd.Status.Text)
	}
	rounds, err := u.term.ReviewRounds(ctx, review)
	if err != nil || len(rounds) != 1 {
		t.Fatalf("rounds %+v: %v", rounds, err)
	}
	r := rounds[0]
	if r.Reviewer != "o-003" || r.AssignedBy != "o-004" || r.DisputedBy != "o-001" || r.Resolution != casework.ResolutionProceed ||
		r.ResolvedBy != "o-004" || r.Collective == nil || !slices.Equal(r.Collective.Attendees, []string{"赵六", "王五", "张三"}) ||
		r.Collective.Held != u.term.Now().In(casework.Shanghai).Format("2006-01-02") {
		t.Fatalf("the round %+v", r)
	}

	// 张三 finalizes the decision as reviewed.
	loginAs(t, u, "张三", d.PIN)
	test.Tap(ed.Finalize)
	eventually(t, "the decision finalized", func() bool { return ed.Finalized == 1 })
}
