package app

import (
	"bytes"
	"context"
	"image/jpeg"
	"os"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"lawtrail/live"
	"lawtrail/terminal"
)

// LiveScreen is a live session's window (直播): the picture being sent,
// the link state, who watches, and one button that stops it and ingests
// the recording.
type LiveScreen struct {
	Preview *canvas.Image
	Link    *widget.Label
	Viewers *widget.Label
	Sent    *widget.Label
	Result  *widget.Label
	Stop    *widget.Button
	win     fyne.Window
	session *terminal.LiveSession
	quit    chan struct{}
	// sourceEnded: the source ended by itself and stopped the session.
	sourceEnded bool
	// OnStopped is called on the UI goroutine once the recording is
	// ingested (or failed to be).
	OnStopped func()
}

// askLive asks for the source (a camera, a recorder in UVC mode, an RTSP
// URL, a file) and goes live, for the step of the case when given; say
// reports an error.
func (u *UI) askLive(caseID, step string, say func(string)) {
	src := widget.NewEntry()
	src.SetPlaceHolder(lang.L("live.source.hint"))
	if _, err := os.Stat("/dev/video0"); err == nil {
		src.SetText("/dev/video0")
	}
	items := []*widget.FormItem{widget.NewFormItem(lang.L("live.source"), src)}
	d := dialog.NewForm(lang.L("live.title"), lang.L("live.start"), lang.L("present.cancel"), items, func(ok bool) {
		if !ok {
			return
		}
		source := strings.TrimSpace(src.Text)
		say(lang.L("live.starting"))
		go func() {
			_, err := u.startLive(source, caseID, step)
			if err != nil {
				uiDo(func() { say(errText(err)) })
				return
			}
			uiDo(func() { say("") })
		}()
	}, u.win)
	d.Resize(fyne.NewSize(560, 220))
	d.Show()
}

// startLive starts the session and has its window opened. It blocks until
// the recording has begun (or the source is refused): call it off the UI
// goroutine. Everything it hands the UI goes through uiDo, one callback at
// a time; the window's refreshing starts once the window is open.
func (u *UI) startLive(source, caseID, step string) (*LiveScreen, error) {
	sc := &LiveScreen{Preview: canvas.NewImageFromImage(nil), Link: widget.NewLabel(""), Viewers: widget.NewLabel(""),
		Sent: widget.NewLabel(""), Result: widget.NewLabel(""), quit: make(chan struct{})}
	sc.Stop = big(widget.NewButton(lang.L("live.stop"), func() { sc.stop(u) }))
	ls, err := u.sess.GoLive(u.ctx, terminal.LiveOptions{Source: source, Case: caseID, Step: step, Preview: true,
		OnChange: func(st live.Status) { uiDo(func() { sc.show(st) }) }})
	if err != nil {
		return nil, err
	}
	sc.session = ls
	uiDo(func() {
		sc.open(u)
		go sc.refresh(u)
	})
	return sc, nil
}

func (sc *LiveScreen) open(u *UI) {
	sc.Preview.FillMode = canvas.ImageFillContain
	sc.Preview.SetMinSize(fyne.NewSize(480, 270))
	sc.Viewers.Wrapping = fyne.TextWrapWord
	sc.Result.Wrapping = fyne.TextWrapWord
	sc.Stop.Importance = widget.DangerImportance
	sc.win = u.app.NewWindow(lang.L("live.title") + " " + sc.session.ID())
	sc.win.SetContent(container.NewBorder(nil, container.NewVBox(sc.Link, sc.Viewers, sc.Sent, sc.Result, sc.Stop), nil, nil, sc.Preview))
	sc.win.SetCloseIntercept(func() { sc.stop(u) }) // closing the window stops the session: nothing runs unseen
	sc.win.Resize(fyne.NewSize(640, 600))
	sc.show(sc.session.Status())
	sc.win.Show()
}

// refresh shows the latest preview and counters twice a second. When the
// source ends by itself (a file played out, a camera or RTSP stream lost),
// it stops the session as the button would, so the recording is taken in
// and the screen says why it stopped.
func (sc *LiveScreen) refresh(u *UI) {
	t := time.NewTicker(500 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-sc.quit:
			return
		case <-sc.session.SourceEnded():
			uiDo(func() {
				sc.sourceEnded = true
				sc.stop(u)
			})
			return
		case <-t.C:
		}
		st := sc.session.Status()
		jpg := sc.session.Preview()
		uiDo(func() {
			sc.show(st)
			if img, err := jpeg.Decode(bytes.NewReader(jpg)); err == nil && len(jpg) > 0 {
				sc.Preview.Image = img
				sc.Preview.Refresh()
			}
		})
	}
}

// show puts a status on the screen; on the UI goroutine.
func (sc *LiveScreen) show(st live.Status) {
	sc.Link.SetText(lang.L("live.link." + st.Link))
	names := make([]string, 0, len(st.Viewers))
	for _, v := range st.Viewers {
		names = append(names, v.Name)
	}
	if len(names) == 0 {
		sc.Viewers.SetText(lang.L("live.viewers.none"))
	} else {
		sc.Viewers.SetText(lang.X("live.viewers", "{{.N}} watching: {{.Names}}", map[string]any{"N": len(names), "Names": strings.Join(names, "、")}))
	}
	layer := ""
	if st.Layer != "" {
		layer = lang.L("live.layer." + st.Layer)
	}
	sc.Sent.SetText(lang.X("live.sent", "{{.Frames}} frames sent", map[string]any{"Frames": st.FramesSent, "Layer": layer,
		"MB": st.Recorded >> 20}))
}

// stop ends the session with one tap: the recording is ingested and the
// result shown; the window closes itself a moment later.
func (sc *LiveScreen) stop(u *UI) {
	if sc.Stop.Disabled() {
		return
	}
	sc.Stop.Disable()
	sc.Result.SetText(lang.L("live.stopping"))
	close(sc.quit)
	go func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(u.ctx), 2*time.Minute)
		defer cancel()
		res, err := sc.session.Stop(ctx)
		uiDo(func() {
			if err != nil {
				sc.Result.SetText(errText(err))
			} else {
				done := lang.X("live.done", "Recording ingested: {{.Digest}}", map[string]any{"Digest": res.Footage.String()[:12]})
				if sc.sourceEnded {
					done = lang.L("live.source.ended") + "\n" + done
				}
				sc.Result.SetText(done)
			}
			sc.Link.SetText(lang.L("live.link." + live.LinkStopped))
			sc.win.SetCloseIntercept(nil)
			if sc.OnStopped != nil {
				sc.OnStopped()
			}
		})
	}()
}
