package app

import (
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"lawtrail/casework"
	"lawtrail/terminal"
)

// OfficersScreen (设置 → 人员) lists the agency's officers as this terminal
// knows them: name, id, credential and its valid-until date, roles, whether
// revoked, whether enrolled on this tablet. An admin enrolls an officer
// (who types their own PIN twice on the tablet), changes roles and revokes
// with a reason; anyone changes their own PIN. Others see the list only.
type OfficersScreen struct {
	List      *fyne.Container
	Rows      []terminal.OfficerRow
	Add       *widget.Button // admins only
	ChangePIN *widget.Button
	Status    *widget.Label
	// Adding is the enrollment form while its dialog is open (for tests).
	Adding *OfficerForm
	admin  bool
	loads  int // Reloads asked for: only the latest one's answer is shown
	view   fyne.CanvasObject
}

// OfficerForm is what enrolling an officer asks.
type OfficerForm struct {
	ID, Name, Credential *widget.Entry
	ValidUntil           *DateField // empty: no end
	Roles                *widget.CheckGroup
	PIN, PIN2            *widget.Entry
}

// NewOfficersScreen builds the officers screen of the logged-in officer.
func NewOfficersScreen(u *UI) *OfficersScreen {
	s := &OfficersScreen{List: container.NewVBox(), Status: widget.NewLabel(""),
		admin: casework.HasRole(u.sess.Officer.Roles, casework.RoleAdmin)}
	s.Status.Wrapping = fyne.TextWrapWord
	s.Add = widget.NewButton(lang.L("officers.add"), func() { s.showAdd(u) })
	s.ChangePIN = widget.NewButton(lang.L("officers.pin"), func() { s.showChangePIN(u) })
	buttons := container.NewHBox(s.ChangePIN)
	if s.admin {
		buttons.Add(s.Add)
	} else {
		s.Add.Hide()
	}
	s.view = container.NewBorder(container.NewVBox(buttons, s.Status, widget.NewSeparator()), nil, nil, nil,
		container.NewVScroll(s.List))
	s.Reload(u)
	return s
}

// View returns the screen.
func (s *OfficersScreen) View() fyne.CanvasObject { return s.view }

// Reload reads the officers in the background.
func (s *OfficersScreen) Reload(u *UI) {
	s.loads++
	load := s.loads
	background(func() ([]terminal.OfficerRow, error) { return u.term.Officers(u.ctx) },
		func(rows []terminal.OfficerRow, err error) {
			if load != s.loads {
				return // a later reload answers
			}
			if err != nil {
				s.Status.SetText(errText(err))
				return
			}
			s.Rows = rows
			s.List.RemoveAll()
			for _, o := range rows {
				s.List.Add(s.row(u, o))
			}
		})
}

// officerLine describes an officer in one line.
func officerLine(o terminal.OfficerRow) string {
	var roles []string
	for _, r := range o.Roles {
		roles = append(roles, r.Label())
	}
	parts := []string{officerName(o.Officer),
		lang.X("officers.credential", "", map[string]any{"No": dashIfEmpty(o.CredentialNo)}),
		lang.X("officers.valid", "", map[string]any{"Until": dashIfEmpty(o.ValidUntil)}),
		strings.Join(roles, "、")}
	if o.Here {
		parts = append(parts, lang.L("officers.here"))
	} else {
		parts = append(parts, lang.L("officers.elsewhere"))
	}
	if o.Revoked {
		parts = append(parts, lang.X("officers.revoked", "", map[string]any{"Reason": o.RevokeReason}))
	}
	return strings.Join(parts, " · ")
}

func (s *OfficersScreen) row(u *UI, o terminal.OfficerRow) fyne.CanvasObject {
	l := widget.NewLabel(officerLine(o))
	l.Wrapping = fyne.TextWrapWord
	if !s.admin || o.Revoked {
		return l
	}
	roles := widget.NewButton(lang.L("officers.roles"), func() { s.showRoles(u, o) })
	box := container.NewHBox(roles)
	if o.ID != u.sess.Officer.ID {
		box.Add(widget.NewButton(lang.L("officers.revoke"), func() { s.showRevoke(u, o) }))
	}
	return container.NewBorder(nil, nil, nil, box, l)
}

// roleChoices are the roles as check boxes, labelled in Chinese.
func roleChoices(selected []casework.Role) *widget.CheckGroup {
	var labels, on []string
	for _, r := range casework.Roles {
		labels = append(labels, r.Label())
		if slices.Contains(selected, r) {
			on = append(on, r.Label())
		}
	}
	g := widget.NewCheckGroup(labels, nil)
	g.SetSelected(on)
	return g
}

func chosenRoles(g *widget.CheckGroup) []casework.Role {
	var out []casework.Role
	for _, r := range casework.Roles {
		if slices.Contains(g.Selected, r.Label()) {
			out = append(out, r)
		}
	}
	return out
}

// officerAct runs an admin's act on the officers and reloads the list.
func (s *OfficersScreen) officerAct(u *UI, work func() error, ok string) {
	background(func() (struct{}, error) { return struct{}{}, work() }, func(_ struct{}, err error) {
		if err != nil {
			s.Status.SetText(errText(err))
			return
		}
		s.Status.SetText(ok)
		s.Reload(u)
		if u.main != nil {
			u.main.Cases.Present.Reload(u)
		}
		u.acted()
	})
}

func (s *OfficersScreen) showAdd(u *UI) {
	f := &OfficerForm{ID: widget.NewEntry(), Name: widget.NewEntry(), Credential: widget.NewEntry(),
		ValidUntil: NewDateField(lang.L("officers.valid.none")), Roles: roleChoices([]casework.Role{casework.RoleOfficer}),
		PIN: widget.NewPasswordEntry(), PIN2: widget.NewPasswordEntry()}
	f.ID.SetPlaceHolder("o-002")
	f.PIN.SetPlaceHolder(lang.L("officers.pin.own"))
	s.Adding = f
	validUntil := container.NewBorder(nil, nil, nil, widget.NewButton(lang.L("officers.valid.clear"), func() { f.ValidUntil.Set(nil) }),
		f.ValidUntil.Button)
	items := []*widget.FormItem{
		widget.NewFormItem(lang.L("officers.id"), f.ID), widget.NewFormItem(lang.L("officers.name"), f.Name),
		widget.NewFormItem(lang.L("officers.credential.no"), f.Credential), widget.NewFormItem(lang.L("officers.valid.until"), validUntil),
		widget.NewFormItem(lang.L("officers.roles"), f.Roles),
		widget.NewFormItem(lang.L("officers.pin.new"), f.PIN), widget.NewFormItem(lang.L("officers.pin.again"), f.PIN2),
	}
	d := dialog.NewForm(lang.L("officers.add"), lang.L("officers.add.submit"), lang.L("present.cancel"), items, func(ok bool) {
		s.Adding = nil
		if ok {
			s.enroll(u, f)
		}
	}, u.win)
	d.Resize(fyne.NewSize(560, 640))
	d.Show()
}

func (s *OfficersScreen) enroll(u *UI, f *OfficerForm) {
	if f.PIN.Text != f.PIN2.Text {
		s.Status.SetText(lang.L("firstrun.err.pin2"))
		return
	}
	n := terminal.NewOfficer{ID: strings.TrimSpace(f.ID.Text), Name: strings.TrimSpace(f.Name.Text),
		CredentialNo: strings.TrimSpace(f.Credential.Text), Roles: chosenRoles(f.Roles), PIN: []byte(f.PIN.Text)}
	n.ValidUntil = f.ValidUntil.Text() // YYYY-MM-DD (casework.DateLayout), "" for no end
	ok := lang.X("officers.added", "", map[string]any{"Officer": n.Name + "（" + n.ID + "）"})
	s.officerAct(u, func() error {
		defer clear(n.PIN)
		_, err := u.sess.EnrollOfficer(u.ctx, n)
		return err
	}, ok)
}

func (s *OfficersScreen) showRoles(u *UI, o terminal.OfficerRow) {
	g := roleChoices(o.Roles)
	dialog.ShowForm(lang.X("officers.roles.title", "", map[string]any{"Officer": officerName(o.Officer)}),
		lang.L("officers.roles.submit"), lang.L("present.cancel"), []*widget.FormItem{widget.NewFormItem(lang.L("officers.roles"), g)},
		func(ok bool) {
			if !ok {
				return
			}
			roles := chosenRoles(g)
			s.officerAct(u, func() error { return u.sess.SetRoles(u.ctx, o.ID, roles) },
				lang.X("officers.roles.done", "", map[string]any{"Officer": officerName(o.Officer)}))
		}, u.win)
}

func (s *OfficersScreen) showRevoke(u *UI, o terminal.OfficerRow) {
	reason := widget.NewEntry()
	reason.SetPlaceHolder(lang.L("officers.revoke.reason"))
	dialog.ShowForm(lang.X("officers.revoke.title", "", map[string]any{"Officer": officerName(o.Officer)}),
		lang.L("officers.revoke"), lang.L("present.cancel"), []*widget.FormItem{widget.NewFormItem(lang.L("officers.revoke.reason"), reason)},
		func(ok bool) {
			if !ok {
				return
			}
			why := reason.Text
			dialog.ShowConfirm(lang.X("officers.revoke.title", "", map[string]any{"Officer": officerName(o.Officer)}),
				lang.X("officers.revoke.confirm", "", map[string]any{"Officer": officerName(o.Officer), "Reason": why}),
				func(yes bool) {
					if yes {
						s.officerAct(u, func() error { return u.sess.RevokeOfficer(u.ctx, o.ID, why) },
							lang.X("officers.revoked.done", "", map[string]any{"Officer": officerName(o.Officer)}))
					}
				}, u.win)
		}, u.win)
}

func (s *OfficersScreen) showChangePIN(u *UI) {
	old, pin, pin2 := widget.NewPasswordEntry(), widget.NewPasswordEntry(), widget.NewPasswordEntry()
	dialog.ShowForm(lang.X("officers.pin.title", "", map[string]any{"Officer": officerName(u.sess.Officer)}),
		lang.L("officers.pin.submit"), lang.L("present.cancel"), []*widget.FormItem{
			widget.NewFormItem(lang.L("officers.pin.old"), old), widget.NewFormItem(lang.L("officers.pin.new"), pin),
			widget.NewFormItem(lang.L("officers.pin.again"), pin2)},
		func(ok bool) {
			if !ok {
				return
			}
			if pin.Text != pin2.Text {
				s.Status.SetText(lang.L("firstrun.err.pin2"))
				return
			}
			id, before, after := u.sess.Officer.ID, []byte(old.Text), []byte(pin.Text)
			background(func() (struct{}, error) { return struct{}{}, u.desk.ChangePIN(u.ctx, id, before, after) },
				func(_ struct{}, err error) {
					if err != nil {
						s.Status.SetText(errText(err))
						return
					}
					s.Status.SetText(lang.L("officers.pin.done"))
				})
		}, u.win)
}
