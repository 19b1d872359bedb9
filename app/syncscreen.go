package app

import (
	"fmt"
	"os"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"lawtrail/sync/client"
	"lawtrail/sync/protocol"
)

// SyncScreen joins a hub with a code and shows what waits, what the hub
// confirmed and the last error; "sync now" runs one pass in the background.
type SyncScreen struct {
	Code       *widget.Entry
	Join, Now  *widget.Button
	StatusText *widget.Label
	view       fyne.CanvasObject
}

// NewSyncScreen builds the sync screen.
func NewSyncScreen(u *UI) *SyncScreen {
	s := &SyncScreen{Code: widget.NewEntry(), StatusText: widget.NewLabel("")}
	s.Code.SetPlaceHolder("LT1-…")
	s.StatusText.Wrapping = fyne.TextWrapWord
	s.Join = widget.NewButton(lang.L("sync.join"), func() { s.join(u) })
	s.Now = big(widget.NewButton(lang.L("sync.now"), func() { s.syncNow(u) }))
	s.view = container.NewVBox(
		widget.NewForm(widget.NewFormItem(lang.L("sync.code"), s.Code)), s.Join, widget.NewSeparator(), s.Now, s.StatusText)
	return s
}

// View returns the screen.
func (s *SyncScreen) View() fyne.CanvasObject { return s.view }

// Reload shows the sync status from local records (works offline).
func (s *SyncScreen) Reload(u *UI) {
	background(func() (client.Status, error) { return client.ReadStatus(u.ctx, u.sess.Store, u.sess.Terminal.ID()) },
		func(st client.Status, err error) {
			if err != nil {
				s.StatusText.SetText(err.Error())
				return
			}
			s.StatusText.SetText(statusText(st, u.settings.Metered))
		})
}

func statusText(st client.Status, metered bool) string {
	hub := st.Hub
	if !st.Joined {
		hub = lang.L("sync.notjoined")
	}
	text := lang.X("sync.status", "", map[string]any{
		"Hub": hub, "Events": st.PendingEvents, "Blobs": st.PendingBlobs,
		"MiB": fmt.Sprintf("%.1f", float64(st.PendingBytes)/(1<<20)), "Receipts": st.Receipts,
		"Success": dashIfEmpty(st.LastSuccess), "Error": dashIfEmpty(st.LastError)})
	if metered {
		text += "\n" + lang.L("sync.metered.on")
	}
	return text
}

func (s *SyncScreen) join(u *UI) {
	code := s.Code.Text
	s.Join.Disable()
	name, _ := os.Hostname()
	background(func() (protocol.EnrollResponse, error) {
		return client.Join(u.ctx, u.sess.Store, u.sess.Terminal, code, name)
	}, func(_ protocol.EnrollResponse, err error) {
		s.Join.Enable()
		if err != nil {
			s.StatusText.SetText(err.Error())
			return
		}
		s.Code.SetText("")
		s.Reload(u)
	})
}

func (s *SyncScreen) syncNow(u *UI) {
	s.Now.Disable()
	background(func() (client.Report, error) {
		c, err := client.New(u.ctx, u.sess.Store, u.sess.Terminal, client.Options{Metered: u.settings.Metered})
		if err != nil {
			return client.Report{}, err
		}
		return c.Once(u.ctx)
	}, func(_ client.Report, err error) {
		s.Now.Enable()
		s.Reload(u)
		if u.main != nil {
			u.main.Dock.RefreshSync(u)
		}
	})
}
