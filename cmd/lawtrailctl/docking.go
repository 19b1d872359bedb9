package main

import (
	"context"
	"flag"

	"lawtrail/device/usb"
	"lawtrail/ingest"
	"lawtrail/terminal"
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
		clerk:        fs.String("clerk", "", "officer docking the recorder, who logs in with LAWTRAIL_PIN (default: $LAWTRAIL_OFFICER, else the first admin)"),
		station:      fs.String("station", "", "kept for old scripts: the docking station is always this terminal's name; any other value is refused"),
		profiles:     fs.String("profiles", "", "recorder file-name profiles (default: the shipped ones)"),
		passwordFile: fs.String("password-file", "", "file (mode 600) with the admin password that unlocks locked recorders"),
	}
}

// docking is what the flags name, ready to dock: the clerk's session, the
// dock's options, the password (wiped by Close).
type docking struct {
	sess     *terminal.Session
	opt      terminal.DockOptions
	usb      usb.Options
	json     bool
	out      *lineWriter
	password []byte
}

// open checks the flags, reads the files they name and logs the clerk in;
// Close wipes the password.
func (f *dockingFlags) open(ctx context.Context, x *call) (*docking, error) {
	if *f.progress != "" && *f.progress != "json" {
		return nil, usagef("--progress %q: only json is known", *f.progress)
	}
	policy, err := ingest.ParsePolicy(*f.clear)
	if err != nil {
		return nil, usagef("--clear: %v", err)
	}
	profiles, err := loadProfiles(*f.profiles)
	if err != nil {
		return nil, err
	}
	password, err := readPassword(*f.passwordFile)
	if err != nil {
		return nil, err
	}
	s, err := x.session(ctx, *f.clerk)
	if err != nil {
		clear(password)
		return nil, err
	}
	if *f.station != "" && *f.station != s.Info.Name {
		clear(password)
		return nil, usagef("--station %q: custody records name this terminal, %q, as the docking station (leave --station out)", *f.station, s.Info.Name)
	}
	d := &docking{sess: s, json: *f.progress == "json", out: &lineWriter{w: x.e.stdout}, password: password, usb: s.USBOptions(password)}
	d.opt = terminal.DockOptions{Clear: policy, Profiles: profiles, Progress: progressPrinter(d.json, d.out)}
	return d, nil
}

// Close wipes the password.
func (d *docking) Close() { clear(d.password) }
