package app

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"lawtrail/device/unlock"
	"lawtrail/device/usb"
	"lawtrail/ingest"
	"lawtrail/terminal"
)

// RecorderBus is where recorders arrive: the USB bus (*usb.Scanner), or a
// test's fake.
type RecorderBus interface {
	Watch(ctx context.Context, interval time.Duration, fn func(usb.Event), onErr func(error)) error
	Open(ctx context.Context, d usb.Device, opt usb.Options) (*usb.Recorder, error)
}

// ClockSetter is a bus that can set a locked recorder's clock from the
// terminal's (*usb.Scanner, as `lawtrailctl devices --sync-time` does).
type ClockSetter interface {
	SyncClock(ctx context.Context, d usb.Device, opt usb.Options) (time.Duration, error)
}

// defaultBus is the machine's USB bus with the shipped unlock profiles; an
// error in them is said on the dock screen, not swallowed.
func defaultBus() (RecorderBus, error) {
	sc, err := terminal.NewUSBScanner()
	if err != nil {
		return nil, err
	}
	return sc, nil
}

// usbWatch docks every recorder that arrives on the bus while the main
// screen is up: a card per recorder, the password asked for a locked one,
// the docking given up when the recorder is pulled (it resumes when it
// comes back).
type usbWatch struct {
	ctx     context.Context // the main screen's life
	u       *UI
	d       *Dock
	status  *widget.Label
	mu      sync.Mutex
	tracker usb.Tracker
	lastErr string
}

// watchUSB starts watching until ctx ends.
func (d *Dock) watchUSB(ctx context.Context, u *UI, status *widget.Label) {
	if u.Bus == nil {
		status.SetText(lang.L("usb.none"))
		if u.busErr != nil {
			status.SetText(lang.L("usb.none") + "\n" + errText(u.busErr))
		}
		return
	}
	w := &usbWatch{ctx: ctx, u: u, d: d, status: status}
	status.SetText(lang.L("usb.waiting"))
	go u.Bus.Watch(ctx, time.Second, w.event, w.scanError)
}

func (w *usbWatch) scanError(err error) {
	msg := errText(err)
	if errors.Is(err, usb.ErrNoUSB) {
		msg = lang.L("usb.noaccess")
	}
	w.mu.Lock()
	same := msg == w.lastErr
	w.lastErr = msg
	w.mu.Unlock()
	if !same {
		uiDo(func() { w.status.SetText(msg) })
	}
}

func (w *usbWatch) event(ev usb.Event) {
	dev := ev.Device
	if !ev.Arrived {
		w.tracker.Leave(dev)
		return
	}
	if dev.Problem != "" {
		uiDo(func() {
			c := w.d.addCard(usbTitle(dev))
			c.fail(errors.New(dev.Problem))
		})
		return
	}
	w.start(dev)
}

// start docks dev unless a docking of the same recorder runs; a locked
// recorder first asks for its password.
func (w *usbWatch) start(dev usb.Device) {
	rctx, cancel := context.WithCancel(w.ctx)
	if !w.tracker.Arrive(dev, cancel) {
		cancel()
		return
	}
	if dev.Kind == usb.KindLocked {
		uiDo(func() { w.askPassword(rctx, cancel, dev) })
		return
	}
	uiDo(func() { w.dock(rctx, cancel, dev, nil) })
}

// finished ends dev's docking and docks the recorder again if it came
// back meanwhile.
func (w *usbWatch) finished(dev usb.Device) {
	if next := w.tracker.Finish(dev); next != nil && w.ctx.Err() == nil {
		go w.start(*next)
	}
}

func usbTitle(d usb.Device) string {
	return fmt.Sprintf("USB %s · %s %s · %s", d.Port, d.Manufacturer, d.Product, d.Kind)
}

// askPassword asks the clerk for a locked recorder's admin password.
func (w *usbWatch) askPassword(ctx context.Context, cancel context.CancelFunc, dev usb.Device) {
	pw := widget.NewPasswordEntry()
	items := []*widget.FormItem{widget.NewFormItem(lang.L("usb.password"), pw)}
	dialog.ShowForm(lang.X("usb.locked", "Locked recorder {{.Serial}}", map[string]any{"Serial": dev.Serial}),
		lang.L("usb.unlock"), lang.L("usb.cancel"), items, func(ok bool) {
			password := []byte(pw.Text)
			pw.SetText("")
			if ok && len(password) > 0 {
				w.dock(ctx, cancel, dev, password)
				return
			}
			cancel()
			w.finished(dev)
		}, w.u.win)
}

// dock opens the recorder (unlocking it with password) and ingests it on
// a new card; runs on the UI goroutine, works in the background.
func (w *usbWatch) dock(rctx context.Context, cancel context.CancelFunc, dev usb.Device, password []byte) {
	c := w.d.addCard(usbTitle(dev))
	label := filepath.Join("usb", dev.Port) + " " + dev.VIDPID()
	c.onFinish = func() {
		c.RefreshSync(w.u)
		w.u.acted()
	}
	dock, err := w.d.ingestDock(w.u, label, c)
	if err != nil {
		cancel()
		c.fail(err)
		w.finished(dev)
		return
	}
	background(func() (ingest.Summary, error) {
		defer cancel()
		defer clear(password)
		rec, err := w.u.Bus.Open(rctx, dev, w.u.term.USBOptions(password))
		if err != nil {
			return ingest.Summary{}, err
		}
		if u := rec.Unlocked; u != nil {
			line := lang.X("usb.unlocked", "Unlocked", map[string]any{"Serial": u.Info.Serial, "Officer": u.Info.OfficerID,
				"Battery": u.Battery, "Offset": u.ClockOffset.String()})
			uiDo(func() { c.Title.SetText(c.Title.Text + "\n" + line) })
		}
		defer rec.Close(context.WithoutCancel(rctx))
		return dock.Ingest(rctx, ingest.Recorder{Source: rec.Source, Label: label})
	}, func(s ingest.Summary, err error) {
		if errors.Is(err, unlock.ErrWrongPassword) {
			err = said(lang.L("usb.wrongpassword"))
		}
		defer w.finished(dev)
		if err != nil && s.Files == 0 {
			c.fail(err) // not opened (or pulled before any file was found)
			return
		}
		c.finish(s, err)
		if dev.Kind == usb.KindLocked {
			w.offerClock(c, dev)
		}
	})
}

// offerClock shows the card's "set the clock" button for a locked recorder
// whose footage is in (files recorded before keep the old offset, which
// their custody events carry).
func (w *usbWatch) offerClock(c *RecorderCard, dev usb.Device) {
	cs, ok := w.u.Bus.(ClockSetter)
	if !ok {
		return
	}
	c.SetClock.OnTapped = func() {
		c.SetClock.Disable()
		c.ClockLine.SetText(lang.L("dock.clock.working"))
		background(func() (time.Duration, error) { return cs.SyncClock(w.ctx, dev, w.u.term.USBOptions(nil)) },
			func(off time.Duration, err error) {
				c.SetClock.Enable()
				if err != nil {
					c.ClockLine.SetText(lang.X("dock.clock.failed", "", map[string]any{"Error": errText(err)}))
					return
				}
				c.ClockLine.SetText(lang.X("dock.clock.done", "", map[string]any{"Offset": off.Round(time.Second).String()}))
			})
	}
	c.SetClock.Show()
}
