package main

import (
	"context"
	"errors"
	"sync"
	"time"

	"lawtrail/device/usb"
	"lawtrail/ingest"
	"lawtrail/terminal"
)

// cmdDock stays running and ingests every recorder that arrives on USB.
// A recorder unplugged mid-copy is given up; when it comes back its copy
// resumes from the last durable offset. SIGINT/SIGTERM end it cleanly:
// copies in flight stop at a checkpoint, the store is closed.
func cmdDock() *command {
	c := newCommand("dock", "[--clear never|local|hub] [--password-file F] [--progress json] [--clerk ID] [--interval D]",
		"stay running; ingest every recorder that arrives on USB (SIGINT/SIGTERM stop)", 0)
	c.detail = "The clerk logs in as for ingest; custody records name the clerk and this terminal."
	fs := c.flags
	flags := addDockingFlags(fs)
	checkpoint := fs.Int64("checkpoint-every", 0, "bytes copied between durable checkpoints (default 64 MiB); a recorder pulled mid-copy resumes from the last one")
	interval := fs.Duration("interval", 500*time.Millisecond, "how often the bus is scanned")
	c.run = func(ctx context.Context, x *call, _ []string) error {
		if *interval <= 0 {
			return usagef("--interval must be positive")
		}
		return dockRun(ctx, x, flags, *checkpoint, *interval)
	}
	return c
}

func dockRun(ctx context.Context, x *call, flags *dockingFlags, checkpoint int64, interval time.Duration) error {
	dk, err := flags.open(ctx, x)
	if err != nil {
		return err
	}
	defer dk.Close()
	out := dk.out
	d := &docker{ctx: ctx, out: out, officer: *flags.officer, workers: map[string]*worker{}, opt: dk.usb}
	printer := dk.opt.Progress
	opt := dk.opt
	opt.CheckpointEvery = checkpoint
	opt.Progress = func(u ingest.Update) { d.firstByte(u); printer(u) }
	dock, err := dk.sess.NewDock(opt)
	if err != nil {
		return err
	}
	d.dock = dock
	if d.sc, err = terminal.NewUSBScanner(); err != nil {
		return err
	}
	out.printf("docking: waiting for recorders on USB (Ctrl-C to stop)\n")
	err = d.sc.Watch(ctx, interval, d.event, func(err error) { out.printf("scan: %v\n", err) })
	d.wg.Wait()
	out.printf("docking stopped\n")
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// docker runs one worker per arrived recorder; the tracker keeps it to
// one per recorder (a locked recorder's unlocked disk belongs to the
// docking that unlocked it; a recorder back from a pull is docked again).
type docker struct {
	ctx     context.Context
	sc      *usb.Scanner
	dock    *ingest.Dock
	out     *lineWriter
	officer string
	opt     usb.Options
	tracker usb.Tracker
	wg      sync.WaitGroup
	mu      sync.Mutex
	workers map[string]*worker // by label, for the first-byte line
}

type worker struct {
	arrived time.Time
	first   bool
}

func (d *docker) event(ev usb.Event) {
	dev := ev.Device
	label := usbLabel(dev)
	if !ev.Arrived {
		d.out.printf("left     %s %s serial %s\n", label, dev.Kind, dev.Serial)
		d.tracker.Leave(dev)
		return
	}
	d.out.printf("arrived  %s %s serial %s %s %s\n", label, dev.Kind, dev.Serial, dev.Manufacturer, dev.Product)
	if dev.Problem != "" {
		d.out.printf("         %s: %s\n", label, dev.Problem)
		return
	}
	d.start(dev)
}

// start docks dev in its own worker, unless a docking of the same
// recorder runs.
func (d *docker) start(dev usb.Device) {
	label := usbLabel(dev)
	ctx, cancel := context.WithCancel(d.ctx)
	if !d.tracker.Arrive(dev, cancel) {
		cancel()
		d.out.printf("         %s: the docking of this recorder in progress takes it\n", label)
		return
	}
	d.mu.Lock()
	d.workers[label] = &worker{arrived: time.Now()}
	d.mu.Unlock()
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		sum, err := dockUSB(ctx, d.sc, d.dock, dev, d.officer, d.opt, d.out)
		if sum.Files > 0 || err == nil {
			printSummary(d.out, sum, false)
		}
		switch {
		case err != nil && ctx.Err() != nil:
			d.out.printf("%s: stopped (the recorder left, or docking ends); an unfinished copy resumes at the next docking\n", label)
		case err != nil:
			d.out.printf("%s: %v\n", label, err)
		}
		cancel()
		d.mu.Lock()
		delete(d.workers, label)
		d.mu.Unlock()
		if next := d.tracker.Finish(dev); next != nil && d.ctx.Err() == nil {
			d.start(*next)
		}
	}()
}

// firstByte prints how long a recorder took from arrival to its first
// copied byte.
func (d *docker) firstByte(u ingest.Update) {
	if u.Bytes <= 0 {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if w := d.workers[u.Recorder]; w != nil && !w.first {
		w.first = true
		d.out.printf("%s: first byte copied %v after arrival\n", u.Recorder, time.Since(w.arrived).Round(time.Millisecond))
	}
}
