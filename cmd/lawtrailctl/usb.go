package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"lawtrail/device/usb"
	"lawtrail/ingest"
	"lawtrail/terminal"
)

// readPassword reads the admin password from a file only its owner can
// read; the caller wipes the returned bytes.
func readPassword(path string) ([]byte, error) {
	if path == "" {
		return nil, nil
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, usagef("password file: %v", err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, usagef("password file %s is readable by others (mode %v): chmod 600 it", path, st.Mode().Perm())
	}
	b, err := readCapped(path, "password file", maxPasswordFile)
	if err != nil {
		return nil, err
	}
	p := bytes.TrimRight(b, "\r\n")
	if len(p) == 0 {
		return nil, usagef("password file %s is empty", path)
	}
	return p, nil
}

// ingestUSB docks every recorder on the bus (or the one with serial).
func ingestUSB(ctx context.Context, dock *ingest.Dock, serial string, officer string, opt usb.Options, out *lineWriter) ([]ingest.Summary, error) {
	sc, err := terminal.NewUSBScanner()
	if err != nil {
		return nil, err
	}
	devs, err := sc.Scan(ctx)
	if err != nil {
		return nil, err
	}
	var chosen []usb.Device
	for _, d := range devs {
		if serial == "" || d.Serial == serial || lockedSerial(ctx, sc, d) == serial {
			chosen = append(chosen, d)
		}
	}
	if len(chosen) == 0 {
		if serial != "" {
			return nil, fmt.Errorf("no recorder with serial %q on USB (%d other devices)", serial, len(devs))
		}
		return nil, errors.New("no recorder on USB")
	}
	sums := make([]ingest.Summary, len(chosen))
	errs := make([]error, len(chosen))
	var wg sync.WaitGroup
	for i, d := range chosen {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sums[i], errs[i] = dockUSB(ctx, sc, dock, d, officer, opt, out)
		}()
	}
	wg.Wait()
	return sums, errors.Join(errs...)
}

// lockedSerial is the serial in a locked recorder's device record (which
// officers know from the label), "" for other devices.
func lockedSerial(ctx context.Context, sc *usb.Scanner, d usb.Device) string {
	if d.Kind != usb.KindLocked {
		return ""
	}
	id, err := sc.Identify(ctx, d, usb.Options{})
	if err != nil {
		return ""
	}
	return id.Info.Serial
}

// dockUSB opens one recorder (unlocking it if needed), ingests it and
// releases it.
func dockUSB(ctx context.Context, sc *usb.Scanner, dock *ingest.Dock, d usb.Device, officer string, opt usb.Options, out *lineWriter) (ingest.Summary, error) {
	start := time.Now()
	rec, err := sc.Open(ctx, d, opt)
	if err != nil {
		return ingest.Summary{Recorder: usbLabel(d)}, err
	}
	defer rec.Close(ctx)
	if u := rec.Unlocked; u != nil {
		out.printf("%s: unlocked (%s): serial %s, officer %s, battery %d%%, clock was %+v off\n",
			usbLabel(d), u.Profile, u.Info.Serial, u.Info.OfficerID, u.Battery, u.ClockOffset)
	}
	if rec.Mounted != nil {
		out.printf("%s: mounted %s at %s via %s\n", usbLabel(d), rec.Mounted.Dev, rec.Mounted.Path, rec.Mounted.Via)
	}
	out.printf("%s: open after %v\n", usbLabel(d), time.Since(start).Round(time.Millisecond))
	return dock.Ingest(ctx, ingest.Recorder{Source: rec.Source, Label: usbLabel(d), Officer: officer})
}

func usbLabel(d usb.Device) string {
	return filepath.Join("usb", d.Port) + " " + d.VIDPID()
}
