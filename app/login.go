package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"lawtrail/terminal"
)

// Login lets an officer log in offline with a PIN against their sealed key.
// After repeated wrong PINs login is locked for a while; the count is kept
// in the data folder by the terminal, so restarting the app does not reset
// it.
type Login struct {
	Officer *widget.Select
	PIN     *widget.Entry
	Submit  *widget.Button
	Status  *widget.Label
	view    fyne.CanvasObject
	byLabel map[string]terminal.OfficerRow
}

// NewLogin builds the login screen; the officers enrolled on this terminal
// load in the background.
func NewLogin(u *UI) *Login {
	l := &Login{PIN: widget.NewPasswordEntry(), Status: widget.NewLabel(""), byLabel: map[string]terminal.OfficerRow{}}
	l.Status.Wrapping = fyne.TextWrapWord
	l.Officer = widget.NewSelect(nil, nil)
	l.Officer.PlaceHolder = lang.L("login.officer.hint")
	l.Submit = big(widget.NewButton(lang.L("login.submit"), func() { l.submit(u) }))
	l.PIN.OnSubmitted = func(string) { l.submit(u) }
	title := widget.NewLabelWithStyle(lang.X("login.title", "{{.Terminal}}", map[string]any{"Terminal": u.desk.Info.Name}),
		fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	l.view = container.NewCenter(container.NewVBox(title,
		widget.NewForm(widget.NewFormItem(lang.L("login.officer"), l.Officer), widget.NewFormItem(lang.L("login.pin"), l.PIN)),
		l.Submit, l.Status))
	background(func() ([]terminal.OfficerRow, error) { return u.desk.Officers(u.ctx) },
		func(officers []terminal.OfficerRow, err error) {
			if err != nil {
				l.Status.SetText(errText(err))
				return
			}
			var labels []string
			for _, o := range officers {
				if !o.Here {
					continue // enrolled on another terminal: no key here
				}
				labels = append(labels, officerName(o.Officer))
				l.byLabel[officerName(o.Officer)] = o
			}
			l.Officer.Options = labels
			if len(labels) == 1 {
				l.Officer.SetSelected(labels[0])
			}
			l.Officer.Refresh()
		})
	return l
}

// View returns the screen.
func (l *Login) View() fyne.CanvasObject { return l.view }

func (l *Login) submit(u *UI) {
	o, ok := l.byLabel[l.Officer.Selected]
	if !ok {
		l.Status.SetText(lang.L("login.officer.hint"))
		return
	}
	l.Submit.Disable()
	pin := []byte(l.PIN.Text)
	background(func() (*terminal.Session, error) { return u.desk.Login(u.ctx, o.ID, pin) },
		func(s *terminal.Session, err error) {
			l.Submit.Enable()
			l.PIN.SetText("")
			if err != nil {
				l.Status.SetText(errText(err))
				return
			}
			u.sess = s
			u.showMain()
		})
}
