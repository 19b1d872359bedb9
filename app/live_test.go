package app

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// 直播 on a case step: the source asked, the live window shows the picture
// being sent and the link (no hub here: recording only); one tap stops it
// and the recording is ingested, linked to the step.
func TestUIGoLiveFromACaseStep(t *testing.T) {
	defer holdUI()()
	u, _, win := demoUI(t)
	eventually(t, "the main screen", func() bool { return u.main != nil })
	c := u.main.Cases
	fyne.DoAndWait(func() { u.main.Tabs.Select(tabNamed(u.main, lang.L("tab.cases"))) })
	eventually(t, "a case listed", func() bool { return c.List.Length() > 0 })
	fyne.DoAndWait(func() { c.List.Select(0) })
	eventually(t, "the step's 直播 button", func() bool { return findButton(c.Timeline, lang.L("live.start")) != nil })
	linkedBefore := 0
	for _, st := range c.Steps {
		linkedBefore += len(st.Footage)
	}
	test.Tap(findButton(c.Timeline, lang.L("live.start")))
	eventually(t, "the source dialog", func() bool { return win.Canvas().Overlays().Top() != nil })
	form := win.Canvas().Overlays().Top()
	entry, _ := findObject(form, func(o fyne.CanvasObject) bool { _, ok := o.(*widget.Entry); return ok }).(*widget.Entry)
	if entry == nil {
		t.Fatal("no source entry")
	}
	fyne.DoAndWait(func() { entry.SetText("pattern:320x240@15") })
	test.Tap(findButton(form, lang.L("live.start")))

	var lw fyne.Window
	eventually(t, "the live window", func() bool {
		for _, w := range fyne.CurrentApp().Driver().AllWindows() {
			if strings.HasPrefix(w.Title(), lang.L("live.title")+" l-") {
				lw = w
			}
		}
		if lw == nil && c.Status.Text != "" && c.Status.Text != lang.L("live.starting") {
			t.Fatalf("go live: %s", c.Status.Text)
		}
		return lw != nil
	})
	content := lw.Content()
	eventually(t, "the preview of what is sent", func() bool {
		var img *canvas.Image
		fyne.DoAndWait(func() {
			img, _ = findObject(content, func(o fyne.CanvasObject) bool { _, ok := o.(*canvas.Image); return ok }).(*canvas.Image)
		})
		return img != nil && img.Image != nil
	})
	if findObject(content, func(o fyne.CanvasObject) bool {
		l, ok := o.(*widget.Label)
		return ok && l.Text == lang.L("live.link.no-hub")
	}) == nil {
		t.Error("the link state is not shown")
	}
	test.Tap(findButton(content, lang.L("live.stop")))
	done := lang.X("live.done", "", map[string]any{"Digest": ""})
	eventually(t, "the recording ingested", func() bool {
		var ok bool
		fyne.DoAndWait(func() {
			ok = findObject(content, func(o fyne.CanvasObject) bool {
				l, isLabel := o.(*widget.Label)
				return isLabel && strings.HasPrefix(l.Text, done)
			}) != nil
		})
		return ok
	})
	fyne.DoAndWait(func() { lw.Close(); c.Open(u, *c.Selected) })
	eventually(t, "the footage linked to the step", func() bool {
		n := 0
		for _, st := range c.Steps {
			n += len(st.Footage)
		}
		return n == linkedBefore+1
	})
}
