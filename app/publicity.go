package app

import (
	"context"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"lawtrail/casework"
	"lawtrail/store"
	"lawtrail/terminal"
)

// CasePublicity is the 公示 part of a case's view (事后公开, DOMAIN P3: a
// finalized decision is published, its personal information masked,
// within its deadline, and withdrawn with a reason when it is revoked):
// each finalized decision of the case as pending (with its due day, said
// overdue when past it), published (when, by whom) or withdrawn (why).
// The publisher (公示管理员) prepares a pending one (公示) — the text the
// masking rules give, one entry per field to review and edit — and signs
// it (签署公示); withdraws a published one (撤回) with a reason code and
// text. The action layer judges what is signed; a refusal records
// nothing and is said in the case view's status.
type CasePublicity struct {
	// Box holds the part; it is filled once the case's rows are read.
	Box  *fyne.Container
	Rows []terminal.PublicationRow // the case's, as last read
	// The draft under review (nil when none) and its entries.
	Draft   *terminal.PublicationDraft
	Text    PublicTextInput
	Note    *widget.Entry
	Publish *widget.Button // 签署公示
	Cancel  *widget.Button
	// Withdrawal of the publication in force.
	Code     *widget.Select
	Reason   *widget.Entry
	Withdraw *widget.Button // 撤回
	names    map[string]string
	caseID   string
}

// PublicTextInput is one multi-line entry per field of a publication's
// public text.
type PublicTextInput struct {
	Title, Party, Address, Facts, Basis, Outcome *widget.Entry
}

// NewCasePublicity builds the part; the case view fills it.
func NewCasePublicity() *CasePublicity {
	entry := func() *widget.Entry {
		e := widget.NewMultiLineEntry()
		e.Wrapping = fyne.TextWrapWord
		return e
	}
	p := &CasePublicity{Box: container.NewVBox(), Note: widget.NewEntry(), Reason: widget.NewEntry(),
		Text: PublicTextInput{Title: entry(), Party: entry(), Address: entry(), Facts: entry(), Basis: entry(), Outcome: entry()}}
	p.Note.SetPlaceHolder(lang.L("publicity.note"))
	p.Reason.SetPlaceHolder(lang.L("publicity.withdraw.reason"))
	var codes []string
	for _, code := range casework.WithdrawCodes {
		codes = append(codes, withdrawCodeText(code))
	}
	p.Code = widget.NewSelect(codes, nil)
	p.Code.PlaceHolder = lang.L("publicity.withdraw.code")
	p.Publish = big(widget.NewButton(lang.L("publicity.sign"), nil))
	p.Cancel = widget.NewButton(lang.L("publicity.cancel"), nil)
	p.Withdraw = widget.NewButton(lang.L("publicity.withdraw"), nil)
	return p
}

// withdrawCodeText is a withdrawal reason code in words.
func withdrawCodeText(code casework.WithdrawCode) string {
	return lang.L("publicity.code." + string(code))
}

// set fills the entries from a text.
func (in PublicTextInput) set(t casework.PublicText) {
	in.Title.SetText(t.Title)
	in.Party.SetText(t.Party)
	in.Address.SetText(t.Address)
	in.Facts.SetText(t.Facts)
	in.Basis.SetText(t.Basis)
	in.Outcome.SetText(t.Outcome)
}

// text is the text as edited.
func (in PublicTextInput) text() casework.PublicText {
	return casework.PublicText{Title: in.Title.Text, Party: in.Party.Text, Address: in.Address.Text,
		Facts: in.Facts.Text, Basis: in.Basis.Text, Outcome: in.Outcome.Text}
}

// publicityState is what the case view reads about a case's publicity.
type publicityState struct {
	rows  []terminal.PublicationRow
	names map[string]string
}

// loadPublicity reads the case's publication rows and the officers' names
// (off the UI goroutine).
func loadPublicity(ctx context.Context, u *UI, caseID string) (publicityState, error) {
	all, err := u.term.Publications(ctx)
	if err != nil {
		return publicityState{}, err
	}
	var s publicityState
	for _, r := range all {
		if r.Case == caseID {
			s.rows = append(s.rows, r)
		}
	}
	officers, err := u.term.Officers(ctx)
	s.names = officerNames(officers)
	return s, err
}

// drawPublicity adds the 公示 part to the case's timeline and reads what
// it shows in the background.
func (c *Cases) drawPublicity(u *UI, row store.CaseRow) {
	if c.Publicity == nil {
		c.Publicity = NewCasePublicity()
	}
	p := c.Publicity
	if p.caseID != row.ID {
		p.Draft, p.Rows, p.caseID = nil, nil, row.ID // another case: drop what was shown
	}
	c.Timeline.Add(bold(lang.L("publicity.title")))
	c.Timeline.Add(p.Box)
	background(func() (publicityState, error) { return loadPublicity(u.ctx, u, row.ID) },
		func(s publicityState, err error) {
			if c.Selected == nil || c.Selected.ID != row.ID {
				return // the officer opened another case meanwhile
			}
			if err != nil {
				c.Status.SetText(errText(err))
				return
			}
			p.Rows, p.names = s.rows, s.names
			c.fillPublicity(u, row)
			c.timelineScroll.Refresh()
		})
}

// fillPublicity draws the case's rows and, for the publisher, the acts.
func (c *Cases) fillPublicity(u *UI, row store.CaseRow) {
	p := c.Publicity
	p.Box.RemoveAll()
	if len(p.Rows) == 0 {
		p.Box.Add(wrapped(lang.L("publicity.none")))
		return
	}
	publisher := u.sess != nil && casework.HasRole(u.sess.Officer.Roles, casework.RolePublisher)
	for _, r := range p.Rows {
		p.Box.Add(p.rowLabel(c, r))
		if !publisher {
			continue
		}
		switch {
		case r.State == terminal.PublicationPending && p.Draft != nil && p.Draft.Doc == r.Doc:
			c.addDraftForm(u, row)
		case r.State == terminal.PublicationPending:
			doc := r.Doc
			p.Box.Add(container.NewHBox(big(widget.NewButton(lang.L("publicity.prepare"), func() { c.preparePublication(u, row, doc) }))))
		case r.State == terminal.PublicationPublished:
			id := r.Publication.Publication
			p.Withdraw.OnTapped = func() { c.withdrawPublication(u, row, id) }
			p.Box.Add(container.NewBorder(nil, nil, p.Code, p.Withdraw, p.Reason))
		}
	}
}

// rowLabel says where one decision stands; a pending one past its due
// day, or one published after it, in red.
func (p *CasePublicity) rowLabel(c *Cases, r terminal.PublicationRow) *widget.Label {
	data := map[string]any{"Doc": templateName(c.templates, docTemplate(c.report.Documents, r.Doc)), "Version": r.DocVersion,
		"Decided": r.Decided, "Due": r.Due}
	var key string
	switch r.State {
	case terminal.PublicationPending:
		key = "publicity.pending"
		if r.Overdue {
			key = "publicity.pending.overdue"
		}
	case terminal.PublicationPublished:
		key = "publicity.published"
		if r.Overdue {
			key = "publicity.published.late"
		}
	default:
		key = "publicity.withdrawn"
	}
	if pub := r.Publication; pub != nil {
		data["Title"], data["By"] = pub.Text.Title, nameOf(p.names, pub.PublishedBy)
		data["At"] = pub.PublishedAt.In(casework.Shanghai).Format(timeLayout)
		data["Code"], data["Reason"] = withdrawCodeText(pub.WithdrawnCode), pub.WithdrawReason
		data["WithdrawnAt"] = pub.WithdrawnAt.In(casework.Shanghai).Format(timeLayout)
	}
	l := wrapped(lang.X(key, "", data))
	if r.Overdue && r.State != terminal.PublicationWithdrawn {
		l.Importance = widget.DangerImportance
	}
	return l
}

// docTemplate is the template of document doc among docs ("" when absent).
func docTemplate(docs []store.DocumentRow, doc string) string {
	for _, d := range docs {
		if d.ID == doc {
			return d.Template
		}
	}
	return ""
}

// addDraftForm shows the draft's text, one entry a field, to review and
// edit, with 签署公示 and 取消.
func (c *Cases) addDraftForm(u *UI, row store.CaseRow) {
	p := c.Publicity
	in := p.Text
	form := widget.NewForm(widget.NewFormItem(lang.L("publicity.text.title"), in.Title),
		widget.NewFormItem(lang.L("publicity.text.party"), in.Party),
		widget.NewFormItem(lang.L("publicity.text.address"), in.Address),
		widget.NewFormItem(lang.L("publicity.text.facts"), in.Facts),
		widget.NewFormItem(lang.L("publicity.text.basis"), in.Basis),
		widget.NewFormItem(lang.L("publicity.text.outcome"), in.Outcome),
		widget.NewFormItem(lang.L("publicity.note.label"), p.Note))
	p.Publish.OnTapped = func() { c.publish(u, row) }
	p.Cancel.OnTapped = func() {
		p.Draft = nil
		c.fillPublicity(u, row)
	}
	p.Box.Add(wrapped(lang.L("publicity.review")))
	p.Box.Add(form)
	p.Box.Add(container.NewHBox(p.Publish, p.Cancel))
}

// preparePublication asks the action layer for the masked text of doc's
// latest version and shows it for review.
func (c *Cases) preparePublication(u *UI, row store.CaseRow, doc string) {
	p := c.Publicity
	background(func() (terminal.PublicationDraft, error) { return u.sess.PreparePublication(u.ctx, doc) },
		func(d terminal.PublicationDraft, err error) {
			if c.Selected == nil || c.Selected.ID != row.ID {
				return // the officer opened another case meanwhile
			}
			if err != nil {
				c.Status.SetText(errText(err))
				return
			}
			p.Draft = &d
			p.Text.set(d.Text)
			p.Note.SetText("")
			c.Status.SetText("")
			c.fillPublicity(u, row)
			c.timelineScroll.Refresh()
		})
}

// publish signs the draft as edited (publicity.published).
func (c *Cases) publish(u *UI, row store.CaseRow) {
	p := c.Publicity
	if p.Draft == nil {
		return
	}
	d := *p.Draft
	d.Text, d.Note = p.Text.text(), strings.TrimSpace(p.Note.Text)
	c.act(u, func() error {
		_, err := u.sess.Publish(u.ctx, d)
		return err
	}, func() {
		p.Draft = nil
		c.Open(u, row)
	})
}

// withdrawPublication withdraws publication id with the chosen code and
// the reason typed.
func (c *Cases) withdrawPublication(u *UI, row store.CaseRow, id string) {
	p := c.Publicity
	i := p.Code.SelectedIndex()
	if i < 0 {
		c.Status.SetText(lang.L("publicity.withdraw.pick"))
		return
	}
	code, reason := casework.WithdrawCodes[i], p.Reason.Text
	c.act(u, func() error { return u.sess.Withdraw(u.ctx, id, code, reason) }, func() {
		p.Reason.SetText("")
		p.Code.ClearSelected()
		c.Open(u, row)
	})
}
