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
	Recover    *widget.Button // shown only when the record diverged from the hub's
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
	s.Recover = widget.NewButton(lang.L("sync.recover"), func() { s.recover(u) })
	s.Recover.Hide()
	s.view = container.NewVBox(
		widget.NewForm(widget.NewFormItem(lang.L("sync.code"), s.Code)), s.Join, widget.NewSeparator(), s.Now, s.Recover, s.StatusText)
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
			if st.Diverged != "" {
				s.Recover.Show()
			} else {
				s.Recover.Hide()
			}
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
	if st.Diverged != "" {
		text = lang.L("sync.diverged") + "\n\n" + text
	}
	return text
}

// recover re-bases a diverged data folder on the hub's chain (the same
// client.Recover as `lawtrailctl sync recover`): nothing is lost.
func (s *SyncScreen) recover(u *UI) {
	s.Recover.Disable()
	background(func() (client.Recovery, error) {
		c, err := client.New(u.ctx, u.sess.Store, u.sess.Terminal, client.Options{})
		if err != nil {
			return client.Recovery{}, err
		}
		return c.Recover(u.ctx)
	}, func(r client.Recovery, err error) {
		s.Recover.Enable()
		switch {
		case err != nil:
			s.StatusText.SetText(err.Error())
		case !r.Diverged:
			s.StatusText.SetText(lang.L("sync.recover.none"))
		default:
			s.Recover.Hide()
			s.StatusText.SetText(lang.X("sync.recovered", "", map[string]any{"Fetched": r.Rebase.Fetched, "Rebased": len(r.Rebase.Rebased)}))
		}
	})
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
