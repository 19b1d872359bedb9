package app

import (
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"lawtrail/casework"
)

// DateTimePicker chooses a moment on a calendar (Fyne's DateEntry, typed or
// picked) and with hour and minute lists, in China Standard Time: nothing
// to type in a layout an officer has to know.
type DateTimePicker struct {
	Date         *widget.DateEntry
	Hour, Minute *widget.Select
	view         fyne.CanvasObject
}

func twoDigits(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%02d", i)
	}
	return out
}

// NewDateTimePicker returns a picker set to t.
func NewDateTimePicker(t time.Time) *DateTimePicker {
	p := &DateTimePicker{Date: widget.NewDateEntry(), Hour: widget.NewSelect(twoDigits(24), nil),
		Minute: widget.NewSelect(twoDigits(60), nil)}
	p.Hour.PlaceHolder, p.Minute.PlaceHolder = "--", "--"
	p.Set(t)
	p.view = container.NewBorder(nil, nil, nil, container.NewHBox(p.Hour, widget.NewLabel(":"), p.Minute), p.Date)
	return p
}

// View returns the picker.
func (p *DateTimePicker) View() fyne.CanvasObject { return p.view }

// Set shows t (in China Standard Time), to the minute.
func (p *DateTimePicker) Set(t time.Time) {
	t = t.In(casework.Shanghai)
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	p.Date.SetDate(&day)
	p.Hour.SetSelectedIndex(t.Hour())
	p.Minute.SetSelectedIndex(t.Minute())
}

// Time is the moment chosen; false when no date is chosen.
func (p *DateTimePicker) Time() (time.Time, bool) {
	d := p.Date.Date
	if d == nil || p.Hour.SelectedIndex() < 0 || p.Minute.SelectedIndex() < 0 {
		return time.Time{}, false
	}
	return time.Date(d.Year(), d.Month(), d.Day(), p.Hour.SelectedIndex(), p.Minute.SelectedIndex(), 0, 0, casework.Shanghai), true
}
