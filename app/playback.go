package app

import (
	"errors"
	"net/url"
	"strings"
	"sync"

	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"lawtrail/casework"
	"lawtrail/evidence"
	"lawtrail/terminal"
)

// Every clip played and document shown goes through the access actions of
// the terminal (R6: every view is a signed event naming who, what and —
// off the case — why): the app asks for a reason when the officer is not on
// the case, the act is recorded, and only then does the system player or
// viewer get a short-lived private copy, never the blob's path.

// localCopies are the short-lived copies handed to system players and
// viewers while the app runs: each is removed by its own timer
// (terminal.LocalCopyTTL), and every one still there at logout and exit.
type localCopies struct {
	mu   sync.Mutex
	open []*terminal.LocalCopy
}

func (l *localCopies) add(c *terminal.LocalCopy) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.open = append(l.open, c)
}

// closeAll removes every copy handed out.
func (l *localCopies) closeAll() {
	l.mu.Lock()
	open := l.open
	l.open = nil
	l.mu.Unlock()
	for _, c := range open {
		c.Close()
	}
}

// playFootage plays clip d for the officer of sess: fetched from the hub
// first (verified, recorded as their fetch) when only its custody is here,
// a reason asked when they are not on its case, then recorded as played and
// handed to the system player as a short-lived copy. status says how it
// goes; played, if set, receives the copy's path.
func (u *UI) playFootage(sess *terminal.Session, d evidence.Digest, status func(string), played func(path string)) {
	if has, err := u.st().Blobs().Has(d); err == nil && has {
		u.playHere(sess, d, status, played)
		return
	}
	status(lang.L("evidence.fetching"))
	background(func() (terminal.FetchedFootage, error) { return sess.FetchFootage(u.ctx, d.String()) },
		func(_ terminal.FetchedFootage, err error) {
			if err != nil {
				status(errText(err))
				return
			}
			status(lang.L("evidence.fetched"))
			u.playHere(sess, d, status, played)
		})
}

func (u *UI) playHere(sess *terminal.Session, d evidence.Digest, status func(string), played func(string)) {
	play := func(reason string) {
		background(func() (*terminal.LocalCopy, error) { return sess.PlayFootage(u.ctx, d.String(), reason) },
			func(c *terminal.LocalCopy, err error) { u.handOut(c, err, lang.L("access.played"), status, played) })
	}
	background(func() (bool, error) { return sess.FootageNeedsReason(u.ctx, d.String()) }, func(need bool, err error) {
		switch {
		case err != nil:
			status(errText(err))
		case need:
			u.askReason(lang.L("access.reason.footage"), play)
		default:
			play("")
		}
	})
}

// showDocument shows a finalized version of doc (0: the latest) for the
// officer of sess: a reason asked when they are not on its case, recorded
// as viewed, then handed to the system viewer as a short-lived copy.
func (u *UI) showDocument(sess *terminal.Session, doc string, version int, status func(string), shown func(path string)) {
	show := func(reason string) {
		background(func() (*terminal.LocalCopy, error) { return sess.ShowDocument(u.ctx, doc, version, reason) },
			func(c *terminal.LocalCopy, err error) { u.handOut(c, err, lang.L("access.shown"), status, shown) })
	}
	background(func() (bool, error) { return sess.DocumentNeedsReason(u.ctx, doc) }, func(need bool, err error) {
		switch {
		case err != nil:
			status(errText(err))
		case need:
			u.askReason(lang.L("access.reason.document"), show)
		default:
			show("")
		}
	})
}

// handOut keeps the copy to remove it later and opens it in the system's
// player or viewer.
func (u *UI) handOut(c *terminal.LocalCopy, err error, done string, status func(string), then func(string)) {
	if err != nil {
		status(errText(err))
		return
	}
	u.viewed.add(c)
	status(done)
	if then != nil {
		then(c.Path)
	}
	u.app.OpenURL(&url.URL{Scheme: "file", Path: c.Path})
}

// askReason asks an officer who is not on the case why they access what
// the hint names; then runs with the reason typed (trimmed, not empty, at
// most casework.MaxAccessReason characters). Cancelling runs nothing.
func (u *UI) askReason(hint string, then func(reason string)) {
	entry := widget.NewEntry()
	entry.SetPlaceHolder(lang.L("access.reason.placeholder"))
	entry.Validator = func(s string) error {
		switch n := len([]rune(strings.TrimSpace(s))); {
		case n == 0:
			return errors.New(lang.L("access.reason.empty"))
		case n > casework.MaxAccessReason:
			return errors.New(lang.X("access.reason.long", "", map[string]any{"Max": casework.MaxAccessReason}))
		}
		return nil
	}
	item := widget.NewFormItem(lang.L("access.reason"), entry)
	item.HintText = hint
	d := dialog.NewForm(lang.L("access.reason.title"), lang.L("present.confirm"), lang.L("present.cancel"),
		[]*widget.FormItem{item}, func(ok bool) {
			if ok {
				then(strings.TrimSpace(entry.Text))
			}
		}, u.win)
	entry.OnSubmitted = func(string) { d.Submit() }
	d.Show()
	u.win.Canvas().Focus(entry)
}
