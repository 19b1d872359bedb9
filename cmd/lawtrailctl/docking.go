package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"lawtrail/device/usb"
	"lawtrail/evidence"
	"lawtrail/ingest"
	"lawtrail/store"
)

// dockingFlags are the flags ingest and dock share.
type dockingFlags struct {
	officer, clear, progress, clerk, station, profiles, passwordFile *string
}

func addDockingFlags(fs *flag.FlagSet) *dockingFlags {
	return &dockingFlags{
		officer:      fs.String("officer", "", "officer the footage belongs to (default: from file names or the device)"),
		clear:        fs.String("clear", "never", "clear policy: never, local (after local verification) or hub (after the hub's receipt)"),
		progress:     fs.String("progress", "", "json: print every progress update as a JSON line"),
		clerk:        fs.String("clerk", "", "officer docking the recorder (default: $LAWTRAIL_OFFICER, else the first admin)"),
		station:      fs.String("station", "", "docking station name (default: the terminal's name)"),
		profiles:     fs.String("profiles", "", "recorder file-name profiles (default: the shipped ones)"),
		passwordFile: fs.String("password-file", "", "file (mode 600) with the admin password that unlocks locked recorders"),
	}
}

// docking is what the flags name, ready to dock: the store opened with
// the terminal key, the dock's options, the password (wiped by Close).
type docking struct {
	st       *store.Store
	key      evidence.KeyPair
	opt      ingest.Options
	usb      usb.Options
	json     bool
	out      *lineWriter
	password []byte
}

// open checks the flags, reads the password file and opens the store as
// the clerk; Close releases both.
func (f *dockingFlags) open(ctx context.Context, dir string, e env) (*docking, error) {
	if *f.progress != "" && *f.progress != "json" {
		return nil, fmt.Errorf("--progress %q: only json is known", *f.progress)
	}
	policy, err := ingest.ParsePolicy(*f.clear)
	if err != nil {
		return nil, err
	}
	profiles, err := loadProfiles(*f.profiles)
	if err != nil {
		return nil, err
	}
	password, err := readPassword(*f.passwordFile)
	if err != nil {
		return nil, err
	}
	st, key, err := openForWriting(ctx, dir, e)
	if err != nil {
		clear(password)
		return nil, err
	}
	d := &docking{st: st, key: key, json: *f.progress == "json", out: &lineWriter{w: e.stdout}, password: password,
		usb: usb.Options{Password: password, MountDir: filepath.Join(dir, "mnt")}}
	clerk, station := *f.clerk, *f.station
	if clerk == "" {
		if clerk, err = defaultOfficer(ctx, st, e); err != nil {
			d.Close()
			return nil, err
		}
	}
	if station == "" {
		station, _ = os.Hostname()
	}
	d.opt = ingest.Options{Clerk: clerk, Station: station, Clear: policy, Profiles: profiles,
		Progress: progressPrinter(d.json, d.out)}
	return d, nil
}

// Close wipes the password and closes the store.
func (d *docking) Close() error {
	clear(d.password)
	return d.st.Close()
}
