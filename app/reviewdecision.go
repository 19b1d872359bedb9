package app

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lawtrail/casework"
)

// DecisionInput is the form of a document field of type "decision": the
// proposed decision as data the agency's list of major decisions is
// evaluated on — the act (the case's), whom it is against, the penalties
// with their amounts in yuan, the hearing, 涉嫌犯罪移送 and the flags. It
// reads and writes the JSON casework.ParseDecision accepts.
type DecisionInput struct {
	Act        *widget.Select
	PartyKind  *widget.Select
	Penalties  []*PenaltyInput
	AddPenalty *widget.Button
	Hearing    *widget.Select
	Crime      *widget.Check
	Flags      *widget.CheckGroup
	Summary    *widget.Entry
	// Problem says why what is entered is not (yet) a decision; the field
	// is left out of a draft until it is one.
	Problem   *widget.Label
	OnChanged func()
	list      *fyne.Container
	view      fyne.CanvasObject
}

// PenaltyInput is one penalty of the decision: its kind, the amount in
// yuan for a fine or a confiscation, and what it bears on.
type PenaltyInput struct {
	Kind   *widget.Select
	Amount *widget.Entry
	Object *widget.Entry
	Remove *widget.Button
	row    fyne.CanvasObject
}

// errNoDecision: the form states no decision yet (no party kind chosen).
var errNoDecision = errors.New("no decision stated")

// hearingStates are the hearing states in the order the form offers them.
func hearingStates() []casework.Hearing {
	return []casework.Hearing{casework.HearingNone, casework.HearingRequested, casework.HearingHeld}
}

// NewDecisionInput builds the form, set to a penalty with no party kind
// chosen yet (no decision stated).
func NewDecisionInput() *DecisionInput {
	d := &DecisionInput{Problem: widget.NewLabel(""), Summary: widget.NewEntry(), list: container.NewVBox()}
	d.Problem.Wrapping = fyne.TextWrapWord
	d.Problem.Importance = widget.DangerImportance
	var acts []string
	for _, a := range casework.ActTypes {
		acts = append(acts, lang.L("act."+string(a)))
	}
	d.Act = widget.NewSelect(acts, func(string) { d.changed() })
	d.Act.SetSelectedIndex(slices.Index(casework.ActTypes, casework.ActPenalty))
	var parties []string
	for _, k := range casework.PartyKinds {
		parties = append(parties, k.Label())
	}
	d.PartyKind = widget.NewSelect(parties, func(string) { d.changed() })
	d.PartyKind.PlaceHolder = lang.L("decision.party.pick")
	var hearings []string
	for _, h := range hearingStates() {
		hearings = append(hearings, h.Label())
	}
	d.Hearing = widget.NewSelect(hearings, func(string) { d.changed() })
	d.Hearing.SetSelectedIndex(0)
	d.Crime = widget.NewCheck(lang.L("decision.crime"), func(bool) { d.changed() })
	var flags []string
	for _, f := range casework.Flags {
		flags = append(flags, f.Label())
	}
	d.Flags = widget.NewCheckGroup(flags, func([]string) { d.changed() })
	d.Flags.Horizontal = true
	d.Summary.SetPlaceHolder(lang.L("decision.summary"))
	d.Summary.OnChanged = func(string) { d.changed() }
	d.AddPenalty = widget.NewButtonWithIcon(lang.L("decision.penalty.add"), theme.ContentAddIcon(), func() {
		d.addPenalty()
		d.changed()
	})
	form := widget.NewForm(widget.NewFormItem(lang.L("decision.act"), d.Act),
		widget.NewFormItem(lang.L("decision.party"), d.PartyKind),
		widget.NewFormItem(lang.L("decision.penalties"), container.NewVBox(d.list, d.AddPenalty)),
		widget.NewFormItem(lang.L("decision.hearing"), d.Hearing),
		widget.NewFormItem("", d.Crime),
		widget.NewFormItem(lang.L("decision.flags"), d.Flags),
		widget.NewFormItem(lang.L("decision.summary.label"), d.Summary))
	d.view = container.NewVBox(form, d.Problem)
	return d
}

// View returns the form.
func (d *DecisionInput) View() fyne.CanvasObject { return d.view }

func (d *DecisionInput) changed() {
	if d.view == nil {
		return // still being built
	}
	d.showProblem()
	if d.OnChanged != nil {
		d.OnChanged()
	}
}

// addPenalty adds a row: kind, amount (for kinds that carry one), object.
func (d *DecisionInput) addPenalty() *PenaltyInput {
	p := &PenaltyInput{Amount: widget.NewEntry(), Object: widget.NewEntry()}
	var kinds []string
	for _, k := range casework.PenaltyKinds {
		kinds = append(kinds, k.Label())
	}
	p.Amount.SetPlaceHolder(lang.L("decision.amount"))
	p.Amount.OnChanged = func(string) { d.changed() }
	p.Object.SetPlaceHolder(lang.L("decision.object"))
	p.Object.OnChanged = func(string) { d.changed() }
	p.Kind = widget.NewSelect(kinds, func(string) {
		if p.kind().CarriesAmount() {
			p.Amount.Enable()
		} else {
			p.Amount.SetText("")
			p.Amount.Disable()
		}
		d.changed()
	})
	p.Kind.PlaceHolder = lang.L("decision.penalty.kind")
	p.Remove = widget.NewButtonWithIcon("", theme.DeleteIcon(), func() {
		d.Penalties = slices.DeleteFunc(d.Penalties, func(q *PenaltyInput) bool { return q == p })
		d.list.Remove(p.row)
		d.changed()
	})
	p.row = container.NewBorder(nil, nil, nil, p.Remove, container.NewGridWithColumns(3, p.Kind, p.Amount, p.Object))
	d.Penalties = append(d.Penalties, p)
	d.list.Add(p.row)
	return p
}

func (p *PenaltyInput) kind() casework.PenaltyKind {
	if i := p.Kind.SelectedIndex(); i >= 0 {
		return casework.PenaltyKinds[i]
	}
	return ""
}

// SetAct sets the act, as the case's act type.
func (d *DecisionInput) SetAct(a casework.ActType) {
	if i := slices.Index(casework.ActTypes, a); i >= 0 {
		d.Act.SetSelectedIndex(i)
	}
}

// Decision reads the form: errNoDecision while no party kind is chosen,
// an error in the officer's words while it is not a valid decision.
func (d *DecisionInput) Decision() (casework.Decision, error) {
	party := d.PartyKind.SelectedIndex()
	if party < 0 {
		return casework.Decision{}, errNoDecision
	}
	dec := casework.Decision{Act: casework.ActTypes[max(0, d.Act.SelectedIndex())], PartyKind: casework.PartyKinds[party],
		Hearing:       hearingStates()[max(0, d.Hearing.SelectedIndex())],
		CrimeTransfer: d.Crime.Checked, Summary: strings.TrimSpace(d.Summary.Text)}
	for _, f := range casework.Flags {
		if slices.Contains(d.Flags.Selected, f.Label()) {
			dec.Flags = append(dec.Flags, f)
		}
	}
	for i, p := range d.Penalties {
		k := p.kind()
		if k == "" {
			return dec, said(lang.X("decision.err.kind", "", map[string]any{"N": i + 1}))
		}
		pen := casework.Penalty{Kind: k, Object: strings.TrimSpace(p.Object.Text)}
		if k.CarriesAmount() {
			amount := strings.TrimSpace(p.Amount.Text)
			if _, err := json.Number(amount).Float64(); err != nil {
				return dec, said(lang.X("decision.err.amount", "", map[string]any{"Kind": k.Label()}))
			}
			pen.AmountYuan = json.Number(amount)
		}
		dec.Penalties = append(dec.Penalties, pen)
	}
	if err := dec.Validate(); err != nil {
		return dec, said(lang.X("decision.err.invalid", "", map[string]any{"Detail": err.Error()}))
	}
	return dec, nil
}

// JSON is the decision as the field's value; false while the form states
// no valid decision (the field is then left empty).
func (d *DecisionInput) JSON() (json.RawMessage, bool) {
	dec, err := d.Decision()
	if err != nil {
		return nil, false
	}
	return dec.Canonical(), true
}

func (d *DecisionInput) showProblem() {
	_, err := d.Decision()
	if errors.Is(err, errNoDecision) {
		err = nil
	}
	d.Problem.SetText(errText(err))
}

// Set fills the form with dec.
func (d *DecisionInput) Set(dec casework.Decision) {
	d.SetAct(dec.Act)
	d.PartyKind.SetSelectedIndex(slices.Index(casework.PartyKinds, dec.PartyKind))
	for len(d.Penalties) > 0 {
		d.Penalties[0].Remove.OnTapped()
	}
	for _, pen := range dec.Penalties {
		p := d.addPenalty()
		p.Kind.SetSelectedIndex(slices.Index(casework.PenaltyKinds, pen.Kind))
		p.Amount.SetText(string(pen.AmountYuan))
		p.Object.SetText(pen.Object)
	}
	d.Hearing.SetSelectedIndex(max(0, slices.Index(hearingStates(), dec.Hearing)))
	d.Crime.SetChecked(dec.CrimeTransfer)
	var flags []string
	for _, f := range dec.Flags {
		flags = append(flags, f.Label())
	}
	d.Flags.SetSelected(flags)
	d.Summary.SetText(dec.Summary)
}

// SetJSON fills the form from a decision's JSON (an unreadable one is said
// under the form and leaves it as it was).
func (d *DecisionInput) SetJSON(raw string) {
	dec, err := casework.ParseDecision([]byte(raw))
	if err != nil {
		d.Problem.SetText(errText(said(lang.X("decision.err.invalid", "", map[string]any{"Detail": err.Error()}))))
		return
	}
	d.Set(dec)
}
