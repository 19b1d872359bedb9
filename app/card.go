package app

import (
	"context"
	"errors"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	qrcode "github.com/skip2/go-qrcode"

	"lawtrail/terminal"
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

// CredentialPayload is the link the QR code carries: the hub's public
// credential check for this officer (terminal.Desk.CardURL, the address
// `lawtrailctl officer card` prints), or, before the terminal learnt the
// hub's web address, "lawtrail:c/" and the same signed token.
func CredentialPayload(ctx context.Context, d *terminal.Desk, officer string) (string, error) {
	link, err := d.CardURL(ctx, officer, "")
	if !errors.Is(err, terminal.ErrNoWebURL) {
		return link, err
	}
	tok, err := d.CardToken(ctx, officer)
	if err != nil {
		return "", err
	}
	return "lawtrail:c/" + tok, nil
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
	payload, err := CredentialPayload(u.ctx, u.desk, o.ID)
	if err != nil {
		c.Validity.SetText(errText(err))
	}
	c.Payload = payload
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
