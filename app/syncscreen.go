package app

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"lawtrail/sync/client"
	"lawtrail/sync/protocol"
)

// SyncScreen joins a hub with a code and shows, always, what waits, what
// the hub confirmed, the last success and the last error; the app syncs by
// itself in the background, and "sync now" asks for a pass at once.
type SyncScreen struct {
	Code       *widget.Entry
	Join, Now  *widget.Button
	Recover    *widget.Button // shown only when the record diverged from the hub's
	StatusText *widget.Label
	PassError  *widget.Label // the error of the last background pass, translated
	view       fyne.CanvasObject
}

// NewSyncScreen builds the sync screen.
func NewSyncScreen(u *UI) *SyncScreen {
	s := &SyncScreen{Code: widget.NewEntry(), StatusText: widget.NewLabel(""), PassError: widget.NewLabel("")}
	s.Code.SetPlaceHolder("LT1-…")
	s.StatusText.Wrapping = fyne.TextWrapWord
	s.PassError.Wrapping = fyne.TextWrapWord
	s.Join = widget.NewButton(lang.L("sync.join"), func() { s.join(u) })
	s.Now = big(widget.NewButton(lang.L("sync.now"), func() { u.syncSoon() }))
	s.Recover = widget.NewButton(lang.L("sync.recover"), func() { s.recover(u) })
	s.Recover.Hide()
	auto := widget.NewLabel(lang.X("sync.auto", "", map[string]any{"Seconds": int(SyncEvery.Seconds())}))
	auto.Wrapping = fyne.TextWrapWord
	s.view = container.NewVScroll(container.NewVBox(
		widget.NewForm(widget.NewFormItem(lang.L("sync.code"), s.Code)), s.Join, widget.NewSeparator(), auto, s.Now, s.Recover,
		s.StatusText, s.PassError))
	return s
}

// View returns the screen.
func (s *SyncScreen) View() fyne.CanvasObject { return s.view }

// Reload shows the sync status from local records (works offline).
func (s *SyncScreen) Reload(u *UI) {
	background(func() (client.Status, error) { return u.desk.SyncStatus(u.ctx) },
		func(st client.Status, err error) {
			if err != nil {
				s.StatusText.SetText(errText(err))
				return
			}
			s.show(u, st, nil)
			if u.main != nil {
				u.main.SyncBadge.SetText(syncBadge(st, st.LastError != "" && st.LastErrorAt > st.LastSuccess))
			}
		})
}

// show shows a status and the error of the pass that led to it (if any).
func (s *SyncScreen) show(u *UI, st client.Status, passErr error) {
	s.StatusText.SetText(statusText(st, u.settings.Metered))
	s.PassError.SetText(errText(passErr))
	if st.Diverged != "" {
		s.Recover.Show()
	} else {
		s.Recover.Hide()
	}
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
	if len(st.FeedRefusals) > 0 || len(st.Blocked) > 0 {
		text += "\n" + lang.X("sync.feed.refused", "", map[string]any{"Refused": len(st.FeedRefusals), "Blocked": len(st.Blocked)})
	}
	if metered {
		text += "\n" + lang.L("sync.metered.on")
	}
	if st.Diverged != "" {
		text = lang.L("sync.diverged") + "\n\n" + text
	}
	return text
}

// recover re-bases a diverged data folder on the hub's chain (the same
// action as `lawtrailctl sync recover`): nothing is lost.
func (s *SyncScreen) recover(u *UI) {
	s.Recover.Disable()
	background(func() (client.Recovery, error) { return u.desk.RecoverSync(u.ctx) }, func(r client.Recovery, err error) {
		s.Recover.Enable()
		switch {
		case err != nil:
			s.StatusText.SetText(errText(err))
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
	background(func() (protocol.EnrollResponse, error) { return u.desk.JoinHub(u.ctx, code) },
		func(_ protocol.EnrollResponse, err error) {
			s.Join.Enable()
			if err != nil {
				s.StatusText.SetText(errText(err))
				return
			}
			s.Code.SetText("")
			s.Reload(u)
			u.syncSoon()
		})
}
