package terminal

import (
	"fmt"
	"path/filepath"

	"lawtrail/assets"
	"lawtrail/casework"
	"lawtrail/device"
	"lawtrail/device/unlock"
	"lawtrail/device/usb"
	"lawtrail/ingest"
)

// DockOptions are a docking session's settings; the zero value docks with
// the bundled file-name profiles and never clears a recorder.
type DockOptions struct {
	Clear    ingest.Policy
	Profiles *device.Profiles // recorder file-name profiles; the bundled ones when nil
	// Progress receives every update of every recorder; it must be safe
	// for concurrent use and must not block.
	Progress func(ingest.Update)
	// CheckpointEvery is how many bytes are copied between durable
	// checkpoints (ingest's default when 0).
	CheckpointEvery int64
}

// NewDock returns the docking pipeline of this session: the custody events
// it records are the session officer's acts (the clerk) at this terminal
// (the station is the terminal's name, on every front end), signed by the
// terminal key. One Dock serves every recorder of the session, so its
// limit on concurrent copies holds across them.
//
// An officer whose roles cannot record custody (the clerk role, or the
// officer role with a valid credential) is refused here, before gigabytes
// are copied only to have every custody record refused; the rule at append
// stays the authority.
func (s *Session) NewDock(o DockOptions) (*ingest.Dock, error) {
	if err := s.mayDock(); err != nil {
		return nil, err
	}
	if o.Profiles == nil {
		ps, err := s.RecorderProfiles() // config.go: published or bundled
		if err != nil {
			return nil, err
		}
		o.Profiles = ps
	}
	d, err := ingest.NewDock(s.st, s.Desk.key, ingest.Options{Clerk: s.Officer.ID, Station: s.Info.Name, Clear: o.Clear,
		Profiles: o.Profiles, Progress: o.Progress, CheckpointEvery: o.CheckpointEvery})
	if err != nil {
		return nil, fmt.Errorf("dock: %w", err)
	}
	return d, nil
}

// mayDock is the rule for footage.ingested as it applies to the session
// officer now (casework.MayRecord: clerk, or officer with a valid credential).
func (s *Session) mayDock() error {
	return casework.MayRecord(s.Officer, casework.TypeFootageIngested, s.now())
}

// BundledRecorderProfiles are the file-name profiles shipped with lawtrail.
// An error means the build itself is broken; it is returned, never hidden.
func BundledRecorderProfiles() (*device.Profiles, error) {
	ps, err := device.ParseProfiles(assets.RecorderProfiles)
	if err != nil {
		return nil, fmt.Errorf("bundled recorder profiles: %w", err)
	}
	return ps, nil
}

// NewUSBScanner returns the USB bus scanner with the bundled vendor-unlock
// profiles of locked recorders. A profile error is returned (the app used
// to swallow it and dock without locked recorders, silently).
func NewUSBScanner() (*usb.Scanner, error) {
	profiles, err := unlock.ParseProfiles(assets.LockedRecorders)
	if err != nil {
		return nil, fmt.Errorf("bundled locked-recorder profiles: %w", err)
	}
	return &usb.Scanner{Profiles: profiles}, nil
}

// USBOptions are the options for opening recorders on this terminal: the
// admin password of locked recorders (the caller wipes it), disks mounted
// under the data folder, the terminal clock for clock offsets.
func (t *Terminal) USBOptions(password []byte) usb.Options {
	return usb.Options{Password: password, MountDir: filepath.Join(t.dir, "mnt"), Now: t.now}
}
