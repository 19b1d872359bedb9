package app

import (
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
)

// Text typed and then finalized is in the finalized version: closing the
// editor afterwards records no further draft (it saved the same content
// again as a new draft of the next version, and crashed when the officer had
// logged out meanwhile).
func TestUIClosingAFinalizedDocumentSavesNoDraft(t *testing.T) {
	defer holdUI()()
	u, _, _ := demoUI(t)
	eventually(t, "the main screen", func() bool { return u.main != nil })
	c, _ := openDemoCase(t, u)
	ed := newPenaltyDecision(t, u, c, "5000") // not major: nothing holds it
	ed.Set("payment", "十日内缴纳。")               // typed after the last save
	ed.Status.SetText("")
	test.Tap(ed.Finalize)
	eventually(t, "the decision finalized", func() bool { return ed.Finalized > 0 })
	before := eventCount(t, u)
	ed.win.Close()
	callbacks.Unlock() // let any save the close started run
	time.Sleep(500 * time.Millisecond)
	callbacks.Lock()
	if n := eventCount(t, u) - before; n != 0 {
		t.Fatalf("closing a finalized document recorded %d more events", n)
	}
	row, err := u.st().Document(u.ctx, ed.DocID)
	if err != nil || row.Draft != nil || row.Finalized != 1 {
		t.Fatalf("after closing: %d finalized, draft %v (%v)", row.Finalized, row.Draft, err)
	}
}
