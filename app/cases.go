package app

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"lawtrail/casefile"
	"lawtrail/casework"
	"lawtrail/evidence"
	"lawtrail/store"
	"lawtrail/terminal"
)

// Cases lists cases, creates them, and shows one case as a timeline of its
// phases (启动 → 调查取证 → 审核决定 → 送达执行) and steps, with footage
// suggested for each step by time overlap and linked with one tap.
type Cases struct {
	List               *widget.List
	Number, Title      *widget.Entry
	ActType            *widget.Select
	Create             *widget.Button
	Status             *widget.Label
	StepKind           *widget.Select
	StepStart, StepEnd *DateTimePicker
	StepNote           *widget.Entry
	Present            *OfficerPicker // who was there; each other officer co-signs with their PIN
	AddStep, Advance   *widget.Button
	DocTemplate        *widget.Select
	NewDoc             *widget.Button
	Export, Ledger     *widget.Button  // the case file of the case open; the ledger of every case
	Editor             *DocumentEditor // the last document opened, for tests
	LastPDF            string          // the last document version rendered for the system viewer
	Review             *CaseReview     // the case's decision and its legal review
	Publicity          *CasePublicity  // the case's finalized decisions in publicity (公示)
	report             store.CaseReport
	templates          casework.Templates
	Timeline           *fyne.Container
	timelineScroll     *container.Scroll
	cases              []store.CaseRow
	Selected           *store.CaseRow
	Steps              []store.StepRow
	Suggestions        map[string][]casework.Suggestion
	Coverage           map[string]casework.Coverage // steps the AV list asks to film
	matters            casework.AVMatters
	onLoaded           func() // once, after the next Reload
	opened             int    // counts Open's loads: only the latest may draw
	view               fyne.CanvasObject
}

// timeLayout shows a moment (never parsed: times are picked).
const timeLayout = "2006-01-02 15:04"

// NewCases builds the cases screen.
func NewCases(u *UI) *Cases {
	now := u.term.Now()
	c := &Cases{Number: widget.NewEntry(), Title: widget.NewEntry(), Status: widget.NewLabel(""),
		StepStart: NewDateTimePicker(now.Add(-time.Hour)), StepEnd: NewDateTimePicker(now), StepNote: widget.NewEntry(),
		Timeline: container.NewVBox(), Present: NewOfficerPicker(u, u.win), Review: NewCaseReview()}
	c.Status.Wrapping = fyne.TextWrapWord
	cfg := u.term.Config()
	c.matters, c.templates = cfg.AVMatters, cfg.Templates
	var acts []string
	for _, a := range casework.ActTypes {
		acts = append(acts, lang.L("act."+string(a)))
	}
	c.ActType = widget.NewSelect(acts, nil)
	c.ActType.SetSelectedIndex(0)
	c.Create = widget.NewButton(lang.L("cases.create"), func() { c.createCase(u) })
	var kinds []string
	for _, k := range stepKinds() {
		kinds = append(kinds, lang.L("step."+string(k)))
	}
	c.StepKind = widget.NewSelect(kinds, nil)
	c.StepKind.SetSelectedIndex(0)
	c.AddStep = widget.NewButton(lang.L("cases.step.add"), func() { c.addStep(u) })
	var tplNames []string
	for _, t := range c.templates.Sorted() {
		tplNames = append(tplNames, t.Name)
	}
	c.DocTemplate = widget.NewSelect(tplNames, nil)
	c.DocTemplate.PlaceHolder = lang.L("doc.template")
	c.NewDoc = widget.NewButton(lang.L("doc.new"), func() { c.OpenEditor(u) })
	c.Advance = widget.NewButton(lang.L("cases.advance"), func() { c.advance(u) })
	c.Export = widget.NewButton(lang.L("cases.export"), func() { c.askExport(u) })
	c.Ledger = widget.NewButton(lang.L("cases.ledger"), func() { c.askLedger(u) })
	c.List = widget.NewList(func() int { return len(c.cases) },
		func() fyne.CanvasObject { return widget.NewLabel("某市监罚〔2026〕000号 title") },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i < len(c.cases) {
				o.(*widget.Label).SetText(c.cases[i].Number + "  " + c.cases[i].Title)
			}
		})
	c.List.OnSelected = func(i widget.ListItemID) {
		if i < len(c.cases) {
			c.Open(u, c.cases[i])
		}
	}
	newForm := widget.NewForm(widget.NewFormItem(lang.L("cases.number"), c.Number),
		widget.NewFormItem(lang.L("cases.title"), c.Title), widget.NewFormItem(lang.L("cases.act"), c.ActType))
	left := container.NewBorder(container.NewVBox(newForm, c.Create, c.Status, widget.NewSeparator()), c.Ledger, nil, nil, c.List)
	c.timelineScroll = container.NewVScroll(c.Timeline)
	present := container.NewHScroll(c.Present.View()) // scrolls sideways however many officers are enrolled here
	stepForm := widget.NewForm(widget.NewFormItem(lang.L("cases.step.kind"), c.StepKind),
		widget.NewFormItem(lang.L("cases.step.start"), c.StepStart.View()), widget.NewFormItem(lang.L("cases.step.end"), c.StepEnd.View()),
		widget.NewFormItem(lang.L("cases.step.present"), present), widget.NewFormItem(lang.L("cases.step.note"), c.StepNote))
	right := container.NewBorder(nil, container.NewVBox(widget.NewSeparator(), stepForm, container.NewGridWithColumns(2, c.AddStep, c.Advance),
		container.NewBorder(nil, nil, nil, c.NewDoc, c.DocTemplate), c.Export),
		nil, nil, c.timelineScroll)
	split := container.NewHSplit(left, right)
	split.Offset = 0.4
	c.view = split
	return c
}

// View returns the screen.
func (c *Cases) View() fyne.CanvasObject { return c.view }

func stepKinds() []casework.StepKind {
	return []casework.StepKind{casework.StepOnSiteInspection, casework.StepInterview, casework.StepSampling,
		casework.StepPreservation, casework.StepSeizure, casework.StepForcedDemolition, casework.StepHearing,
		casework.StepDecision, casework.StepService, casework.StepExecution}
}

// Reload reads the case list (and who can co-sign) in the background.
func (c *Cases) Reload(u *UI) {
	c.Present.Reload(u)
	background(func() ([]store.CaseRow, error) { return u.st().Cases(u.ctx) },
		func(rows []store.CaseRow, err error) {
			if err != nil {
				c.Status.SetText(errText(err))
				return
			}
			c.cases = rows
			c.List.Refresh()
			if f := c.onLoaded; f != nil {
				c.onLoaded = nil
				f()
			}
		})
}

func (c *Cases) createCase(u *UI) {
	n := terminal.NewCase{Number: c.Number.Text, Title: c.Title.Text, Act: casework.ActTypes[max(0, c.ActType.SelectedIndex())]}
	c.act(u, func() error {
		_, err := u.sess.OpenCase(u.ctx, n)
		return err
	}, func() {
		c.Number.SetText("")
		c.Title.SetText("")
		c.Reload(u)
	})
}

// act runs one act of the logged-in officer through the action layer in
// the background, then says it is recorded and calls done, or says why it
// was refused (nothing is recorded then).
func (c *Cases) act(u *UI, work func() error, done func()) {
	background(func() (struct{}, error) { return struct{}{}, work() },
		func(_ struct{}, err error) {
			if err != nil {
				c.Status.SetText(errText(err))
				return
			}
			c.Status.SetText(lang.L("cases.saved"))
			u.acted()
			done()
		})
}

// Open shows a case: its phases, steps, linked and suggested footage.
func (c *Cases) Open(u *UI, row store.CaseRow) {
	c.Selected = &row
	c.opened++
	load := c.opened
	type loaded struct {
		report store.CaseReport
		spans  []store.FootageWindow
		review caseReviewState
	}
	background(func() (loaded, error) {
		report, err := u.st().Report(u.ctx, row.ID, c.matters)
		if err != nil {
			return loaded{}, err
		}
		review, err := loadCaseReview(u.ctx, u, row.ID, report.Documents)
		if err != nil {
			return loaded{}, err
		}
		spans, err := u.st().FootageWindows(u.ctx)
		return loaded{report, spans, review}, err
	}, func(l loaded, err error) {
		if load != c.opened {
			return // a later Open's load (after an act) is newer: this one would draw the case as it was
		}
		if err != nil {
			c.Status.SetText(errText(err))
			return
		}
		c.report = l.report
		c.Review.state = l.review
		c.Steps = nil
		c.Suggestions = map[string][]casework.Suggestion{}
		c.Coverage = map[string]casework.Coverage{}
		var spans []casework.FootageSpan
		for _, w := range l.spans {
			spans = append(spans, casework.FootageSpan{Digest: w.Digest, Officer: w.Officer, Start: w.Start, End: w.End})
		}
		for _, st := range l.report.Steps {
			c.Steps = append(c.Steps, st.StepRow)
			if st.Coverage != nil {
				c.Coverage[st.ID] = *st.Coverage
			}
			for _, s := range casework.SuggestFootage(st.Start, st.End, st.Officers, spans) {
				if !slices.Contains(st.Footage, s.Digest) {
					c.Suggestions[st.ID] = append(c.Suggestions[st.ID], s)
				}
			}
		}
		c.drawTimeline(u)
		c.timelineScroll.Refresh() // lay the timeline out to what it now holds
	})
}

func (c *Cases) drawTimeline(u *UI) {
	row := *c.Selected
	c.Timeline.RemoveAll()
	c.Timeline.Add(widget.NewLabelWithStyle(row.Number+"  "+row.Title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
	now := time.Now()
	for _, d := range c.report.Deadlines {
		c.Timeline.Add(wrapped(deadlineText(d, now)))
	}
	c.drawReview(u, row)
	c.drawDocuments(u)
	c.drawPublicity(u, row)
	current := slices.Index(casework.Phases, row.Phase)
	for i, ph := range casework.Phases {
		mark := "○"
		if i < current {
			mark = "●"
		} else if i == current {
			mark = "◉"
		}
		c.Timeline.Add(widget.NewLabelWithStyle(fmt.Sprintf("%s %s", mark, lang.L("phase."+string(ph))), fyne.TextAlignLeading, fyne.TextStyle{Bold: i == current}))
		for _, st := range c.Steps {
			if st.Phase != ph {
				continue
			}
			c.Timeline.Add(wrapped(fmt.Sprintf("    %s  %s — %s  %s  (%s)", lang.L("step."+string(st.Kind)),
				st.Start.In(casework.Shanghai).Format(timeLayout), st.End.In(casework.Shanghai).Format("15:04"),
				st.Note, lang.X("cases.linked", "{{.N}} linked", map[string]any{"N": len(st.Footage)}))))
			switch {
			case st.TextOnly != "":
				c.Timeline.Add(widget.NewLabel("        " + lang.X("cases.textonly", "", map[string]any{"Reason": st.TextOnly})))
			case c.Coverage[st.ID].Gaps != nil || c.Coverage[st.ID].Covered > 0: // the list asks to film it
				c.Timeline.Add(widget.NewLabel("        " + coverageText(c.matters.For(st.Kind), c.Coverage[st.ID])))
			}
			liveStep := st.ID
			c.Timeline.Add(container.NewHBox(widget.NewLabel("        "), widget.NewButton(lang.L("live.start"), func() {
				u.askLive(row.ID, liveStep, c.Status.SetText) // live.go
			})))
			if st.TextOnly == "" && c.matters.AllowsTextOnly(st.Kind) {
				reason := widget.NewEntry()
				reason.SetPlaceHolder(lang.L("cases.textonly.reason"))
				step := st.ID
				c.Timeline.Add(container.NewBorder(nil, nil, widget.NewLabel("        "), widget.NewButton(lang.L("cases.textonly.mark"), func() {
					c.act(u, func() error { return u.sess.MarkTextOnly(u.ctx, step, reason.Text) }, func() { c.Open(u, row) })
				}), reason))
			}
			for _, d := range st.Footage {
				d := d
				c.Timeline.Add(container.NewHBox(widget.NewLabel("        "+lang.X("cases.footage", "", map[string]any{"Digest": d.String()[:12]})),
					widget.NewButton(lang.L("cases.play"), func() { u.playFootage(u.sess, d, c.Status.SetText, nil) })))
			}
			for _, s := range c.Suggestions[st.ID] {
				s, step := s, st.ID
				label := lang.X("cases.suggest", "suggested", map[string]any{"Digest": s.Digest.String()[:12],
					"Minutes": int(s.Overlap.Minutes()), "Officer": dashIfEmpty(s.Officer)})
				c.Timeline.Add(container.NewHBox(widget.NewLabel("        "+label), widget.NewButton(lang.L("cases.link"), func() {
					c.act(u, func() error { return u.sess.LinkFootage(u.ctx, step, s.Digest) }, func() { c.Open(u, row) })
				})))
			}
		}
	}
}

func (c *Cases) addStep(u *UI) {
	if c.Selected == nil {
		c.Status.SetText(lang.L("cases.pick"))
		return
	}
	start, ok1 := c.StepStart.Time()
	end, ok2 := c.StepEnd.Time()
	if !ok1 || !ok2 {
		c.Status.SetText(lang.L("cases.err.time"))
		return
	}
	row := *c.Selected
	n := terminal.NewStep{Case: row.ID, Kind: stepKinds()[max(0, c.StepKind.SelectedIndex())], Start: start, End: end,
		Note: c.StepNote.Text, Officers: c.Present.IDs(), Witnesses: c.Present.Witnesses()}
	c.Present.Reset() // the PINs were for this step only; a refusal asks again
	c.act(u, func() error {
		defer forget(n.Witnesses)
		_, err := u.sess.RecordStep(u.ctx, n)
		return err
	}, func() {
		c.StepNote.SetText("")
		c.Open(u, row)
	})
}

func (c *Cases) advance(u *UI) {
	if c.Selected == nil {
		c.Status.SetText(lang.L("cases.pick"))
		return
	}
	row := *c.Selected
	i := slices.Index(casework.Phases, row.Phase)
	if i < 0 || i+1 >= len(casework.Phases) {
		c.Status.SetText(lang.L("cases.last.phase"))
		return
	}
	next := casework.Phases[i+1]
	c.act(u, func() error { return u.sess.AdvanceCase(u.ctx, row.ID, next) }, func() {
		row.Phase = next
		c.Selected = &row
		c.Reload(u)
		c.Open(u, row)
	})
}

// deadlineText says a statutory period running on a case: what, when, the
// rule, the days left — or that it is overdue.
func deadlineText(d casework.Deadline, now time.Time) string {
	key := "cases.deadline"
	if d.Overdue(now) {
		key = "cases.deadline.overdue"
	}
	return lang.X(key, "", map[string]any{"What": d.What, "Due": d.Due.Format(timeLayout), "Rule": d.Rule,
		"Days": int(d.Due.Sub(now).Hours() / 24)})
}

func coverageText(req casework.Requirement, cov casework.Coverage) string {
	if cov.Complete() {
		return lang.L("cases.av.complete")
	}
	var gaps []string
	for _, g := range cov.Gaps {
		gaps = append(gaps, fmt.Sprintf("%s–%s (%d′)", g.Start.In(casework.Shanghai).Format("15:04"), g.End.In(casework.Shanghai).Format("15:04"), int(g.Length().Minutes())))
	}
	key := "cases.av.suggested"
	if req == casework.AVMandatory {
		key = "cases.av.gaps"
	}
	return lang.X(key, "", map[string]any{"Gaps": strings.Join(gaps, ", ")})
}

// OpenEditor opens a new document of the chosen template for the selected
// case, in its own window.
func (c *Cases) OpenEditor(u *UI) {
	if c.Selected == nil {
		c.Status.SetText(lang.L("cases.pick"))
		return
	}
	var tpl *casework.Template
	for _, t := range c.templates.Sorted() {
		if t.Name == c.DocTemplate.Selected {
			tpl = t
		}
	}
	if tpl == nil {
		c.Status.SetText(lang.L("doc.template"))
		return
	}
	ed := c.showEditor(u, tpl)
	if ed.Decision != nil {
		ed.Decision.SetAct(c.Selected.ActType)
		if s := c.Review.state; s.has { // a new draft starts from the decision as it stands
			ed.Decision.Set(s.decision.Decision)
		}
		ed.dirty = false // nothing typed yet
	}
}

// OpenDocument opens one of the case's documents in the editor, filled
// with its values: its open draft, to go on with it (the officer changes
// the draft a review found wanting and resubmits the same document), or,
// when its latest state is finalized, a new draft of the next version (a
// correction) starting from the latest version.
func (c *Cases) OpenDocument(u *UI, doc store.DocumentRow) {
	if c.Selected == nil || doc.Case != c.Selected.ID {
		c.Status.SetText(lang.L("cases.pick"))
		return
	}
	tpl := c.templates[doc.Template]
	if tpl == nil {
		c.Status.SetText(lang.X("cases.doc.notemplate", "", map[string]any{"Template": doc.Template}))
		return
	}
	from := doc.DraftContent
	if from == nil && len(doc.Versions) > 0 {
		from = &doc.Versions[len(doc.Versions)-1].Content
	}
	ed := c.showEditor(u, tpl)
	ed.DocID, ed.Finalized = doc.ID, doc.Finalized
	if from != nil {
		ed.Step = from.Step
		ed.Load(from.Fields)
	}
}

// showEditor opens an editor of tpl for the selected case in its own
// window; what was typed is kept when the window closes, and the case view
// is read again after each save.
func (c *Cases) showEditor(u *UI, tpl *casework.Template) *DocumentEditor {
	w := u.app.NewWindow(tpl.Name)
	row := *c.Selected
	ed := NewDocumentEditor(u, w, row.ID, tpl)
	c.Editor = ed
	ed.StartAutosave(u)
	ed.OnSaved = func() { // the case view shows the decision and its review as they now stand
		if c.Selected != nil && c.Selected.ID == row.ID {
			c.Open(u, *c.Selected)
		}
	}
	w.SetOnClosed(func() {
		ed.Autosave(u) // what was typed is kept
		ed.Stop()
	})
	w.SetContent(ed.View())
	w.Resize(fyne.NewSize(800, 900))
	w.Show()
	return ed
}

// drawDocuments adds the case's documents to its view: each template's
// name, its latest finalized version, whether a draft is open, and the
// buttons to go on with the draft or correct the finalized document, and
// to read the latest version's PDF.
func (c *Cases) drawDocuments(u *UI) {
	c.Timeline.Add(bold(lang.L("cases.docs")))
	if len(c.report.Documents) == 0 {
		c.Timeline.Add(widget.NewLabel(lang.L("cases.docs.none")))
		return
	}
	for _, doc := range c.report.Documents {
		doc := doc
		var state []string
		if doc.Finalized > 0 {
			state = append(state, lang.X("cases.doc.final", "", map[string]any{"Version": doc.Finalized}))
		}
		if doc.DraftContent != nil {
			state = append(state, lang.L("cases.doc.draft"))
		}
		label := templateName(c.templates, doc.Template) + "  " + strings.Join(state, "；")
		edit := widget.NewButton(lang.L("cases.doc.edit"), func() { c.OpenDocument(u, doc) })
		if doc.DraftContent == nil {
			edit.SetText(lang.L("cases.doc.correct"))
		}
		buttons := container.NewHBox(edit)
		if doc.Finalized > 0 {
			buttons.Add(widget.NewButton(lang.L("doc.pdf"), func() { c.openPDF(u, doc.ID) }))
		}
		c.Timeline.Add(container.NewBorder(nil, nil, nil, buttons, wrapped(label)))
	}
}

// openPDF shows a document's latest version through the access action
// (playback.go): recorded as viewed, then a short-lived copy handed to the
// system viewer.
func (c *Cases) openPDF(u *UI, doc string) {
	u.showDocument(u.sess, doc, 0, c.Status.SetText, func(path string) { c.LastPDF = path })
}

// askExport asks where to write the case file of the case open (a .zip
// file, or a folder when the name has no .zip), then writes it.
func (c *Cases) askExport(u *UI) {
	if c.Selected == nil {
		c.Status.SetText(lang.L("cases.pick"))
		return
	}
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil || w == nil {
			return
		}
		path := w.URI().Path()
		w.Close()
		os.Remove(path) // the dialog made it empty; the case file is written new
		c.ExportCase(u, path)
	}, u.win)
	d.SetFileName(safeFileName(c.Selected.Number) + ".zip")
	d.Show()
}

// ExportCase writes the case file of the case open to out and says where,
// with the digest of its SHA256SUMS (what a recipient checks it against).
func (c *Cases) ExportCase(u *UI, out string) {
	if c.Selected == nil {
		c.Status.SetText(lang.L("cases.pick"))
		return
	}
	x := terminal.CaseExport{Case: c.Selected.ID, Out: out, WithFootage: true}
	c.Status.SetText(lang.L("cases.export.working"))
	background(func() (casefile.Exported, error) { return u.sess.ExportCase(u.ctx, x) },
		func(r casefile.Exported, err error) {
			if err != nil {
				c.Status.SetText(errText(err))
				return
			}
			c.Status.SetText(lang.X("cases.exported", "", map[string]any{"Path": out, "Files": r.Files, "Sums": r.Sums.String()}))
			u.acted()
		})
}

// askLedger asks where to write the ledger (.xlsx or .csv), then writes it.
func (c *Cases) askLedger(u *UI) {
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil || w == nil {
			return
		}
		path := w.URI().Path()
		w.Close()
		c.WriteLedger(u, path)
	}, u.win)
	d.SetFileName(lang.L("cases.ledger.file") + "-" + u.term.Now().In(casework.Shanghai).Format("20060102") + ".xlsx")
	d.Show()
}

// WriteLedger writes the ledger to path through the access action (the
// export is recorded as the officer's access.ledger_exported before the
// file gets its name) and says where, with how many cases it holds and the
// file's SHA-256. A refused export leaves no ledger; the empty file the
// save dialog made is removed.
func (c *Cases) WriteLedger(u *UI, path string) {
	type written struct {
		cases int
		sum   string
	}
	background(func() (written, error) {
		n, err := u.sess.ExportLedger(u.ctx, path, "")
		if err != nil {
			if fi, serr := os.Stat(path); serr == nil && fi.Mode().IsRegular() && fi.Size() == 0 {
				os.Remove(path)
			}
			return written{}, err
		}
		b, err := os.ReadFile(path)
		return written{n, evidence.Sum(b).String()}, err
	}, func(w written, err error) {
		if err != nil {
			c.Status.SetText(errText(err))
			return
		}
		c.Status.SetText(lang.X("cases.ledger.written", "", map[string]any{"Path": path, "Cases": w.cases, "Sum": w.sum}))
		u.acted()
	})
}

// safeFileName keeps a case number usable as a file name.
func safeFileName(s string) string {
	return strings.Map(func(r rune) rune {
		if strings.ContainsRune(`/\:*?"<>|`, r) || r < 0x20 {
			return '_'
		}
		return r
	}, s)
}
