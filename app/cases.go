package app

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"lawtrail/assets"
	"lawtrail/casework"
	"lawtrail/store"
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
	StepStart, StepEnd *widget.Entry
	StepNote           *widget.Entry
	AddStep, Advance   *widget.Button
	DocTemplate        *widget.Select
	NewDoc             *widget.Button
	Editor             *DocumentEditor // the last document opened, for tests
	report             store.CaseReport
	templates          casework.Templates
	Timeline           *fyne.Container
	cases              []store.CaseRow
	Selected           *store.CaseRow
	Steps              []store.StepRow
	Suggestions        map[string][]casework.Suggestion
	Coverage           map[string]casework.Coverage // steps the AV list asks to film
	matters            casework.AVMatters
	onLoaded           func() // once, after the next Reload
	view               fyne.CanvasObject
}

const timeLayout = "2006-01-02 15:04"

// NewCases builds the cases screen.
func NewCases(u *UI) *Cases {
	c := &Cases{Number: widget.NewEntry(), Title: widget.NewEntry(), Status: widget.NewLabel(""),
		StepStart: widget.NewEntry(), StepEnd: widget.NewEntry(), StepNote: widget.NewEntry(), Timeline: container.NewVBox()}
	c.Status.Wrapping = fyne.TextWrapWord
	if m, err := casework.ParseAVMatters(assets.AVMatters); err == nil {
		c.matters = m
	} else {
		c.Status.SetText(err.Error())
	}
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
	now := time.Now().In(casework.Shanghai)
	c.StepStart.SetText(now.Add(-time.Hour).Format(timeLayout))
	c.StepEnd.SetText(now.Format(timeLayout))
	c.AddStep = widget.NewButton(lang.L("cases.step.add"), func() { c.addStep(u) })
	if ts, err := casework.LoadTemplates(assets.Templates, "templates"); err == nil {
		c.templates = ts
	} else {
		c.Status.SetText(err.Error())
	}
	var tplNames []string
	for _, t := range c.templates.Sorted() {
		tplNames = append(tplNames, t.Name)
	}
	c.DocTemplate = widget.NewSelect(tplNames, nil)
	c.DocTemplate.PlaceHolder = lang.L("doc.template")
	c.NewDoc = widget.NewButton(lang.L("doc.new"), func() { c.OpenEditor(u) })
	c.Advance = widget.NewButton(lang.L("cases.advance"), func() { c.advance(u) })
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
	left := container.NewBorder(container.NewVBox(newForm, c.Create, c.Status, widget.NewSeparator()), nil, nil, nil, c.List)
	stepForm := widget.NewForm(widget.NewFormItem(lang.L("cases.step.kind"), c.StepKind),
		widget.NewFormItem(lang.L("cases.step.start"), c.StepStart), widget.NewFormItem(lang.L("cases.step.end"), c.StepEnd),
		widget.NewFormItem(lang.L("cases.step.note"), c.StepNote))
	right := container.NewBorder(nil, container.NewVBox(widget.NewSeparator(), stepForm, container.NewGridWithColumns(2, c.AddStep, c.Advance),
		container.NewBorder(nil, nil, nil, c.NewDoc, c.DocTemplate)),
		nil, nil, container.NewVScroll(c.Timeline))
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

func newID(prefix string) string {
	b := make([]byte, 6)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// Reload reads the case list in the background.
func (c *Cases) Reload(u *UI) {
	background(func() ([]store.CaseRow, error) { return u.sess.Store.Cases(u.ctx) },
		func(rows []store.CaseRow, err error) {
			if err != nil {
				c.Status.SetText(err.Error())
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
	p := &casework.CaseOpened{Case: newID("c-"), Number: strings.TrimSpace(c.Number.Text), Title: strings.TrimSpace(c.Title.Text),
		ActType: casework.ActTypes[max(0, c.ActType.SelectedIndex())], Agency: u.sess.Info.Agency}
	c.record(u, p, func() {
		c.Number.SetText("")
		c.Title.SetText("")
		c.Reload(u)
	})
}

// record appends one event as the logged-in officer, then calls done.
func (c *Cases) record(u *UI, p casework.Payload, done func()) {
	if err := p.Validate(); err != nil {
		c.Status.SetText(err.Error())
		return
	}
	background(func() (struct{}, error) { return struct{}{}, u.sess.Append(u.ctx, store.Draft{Payload: p}) },
		func(_ struct{}, err error) {
			if err != nil {
				c.Status.SetText(err.Error())
				return
			}
			c.Status.SetText(lang.L("cases.saved"))
			done()
		})
}

// Open shows a case: its phases, steps, linked and suggested footage.
func (c *Cases) Open(u *UI, row store.CaseRow) {
	c.Selected = &row
	type loaded struct {
		report store.CaseReport
		spans  []store.FootageWindow
	}
	background(func() (loaded, error) {
		report, err := u.sess.Store.Report(u.ctx, row.ID, c.matters)
		if err != nil {
			return loaded{}, err
		}
		spans, err := u.sess.Store.FootageWindows(u.ctx)
		return loaded{report, spans}, err
	}, func(l loaded, err error) {
		if err != nil {
			c.Status.SetText(err.Error())
			return
		}
		c.report = l.report
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
	})
}

func (c *Cases) drawTimeline(u *UI) {
	row := *c.Selected
	c.Timeline.RemoveAll()
	c.Timeline.Add(widget.NewLabelWithStyle(row.Number+"  "+row.Title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
	now := time.Now()
	for _, d := range c.report.Deadlines {
		key := "cases.deadline"
		if d.Overdue(now) {
			key = "cases.deadline.overdue"
		}
		c.Timeline.Add(widget.NewLabel(lang.X(key, "", map[string]any{"What": d.What, "Due": d.Due.Format(timeLayout), "Rule": d.Rule,
			"Days": int(time.Until(d.Due).Hours() / 24)})))
	}
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
			c.Timeline.Add(widget.NewLabel(fmt.Sprintf("    %s  %s — %s  %s  (%s)", lang.L("step."+string(st.Kind)),
				st.Start.In(casework.Shanghai).Format(timeLayout), st.End.In(casework.Shanghai).Format("15:04"),
				st.Note, lang.X("cases.linked", "{{.N}} linked", map[string]any{"N": len(st.Footage)}))))
			switch {
			case st.TextOnly != "":
				c.Timeline.Add(widget.NewLabel("        " + lang.X("cases.textonly", "", map[string]any{"Reason": st.TextOnly})))
			case c.Coverage[st.ID].Gaps != nil || c.Coverage[st.ID].Covered > 0: // the list asks to film it
				c.Timeline.Add(widget.NewLabel("        " + coverageText(c.matters.For(st.Kind), c.Coverage[st.ID])))
			}
			if st.TextOnly == "" && c.matters.AllowsTextOnly(st.Kind) {
				reason := widget.NewEntry()
				reason.SetPlaceHolder(lang.L("cases.textonly.reason"))
				step := st.ID
				c.Timeline.Add(container.NewBorder(nil, nil, widget.NewLabel("        "), widget.NewButton(lang.L("cases.textonly.mark"), func() {
					c.record(u, &casework.StepTextOnly{Step: step, Reason: strings.TrimSpace(reason.Text)}, func() { c.Open(u, row) })
				}), reason))
			}
			for _, s := range c.Suggestions[st.ID] {
				s, step := s, st.ID
				label := lang.X("cases.suggest", "suggested", map[string]any{"Digest": s.Digest.String()[:12],
					"Minutes": int(s.Overlap.Minutes()), "Officer": dashIfEmpty(s.Officer)})
				c.Timeline.Add(container.NewHBox(widget.NewLabel("        "+label), widget.NewButton(lang.L("cases.link"), func() {
					c.record(u, &casework.StepFootageLinked{Step: step, Digest: s.Digest}, func() { c.Open(u, row) })
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
	start, err1 := time.ParseInLocation(timeLayout, strings.TrimSpace(c.StepStart.Text), casework.Shanghai)
	end, err2 := time.ParseInLocation(timeLayout, strings.TrimSpace(c.StepEnd.Text), casework.Shanghai)
	if err1 != nil || err2 != nil {
		c.Status.SetText(lang.X("cases.err.time", "Time as {{.Layout}}", map[string]any{"Layout": timeLayout}))
		return
	}
	kind := stepKinds()[max(0, c.StepKind.SelectedIndex())]
	row := *c.Selected
	p := &casework.StepRecorded{Step: newID("s-"), Case: row.ID, Kind: kind, Start: start, End: end,
		Officers: []string{u.sess.Officer.ID}, Note: strings.TrimSpace(c.StepNote.Text)}
	c.record(u, p, func() { c.Open(u, row) })
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
	c.record(u, &casework.CasePhaseAdvanced{Case: row.ID, Phase: casework.Phases[i+1]}, func() {
		row.Phase = casework.Phases[i+1]
		c.Selected = &row
		c.Reload(u)
		c.Open(u, row)
	})
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
	caseID := c.Selected.ID
	background(func() ([]casework.Officer, error) { return u.sess.Store.Officers(u.ctx) },
		func(officers []casework.Officer, err error) {
			if err != nil {
				c.Status.SetText(err.Error())
				return
			}
			c.Editor = NewDocumentEditor(u, caseID, tpl, officers)
			c.Editor.StartAutosave(u)
			ed := c.Editor
			w := u.app.NewWindow(tpl.Name)
			w.SetOnClosed(func() {
				ed.Autosave(u) // what was typed is kept
				ed.Stop()
			})
			w.SetContent(c.Editor.View())
			w.Resize(fyne.NewSize(800, 900))
			w.Show()
		})
}
