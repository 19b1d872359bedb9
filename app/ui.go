package app

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"lawtrail/evidence"
	"lawtrail/store"
	"lawtrail/terminal"
)

// UI is the terminal app in one window: first run, unlock, login, then the
// main screens. Work that touches the disk runs in goroutines and comes
// back through fyne.Do.
type UI struct {
	app      fyne.App
	win      fyne.Window
	dir      string
	ctx      context.Context
	term     *terminal.Terminal // the data folder, open from unlock on
	desk     *terminal.Desk     // the unlocked terminal
	sess     *terminal.Session  // the officer logged in (every act is theirs)
	settings Settings
	// KDF seals new keys (first run, new officers, changed PINs); tests
	// lower it.
	KDF evidence.KDFParams
	// Now is the terminal clock (time.Now when nil); tests set it to
	// step over the PIN lockout.
	Now  func() time.Time
	sync *backgroundSync
	// Bus is where USB recorders arrive (nil: no USB docking); tests set
	// a fake before the main screen shows.
	Bus      RecorderBus
	busErr   error // why there is no USB bus
	stopMain context.CancelFunc
	// viewed are the short-lived copies handed to players and viewers
	// (playback.go), removed at logout and exit at the latest.
	viewed localCopies
	// screens, kept for tests
	firstRun *FirstRun
	unlock   *Unlock
	login    *Login
	main     *Main
}

// New builds the UI for the data folder dir in win.
func New(ctx context.Context, a fyne.App, win fyne.Window, dir string) *UI {
	u := &UI{app: a, win: win, dir: dir, ctx: ctx, settings: loadSettings(a.Preferences())}
	u.Bus, u.busErr = defaultBus()
	a.Settings().SetTheme(NewTheme(u.settings.Dark))
	return u
}

// Start shows first run for a new folder, else the unlock screen.
func (u *UI) Start() {
	_, err := store.TrustedKeys(u.dir)
	switch {
	case errors.Is(err, store.ErrNotInitialized):
		u.showFirstRun()
	case err != nil:
		u.show(errorView(err))
	default:
		u.showUnlock()
	}
}

func (u *UI) show(o fyne.CanvasObject) { u.win.SetContent(o) }

func (u *UI) showFirstRun() {
	u.firstRun = NewFirstRun(u)
	u.show(u.firstRun.View())
}

func (u *UI) showUnlock() {
	u.unlock = NewUnlock(u)
	u.show(u.unlock.View())
}

func (u *UI) showLogin() {
	u.sess = nil
	u.viewed.closeAll()
	if u.stopMain != nil {
		u.stopMain() // the officer leaves: stop docking in their name
		u.stopMain = nil
	}
	u.login = NewLogin(u)
	u.show(u.login.View())
}

func (u *UI) showMain() {
	ctx, cancel := context.WithCancel(u.ctx)
	u.stopMain = cancel
	u.main = NewMain(u)
	u.show(u.main.View())
	u.main.Sync.Reload(u)
	u.startSync()
	u.main.Dock.watchUSB(ctx, u, u.main.Dock.USBStatus)
}

// callbacks serializes what goroutines hand to the UI (uiDo). The OpenGL
// driver runs fyne.Do callbacks one at a time on the main goroutine anyway;
// Fyne's test driver runs each in its caller's goroutine, where two
// completions updating the same widget would race.
var callbacks sync.Mutex

// uiDo hands f to the UI goroutine, one callback at a time.
func uiDo(f func()) {
	fyne.Do(func() {
		callbacks.Lock()
		defer callbacks.Unlock()
		f()
	})
}

// uiDoAndWait is uiDo that returns once f has run; for goroutines of our
// own, never the UI goroutine (nor a test holding the UI).
func uiDoAndWait(f func()) {
	fyne.DoAndWait(func() {
		callbacks.Lock()
		defer callbacks.Unlock()
		f()
	})
}

// background runs work off the UI goroutine and hands its result back.
func background[T any](work func() (T, error), done func(T, error)) {
	go func() {
		v, err := work()
		uiDo(func() { done(v, err) })
	}()
}

// errorView is a screen that says what went wrong.
func errorView(err error) fyne.CanvasObject {
	l := widget.NewLabel(fmt.Sprintf("%s\n%s", lang.L("error.title"), errText(err)))
	l.Wrapping = fyne.TextWrapWord
	return container.NewPadded(l)
}

// big makes a touch target large enough for gloves.
func big(b *widget.Button) *widget.Button {
	b.Importance = widget.HighImportance
	return b
}

func (u *UI) kdf() evidence.KDFParams {
	if u.KDF == (evidence.KDFParams{}) {
		return evidence.DefaultKDFParams
	}
	return u.KDF
}

// openTerminal opens the data folder through the action layer, once, with
// the passphrase that unseals it. Once open, the passphrase is checked
// again by the key file (a second unlock of the same running app).
func (u *UI) openTerminal(passphrase []byte) (*terminal.Terminal, error) {
	if u.term != nil {
		if _, err := u.term.Unlock(u.ctx, passphrase); err != nil {
			return nil, err
		}
		return u.term, nil
	}
	t, err := terminal.Open(u.ctx, u.dir, terminal.Options{Now: u.Now, KDF: u.kdf(), Passphrase: passphrase})
	if err != nil {
		return nil, err
	}
	u.term = t
	return t, nil
}

// st is the record, for reading.
func (u *UI) st() *store.Store { return u.term.Store() }

// Close releases the data folder.
func (u *UI) Close() {
	u.viewed.closeAll()
	if u.term != nil {
		u.term.Close()
	}
}
