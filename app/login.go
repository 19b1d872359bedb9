package app

import (
	"errors"
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"lawtrail/casework"
	"lawtrail/evidence"
	"lawtrail/store"
)

// Login lets an officer log in offline with a PIN against their sealed key.
// After repeated wrong PINs login is locked for a while.
type Login struct {
	Officer *widget.Select
	PIN     *widget.Entry
	Submit  *widget.Button
	Status  *widget.Label
	view    fyne.CanvasObject
	byLabel map[string]casework.Officer
}

// NewLogin builds the login screen; the officer list loads in the background.
func NewLogin(u *UI) *Login {
	l := &Login{PIN: widget.NewPasswordEntry(), Status: widget.NewLabel(""), byLabel: map[string]casework.Officer{}}
	l.Status.Wrapping = fyne.TextWrapWord
	l.Officer = widget.NewSelect(nil, nil)
	l.Officer.PlaceHolder = lang.L("login.officer.hint")
	l.Submit = big(widget.NewButton(lang.L("login.submit"), func() { l.submit(u) }))
	l.PIN.OnSubmitted = func(string) { l.submit(u) }
	title := widget.NewLabelWithStyle(lang.X("login.title", "{{.Terminal}}", map[string]any{"Terminal": u.sess.Info.Name}),
		fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	l.view = container.NewCenter(container.NewVBox(title,
		widget.NewForm(widget.NewFormItem(lang.L("login.officer"), l.Officer), widget.NewFormItem(lang.L("login.pin"), l.PIN)),
		l.Submit, l.Status))
	background(func() ([]casework.Officer, error) { return u.sess.Store.Officers(u.ctx) },
		func(officers []casework.Officer, err error) {
			if err != nil {
				l.Status.SetText(err.Error())
				return
			}
			var labels []string
			for _, o := range officers {
				labels = append(labels, officerName(o))
				l.byLabel[officerName(o)] = o
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
	if locked, until := u.guard.Locked(); locked {
		l.Status.SetText(lang.X("login.locked", "Locked until {{.Until}}", map[string]any{"Until": until.Format(time.TimeOnly)}))
		return
	}
	o, ok := l.byLabel[l.Officer.Selected]
	if !ok {
		l.Status.SetText(lang.L("login.officer.hint"))
		return
	}
	l.Submit.Disable()
	pin := []byte(l.PIN.Text)
	background(func() (evidence.KeyPair, error) {
		sk, err := store.ReadSealedKey(store.OfficerKeyPath(u.dir, o.ID))
		if err != nil {
			return evidence.KeyPair{}, err
		}
		return sk.Unseal(pin)
	}, func(key evidence.KeyPair, err error) {
		l.Submit.Enable()
		l.PIN.SetText("")
		if errors.Is(err, evidence.ErrWrongPassphrase) {
			if u.guard.Failed() {
				_, until := u.guard.Locked()
				l.Status.SetText(lang.X("login.locked", "Locked until {{.Until}}", map[string]any{"Until": until.Format(time.TimeOnly)}))
				return
			}
			l.Status.SetText(lang.X("login.wrong", "Wrong PIN", map[string]any{"Left": u.guard.Remaining()}))
			return
		}
		if err != nil {
			l.Status.SetText(fmt.Sprint(err))
			return
		}
		u.guard.Succeeded()
		u.sess.Officer, u.sess.OfficerKey = o, key
		u.showMain()
	})
}
