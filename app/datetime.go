package app

import (
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lawtrail/casework"
)

// dateLayout is how a picked date is shown: year first, as Chinese forms
// write it (Fyne's DateEntry would show 01/12/2026 for a Chinese locale).
const dateLayout = "2006-01-02"

// DateField picks a day on a calendar (Fyne's widget.Calendar in a pop-up)
// and shows it year first. It may be left empty.
type DateField struct {
	Button    *widget.Button
	Date      *time.Time // the day picked (its year, month and day), nil when none
	OnChanged func()
	empty     string
}

// NewDateField returns an empty field that says empty when nothing is picked.
func NewDateField(empty string) *DateField {
	f := &DateField{empty: empty}
	f.Button = widget.NewButtonWithIcon(empty, theme.CalendarIcon(), f.open)
	f.Button.Alignment = widget.ButtonAlignLeading
	return f
}

// Set picks day (nil: none).
func (f *DateField) Set(day *time.Time) {
	f.Date = nil
	f.Button.SetText(f.empty)
	if day != nil {
		d := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)
		f.Date = &d
		f.Button.SetText(d.Format(dateLayout))
	}
	if f.OnChanged != nil {
		f.OnChanged()
	}
}

// Text is the day picked as YYYY-MM-DD, "" when none.
func (f *DateField) Text() string {
	if f.Date == nil {
		return ""
	}
	return f.Date.Format(dateLayout)
}

func (f *DateField) open() {
	c := fyne.CurrentApp().Driver().CanvasForObject(f.Button)
	if c == nil {
		return
	}
	shown := time.Now()
	if f.Date != nil {
		shown = *f.Date
	}
	var pop *widget.PopUp
	cal := widget.NewCalendar(shown, func(d time.Time) {
		f.Set(&d)
		pop.Hide()
	})
	pop = widget.NewPopUp(cal, c)
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(f.Button)
	pop.ShowAtPosition(pos.Add(fyne.NewPos(0, f.Button.Size().Height)))
}

// DateTimePicker chooses a moment: a day on a calendar and the hour and
// minute from lists, in China Standard Time — nothing to type in a layout
// an officer has to know.
type DateTimePicker struct {
	Date         *DateField
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
	p := &DateTimePicker{Date: NewDateField("----------"), Hour: widget.NewSelect(twoDigits(24), nil),
		Minute: widget.NewSelect(twoDigits(60), nil)}
	p.Hour.PlaceHolder, p.Minute.PlaceHolder = "--", "--"
	p.Set(t)
	p.view = container.NewBorder(nil, nil, nil, container.NewHBox(p.Hour, widget.NewLabel(":"), p.Minute), p.Date.Button)
	return p
}

// View returns the picker.
func (p *DateTimePicker) View() fyne.CanvasObject { return p.view }

// Set shows t (in China Standard Time), to the minute.
func (p *DateTimePicker) Set(t time.Time) {
	t = t.In(casework.Shanghai)
	p.Date.Set(&t)
	p.Hour.SetSelectedIndex(t.Hour())
	p.Minute.SetSelectedIndex(t.Minute())
}

// OnChanged calls f whenever the date, hour or minute changes.
func (p *DateTimePicker) OnChanged(f func()) {
	p.Date.OnChanged = f
	p.Hour.OnChanged = func(string) { f() }
	p.Minute.OnChanged = func(string) { f() }
}

// Time is the moment chosen; false when no date is chosen.
func (p *DateTimePicker) Time() (time.Time, bool) {
	d := p.Date.Date
	if d == nil || p.Hour.SelectedIndex() < 0 || p.Minute.SelectedIndex() < 0 {
		return time.Time{}, false
	}
	return time.Date(d.Year(), d.Month(), d.Day(), p.Hour.SelectedIndex(), p.Minute.SelectedIndex(), 0, 0, casework.Shanghai), true
}
