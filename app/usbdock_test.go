package app

import (
	"context"
	"crypto/rand"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"lawtrail/casework"
	"lawtrail/device"
	"lawtrail/device/msc"
	"lawtrail/device/unlock"
	"lawtrail/device/usb"
	"lawtrail/evidence"
	"lawtrail/store"
)

// fakeBus plays the USB bus: events the test sends, recorders that are
// folders, a locked one that wants a password.
type fakeBus struct {
	events   chan usb.Event
	folders  map[string]string // device ID → folder
	password string
	ended    chan struct{}
	clockSet chan usb.Device // recorders whose clock was set
	clockErr error
}

// SyncClock plays a locked recorder's clock being set: 1h23m behind.
func (f *fakeBus) SyncClock(_ context.Context, d usb.Device, _ usb.Options) (time.Duration, error) {
	if f.clockErr != nil {
		return 0, f.clockErr
	}
	f.clockSet <- d
	return -83 * time.Minute, nil
}

func (f *fakeBus) Watch(ctx context.Context, _ time.Duration, fn func(usb.Event), _ func(error)) error {
	defer close(f.ended)
	for {
		select {
		case ev := <-f.events:
			fn(ev)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (f *fakeBus) Open(_ context.Context, d usb.Device, opt usb.Options) (*usb.Recorder, error) {
	if d.Kind == usb.KindLocked && string(opt.Password) != f.password {
		return nil, fmt.Errorf("recorder %s: %w", d.Port, unlock.ErrWrongPassword)
	}
	fsys, err := msc.OpenDir(f.folders[d.ID()])
	if err != nil {
		return nil, err
	}
	rec := &usb.Recorder{Device: d, Source: msc.New(fsys, device.Info{Serial: d.Serial})}
	if d.Kind == usb.KindLocked {
		rec.Unlocked = &usb.UnlockReport{Profile: "reference-dsj", Battery: 87, ClockOffset: -83 * time.Minute,
			Info: device.Info{Serial: d.Serial, OfficerID: "350101"}}
	}
	return rec, nil
}

func findPasswordEntry(o fyne.CanvasObject) *widget.Entry {
	e, _ := findObject(o, func(c fyne.CanvasObject) bool {
		e, ok := c.(*widget.Entry)
		return ok && e.Password
	}).(*widget.Entry)
	return e
}

// Recorders plugged into USB are docked with no click: an MTP recorder at
// once; a locked one after the clerk types the admin password (a wrong one
// is refused and said so); switching officer stops the watch.
func TestUIDocksUSBRecordersAsTheyArrive(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	kdf := evidence.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}
	if _, err := store.InitTerminal(ctx, dir, store.TerminalSetup{TerminalName: "t", AgencyName: "某局", OfficerID: "o-001",
		OfficerName: "张三", Roles: []casework.Role{casework.RoleAdmin, casework.RoleClerk}, Passphrase: []byte("pass-pass-pass"), PIN: []byte("123456"), KDF: kdf, Rand: rand.Reader}); err != nil {
		t.Fatal(err)
	}
	a := test.NewTempApp(t)
	defer holdUI()()
	win := a.NewWindow("lawtrail")
	u := New(ctx, a, win, dir)
	mtp := usb.Device{Bus: 1, Address: 2, Port: "1-1", VID: 0x46f4, PID: 4, Kind: usb.KindMTP, Serial: "DSJ1234", Manufacturer: "ZFY", Product: "DSJ"}
	locked := usb.Device{Bus: 1, Address: 3, Port: "1-2", VID: 0x1d6b, PID: 0x104, Kind: usb.KindLocked, Serial: "DSJ5678"}
	bus := &fakeBus{events: make(chan usb.Event, 8), password: "admin-8888", ended: make(chan struct{}), clockSet: make(chan usb.Device, 1),
		folders: map[string]string{mtp.ID(): recorderCard(t, 2), locked.ID(): recorderCard(t, 3)}}
	u.Bus = bus
	u.Start()
	u.StartDemo(Demo{DataDir: dir, Passphrase: "pass-pass-pass", PIN: "123456", Officer: "o-001"}, "none")
	eventually(t, "the main screen", func() bool { return u.main != nil })
	d := u.main.Dock
	if d.USBStatus.Text != lang.L("usb.waiting") {
		t.Fatalf("USB status %q", d.USBStatus.Text)
	}

	bus.events <- usb.Event{Arrived: true, Device: mtp}
	eventually(t, "the MTP recorder docked", func() bool { return len(d.Cards) == 1 && d.Cards[0].Done })
	if c := d.Cards[0]; c.Summary.Copied != 2 || !strings.Contains(c.Title.Text, "USB 1-1") || c.Errors.Text != "" {
		t.Fatalf("MTP card: %q copied %d errors %q", c.Title.Text, c.Summary.Copied, c.Errors.Text)
	}

	unlockWith := func(pw string) {
		t.Helper()
		bus.events <- usb.Event{Arrived: true, Device: locked}
		var e *widget.Entry
		eventually(t, "the password dialog", func() bool {
			if top := win.Canvas().Overlays().Top(); top != nil {
				e = findPasswordEntry(top)
			}
			return e != nil
		})
		test.Type(e, pw)
		b := findButton(win.Canvas().Overlays().Top(), lang.L("usb.unlock"))
		if b == nil {
			t.Fatal("no unlock button")
		}
		test.Tap(b)
	}
	unlockWith("admin-1234")
	eventually(t, "the wrong password refused", func() bool { return len(d.Cards) == 2 && d.Cards[1].Done })
	if c := d.Cards[1]; c.Errors.Text != lang.L("usb.wrongpassword") || strings.Contains(c.Errors.Text, "admin-1234") {
		t.Fatalf("wrong password card: %q", c.Errors.Text)
	}
	unlockWith("admin-8888")
	eventually(t, "the locked recorder docked", func() bool { return len(d.Cards) == 3 && d.Cards[2].Done })
	if c := d.Cards[2]; c.Summary.Copied != 3 || c.Errors.Text != "" || !strings.Contains(c.Title.Text, "87%") ||
		!strings.Contains(c.Title.Text, "-1h23m0s") {
		t.Fatalf("unlocked card: %q copied %d errors %q", c.Title.Text, c.Summary.Copied, c.Errors.Text)
	}

	// The locked recorder's card sets its clock (once its footage is in);
	// an MTP recorder's card does not offer it. A failure is said.
	c := d.Cards[2]
	if !c.SetClock.Visible() || d.Cards[0].SetClock.Visible() {
		t.Fatalf("clock button: locked card %v, MTP card %v", c.SetClock.Visible(), d.Cards[0].SetClock.Visible())
	}
	test.Tap(c.SetClock)
	eventually(t, "the clock set", func() bool { return c.ClockLine.Text != lang.L("dock.clock.working") && c.ClockLine.Text != "" })
	if got := <-bus.clockSet; got.Serial != "DSJ5678" {
		t.Fatalf("clock set on %q", got.Serial)
	}
	if want := lang.X("dock.clock.done", "", map[string]any{"Offset": "-1h23m0s"}); c.ClockLine.Text != want {
		t.Fatalf("clock line %q, want %q", c.ClockLine.Text, want)
	}
	bus.clockErr = fmt.Errorf("recorder %s: no answer", locked.Port)
	test.Tap(c.SetClock)
	eventually(t, "the clock failure", func() bool { return strings.Contains(c.ClockLine.Text, "no answer") })
	if want := lang.X("dock.clock.failed", "", map[string]any{"Error": errText(bus.clockErr)}); c.ClockLine.Text != want {
		t.Fatalf("clock failure said as %q, want %q", c.ClockLine.Text, want)
	}

	u.showLogin()
	eventually(t, "the watch stopped", func() bool {
		select {
		case <-bus.ended:
			return true
		default:
			return false
		}
	})
}
