package app

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"lawtrail/casework"
	"lawtrail/evidence"
	"lawtrail/store"
	"lawtrail/terminal"
)

// ReviewDesk is the legal reviewer's desk (法制审核): the reviews in queues
// (待分配, 我的, 已超期, 争议 for heads, 已完成), and one review as it was
// submitted — the decision, the criteria of the list it matched, the
// material fixed at submission, the case's steps, every round's opinion —
// with the acts open to the officer logged in: take it (领取) or, as a
// head, assign it or extend its time limit with a reason; the seven-item checklist and the opinion, signed by the
// reviewer as every act is (by their login); a head's resolution of a
// dispute, with a collective discussion when one was held.
type ReviewDesk struct {
	Queue  *widget.RadioGroup
	List   *widget.List
	Status *widget.Label
	// Detail is the review selected, as submitted, and the acts open.
	Detail   *fyne.Container
	Take     *widget.Button
	Reviewer *widget.Select // a head's choice of reviewer
	Assign   *widget.Button
	// A head's extension of a pending round's time limit.
	ExtendDue    *widget.Entry // YYYY-MM-DD
	ExtendReason *widget.Entry
	Extend       *widget.Button
	extendHint   *widget.Label
	// Checklist is the seven items of the law, in order.
	Checklist         []ChecklistRow
	Outcome           *widget.RadioGroup
	Problems, Changes *widget.Entry
	Sign              *widget.Button
	// A head's resolution of a dispute.
	Resolution            *widget.RadioGroup
	HeadDecision          *widget.Entry
	Collective            *widget.Check
	Held                  *widget.Entry // YYYY-MM-DD
	Attendees, Conclusion *widget.Entry
	Resolve               *widget.Button
	Current               *store.ReviewRound
	// sess is the officer the desk was built for: it reads their queues and
	// acts in their name only, even when a late answer comes after they left.
	sess *terminal.Session
	// LastPDF is the last document rendered for the system viewer.
	LastPDF    string
	all, shown []store.ReviewRound
	cases      map[string]store.CaseRow
	names      map[string]string // officer id → name
	reviewers  map[string]string // label in Reviewer → officer id
	queues     []terminal.Queue
	head       bool
	takeBox    *fyne.Container
	assignBox  *fyne.Container
	extendBox  *fyne.Container
	opinionBox *fyne.Container
	resolveBox *fyne.Container
	// OnLoaded is called (on the UI goroutine) after each Reload.
	OnLoaded func()
	view     fyne.CanvasObject
}

// ChecklistRow is the finding on one item of the checklist, with a note.
type ChecklistRow struct {
	Item    casework.CheckItem
	Finding *widget.RadioGroup // 符合, 存在问题, 不适用
	Note    *widget.Entry
}

// NewReviewDesk builds the desk for the officer logged in (a reviewer, a
// head, or both).
func NewReviewDesk(u *UI) *ReviewDesk {
	rd := &ReviewDesk{Status: widget.NewLabel(""), Detail: container.NewVBox(), cases: map[string]store.CaseRow{},
		names: map[string]string{}, reviewers: map[string]string{}, sess: u.sess, head: casework.HasRole(u.sess.Officer.Roles, casework.RoleHead)}
	rd.Status.Wrapping = fyne.TextWrapWord
	rd.queues = []terminal.Queue{terminal.QueueNew, terminal.QueueMine, terminal.QueueOverdue}
	if rd.head {
		rd.queues = append(rd.queues, terminal.QueueDisputed)
	}
	rd.queues = append(rd.queues, terminal.QueueDone)
	var labels []string
	for _, q := range rd.queues {
		labels = append(labels, lang.L("review.queue."+string(q)))
	}
	rd.Queue = widget.NewRadioGroup(labels, func(string) { rd.apply(u) })
	rd.Queue.Horizontal = true
	rd.Queue.Required = true
	rd.List = widget.NewList(func() int { return len(rd.shown) },
		func() fyne.CanvasObject {
			title, info := widget.NewLabel("示市监罚〔2026〕000号 title"), widget.NewLabel("round")
			title.Truncation, info.Truncation = fyne.TextTruncateEllipsis, fyne.TextTruncateEllipsis
			title.TextStyle.Bold = true
			return container.New(layout.NewCustomPaddedVBoxLayout(0), title,
				container.NewBorder(nil, nil, nil, widget.NewLabel("0000-00-00"), info))
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i < len(rd.shown) {
				rd.drawRow(u, rd.shown[i], o.(*fyne.Container))
			}
		})
	rd.List.OnSelected = func(i widget.ListItemID) {
		if i < len(rd.shown) {
			rd.Show(u, rd.shown[i])
		}
	}
	rd.buildActs(u)
	rd.Queue.SetSelected(labels[0])
	left := container.NewBorder(rd.Queue, nil, nil, nil, rd.List)
	right := container.NewBorder(nil, rd.Status, nil, nil, container.NewVScroll(container.NewPadded(rd.Detail)))
	split := container.NewHSplit(left, right)
	split.Offset = 0.35
	rd.view = split
	rd.Reload(u)
	return rd
}

// View returns the screen.
func (rd *ReviewDesk) View() fyne.CanvasObject { return rd.view }

// buildActs makes the widgets of the acts: take, assign, the opinion with
// its checklist, the resolution of a dispute.
func (rd *ReviewDesk) buildActs(u *UI) {
	rd.Take = big(widget.NewButton(lang.L("review.take"), func() { rd.take(u) }))
	rd.takeBox = container.NewVBox(rd.Take)
	rd.Reviewer = widget.NewSelect(nil, nil)
	rd.Reviewer.PlaceHolder = lang.L("review.assign.pick")
	rd.Assign = widget.NewButton(lang.L("review.assign"), func() { rd.assign(u) })
	rd.assignBox = container.NewVBox(container.NewBorder(nil, nil, nil, rd.Assign, rd.Reviewer))
	rd.ExtendDue, rd.ExtendReason, rd.extendHint = widget.NewEntry(), widget.NewEntry(), wrapped("")
	rd.ExtendDue.SetPlaceHolder("YYYY-MM-DD")
	rd.ExtendReason.SetPlaceHolder(lang.L("review.extend.reason"))
	rd.Extend = widget.NewButton(lang.L("review.extend"), func() { rd.extend(u) })
	rd.extendBox = container.NewVBox(bold(lang.L("review.extend.title")), rd.extendHint,
		widget.NewForm(widget.NewFormItem(lang.L("review.extend.due"), rd.ExtendDue),
			widget.NewFormItem(lang.L("review.extend.reason"), rd.ExtendReason)), rd.Extend)

	var findings []string
	for _, f := range casework.Findings {
		findings = append(findings, f.Label())
	}
	list := container.NewVBox(widget.NewLabelWithStyle(lang.L("review.checklist"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
	for i, item := range casework.CheckItems {
		row := ChecklistRow{Item: item, Finding: widget.NewRadioGroup(findings, nil), Note: widget.NewEntry()}
		row.Finding.Horizontal, row.Finding.Required = true, true
		row.Note.SetPlaceHolder(lang.L("review.note"))
		title := widget.NewLabel(fmt.Sprintf("%d. %s", i+1, item.Label()))
		title.Wrapping = fyne.TextWrapWord
		list.Add(container.NewVBox(title, row.Finding, row.Note))
		rd.Checklist = append(rd.Checklist, row)
	}
	rd.Outcome = widget.NewRadioGroup([]string{casework.OutcomeAgree.Label(), casework.OutcomeProblems.Label()}, nil)
	rd.Outcome.Horizontal = true
	rd.Problems, rd.Changes = widget.NewMultiLineEntry(), widget.NewMultiLineEntry()
	rd.Problems.SetPlaceHolder(lang.L("review.problems"))
	rd.Changes.SetPlaceHolder(lang.L("review.changes"))
	rd.Sign = big(widget.NewButton(lang.L("review.sign"), func() { rd.sign(u) }))
	rd.opinionBox = container.NewVBox(list, widget.NewSeparator(),
		widget.NewLabelWithStyle(lang.L("review.opinion"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		rd.Outcome, rd.Problems, rd.Changes, rd.Sign)

	rd.Resolution = widget.NewRadioGroup([]string{casework.ResolutionProceed.Label(), casework.ResolutionUphold.Label()}, nil)
	rd.HeadDecision = widget.NewMultiLineEntry()
	rd.HeadDecision.SetPlaceHolder(lang.L("review.resolve.decision"))
	rd.Held, rd.Attendees, rd.Conclusion = widget.NewEntry(), widget.NewEntry(), widget.NewMultiLineEntry()
	rd.Held.SetPlaceHolder("YYYY-MM-DD")
	rd.Attendees.SetPlaceHolder(lang.L("review.collective.attendees"))
	rd.Conclusion.SetPlaceHolder(lang.L("review.collective.conclusion"))
	collective := widget.NewForm(widget.NewFormItem(lang.L("review.collective.held"), rd.Held),
		widget.NewFormItem(lang.L("review.collective.attendees.label"), rd.Attendees),
		widget.NewFormItem(lang.L("review.collective.conclusion.label"), rd.Conclusion))
	collective.Hide()
	rd.Collective = widget.NewCheck(lang.L("review.collective"), func(on bool) {
		if on {
			collective.Show()
		} else {
			collective.Hide()
		}
	})
	rd.Resolve = big(widget.NewButton(lang.L("review.resolve"), func() { rd.resolve(u) }))
	rd.resolveBox = container.NewVBox(widget.NewLabelWithStyle(lang.L("review.resolve.title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		rd.Resolution, rd.HeadDecision, rd.Collective, collective, rd.Resolve)
}

// deskData is what the queues are drawn from.
type deskData struct {
	rounds   []store.ReviewRound
	cases    []store.CaseRow
	officers []terminal.OfficerRow
}

// Reload reads the reviews, the cases and the officers in the background.
func (rd *ReviewDesk) Reload(u *UI) {
	background(func() (deskData, error) {
		var d deskData
		var err error
		if d.rounds, err = u.term.Reviews(u.ctx); err != nil {
			return d, err
		}
		if d.cases, err = u.st().Cases(u.ctx); err != nil {
			return d, err
		}
		d.officers, err = u.term.Officers(u.ctx)
		return d, err
	}, func(d deskData, err error) {
		if err != nil {
			rd.Status.SetText(errText(err))
			return
		}
		rd.all = d.rounds
		rd.cases = map[string]store.CaseRow{}
		for _, c := range d.cases {
			rd.cases[c.ID] = c
		}
		rd.names = officerNames(d.officers)
		rd.reviewers = map[string]string{}
		var labels []string
		for _, o := range d.officers {
			if !o.Revoked && casework.HasRole(o.Roles, casework.RoleReviewer) {
				labels = append(labels, officerLabel(o.Officer))
				rd.reviewers[officerLabel(o.Officer)] = o.ID
			}
		}
		rd.Reviewer.Options = labels
		rd.Reviewer.Refresh()
		rd.apply(u)
		if rd.OnLoaded != nil {
			rd.OnLoaded()
		}
	})
}

// Shown is the reviews in the queue chosen.
func (rd *ReviewDesk) Shown() []store.ReviewRound { return rd.shown }

// apply shows the reviews in the queue chosen.
func (rd *ReviewDesk) apply(u *UI) {
	i := slices.Index(rd.Queue.Options, rd.Queue.Selected)
	if i < 0 {
		return
	}
	q, now := rd.queues[i], u.term.Now()
	rd.shown = rd.shown[:0]
	for _, r := range rd.all {
		if slices.Contains(terminal.QueueOf(r, rd.sess.Officer.ID, now), q) {
			rd.shown = append(rd.shown, r)
		}
	}
	rd.List.UnselectAll()
	rd.List.Refresh()
}

func (rd *ReviewDesk) drawRow(u *UI, r store.ReviewRound, row *fyne.Container) {
	c := rd.cases[r.Case]
	second := row.Objects[1].(*fyne.Container)
	row.Objects[0].(*widget.Label).SetText(dashIfEmpty(c.Number) + "  " + c.Title)
	due := second.Objects[1].(*widget.Label)
	second.Objects[0].(*widget.Label).SetText(lang.X("review.row", "", map[string]any{"Round": r.Round,
		"By": nameOf(rd.names, r.SubmittedBy), "State": reviewState(r, rd.names)}))
	due.SetText(lang.X("review.due", "", map[string]any{"Due": r.Due}))
	due.Importance = widget.MediumImportance
	if r.Overdue(u.term.Now()) {
		due.Importance = widget.DangerImportance
	}
	second.Refresh() // the due day's width changed: lay the line out again
}

// reviewState says where a round stands, in words.
func reviewState(r store.ReviewRound, names map[string]string) string {
	switch {
	case r.Pending() && r.Reviewer == "":
		return lang.L("review.state.new")
	case r.Pending():
		return lang.X("review.state.assigned", "", map[string]any{"Reviewer": nameOf(names, r.Reviewer)})
	case r.Disputed && r.Resolution == "":
		return lang.L("review.state.disputed")
	case r.Resolution != "":
		return lang.X("review.state.resolved", "", map[string]any{"Resolution": r.Resolution.Label()})
	}
	return lang.X("review.state.opinion", "", map[string]any{"Outcome": r.Outcome.Label()})
}

// officerNames maps officer ids to names.
func officerNames(rows []terminal.OfficerRow) map[string]string {
	out := map[string]string{}
	for _, o := range rows {
		out[o.ID] = o.Name
	}
	return out
}

// nameOf is an officer's name, or their id when the record has no name.
func nameOf(names map[string]string, id string) string {
	if n := names[id]; n != "" {
		return n
	}
	return dashIfEmpty(id)
}

// recordedTime shows a recorded RFC 3339 time as 2006-01-02 15:04 (Beijing).
func recordedTime(s string) string {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.In(casework.Shanghai).Format(timeLayout)
	}
	return dashIfEmpty(s)
}

// reviewFile is one review as the desk shows it.
type reviewFile struct {
	rounds []store.ReviewRound
	report store.CaseReport
}

// Show opens a review: the latest round as submitted, every round's
// opinion, and the acts open to the officer logged in.
func (rd *ReviewDesk) Show(u *UI, r store.ReviewRound) {
	if rd.Current == nil || rd.Current.ID != r.ID || rd.Current.Round != r.Round {
		rd.resetForms(u)
	}
	rd.Current = &r
	matters := u.term.Config().AVMatters
	background(func() (reviewFile, error) {
		var f reviewFile
		var err error
		if f.rounds, err = u.term.ReviewRounds(u.ctx, r.ID); err != nil {
			return f, err
		}
		f.report, err = u.st().Report(u.ctx, r.Case, matters)
		return f, err
	}, func(f reviewFile, err error) {
		if err != nil {
			rd.Status.SetText(errText(err))
			return
		}
		if rd.Current == nil || rd.Current.ID != r.ID {
			return // another review was chosen meanwhile
		}
		latest := f.rounds[len(f.rounds)-1]
		rd.Current = &latest
		rd.drawDetail(u, f)
	})
}

// resetForms clears the opinion and the resolution for another round.
func (rd *ReviewDesk) resetForms(u *UI) {
	for _, row := range rd.Checklist {
		row.Finding.SetSelected(casework.FindingOK.Label())
		row.Note.SetText("")
	}
	rd.Outcome.SetSelected("")
	rd.Problems.SetText("")
	rd.Changes.SetText("")
	rd.Resolution.SetSelected("")
	rd.HeadDecision.SetText("")
	rd.Collective.SetChecked(false)
	rd.Held.SetText(u.term.Now().In(casework.Shanghai).Format(time.DateOnly))
	rd.Attendees.SetText("")
	rd.Conclusion.SetText("")
	rd.ExtendDue.SetText("")
	rd.ExtendReason.SetText("")
}

func bold(text string) *widget.Label {
	return widget.NewLabelWithStyle(text, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
}

func wrapped(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	return l
}

func (rd *ReviewDesk) drawDetail(u *UI, f reviewFile) {
	r := *rd.Current
	d := rd.Detail
	d.RemoveAll()
	c := f.report.Case
	d.Add(bold(c.Number + "  " + c.Title))
	d.Add(wrapped(lang.X("review.submitted", "", map[string]any{"Round": r.Round, "By": nameOf(rd.names, r.SubmittedBy),
		"At": r.SubmittedAt.In(casework.Shanghai).Format(timeLayout), "Due": r.Due, "State": reviewState(r, rd.names)})))
	if r.Note != "" {
		d.Add(wrapped(lang.X("review.submitted.note", "", map[string]any{"Note": r.Note})))
	}
	d.Add(bold(lang.L("review.decision.title")))
	d.Add(wrapped(r.Decision.Describe()))
	d.Add(wrapped(majorText(u, r.Major)))
	rd.drawMaterial(u, r, f.report)
	if len(f.report.Steps) > 0 {
		d.Add(bold(lang.L("review.steps")))
		for _, st := range f.report.Steps {
			d.Add(wrapped(fmt.Sprintf("%s · %s  %s — %s  %s", lang.L("phase."+string(st.Phase)), lang.L("step."+string(st.Kind)),
				st.Start.In(casework.Shanghai).Format(timeLayout), st.End.In(casework.Shanghai).Format("15:04"), st.Note)))
			switch {
			case st.TextOnly != "":
				d.Add(wrapped("    " + lang.X("cases.textonly", "", map[string]any{"Reason": st.TextOnly})))
			case st.Coverage != nil: // the AV list asks to film it: its coverage and gaps (R3)
				d.Add(wrapped("    " + coverageText(st.AV, *st.Coverage)))
			}
		}
	}
	for _, dl := range f.report.Deadlines { // the case's statutory periods, overdue ones said so
		d.Add(wrapped(deadlineText(dl, u.term.Now())))
	}
	d.Add(bold(lang.L("review.rounds")))
	for _, round := range f.rounds {
		d.Add(wrapped(roundText(round, rd.names)))
	}
	d.Add(widget.NewSeparator())
	me := rd.sess.Officer
	if r.Pending() && r.Reviewer == "" && casework.HasRole(me.Roles, casework.RoleReviewer) {
		d.Add(rd.takeBox)
	}
	if r.Pending() && rd.head {
		d.Add(rd.assignBox)
		latest, days := extensionLimit(u, r)
		rd.extendHint.SetText(lang.X("review.extend.latest", "", map[string]any{"Due": r.Due, "Latest": latest, "Days": days}))
		if rd.ExtendDue.Text == "" {
			rd.ExtendDue.SetText(latest)
		}
		d.Add(rd.extendBox)
	}
	if r.Pending() && r.Reviewer == me.ID {
		d.Add(rd.opinionBox)
	}
	if r.Disputed && r.Resolution == "" && rd.head {
		d.Add(rd.resolveBox)
	}
	d.Refresh()
}

// majorText says whether the list makes the decision major, naming the
// criteria it matched (by their Chinese labels in the list in force).
func majorText(u *UI, ids []string) string {
	if len(ids) == 0 {
		return lang.L("review.major.no")
	}
	var labels []string
	for _, id := range ids {
		label := id
		if l := u.term.Config().MajorList; l != nil {
			for _, c := range l.Criteria {
				if c.ID == id {
					label = c.Label
				}
			}
		}
		labels = append(labels, label)
	}
	return lang.X("review.major", "", map[string]any{"Criteria": strings.Join(labels, "；")})
}

// drawMaterial lists what was submitted: the draft decision document as
// it reads, each document's version fixed at submission (its PDF opens),
// the footage (played here, fetched from the hub first when another
// terminal docked it).
func (rd *ReviewDesk) drawMaterial(u *UI, r store.ReviewRound, report store.CaseReport) {
	d := rd.Detail
	d.Add(bold(lang.L("review.material")))
	docs := map[string]store.DocumentRow{}
	for _, doc := range report.Documents {
		docs[doc.ID] = doc
	}
	templates := u.term.Config().Templates
	if r.Doc != "" {
		d.Add(wrapped(lang.X("review.draft", "", map[string]any{"Doc": templateName(templates, docs[r.Doc].Template), "Hash": r.DocHash.String()[:16]})))
		draft := docs[r.Doc].DraftContent
		if h, err := draftHash(draft); err != nil || h != *r.DocHash {
			d.Add(wrapped(lang.L("review.draft.changed")))
		} else if tpl := templates[draft.Template]; tpl != nil {
			d.Add(widget.NewAccordion(widget.NewAccordionItem(lang.L("review.draft.read"), wrapped(fieldsText(tpl, draft.Fields)))))
		}
	}
	for _, m := range r.Material {
		m := m
		switch m.Kind {
		case "document":
			version := 0
			for _, v := range docs[m.Ref].Versions {
				if v.ContentHash == m.Digest {
					version = v.Content.Version
				}
			}
			label := lang.X("review.material.doc", "", map[string]any{"Doc": templateName(templates, docs[m.Ref].Template), "Version": version})
			open := widget.NewButton(lang.L("doc.pdf"), func() { rd.openPDF(u, m.Ref, version) })
			if version == 0 {
				open.Disable()
			}
			d.Add(container.NewBorder(nil, nil, nil, open, wrapped(label)))
		case "footage":
			label := lang.X("review.material.footage", "", map[string]any{"Digest": m.Digest.String()[:16]})
			d.Add(container.NewBorder(nil, nil, nil, widget.NewButton(lang.L("evidence.open"), func() { rd.openFootage(u, m.Digest) }), wrapped(label)))
		}
	}
	if r.Doc == "" && len(r.Material) == 0 {
		d.Add(widget.NewLabel(lang.L("review.material.none")))
	}
}

func draftHash(c *casework.DocumentContent) (evidence.Digest, error) {
	if c == nil {
		return evidence.Digest{}, fmt.Errorf("no draft")
	}
	return c.Hash()
}

func templateName(templates casework.Templates, id string) string {
	if t := templates[id]; t != nil {
		return t.Name
	}
	return dashIfEmpty(id)
}

// fieldsText is a document's values as a reviewer reads them, field by
// field in the template's order.
func fieldsText(tpl *casework.Template, values map[string]json.RawMessage) string {
	var lines []string
	for _, f := range tpl.Fields() {
		raw, ok := values[f.Key]
		if !ok {
			continue
		}
		lines = append(lines, f.Label+"："+valueText(f.Type, raw))
	}
	return strings.Join(lines, "\n")
}

func valueText(t casework.FieldType, raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	switch t {
	case casework.FieldDecision:
		if d, err := casework.ParseDecision(raw); err == nil {
			return d.Describe()
		}
	case casework.FieldParty:
		var p struct {
			Name string `json:"name"`
			ID   string `json:"id_no"`
		}
		if json.Unmarshal(raw, &p) == nil {
			return strings.TrimSpace(p.Name + " " + p.ID)
		}
	}
	return string(raw)
}

// roundText is one round as the record holds it: submitted, the opinion
// with the checklist items found wanting, a dispute and its resolution.
func roundText(r store.ReviewRound, names map[string]string) string {
	lines := []string{lang.X("review.round", "", map[string]any{"Round": r.Round, "By": nameOf(names, r.SubmittedBy),
		"At": r.SubmittedAt.In(casework.Shanghai).Format(timeLayout), "State": reviewState(r, names)})}
	if r.Outcome != "" {
		lines = append(lines, lang.X("review.round.opinion", "", map[string]any{"Outcome": r.Outcome.Label(),
			"Reviewer": nameOf(names, r.OpinionBy), "At": recordedTime(r.OpinionAt)}))
		for _, e := range r.Checklist {
			if e.Finding != casework.FindingOK || e.Note != "" {
				lines = append(lines, fmt.Sprintf("  · %s：%s %s", e.Item.Label(), e.Finding.Label(), e.Note))
			}
		}
	}
	if r.Problems != "" {
		lines = append(lines, lang.X("review.round.problems", "", map[string]any{"Problems": r.Problems}))
	}
	if r.Changes != "" {
		lines = append(lines, lang.X("review.round.changes", "", map[string]any{"Changes": r.Changes}))
	}
	if r.Disputed {
		lines = append(lines, lang.X("review.round.dispute", "", map[string]any{"Reason": r.DisputeReason, "By": nameOf(names, r.DisputedBy)}))
	}
	if r.ExtendedReason != "" {
		lines = append(lines, lang.X("review.round.extended", "", map[string]any{"Due": r.Due, "Reason": r.ExtendedReason}))
	}
	if r.Resolution != "" {
		lines = append(lines, lang.X("review.round.resolution", "", map[string]any{"Resolution": r.Resolution.Label(),
			"Decision": r.ResolutionText, "By": nameOf(names, r.ResolvedBy)}))
	}
	if c := r.Collective; c != nil {
		lines = append(lines, lang.X("review.round.collective", "", map[string]any{"Held": c.Held,
			"Attendees": strings.Join(c.Attendees, "、"), "Conclusion": c.Conclusion}))
	}
	return strings.Join(lines, "\n")
}

// act runs one act of the officer logged in, then says it is recorded and
// shows the queues and the review as they now stand, or says why it was
// refused (nothing is recorded then).
func (rd *ReviewDesk) act(u *UI, work func(id string) error) { rd.actThen(u, work, nil) }

// actThen is act, calling done (when not nil) once the act is recorded.
func (rd *ReviewDesk) actThen(u *UI, work func(id string) error, done func()) {
	if rd.Current == nil {
		rd.Status.SetText(lang.L("review.pick"))
		return
	}
	r := *rd.Current
	background(func() (struct{}, error) { return struct{}{}, work(r.ID) },
		func(_ struct{}, err error) {
			if err != nil {
				rd.Status.SetText(errText(err))
				return
			}
			rd.Status.SetText(lang.L("cases.saved"))
			u.acted()
			if done != nil {
				done()
			}
			rd.Reload(u)
			rd.Show(u, r)
		})
}

func (rd *ReviewDesk) take(u *UI) {
	me := rd.sess.Officer.ID
	rd.act(u, func(id string) error { return rd.sess.AssignReview(u.ctx, id, me) })
}

func (rd *ReviewDesk) assign(u *UI) {
	who, ok := rd.reviewers[rd.Reviewer.Selected]
	if !ok {
		rd.Status.SetText(lang.L("review.assign.pick"))
		return
	}
	rd.act(u, func(id string) error { return rd.sess.AssignReview(u.ctx, id, who) })
}

// extensionLimit is the latest day a pending round's time limit can be
// moved to under the agency's policy, and the working days it allows: what
// the form offers (the rule itself is judged when the act is recorded).
func extensionLimit(u *UI, r store.ReviewRound) (string, int) {
	cfg := u.term.Config()
	days := 5 // the policy when no list of major decisions is known
	if cfg.MajorList != nil {
		days = cfg.MajorList.Review.ExtensionDays
	}
	from, err := time.ParseInLocation(time.DateOnly, r.Due, casework.Shanghai)
	if err != nil {
		return "", days
	}
	return cfg.Calendar.ReviewDue(from, days), days
}

// extend moves the pending round's due day, with the head's reason.
func (rd *ReviewDesk) extend(u *UI) {
	day, err := time.ParseInLocation(time.DateOnly, strings.TrimSpace(rd.ExtendDue.Text), casework.Shanghai)
	reason := strings.TrimSpace(rd.ExtendReason.Text)
	if err != nil || reason == "" {
		rd.Status.SetText(lang.L("review.extend.pick"))
		return
	}
	rd.actThen(u, func(id string) error { return rd.sess.ExtendReview(u.ctx, id, day, reason) }, func() {
		rd.ExtendDue.SetText("")
		rd.ExtendReason.SetText("")
	})
}

// Opinion reads the checklist and the opinion as filled.
func (rd *ReviewDesk) Opinion() (terminal.Opinion, bool) {
	o := terminal.Opinion{Problems: rd.Problems.Text, Changes: rd.Changes.Text}
	switch rd.Outcome.Selected {
	case casework.OutcomeAgree.Label():
		o.Outcome = casework.OutcomeAgree
	case casework.OutcomeProblems.Label():
		o.Outcome = casework.OutcomeProblems
	default:
		return o, false
	}
	for _, row := range rd.Checklist {
		e := casework.ChecklistEntry{Item: row.Item, Note: strings.TrimSpace(row.Note.Text), Finding: casework.FindingOK}
		for _, f := range casework.Findings {
			if row.Finding.Selected == f.Label() {
				e.Finding = f
			}
		}
		o.Checklist = append(o.Checklist, e)
	}
	return o, true
}

func (rd *ReviewDesk) sign(u *UI) {
	o, ok := rd.Opinion()
	if !ok {
		rd.Status.SetText(lang.L("review.opinion.pick"))
		return
	}
	rd.act(u, func(id string) error {
		_, err := rd.sess.GiveOpinion(u.ctx, id, o)
		return err
	})
}

func (rd *ReviewDesk) resolve(u *UI) {
	var res casework.Resolution
	switch rd.Resolution.Selected {
	case casework.ResolutionProceed.Label():
		res = casework.ResolutionProceed
	case casework.ResolutionUphold.Label():
		res = casework.ResolutionUphold
	default:
		rd.Status.SetText(lang.L("review.resolve.pick"))
		return
	}
	var col *casework.Collective
	if rd.Collective.Checked {
		col = &casework.Collective{Held: strings.TrimSpace(rd.Held.Text), Conclusion: strings.TrimSpace(rd.Conclusion.Text),
			Attendees: splitNames(rd.Attendees.Text)}
	}
	text := rd.HeadDecision.Text
	rd.act(u, func(id string) error { return rd.sess.ResolveReview(u.ctx, id, res, text, col) })
}

// splitNames reads names separated by 、，, or spaces.
func splitNames(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune("、，,;； \t\n", r) })
}

// openPDF shows a document's version through the access action
// (playback.go): recorded as viewed, then a short-lived copy handed to the
// system viewer.
func (rd *ReviewDesk) openPDF(u *UI, doc string, version int) {
	u.showDocument(rd.sess, doc, version, rd.Status.SetText, func(path string) { rd.LastPDF = path })
}

// openFootage plays a clip through the access action (playback.go),
// fetching it from the hub first (verified, and recorded as the officer's
// fetch) when another terminal docked it.
func (rd *ReviewDesk) openFootage(u *UI, d evidence.Digest) {
	u.playFootage(rd.sess, d, rd.Status.SetText, nil)
}
