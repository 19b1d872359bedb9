package app

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"lawtrail/device"
	"lawtrail/device/msc"
	"lawtrail/evidence"
	"lawtrail/ingest"
	"lawtrail/terminal"
)

// Dock is the docking screen: one live card per recorder or folder, several
// at once.
type Dock struct {
	Folder *widget.Entry
	Start  *widget.Button
	Cards  []*RecorderCard
	// USBStatus says whether recorders plugged into USB are docked by
	// themselves (or why not).
	USBStatus *widget.Label
	list      *fyne.Container
	view      fyne.CanvasObject
	// One ingest.Dock serves every docking of the session, so its copy
	// limit holds across recorders; it is rebuilt when the clear policy
	// changes. cards routes its progress to the card of each recorder.
	mu    sync.Mutex
	dock  *ingest.Dock
	clear ingest.Policy
	cards map[string]*RecorderCard
}

// RecorderCard shows one docking as it happens.
type RecorderCard struct {
	Title, Serial, State, Rate *widget.Label
	Progress                   *widget.ProgressBar
	Errors                     *widget.Label
	SyncLine                   *widget.Label  // queued → uploading → hub-verified, for this recorder's files
	SetClock                   *widget.Button // a locked recorder's clock set from the terminal's (shown when it can be)
	ClockLine                  *widget.Label
	digests                    []string
	Summary                    ingest.Summary
	Done                       bool
	OnDone                     func() // called on the UI goroutine when the docking ends
	onFinish                   func()
	box                        fyne.CanvasObject
}

// NewDock builds the docking screen.
func NewDock(u *UI) *Dock {
	d := &Dock{Folder: widget.NewEntry(), list: container.NewVBox()}
	d.Folder.SetPlaceHolder(lang.L("dock.folder.hint"))
	browse := widget.NewButton(lang.L("dock.browse"), func() {
		dialog.ShowFolderOpen(func(uri fyne.ListableURI, err error) {
			if err == nil && uri != nil {
				d.Folder.SetText(uri.Path())
			}
		}, u.win)
	})
	d.Start = big(widget.NewButton(lang.L("dock.start"), func() { d.StartDocking(u, d.Folder.Text) }))
	policy := widget.NewLabel(lang.X("dock.policy", "Clear policy: {{.Policy}}", map[string]any{"Policy": lang.L("policy." + string(u.settings.Clear))}))
	d.USBStatus = widget.NewLabel("")
	d.USBStatus.Wrapping = fyne.TextWrapWord
	liveStatus := widget.NewLabel("")
	liveStatus.Wrapping = fyne.TextWrapWord
	goLive := widget.NewButton(lang.L("live.start.dock"), func() { u.askLive("", "", liveStatus.SetText) }) // a recorder in UVC mode, an RTSP camera (live.go)
	top := container.NewVBox(d.USBStatus, container.NewBorder(nil, nil, nil, browse, d.Folder), d.Start, policy,
		container.NewBorder(nil, nil, nil, goLive, liveStatus), widget.NewSeparator())
	d.view = container.NewBorder(top, nil, nil, nil, container.NewVScroll(d.list))
	return d
}

// View returns the screen.
func (d *Dock) View() fyne.CanvasObject { return d.view }

// ingestDock returns the session's dock and routes label's progress to c.
func (d *Dock) ingestDock(u *UI, label string, c *RecorderCard) (*ingest.Dock, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cards == nil {
		d.cards = map[string]*RecorderCard{}
	}
	d.cards[label] = c
	if d.dock != nil && d.clear == u.settings.Clear {
		return d.dock, nil
	}
	dock, err := u.sess.NewDock(terminal.DockOptions{Clear: u.settings.Clear, Progress: d.progress})
	if err != nil {
		return nil, err
	}
	d.dock, d.clear = dock, u.settings.Clear
	return dock, nil
}

// progress hands an update to its recorder's card on the UI goroutine.
func (d *Dock) progress(up ingest.Update) {
	d.mu.Lock()
	c := d.cards[up.Recorder]
	d.mu.Unlock()
	if c != nil {
		uiDo(func() { c.apply(up) })
	}
}

// addCard shows a new recorder card (on the UI goroutine).
func (d *Dock) addCard(title string) *RecorderCard {
	c := newRecorderCard(title)
	d.Cards = append(d.Cards, c)
	d.list.Add(c.box)
	return c
}

// StartDocking docks the folder: a new card appears and follows the
// progress; several dockings run at once.
func (d *Dock) StartDocking(u *UI, folder string) *RecorderCard {
	folder = strings.TrimSpace(folder)
	if folder == "" {
		return nil
	}
	c := d.addCard(folder)
	fsys, err := msc.OpenDir(folder)
	if err != nil {
		c.fail(err)
		return c
	}
	label, _ := filepath.Abs(folder)
	c.onFinish = func() {
		c.RefreshSync(u)
		u.acted() // the custody events go to the hub soon
	}
	dock, err := d.ingestDock(u, label, c)
	if err != nil {
		fsys.Close()
		c.fail(err)
		return c
	}
	background(func() (ingest.Summary, error) {
		defer fsys.Close()
		return dock.Ingest(u.ctx, ingest.Recorder{Source: msc.New(fsys, device.Info{}), Label: label})
	}, func(s ingest.Summary, err error) { c.finish(s, err) })
	return c
}

func newRecorderCard(folder string) *RecorderCard {
	c := &RecorderCard{Title: widget.NewLabelWithStyle(folder, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		Serial: widget.NewLabel(""), State: widget.NewLabel(lang.L("state.detected")), Rate: widget.NewLabel(""),
		Progress: widget.NewProgressBar(), Errors: widget.NewLabel(""), SyncLine: widget.NewLabel(""),
		SetClock: widget.NewButton(lang.L("dock.clock"), nil), ClockLine: widget.NewLabel("")}
	c.Errors.Wrapping = fyne.TextWrapWord
	c.SetClock.Hide()
	c.box = widget.NewCard("", "", container.NewVBox(c.Title, c.Serial, c.State, c.Progress, c.Rate, c.SyncLine, c.Errors,
		container.NewHBox(c.SetClock, c.ClockLine)))
	return c
}

func (c *RecorderCard) apply(up ingest.Update) {
	if up.Serial != "" {
		c.Serial.SetText(lang.X("dock.serial", "Device {{.Serial}}", map[string]any{"Serial": up.Serial}))
	}
	if up.Path == "" { // the recorder as a whole
		if up.Total > 0 {
			c.Progress.SetValue(float64(up.Bytes) / float64(up.Total))
		}
		c.State.SetText(lang.X("dock.files", "{{.Done}} of {{.Total}} files", map[string]any{"Done": up.FilesDone, "Total": up.FilesTotal}))
		return
	}
	line := fmt.Sprintf("%s  %s", lang.L("state."+string(up.State)), up.Path)
	if up.State == ingest.StateCopying && up.Rate > 0 {
		c.Rate.SetText(lang.X("dock.rate", "{{.Rate}} MiB/s, {{.ETA}} left", map[string]any{
			"Rate": fmt.Sprintf("%.1f", up.Rate/(1<<20)), "ETA": up.ETA.Round(time.Second).String()}))
	}
	if (up.State == ingest.StateSigned || up.State == ingest.StateSkipped) && up.Digest != "" {
		c.digests = append(c.digests, up.Digest)
	}
	if up.State == ingest.StateFailed {
		c.Errors.SetText(strings.TrimSpace(c.Errors.Text + "\n" + fileFailed(up.Path, up.Error)))
	}
	c.Rate.SetText(line)
}

func (c *RecorderCard) fail(err error) {
	c.Done = true
	c.State.SetText(lang.L("state.failed"))
	c.Errors.SetText(errText(err))
}

func (c *RecorderCard) finish(s ingest.Summary, err error) {
	if c.onFinish != nil {
		defer c.onFinish()
	}
	if c.OnDone != nil {
		defer c.OnDone()
	}
	c.Done, c.Summary = true, s
	c.Progress.SetValue(1)
	c.State.SetText(lang.X("dock.summary", "done", map[string]any{
		"Files": s.Files, "Copied": s.Copied, "Skipped": s.Skipped, "Cleared": s.Cleared, "Failed": len(s.Failed),
		"Rate": fmt.Sprintf("%.1f", s.MiBps())}))
	var problems []string
	for _, f := range s.Failed {
		problems = append(problems, fileFailed(f.Path, f.Err))
	}
	for _, f := range s.ClearErrs {
		problems = append(problems, lang.L("dock.kept")+" "+f.Path+": "+f.Err)
	}
	if err != nil {
		problems = append(problems, errText(err))
	}
	c.Errors.SetText(strings.Join(problems, "\n"))
}

// RefreshSync shows how far this recorder's files are on their way to the
// hub: queued (waiting), uploading (an upload in progress), hub-verified
// (the hub's signed receipt is here).
func (c *RecorderCard) RefreshSync(u *UI) {
	digests := append([]string(nil), c.digests...)
	type counts struct{ queued, uploading, verified int }
	background(func() (counts, error) {
		var n counts
		for _, s := range digests {
			d, err := evidence.ParseDigest(s)
			if err != nil {
				return n, err
			}
			if ok, err := u.st().HasReceipt(u.ctx, d); err != nil {
				return n, err
			} else if ok {
				n.verified++
				continue
			}
			if _, up, err := u.st().UploadOf(u.ctx, d); err != nil {
				return n, err
			} else if up {
				n.uploading++
				continue
			}
			n.queued++
		}
		return n, nil
	}, func(n counts, err error) {
		if err != nil {
			c.SyncLine.SetText(errText(err))
			return
		}
		c.SyncLine.SetText(lang.X("dock.sync", "", map[string]any{"Queued": n.queued, "Uploading": n.uploading, "Verified": n.verified}))
	})
}

// RefreshSync updates every card's sync line.
func (d *Dock) RefreshSync(u *UI) {
	for _, c := range d.Cards {
		if c.Done {
			c.RefreshSync(u)
		}
	}
}

// fileFailed says that one file of a recorder was not taken in, and why
// (the pipeline's own words as the detail).
func fileFailed(path, why string) string {
	return lang.X("dock.file.failed", "{{.Path}}: {{.Error}}", map[string]any{"Path": path, "Error": why})
}
