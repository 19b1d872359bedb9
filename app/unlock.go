package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"lawtrail/terminal"
)

// Unlock opens the terminal with its passphrase, once per start of the app
// (the station is unlocked; officers then log in with their PINs).
type Unlock struct {
	Passphrase *widget.Entry
	Submit     *widget.Button
	Status     *widget.Label
	view       fyne.CanvasObject
}

// NewUnlock builds the unlock screen.
func NewUnlock(u *UI) *Unlock {
	s := &Unlock{Passphrase: widget.NewPasswordEntry(), Status: widget.NewLabel("")}
	s.Status.Wrapping = fyne.TextWrapWord
	s.Submit = big(widget.NewButton(lang.L("unlock.submit"), func() { s.submit(u) }))
	s.Passphrase.OnSubmitted = func(string) { s.submit(u) }
	title := widget.NewLabelWithStyle(lang.L("unlock.title"), fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	dir := widget.NewLabel(lang.X("welcome.data", "Data folder: {{.Dir}}", map[string]any{"Dir": u.dir}))
	s.view = container.NewCenter(container.NewVBox(title, dir,
		widget.NewForm(widget.NewFormItem(lang.L("unlock.passphrase"), s.Passphrase)), s.Submit, s.Status))
	return s
}

// View returns the screen.
func (s *Unlock) View() fyne.CanvasObject { return s.view }

func (s *Unlock) submit(u *UI) {
	s.Submit.Disable()
	s.Status.SetText(lang.L("unlock.working"))
	pass := []byte(s.Passphrase.Text)
	background(func() (*terminal.Desk, error) {
		t, err := u.openTerminal(pass)
		if err != nil {
			return nil, err
		}
		return t.Desk(u.ctx)
	}, func(d *terminal.Desk, err error) {
		s.Submit.Enable()
		if err != nil {
			s.Status.SetText(errText(err))
			return
		}
		u.desk = d
		u.showLogin()
	})
}
