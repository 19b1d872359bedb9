package app

import (
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"lawtrail/casework"
)

// A day is picked on the calendar, shown year first; the moment is that
// day at the hour and minute chosen, in China Standard Time.
func TestDateTimePickerPicksOnACalendar(t *testing.T) {
	defer holdUI()() // an earlier test's background work may still hand the UI a callback: not while this one draws
	test.NewTempApp(t)
	p := NewDateTimePicker(time.Date(2026, 11, 20, 2, 30, 0, 0, time.UTC)) // 10:30 in Shanghai
	w := test.NewWindow(p.View())
	defer w.Close()
	w.Resize(fyne.NewSize(600, 400))
	if got, ok := p.Time(); !ok || !got.Equal(time.Date(2026, 11, 20, 10, 30, 0, 0, casework.Shanghai)) {
		t.Fatalf("preset %v %v", got, ok)
	}
	if p.Date.Button.Text != "2026-11-20" {
		t.Fatalf("date shown as %q", p.Date.Button.Text)
	}
	changed := 0
	p.OnChanged(func() { changed++ })
	test.Tap(p.Date.Button)
	top := w.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("no calendar")
	}
	day := findButton(top, "27")
	if day == nil {
		t.Fatal("no day 27 on the calendar")
	}
	test.Tap(day)
	p.Hour.SetSelected("16")
	p.Minute.SetSelected("05")
	if got, _ := p.Time(); !got.Equal(time.Date(2026, 11, 27, 16, 5, 0, 0, casework.Shanghai)) || p.Date.Button.Text != "2026-11-27" {
		t.Fatalf("picked %v, shown %q", got, p.Date.Button.Text)
	}
	if changed != 3 || w.Canvas().Overlays().Top() != nil {
		t.Fatalf("%d changes; calendar still open: %v", changed, w.Canvas().Overlays().Top() != nil)
	}
	p.Date.Set(nil)
	if _, ok := p.Time(); ok {
		t.Fatal("a moment with no date")
	}
}
