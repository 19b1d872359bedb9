package usb

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"lawtrail/device"
	"lawtrail/device/msc"
	"lawtrail/device/mtp"
	"lawtrail/device/unlock"
	"lawtrail/device/volume"
)

// ErrNeedPassword means a locked recorder was found and no admin password
// was given.
var ErrNeedPassword = errors.New("locked recorder: the admin password is needed to unlock it")

// Options say how to open recorders.
type Options struct {
	// Password unlocks locked recorders; it is wiped by the caller.
	Password []byte
	// Timeout bounds every USB transfer (default 10 s).
	Timeout time.Duration
	// Reappear bounds the wait for an unlocked recorder to come back as
	// mass storage (default 20 s).
	Reappear time.Duration
	// MountDir is where disks are mounted when mount(2) is used.
	MountDir string
	// Now is the terminal's clock (default time.Now).
	Now func() time.Time
}

func (o Options) timeout() time.Duration {
	if o.Timeout <= 0 {
		return 10 * time.Second
	}
	return o.Timeout
}

func (o Options) now() time.Time {
	if o.Now == nil {
		return time.Now()
	}
	return o.Now()
}

// Recorder is an opened recorder: its Source feeds ingest.
type Recorder struct {
	Device Device
	Source device.Source
	// Unlocked is the locked recorder's identity and battery, when it was
	// unlocked on the way.
	Unlocked *UnlockReport
	// Mounted is where the disk is mounted (mass storage).
	Mounted *volume.Mounted
	closers []func(context.Context) error
}

// UnlockReport is what a locked recorder told before it was unlocked.
type UnlockReport struct {
	Profile string      `json:"profile"`
	Info    device.Info `json:"info"`
	Battery int         `json:"battery_percent"`
	// ClockOffset is the recorder's clock minus the terminal's (before
	// SyncTime set it, for SyncClock).
	ClockOffset time.Duration `json:"clock_offset_ns"`
}

// Close releases the recorder: ends the MTP session, unmounts the disk.
func (r *Recorder) Close(ctx context.Context) error {
	var errs []error
	for i := len(r.closers) - 1; i >= 0; i-- {
		errs = append(errs, r.closers[i](ctx))
	}
	r.closers = nil
	return errors.Join(errs...)
}

// Open makes d a device.Source: MTP through device/mtp, mass storage
// mounted, a locked recorder unlocked first (identify, clock, battery,
// unlock, wait for the disk).
func (s *Scanner) Open(ctx context.Context, d Device, opt Options) (*Recorder, error) {
	switch d.Kind {
	case KindMTP:
		return s.openMTP(ctx, d, opt)
	case KindStorage:
		return s.openStorage(ctx, d, opt, device.Info{Vendor: d.Manufacturer, Model: d.Product, Serial: d.Serial})
	case KindLocked:
		return s.openLocked(ctx, d, opt)
	}
	return nil, fmt.Errorf("recorder %s %s: not a recorder (%s)", d.Port, d.VIDPID(), d.Kind)
}

func (s *Scanner) openMTP(ctx context.Context, d Device, opt Options) (*Recorder, error) {
	c, err := openConn(d, opt.timeout())
	if err != nil {
		return nil, err
	}
	client, err := mtp.Open(ctx, c)
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("recorder %s: %w", d.Port, err)
	}
	src, err := mtp.NewSource(ctx, client)
	if err != nil {
		client.Close(ctx)
		c.Close()
		return nil, fmt.Errorf("recorder %s: %w", d.Port, err)
	}
	r := &Recorder{Device: d, Source: src}
	r.closers = append(r.closers, func(ctx context.Context) error {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		client.Close(cctx) // an unplugged device cannot answer: not an error
		return c.Close()
	})
	return r, nil
}

func (s *Scanner) openStorage(ctx context.Context, d Device, opt Options, info device.Info) (*Recorder, error) {
	iface := volume.Interface(d.Port, 1, d.Interface)
	dev, err := volume.WaitDisk(ctx, s.sysfs(), iface, 15*time.Second)
	if err != nil {
		return nil, fmt.Errorf("recorder %s: %w", d.Port, err)
	}
	dir := opt.MountDir
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "lawtrail-mounts")
	}
	m, err := volume.Mount(ctx, dev, dir)
	if err != nil {
		return nil, fmt.Errorf("recorder %s: %w", d.Port, err)
	}
	folder, err := msc.OpenDir(m.Path)
	if err != nil {
		m.Unmount(ctx)
		return nil, fmt.Errorf("recorder %s: %w", d.Port, err)
	}
	r := &Recorder{Device: d, Source: msc.New(folder, info), Mounted: m}
	r.closers = append(r.closers, func(ctx context.Context) error {
		folder.Close()
		return m.Unmount(context.WithoutCancel(ctx))
	})
	return r, nil
}

func (s *Scanner) openLocked(ctx context.Context, d Device, opt Options) (*Recorder, error) {
	if len(opt.Password) == 0 {
		return nil, fmt.Errorf("recorder %s %s: %w", d.Port, d.VIDPID(), ErrNeedPassword)
	}
	report, err := s.unlock(ctx, d, opt)
	if err != nil {
		return nil, fmt.Errorf("recorder %s %s: %w", d.Port, d.VIDPID(), err)
	}
	disk, err := s.reappeared(ctx, d, opt)
	if err != nil {
		return nil, fmt.Errorf("recorder %s unlocked, but its disk: %w", d.Port, err)
	}
	r, err := s.openStorage(ctx, disk, opt, report.Info)
	if err != nil {
		return nil, err
	}
	r.Unlocked = report
	return r, nil
}

// withLocked claims the locked recorder's mass-storage interface,
// matches it to its profile and runs fn.
func (s *Scanner) withLocked(ctx context.Context, d Device, opt Options, fn func(*unlock.Recorder) error) error {
	c, err := openConn(d, opt.timeout())
	if err != nil {
		return err
	}
	defer c.Close()
	rec, err := unlock.Detect(ctx, c, s.Profiles)
	if err != nil {
		return err
	}
	return fn(rec)
}

// report reads a locked recorder's device record, clock and battery. The
// clock is read, not set: setting it before the password is known good
// would lose the offset of the footage still on the device if the unlock
// then failed (SyncClock is a separate, explicit step).
func report(ctx context.Context, rec *unlock.Recorder, d Device, now time.Time) (*UnlockReport, error) {
	info, err := rec.Identify(ctx)
	if err != nil {
		return nil, err
	}
	clock, err := rec.Clock(ctx)
	if err != nil {
		return nil, err
	}
	info.Clock, info.ClockReadAt = clock, now
	if info.Serial == "" {
		info.Serial = d.Serial
	}
	battery, err := rec.Battery(ctx)
	if err != nil {
		return nil, err
	}
	offset, _ := info.ClockOffset()
	return &UnlockReport{Profile: rec.Profile.Name, Info: info, Battery: battery, ClockOffset: offset.Truncate(time.Second)}, nil
}

// unlock reports on the locked recorder (its clock offset goes with the
// footage into custody), then sends the password.
func (s *Scanner) unlock(ctx context.Context, d Device, opt Options) (r *UnlockReport, err error) {
	err = s.withLocked(ctx, d, opt, func(rec *unlock.Recorder) error {
		if r, err = report(ctx, rec, d, opt.now()); err != nil {
			return err
		}
		return rec.Unlock(ctx, opt.Password)
	})
	return r, err
}

// reappeared waits for the unlocked recorder to come back as plain mass
// storage: the same USB serial, or the same port.
func (s *Scanner) reappeared(ctx context.Context, locked Device, opt Options) (Device, error) {
	limit := opt.Reappear
	if limit <= 0 {
		limit = 20 * time.Second
	}
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		devs, err := s.Scan(ctx)
		if err != nil {
			return Device{}, err
		}
		for _, d := range devs {
			// The same serial, or the same port: some recorders show
			// another serial (or none) once unlocked.
			same := (d.Serial != "" && d.Serial == locked.Serial) || d.Port == locked.Port
			if same && d.Kind == KindStorage {
				return d, nil
			}
		}
		select {
		case <-ctx.Done():
			return Device{}, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return Device{}, fmt.Errorf("it did not come back as mass storage within %v", limit)
}

// Identify asks a locked recorder for its device record, clock and
// battery, without changing anything on it (no clock set, no unlock).
func (s *Scanner) Identify(ctx context.Context, d Device, opt Options) (r *UnlockReport, err error) {
	err = s.withLocked(ctx, d, opt, func(rec *unlock.Recorder) error {
		r, err = report(ctx, rec, d, opt.now())
		return err
	})
	return r, err
}

// SyncClock sets a locked recorder's clock from the terminal's and
// returns the offset it had. Do it once its footage is ingested: files
// recorded before keep times off by that offset.
func (s *Scanner) SyncClock(ctx context.Context, d Device, opt Options) (offset time.Duration, err error) {
	err = s.withLocked(ctx, d, opt, func(rec *unlock.Recorder) error {
		offset, err = rec.SyncTime(ctx, opt.now())
		return err
	})
	return offset, err
}
