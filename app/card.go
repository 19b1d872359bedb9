package app

import (
	"errors"
	"net/url"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	qrcode "github.com/skip2/go-qrcode"

	"lawtrail/evidence"
	"lawtrail/store"
)

// Card is the credential card (亮证): who the officer is, large and
// readable in sunlight, with a QR code anyone can scan to check the
// credential against the hub.
type Card struct {
	Name, Credential, Agency, Validity *widget.Label
	QR                                 *canvas.Image
	Payload                            string
	view                               fyne.CanvasObject
}

// CredentialPayload is the verification link the QR code carries: the
// hub's verification page for this officer and key (or a lawtrail: link
// before the terminal joined a hub).
func CredentialPayload(hubURL, officer, credential, officerKeyID string) string {
	q := url.Values{"officer": {officer}, "credential": {credential}, "key": {officerKeyID}}
	if hubURL == "" {
		return "lawtrail:verify?" + q.Encode()
	}
	return hubURL + "/verify/officer?" + q.Encode()
}

// NewCard builds the credential card of the logged-in officer.
func NewCard(u *UI) *Card {
	o := u.sess.Officer
	c := &Card{}
	bigText := func(s string) *widget.Label {
		l := widget.NewLabelWithStyle(s, fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
		l.SizeName = theme.SizeNameHeadingText
		return l
	}
	credential := o.CredentialNo
	if credential == "" {
		credential = "—"
	}
	c.Name = bigText(o.Name)
	c.Credential = bigText(lang.X("card.credential", "No. {{.No}}", map[string]any{"No": credential}))
	c.Agency = widget.NewLabelWithStyle(u.desk.Info.AgencyName, fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	validity := lang.L("card.validity")
	if o.ValidUntil != "" {
		validity = lang.X("card.valid.until", "", map[string]any{"Until": o.ValidUntil})
	}
	c.Validity = widget.NewLabelWithStyle(validity, fyne.TextAlignCenter, fyne.TextStyle{})
	hub := ""
	if link, err := u.st().Hub(u.ctx); err == nil {
		hub = link.URL
	} else if !errors.Is(err, store.ErrNoHub) {
		c.Validity.SetText(errText(err))
	}
	c.Payload = CredentialPayload(hub, o.ID, o.CredentialNo, evidence.KeyID(u.sess.OfficerKey().Public))
	png, err := qrcode.Encode(c.Payload, qrcode.Medium, 512)
	if err != nil {
		c.Validity.SetText(errText(err))
	}
	c.QR = canvas.NewImageFromResource(fyne.NewStaticResource("credential-qr.png", png))
	c.QR.FillMode = canvas.ImageFillContain
	c.QR.SetMinSize(fyne.NewSize(280, 280))
	title := widget.NewLabelWithStyle(lang.L("card.title"), fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	c.view = container.NewVScroll(container.NewCenter(container.NewVBox(title, c.Name, c.Credential, c.Agency, c.Validity, c.QR,
		widget.NewLabelWithStyle(lang.L("card.scan"), fyne.TextAlignCenter, fyne.TextStyle{}))))
	return c
}

// View returns the screen.
func (c *Card) View() fyne.CanvasObject { return c.view }
