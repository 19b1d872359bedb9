package app

import (
	"crypto/rand"
	"errors"
	"fmt"
	"os"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"lawtrail/casework"
	"lawtrail/store"
	"lawtrail/terminal"
)

// FirstRun creates the terminal: agency, terminal name, first (admin)
// officer, terminal passphrase and the officer's PIN.
type FirstRun struct {
	Agency, TerminalName, OfficerID, OfficerName, Credential *widget.Entry
	Passphrase, Passphrase2, PIN, PIN2                       *widget.Entry
	Status                                                   *widget.Label
	Submit                                                   *widget.Button
	view                                                     fyne.CanvasObject
}

// NewFirstRun builds the first-run screen.
func NewFirstRun(u *UI) *FirstRun {
	host, _ := os.Hostname()
	f := &FirstRun{
		Agency: widget.NewEntry(), TerminalName: widget.NewEntry(), OfficerID: widget.NewEntry(),
		OfficerName: widget.NewEntry(), Credential: widget.NewEntry(),
		Passphrase: widget.NewPasswordEntry(), Passphrase2: widget.NewPasswordEntry(),
		PIN: widget.NewPasswordEntry(), PIN2: widget.NewPasswordEntry(), Status: widget.NewLabel(""),
	}
	f.TerminalName.SetText(host)
	f.Agency.SetPlaceHolder(lang.L("firstrun.agency.hint"))
	f.Status.Wrapping = fyne.TextWrapWord
	form := widget.NewForm(
		widget.NewFormItem(lang.L("firstrun.agency"), f.Agency),
		widget.NewFormItem(lang.L("firstrun.terminal"), f.TerminalName),
		widget.NewFormItem(lang.L("firstrun.officer.id"), f.OfficerID),
		widget.NewFormItem(lang.L("firstrun.officer.name"), f.OfficerName),
		widget.NewFormItem(lang.L("firstrun.credential"), f.Credential),
		widget.NewFormItem(lang.L("firstrun.passphrase"), f.Passphrase),
		widget.NewFormItem(lang.L("firstrun.passphrase2"), f.Passphrase2),
		widget.NewFormItem(lang.L("firstrun.pin"), f.PIN),
		widget.NewFormItem(lang.L("firstrun.pin2"), f.PIN2),
	)
	f.Submit = big(widget.NewButton(lang.L("firstrun.create"), func() { f.create(u) }))
	title := widget.NewLabelWithStyle(lang.L("firstrun.title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	intro := widget.NewLabel(lang.L("firstrun.intro"))
	intro.Wrapping = fyne.TextWrapWord
	f.view = container.NewVScroll(container.NewPadded(container.NewVBox(title, intro, form, f.Submit, f.Status)))
	return f
}

// View returns the screen.
func (f *FirstRun) View() fyne.CanvasObject { return f.view }

// check says what is wrong with the form, in the officer's words ("" when
// nothing is).
func (f *FirstRun) check() string {
	switch {
	case f.Agency.Text == "" || f.OfficerID.Text == "" || f.OfficerName.Text == "":
		return lang.L("firstrun.err.required")
	case f.Passphrase.Text != f.Passphrase2.Text:
		return lang.L("firstrun.err.passphrase2")
	case f.PIN.Text != f.PIN2.Text:
		return lang.L("firstrun.err.pin2")
	}
	// The same rule lawtrailctl init applies, in the officer's words.
	if err := store.CheckSecrets([]byte(f.Passphrase.Text), []byte(f.PIN.Text)); err != nil {
		return secretText(err)
	}
	return ""
}

// secretErrors name the translated text of each refusal of a secret or of
// the data folder.
var secretErrors = []struct {
	err error
	key string
}{
	{store.ErrPassphraseShort, "firstrun.err.passphrase"},
	{store.ErrPINShort, "firstrun.err.pin"},
	{store.ErrPINNotDigits, "firstrun.err.pin.digits"},
	{store.ErrPINIsPassphrase, "firstrun.err.pin.same"},
	{store.ErrDataDirNotOwned, "firstrun.err.folder.foreign"},
	{store.ErrDataDirUnsafe, "firstrun.err.folder.open"},
}

// secretText says a refusal of a secret or of the data folder in the
// officer's language, keeping the detail; other errors go through errText.
func secretText(err error) string {
	for _, se := range secretErrors {
		if errors.Is(err, se.err) {
			return fmt.Sprintf("%s (%v)", lang.L(se.key), err)
		}
	}
	return errText(err)
}

func (f *FirstRun) create(u *UI) {
	if problem := f.check(); problem != "" {
		f.Status.SetText(problem)
		return
	}
	f.Submit.Disable()
	f.Status.SetText(lang.L("firstrun.working"))
	setup := store.TerminalSetup{
		TerminalName: f.TerminalName.Text, AgencyName: f.Agency.Text, OfficerID: f.OfficerID.Text,
		OfficerName: f.OfficerName.Text, CredentialNo: f.Credential.Text,
		Roles:      []casework.Role{casework.RoleAdmin, casework.RoleOfficer, casework.RoleClerk},
		Passphrase: []byte(f.Passphrase.Text), PIN: []byte(f.PIN.Text), KDF: u.kdf(), Rand: rand.Reader,
	}
	background(func() (struct{}, error) {
		// A folder made beforehand, open to others, becomes private; one
		// that is another user's is refused.
		if _, err := store.SecureDataDir(u.dir); err != nil {
			return struct{}{}, err
		}
		return struct{}{}, terminal.Init(u.ctx, u.dir, setup)
	},
		func(_ struct{}, err error) {
			if err != nil {
				f.Submit.Enable()
				f.Status.SetText(secretText(err))
				return
			}
			u.showUnlock()
		})
}
