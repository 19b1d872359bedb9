package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"text/tabwriter"

	"lawtrail/device/usb"
	"lawtrail/terminal"
)

// deviceReport is one line of `devices`.
type deviceReport struct {
	usb.Device
	USBID    string            `json:"vid_pid"` // "vvvv:pppp", as lsusb shows it
	State    string            `json:"state"`
	Identity *usb.UnlockReport `json:"identity,omitempty"`
}

func cmdDevices() *command {
	c := newCommand("devices", "[--json] [--sync-time]", "the recorders on USB: kind, VID:PID, serial, identity, state", 0)
	c.detail = `Needs no data folder. With --sync-time, a recorder whose clock could not be
set makes the exit code 7 (the others are still set and listed).`
	asJSON := c.flags.Bool("json", false, "one JSON object per recorder")
	syncTime := c.flags.Bool("sync-time", false, "set each locked recorder's clock from this terminal (after its footage is ingested: older files keep the old offset)")
	c.run = func(ctx context.Context, x *call, _ []string) error {
		return devices(ctx, x.e, *asJSON, *syncTime)
	}
	return c
}

// errClockNotSet is a --sync-time that failed on at least one recorder.
var errClockNotSet = errors.New("the clock of at least one recorder was not set")

func devices(ctx context.Context, e env, asJSON, syncTime bool) error {
	sc, err := terminal.NewUSBScanner()
	if err != nil {
		return err
	}
	devs, err := sc.Scan(ctx)
	if err != nil {
		return err
	}
	var reports []deviceReport
	var failed []error
	for _, d := range devs {
		r := deviceReport{Device: d, USBID: d.VIDPID(), State: "ready"}
		switch {
		case d.Problem != "":
			r.State = "unreadable: " + d.Problem
		case d.Kind == usb.KindLocked:
			r.State = "locked (needs --password-file)"
			if id, err := sc.Identify(ctx, d, usb.Options{}); err != nil {
				r.State = "locked, not identified: " + err.Error()
			} else {
				r.Identity = id
			}
			if syncTime && r.Identity == nil {
				failed = append(failed, fmt.Errorf("%s %s: not identified, clock not set", d.Port, d.VIDPID()))
			}
			if syncTime && r.Identity != nil {
				off, err := sc.SyncClock(ctx, d, usb.Options{})
				if err != nil {
					r.State += "; clock not set: " + err.Error()
					failed = append(failed, fmt.Errorf("%s %s: clock not set: %w", d.Port, d.VIDPID(), err))
				} else {
					r.State += fmt.Sprintf("; clock set (it was %+v off)", off)
				}
			}
		}
		reports = append(reports, r)
	}
	if err := printDevices(e, reports, asJSON); err != nil {
		return err
	}
	if len(failed) > 0 {
		return fmt.Errorf("%w: %w", errClockNotSet, errors.Join(failed...))
	}
	return nil
}

func printDevices(e env, reports []deviceReport, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(e.stdout)
		for _, r := range reports {
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
		return nil
	}
	if len(reports) == 0 {
		fmt.Fprintln(e.stdout, "no recorder on USB")
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PORT\tKIND\tVID:PID\tSERIAL\tIDENTITY\tSTATE")
	for _, r := range reports {
		tprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Port, r.Kind, r.VIDPID(), r.Serial, identity(r), r.State)
	}
	return tw.Flush()
}

func identity(r deviceReport) string {
	s := r.Manufacturer + " " + r.Product
	if r.Inquiry != "" {
		s += " [" + r.Inquiry + "]"
	}
	if id := r.Identity; id != nil {
		s += fmt.Sprintf(" record: serial %s officer %s unit %s %s, battery %d%%, clock %+v",
			id.Info.Serial, id.Info.OfficerID, id.Info.UnitCode, id.Info.UnitName, id.Battery, id.ClockOffset)
	}
	return s
}
