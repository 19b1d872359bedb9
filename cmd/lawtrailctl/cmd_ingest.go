package main

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"lawtrail/device"
	"lawtrail/device/msc"
	"lawtrail/ingest"
)

func cmdIngest() *command {
	c := newCommand("ingest", "--from PATH… | --usb [--serial S] [--officer ID] [--clerk ID] [--clear never|local|hub] [--progress json] [--password-file F]",
		"copy, verify and sign every recorder file; exit 0 only if all are done (6: some left undone, run it again)", 0)
	c.detail = `The clerk docking the recorder logs in: --clerk, else LAWTRAIL_OFFICER, else
the first admin, with LAWTRAIL_PIN. Custody records name the clerk and this
terminal (its name is the docking station).`
	fs := c.flags
	var from folders
	fs.Var(&from, "from", "the recorder's mounted folder, an SD card or any folder (required; repeat to dock several at once)")
	serial := fs.String("serial", "", "device serial (default: the folder name; only with a single --from); with --usb, dock only the recorder with this USB serial or, for a locked one, this serial in its device record")
	fromUSB := fs.Bool("usb", false, "dock the recorders on USB (MTP, mass storage, locked) instead of --from; --serial picks one")
	flags := addDockingFlags(fs)
	c.run = func(ctx context.Context, x *call, _ []string) error {
		return ingestRun(ctx, x, from, *serial, *fromUSB, flags)
	}
	return c
}

func ingestRun(ctx context.Context, x *call, from folders, serial string, fromUSB bool, flags *dockingFlags) error {
	if (len(from) == 0) == !fromUSB {
		return usagef("--from PATH or --usb is required, not both")
	}
	if serial != "" && len(from) > 1 {
		return usagef("--serial names one recorder: use it with a single --from")
	}
	d, err := flags.open(ctx, x)
	if err != nil {
		return err
	}
	defer d.Close()
	recs := make([]ingest.Recorder, len(from))
	for i, path := range from {
		folder, err := msc.OpenDir(path)
		if err != nil {
			return usagef("--from %s: %v", path, err)
		}
		defer folder.Close()
		label, _ := filepath.Abs(path)
		recs[i] = ingest.Recorder{Source: msc.New(folder, device.Info{}), Label: label, Officer: *flags.officer, Serial: serial}
	}
	dock, err := d.sess.NewDock(d.opt)
	if err != nil {
		return err
	}
	var sums []ingest.Summary
	if fromUSB {
		sums, err = ingestUSB(ctx, dock, serial, *flags.officer, d.usb, d.out)
	} else {
		sums, err = dockAll(ctx, dock, recs)
	}
	allOK := true
	for _, sum := range sums {
		printSummary(d.out, sum, d.json)
		allOK = allOK && sum.OK()
	}
	if err != nil {
		return err
	}
	if !allOK {
		d.out.printf("not every file is done: run the same ingest again (what is done is kept)\n")
		return errIncomplete
	}
	return nil
}

// dockAll docks every recorder at once, each in its own worker; the dock's
// global limit bounds the copies running together.
func dockAll(ctx context.Context, dock *ingest.Dock, recs []ingest.Recorder) ([]ingest.Summary, error) {
	sums := make([]ingest.Summary, len(recs))
	errs := make([]error, len(recs))
	var wg sync.WaitGroup
	for i, rec := range recs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sums[i], errs[i] = dock.Ingest(ctx, rec)
		}()
	}
	wg.Wait()
	return sums, errors.Join(errs...)
}

// folders is a repeatable --from flag.
type folders []string

func (f *folders) String() string { return strings.Join(*f, ",") }

func (f *folders) Set(v string) error {
	if v == "" {
		return errors.New("empty folder")
	}
	*f = append(*f, v)
	return nil
}

// loadProfiles reads --profiles, or returns nil for the bundled ones.
func loadProfiles(path string) (*device.Profiles, error) {
	if path == "" {
		return nil, nil
	}
	raw, err := readCapped(path, "--profiles", device.MaxProfilesBytes)
	if err != nil {
		return nil, err
	}
	ps, err := device.ParseProfiles(raw)
	if err != nil {
		return nil, usagef("--profiles %s: %v", path, err)
	}
	return ps, nil
}

// lineWriter serialises whole lines from several goroutines.
type lineWriter struct {
	mu sync.Mutex
	w  interface{ Write([]byte) (int, error) }
}

// printf writes a line of text for a terminal: every text argument is
// escaped by termSafe (recorder file names are outside data).
func (l *lineWriter) printf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	tprintf(l.w, format, args...)
}

// jsonLine writes one JSON value as a line, exactly as encoded.
func (l *lineWriter) jsonLine(v any) {
	b, _ := json.Marshal(v)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.w.Write(append(b, '\n'))
}

func progressPrinter(asJSON bool, out *lineWriter) func(ingest.Update) {
	if asJSON {
		return func(u ingest.Update) { out.jsonLine(u) }
	}
	return textProgress(out, time.Now, 2*time.Second)
}

// textProgress prints each file's outcome, and while a file copies a line
// with bytes, rate and time left at most every interval per recorder.
func textProgress(out *lineWriter, now func() time.Time, interval time.Duration) func(ingest.Update) {
	var mu sync.Mutex
	last := map[string]time.Time{}
	return func(u ingest.Update) {
		switch u.State {
		case ingest.StateSigned, ingest.StateSkipped, ingest.StateCleared:
			out.printf("%-8s %s  %s\n", u.State, short(u.Digest), u.Path)
		case ingest.StateFailed:
			out.printf("%-8s %s  %s: %s\n", u.State, "-", u.Path, u.Error)
		case ingest.StateCopying:
			if u.Path == "" || u.Rate <= 0 {
				return
			}
			mu.Lock()
			t := now()
			due := t.Sub(last[u.Recorder]) >= interval
			if due {
				last[u.Recorder] = t
			}
			mu.Unlock()
			if due {
				out.printf("copying  %.1f/%.1f MiB  %.1f MiB/s  %v left  %s\n", float64(u.Bytes)/(1<<20), float64(u.Total)/(1<<20),
					u.Rate/(1<<20), u.ETA.Round(time.Second), u.Path)
			}
		}
	}
}

func short(d string) string {
	if len(d) > 12 {
		return d[:12]
	}
	return d
}

func printSummary(out *lineWriter, s ingest.Summary, asJSON bool) {
	if asJSON {
		out.jsonLine(struct {
			Summary ingest.Summary `json:"summary"`
			MiBps   float64        `json:"mib_per_s"`
		}{s, s.MiBps()})
		return
	}
	out.printf("\n%s (serial %s): %d files, %d copied (%.1f MiB, %.1f MiB/s), %d already ingested, %d cleared, %d failed\n",
		s.Recorder, s.Serial, s.Files, s.Copied, float64(s.Bytes)/(1<<20), s.MiBps(), s.Skipped, s.Cleared, len(s.Failed))
	if len(s.NameSerials) > 0 && !slices.Contains(s.NameSerials, s.Serial) {
		out.printf("  note: file names carry serial %s; the recorder is keyed by %q (the device's own serial, else the folder name). Pass --serial to key it by another.\n",
			strings.Join(s.NameSerials, ", "), s.Serial)
	}
	for _, f := range s.Failed {
		out.printf("  FAILED %s: %s\n", f.Path, f.Err)
	}
	for _, f := range s.ClearErrs {
		out.printf("  KEPT ON RECORDER %s: %s\n", f.Path, f.Err)
	}
	for _, f := range s.NotFiles {
		out.printf("  not a file %s: %s\n", f.Path, f.Err)
	}
}
