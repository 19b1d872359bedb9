package app

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"lawtrail/casework"
	"lawtrail/store"
	"lawtrail/terminal"
)

// CaseReview is the legal-review part of a case's view (法制审核): the
// proposed decision, whether the agency's list makes it major and by which
// criteria, where its review stands (round, state, the latest opinion),
// and the handling officer's acts: submit it (提交法制审核) or resubmit it
// after an opinion (重新提交), with the draft decision document when there
// is one; dispute an opinion of 存在问题 (提出异议).
type CaseReview struct {
	Submit  *widget.Button
	Note    *widget.Entry
	Dispute *widget.Button
	Reason  *widget.Entry
	// Opinion is the latest round as the officer reads it.
	Opinion *widget.Label
	state   caseReviewState
}

// caseReviewState is what the case view reads about a case's review.
type caseReviewState struct {
	decision terminal.CaseDecision
	has      bool // the case states a proposed decision
	rounds   []store.ReviewRound
	doc      string // the draft decision document carrying the decision ("" when none)
	officers []terminal.OfficerRow
	names    map[string]string
}

// NewCaseReview builds the part; Cases fills it when a case opens.
func NewCaseReview() *CaseReview {
	r := &CaseReview{Note: widget.NewEntry(), Reason: widget.NewEntry(), Opinion: widget.NewLabel("")}
	r.Opinion.Wrapping = fyne.TextWrapWord
	r.Note.SetPlaceHolder(lang.L("review.submit.note"))
	r.Reason.SetPlaceHolder(lang.L("review.dispute.reason"))
	r.Submit = big(widget.NewButton(lang.L("review.submit"), nil))
	r.Dispute = widget.NewButton(lang.L("review.dispute"), nil)
	return r
}

// loadCaseReview reads a case's decision, its review rounds and the draft
// decision document among docs (off the UI goroutine).
func loadCaseReview(ctx context.Context, u *UI, caseID string, docs []store.DocumentRow) (caseReviewState, error) {
	var s caseReviewState
	var err error
	if s.decision, s.has, err = u.term.CaseDecision(ctx, caseID); err != nil {
		return s, err
	}
	if s.rounds, err = u.st().CaseReviewRounds(ctx, caseID); err != nil {
		return s, err
	}
	if s.officers, err = u.term.Officers(ctx); err != nil {
		return s, err
	}
	s.names = officerNames(s.officers)
	templates := u.term.Config().Templates
	for _, d := range docs {
		tpl := templates[d.Template]
		if tpl == nil || d.DraftContent == nil {
			continue
		}
		if dec, ok, _ := tpl.DecisionOf(d.DraftContent.Fields); ok && s.has && dec.Equal(s.decision.Decision) {
			s.doc = d.ID // the latest such draft (documents come oldest change first)
		}
	}
	return s, nil
}

// latest is the case review's latest round (false when none).
func (s caseReviewState) latest() (store.ReviewRound, bool) {
	if len(s.rounds) == 0 {
		return store.ReviewRound{}, false
	}
	return s.rounds[len(s.rounds)-1], true
}

// canSubmit says whether the decision can go (again) to review, and with
// which words: a first submission, or the next round after an opinion
// (not while one is awaited or a dispute is open, nor when the decision
// already passed as it stands).
func (s caseReviewState) canSubmit() (string, bool) {
	last, ok := s.latest()
	switch {
	case !s.has:
		return "", false
	case !ok:
		return lang.L("review.submit"), true
	case last.Pending(), last.Disputed && last.Resolution == "":
		return "", false
	case last.Passed() && last.Decision.Equal(s.decision.Decision):
		return "", false
	}
	return lang.L("review.resubmit"), true
}

// drawReview adds the 法制审核 part to the case's timeline.
func (c *Cases) drawReview(u *UI, row store.CaseRow) {
	r, s := c.Review, c.Review.state
	c.Timeline.Add(bold(lang.L("review.title")))
	if !s.has {
		c.Timeline.Add(wrapped(lang.L("review.decision.none")))
		return
	}
	c.Timeline.Add(wrapped(lang.X("review.decision", "", map[string]any{"Decision": s.decision.Decision.Describe()})))
	c.Timeline.Add(wrapped(majorText(u, casework.CriterionIDs(s.decision.Matched))))
	r.Opinion.SetText(lang.L("review.none"))
	last, reviewed := s.latest()
	if reviewed {
		r.Opinion.SetText(roundText(last, s.names))
	}
	c.Timeline.Add(r.Opinion)
	if label, ok := s.canSubmit(); ok {
		r.Submit.SetText(label)
		r.Submit.OnTapped = func() { c.submitReview(u, row) }
		c.Timeline.Add(container.NewBorder(nil, nil, nil, r.Submit, r.Note))
	}
	if reviewed && last.Outcome == casework.OutcomeProblems && !last.Disputed {
		r.Dispute.OnTapped = func() { c.disputeReview(u, row, last.ID) }
		c.Timeline.Add(container.NewBorder(nil, nil, nil, r.Dispute, r.Reason))
	}
}

// submitReview submits the case's decision (with its draft decision
// document) for review, asking a head's approval first where the agency's
// policy wants one.
func (c *Cases) submitReview(u *UI, row store.CaseRow) {
	sub := terminal.Submission{Case: row.ID, Doc: c.Review.state.doc, Note: c.Review.Note.Text}
	send := func(sub terminal.Submission) {
		c.act(u, func() error {
			if sub.Approver != nil {
				defer forget([]terminal.Witness{*sub.Approver})
			}
			_, err := u.sess.SubmitReview(u.ctx, sub)
			return err
		}, func() {
			c.Review.Note.SetText("")
			c.Open(u, row)
		})
	}
	if l := u.term.Config().MajorList; l != nil && l.Review.HeadApproval {
		c.askApproval(u, sub, send)
		return
	}
	send(sub)
}

// askApproval asks a head, at the tablet, to approve the submission with
// their PIN (the head co-signs it).
func (c *Cases) askApproval(u *UI, sub terminal.Submission, send func(terminal.Submission)) {
	heads := map[string]string{}
	var labels []string
	for _, o := range c.Review.state.officers {
		if o.Here && !o.Revoked && casework.HasRole(o.Roles, casework.RoleHead) {
			labels = append(labels, officerLabel(o.Officer))
			heads[officerLabel(o.Officer)] = o.ID
		}
	}
	head := widget.NewSelect(labels, nil)
	pin := widget.NewPasswordEntry()
	dialog.ShowForm(lang.L("review.approve"), lang.L("present.confirm"), lang.L("present.cancel"),
		[]*widget.FormItem{widget.NewFormItem(lang.L("review.approve.head"), head), widget.NewFormItem(lang.L("login.pin"), pin)},
		func(ok bool) {
			id, chosen := heads[head.Selected]
			if !ok || !chosen || pin.Text == "" {
				return
			}
			sub.Approver = &terminal.Witness{Officer: id, PIN: []byte(pin.Text)}
			pin.SetText("")
			send(sub)
		}, u.win)
}

func (c *Cases) disputeReview(u *UI, row store.CaseRow, review string) {
	reason := c.Review.Reason.Text
	c.act(u, func() error { return u.sess.DisputeReview(u.ctx, review, reason) }, func() {
		c.Review.Reason.SetText("")
		c.Open(u, row)
	})
}
