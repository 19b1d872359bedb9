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

	"lawtrail/store"
)

// TerminalStatus is what the welcome screen says about the data folder.
type TerminalStatus struct {
	Dir      string
	Ready    bool
	Terminal string
	Events   int
	Err      error
}

// ReadStatus looks at dir without creating anything there.
func ReadStatus(ctx context.Context, dir string) TerminalStatus {
	st := TerminalStatus{Dir: dir}
	keys, err := store.TrustedKeys(dir)
	if errors.Is(err, store.ErrNotInitialized) {
		return st
	}
	if err != nil {
		st.Err = err
		return st
	}
	s, err := store.OpenExisting(ctx, dir, store.Options{})
	if err != nil {
		st.Err = err
		return st
	}
	defer s.Close()
	if st.Events, err = s.EventCount(ctx); err != nil {
		st.Err = err
		return st
	}
	st.Terminal = keys.TerminalIDs()[0]
	st.Ready = true
	return st
}

// Welcome is the first screen: what lawtrail is, and the data folder's state.
type Welcome struct {
	status *widget.Label
	view   fyne.CanvasObject
}

// NewWelcome builds the welcome screen. The status line says "loading" until
// SetStatus is called with what ReadStatus found.
func NewWelcome(dir string) *Welcome {
	heading := widget.NewLabelWithStyle(lang.L("welcome.heading"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	heading.SizeName = theme.SizeNameHeadingText
	body := widget.NewLabel(lang.L("welcome.body"))
	body.Wrapping = fyne.TextWrapWord
	pillars := widget.NewLabel(lang.L("welcome.pillars"))
	pillars.Wrapping = fyne.TextWrapWord
	data := widget.NewLabel(lang.X("welcome.data", "Data folder: {{.Dir}}", map[string]any{"Dir": dir}))
	data.Wrapping = fyne.TextWrapBreak
	w := &Welcome{status: widget.NewLabel("…")}
	w.status.Wrapping = fyne.TextWrapWord
	logo := canvas.NewImageFromResource(Icon())
	logo.FillMode = canvas.ImageFillContain
	logo.SetMinSize(fyne.NewSize(96, 96))
	w.view = container.NewPadded(container.NewVBox(
		container.NewHBox(logo, container.NewCenter(heading)),
		body, pillars, widget.NewSeparator(), data, w.status,
	))
	return w
}

// View returns the screen's content.
func (w *Welcome) View() fyne.CanvasObject { return w.view }

// StatusText returns the status line as shown.
func (w *Welcome) StatusText() string { return w.status.Text }

// SetStatus shows st; call it on the UI goroutine (fyne.Do).
func (w *Welcome) SetStatus(st TerminalStatus) {
	switch {
	case st.Err != nil:
		w.status.SetText(lang.X("welcome.state.error", "Cannot open the data folder: {{.Error}}", map[string]any{"Error": st.Err.Error()}))
	case st.Ready:
		w.status.SetText(lang.X("welcome.state.ready", "Terminal {{.Terminal}}: {{.Events}} signed events.",
			map[string]any{"Terminal": st.Terminal, "Events": st.Events}))
	default:
		w.status.SetText(lang.X("welcome.state.new", "This terminal is not set up yet.", map[string]any{"Dir": st.Dir}))
	}
}

// ShowWelcome fills win with the welcome screen and loads the status in the
// background, handing it back to the UI goroutine with fyne.Do.
func ShowWelcome(ctx context.Context, win fyne.Window, dir string) *Welcome {
	w := NewWelcome(dir)
	win.SetContent(w.View())
	go func() {
		st := ReadStatus(ctx, dir)
		fyne.Do(func() { w.SetStatus(st) })
	}()
	return w
}
