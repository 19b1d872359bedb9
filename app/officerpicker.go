package app

import (
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"lawtrail/casework"
	"lawtrail/terminal"
)

// OfficerPicker names the officers present at an act (行政处罚法 Art. 42:
// at least two on site). The logged-in officer is always present; the
// others are the officers enrolled on this tablet, and ticking one asks
// that officer for their PIN, typed by them on the same tablet: the PIN
// co-signs the act (terminal.Witness) and is forgotten after it.
type OfficerPicker struct {
	Group     *widget.CheckGroup
	OnChanged func()
	self      casework.Officer
	byLabel   map[string]casework.Officer
	pins      map[string][]byte
	quiet     bool // changing the selection from code, not by a tap
	loads     int  // Reloads asked for: only the latest one's answer is shown
	view      fyne.CanvasObject
}

// NewOfficerPicker builds the picker; the officers load in the background.
func NewOfficerPicker(u *UI, win fyne.Window) *OfficerPicker {
	p := &OfficerPicker{self: u.sess.Officer, byLabel: map[string]casework.Officer{}, pins: map[string][]byte{}}
	p.Group = widget.NewCheckGroup(nil, nil)
	p.Group.Horizontal = true
	p.Group.OnChanged = func(sel []string) { p.changed(win, sel) }
	me := widget.NewCheck(lang.X("present.self", "{{.Officer}}", map[string]any{"Officer": officerLabel(p.self)}), nil)
	me.SetChecked(true)
	me.Disable()
	p.view = container.NewHBox(me, p.Group)
	p.Reload(u)
	return p
}

// View returns the picker.
func (p *OfficerPicker) View() fyne.CanvasObject { return p.view }

// officerLabel shows an officer as 姓名（证号）.
func officerLabel(o casework.Officer) string {
	if o.CredentialNo == "" {
		return o.Name + "（" + o.ID + "）"
	}
	return o.Name + "（" + o.CredentialNo + "）"
}

// Reload lists the officers who can co-sign here: enrolled on this
// tablet, not revoked, other than the one logged in.
func (p *OfficerPicker) Reload(u *UI) {
	p.loads++
	load := p.loads
	background(func() ([]terminal.OfficerRow, error) { return u.term.Officers(u.ctx) },
		func(rows []terminal.OfficerRow, err error) {
			if load != p.loads {
				return // a later reload answers (an earlier one finishing last would show stale officers)
			}
			if err != nil {
				return // the picker stays as it was; acts still need only the officer logged in
			}
			var labels []string
			p.byLabel = map[string]casework.Officer{}
			for _, o := range rows {
				if !o.Here || o.Revoked || o.ID == p.self.ID {
					continue
				}
				labels = append(labels, officerLabel(o.Officer))
				p.byLabel[officerLabel(o.Officer)] = o.Officer
			}
			p.quiet = true
			p.Group.Options = labels
			p.Group.SetSelected(slices.DeleteFunc(slices.Clone(p.Group.Selected), func(l string) bool { return !slices.Contains(labels, l) }))
			p.Group.Refresh()
			p.quiet = false
		})
}

// changed asks the PIN of an officer just ticked; an untick forgets it.
func (p *OfficerPicker) changed(win fyne.Window, sel []string) {
	if p.quiet {
		return
	}
	for id := range p.pins {
		if !slices.ContainsFunc(sel, func(l string) bool { return p.byLabel[l].ID == id }) {
			clear(p.pins[id])
			delete(p.pins, id)
		}
	}
	for _, l := range sel {
		if o := p.byLabel[l]; p.pins[o.ID] == nil {
			p.askPIN(win, l, o)
		}
	}
	if p.OnChanged != nil {
		p.OnChanged()
	}
}

func (p *OfficerPicker) askPIN(win fyne.Window, label string, o casework.Officer) {
	pin := widget.NewPasswordEntry()
	title := lang.X("present.pin", "{{.Officer}}", map[string]any{"Officer": officerName(o)})
	d := dialog.NewForm(title, lang.L("present.confirm"), lang.L("present.cancel"),
		[]*widget.FormItem{widget.NewFormItem(lang.L("login.pin"), pin)}, func(ok bool) {
			if ok && pin.Text != "" {
				p.pins[o.ID] = []byte(pin.Text)
				pin.SetText("")
				return
			}
			p.untick(label)
		}, win)
	pin.OnSubmitted = func(string) { d.Submit() }
	d.Show()
	win.Canvas().Focus(pin)
}

func (p *OfficerPicker) untick(label string) {
	p.quiet = true
	p.Group.SetSelected(slices.DeleteFunc(slices.Clone(p.Group.Selected), func(l string) bool { return l == label }))
	p.quiet = false
	if p.OnChanged != nil {
		p.OnChanged()
	}
}

// Present lists the officers present: the one logged in first, then those
// ticked whose PIN was given.
func (p *OfficerPicker) Present() []casework.Officer {
	out := []casework.Officer{p.self}
	for _, l := range p.Group.Selected {
		if o := p.byLabel[l]; p.pins[o.ID] != nil {
			out = append(out, o)
		}
	}
	return out
}

// IDs are the ids of Present.
func (p *OfficerPicker) IDs() []string {
	var out []string
	for _, o := range p.Present() {
		out = append(out, o.ID)
	}
	return out
}

// Witnesses are the co-signatures the act needs besides the officer
// logged in.
func (p *OfficerPicker) Witnesses() []terminal.Witness {
	var out []terminal.Witness
	for _, o := range p.Present()[1:] {
		out = append(out, terminal.Witness{Officer: o.ID, PIN: slices.Clone(p.pins[o.ID])})
	}
	return out
}

// Reset forgets every PIN and unticks everyone but the officer logged in:
// after an act (PINs do not linger) and after a refusal (each officer
// confirms again).
func (p *OfficerPicker) Reset() {
	for id, pin := range p.pins {
		clear(pin)
		delete(p.pins, id)
	}
	p.quiet = true
	p.Group.SetSelected(nil)
	p.quiet = false
	if p.OnChanged != nil {
		p.OnChanged()
	}
}

// forget wipes the PINs of witnesses once their act is done.
func forget(witnesses []terminal.Witness) {
	for _, w := range witnesses {
		clear(w.PIN)
	}
}
