package app

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"lawtrail/evidence"
)

// `--demo --tab live` (make screenshots' live window) goes live with the
// test pattern on the demo case's first step: the live window opens with
// the link shown (no hub: recording only) and nobody watching, and 停止直播
// takes the recording in.
func TestDemoLiveTab(t *testing.T) {
	defer holdUI()()
	kdf := evidence.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}
	d, err := PrepareDemo(context.Background(), t.TempDir(), kdf)
	if err != nil {
		t.Fatal(err)
	}
	a := test.NewTempApp(t)
	u := New(context.Background(), a, a.NewWindow("lawtrail"), d.DataDir)
	u.KDF, u.Bus = kdf, nil
	defer u.Close()
	u.StartDemo(d, "live")
	var lw fyne.Window
	eventually(t, "the live window", func() bool {
		fyne.DoAndWait(func() {
			for _, w := range a.Driver().AllWindows() {
				if strings.HasPrefix(w.Title(), lang.L("live.title")+" l-") {
					lw = w
				}
			}
		})
		return lw != nil
	})
	label := func(text string) bool {
		var ok bool
		fyne.DoAndWait(func() {
			ok = findObject(lw.Content(), func(o fyne.CanvasObject) bool {
				l, isLabel := o.(*widget.Label)
				return isLabel && strings.HasPrefix(l.Text, text)
			}) != nil
		})
		return ok
	}
	eventually(t, "the link and the viewers shown", func() bool {
		return label(lang.L("live.link.no-hub")) && label(lang.L("live.viewers.none"))
	})
	test.Tap(findButton(lw.Content(), lang.L("live.stop")))
	done := lang.X("live.done", "", map[string]any{"Digest": ""})
	eventually(t, "the recording ingested", func() bool { return label(done) })
}

// A file source that plays out ends the session by itself: the window says
// so and the recording is taken in, without a tap.
func TestUILiveSourceEndsByItself(t *testing.T) {
	defer holdUI()()
	clip := filepath.Join(t.TempDir(), "clip.mp4")
	if out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=15:duration=2",
		"-c:v", "libx264", "-pix_fmt", "yuv420p", clip).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg (make deps installs it): %v\n%s", err, out)
	}
	u, _, _ := demoUI(t)
	eventually(t, "the main screen", func() bool { return u.main != nil })
	var sc *LiveScreen
	var startErr error
	go func() { // as 直播 does: off the UI goroutine, handing the result back
		s, err := u.startLive(clip, "", "")
		uiDo(func() { sc, startErr = s, err })
	}()
	eventually(t, "the session started", func() bool { return sc != nil || startErr != nil })
	if startErr != nil {
		t.Fatal(startErr)
	}
	ended := lang.L("live.source.ended")
	eventually(t, "the session stopped by itself", func() bool {
		return strings.HasPrefix(sc.Result.Text, ended+"\n"+lang.X("live.done", "", map[string]any{"Digest": ""}))
	})
}
