package main

import (
	"context"
	"fmt"
	"runtime/debug"
	"strings"
	"time"

	"lawtrail/casework"
	"lawtrail/store"
	"lawtrail/terminal"
)

// call is one run of a command: where the data folder is and, once a
// command asks, the terminal opened through the action layer. Every command
// opens the data folder here, so the agency configuration (templates, AV
// matters) is always in force for the rules.
type call struct {
	dataFlag string
	e        env
	dir      string
	term     *terminal.Terminal
}

// dataDir is --data, else $LAWTRAIL_DATA, else the user's data directory.
func (x *call) dataDir() (string, error) {
	if x.dir != "" {
		return x.dir, nil
	}
	switch {
	case x.dataFlag != "":
		x.dir = x.dataFlag
	case x.e.getenv(store.DataDirEnv) != "":
		x.dir = x.e.getenv(store.DataDirEnv)
	default:
		d, err := store.DefaultDir()
		if err != nil {
			return "", usagef("no data folder: %v (give --data DIR)", err)
		}
		x.dir = d
	}
	return x.dir, nil
}

// open opens the terminal; it must hold one already. The record is sealed
// at rest, so reading too needs the passphrase (LAWTRAIL_PASSPHRASE, or
// asked).
func (x *call) open(ctx context.Context) (*terminal.Terminal, error) {
	if x.term != nil {
		return x.term, nil
	}
	dir, err := x.dataDir()
	if err != nil {
		return nil, err
	}
	// No terminal here is said before a passphrase is asked for.
	if _, err := store.TrustedKeys(dir); err != nil {
		return nil, err
	}
	pass, err := secret(x.e, "LAWTRAIL_PASSPHRASE", "Terminal passphrase: ")
	if err != nil {
		return nil, err
	}
	defer clear(pass)
	t, err := terminal.Open(ctx, dir, terminal.Options{Passphrase: pass})
	if err != nil {
		return nil, err
	}
	x.term = t
	return t, nil
}

func (x *call) close() {
	if x.term != nil {
		x.term.Close()
		x.term = nil
	}
}

// desk opens the terminal and unlocks it with the passphrase
// (LAWTRAIL_PASSPHRASE, or asked): enough for the terminal's own business
// (sync, hub join), which no officer signs.
func (x *call) desk(ctx context.Context) (*terminal.Desk, error) {
	t, err := x.open(ctx)
	if err != nil {
		return nil, err
	}
	d, err := t.Desk(ctx)
	if err != nil {
		return nil, err
	}
	// argon2id just used tens of MiB; give them back before a long run.
	debug.FreeOSMemory()
	return d, nil
}

// session unlocks the terminal and logs an officer in: officer when given
// (ingest's --clerk), else LAWTRAIL_OFFICER, else the terminal's first
// admin; their PIN from LAWTRAIL_PIN or asked. Wrong PINs count towards
// the officer's lockout, kept in the data folder.
func (x *call) session(ctx context.Context, officer string) (*terminal.Session, error) {
	d, err := x.desk(ctx)
	if err != nil {
		return nil, err
	}
	if officer == "" {
		officer = x.e.getenv("LAWTRAIL_OFFICER")
	}
	if officer == "" {
		if officer, err = firstAdmin(ctx, d.Terminal); err != nil {
			return nil, err
		}
	}
	pin, err := secret(x.e, "LAWTRAIL_PIN", fmt.Sprintf("PIN of officer %s: ", officer))
	if err != nil {
		return nil, err
	}
	defer clear(pin)
	s, err := d.Login(ctx, officer, pin)
	if err != nil {
		return nil, fmt.Errorf("log in as %s: %w", officer, err)
	}
	debug.FreeOSMemory()
	return s, nil
}

// firstAdmin is the first admin enrolled on this terminal and not revoked.
func firstAdmin(ctx context.Context, t *terminal.Terminal) (string, error) {
	rows, err := t.Officers(ctx)
	if err != nil {
		return "", err
	}
	for _, o := range rows {
		if o.Here && !o.Revoked && casework.HasRole(o.Roles, casework.RoleAdmin) {
			return o.ID, nil
		}
	}
	return "", fmt.Errorf("%w: no admin enrolled on this terminal to act by default; set LAWTRAIL_OFFICER", terminal.ErrNoOfficer)
}

// shanghaiLayout is the short form of a time on the command line, read in
// China Standard Time.
const shanghaiLayout = "2006-01-02 15:04"

// parseTime reads a flag's time: RFC 3339 ("2026-11-20T10:15:00+08:00") or
// "2026-11-20 10:15" in Asia/Shanghai.
func parseTime(flagName, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, usagef("--%s is required (\"2006-01-02 15:04\" in China Standard Time, or RFC 3339)", flagName)
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation(shanghaiLayout, s, casework.Shanghai); err == nil {
		return t, nil
	}
	return time.Time{}, usagef("--%s %q: want \"2006-01-02 15:04\" (China Standard Time) or RFC 3339", flagName, s)
}

// checkID refuses a malformed id given on the command line.
func checkID(what, id string) error {
	if err := casework.CheckID(what, id); err != nil {
		return usagef("%v", err)
	}
	return nil
}

// required refuses empty required flags, naming them; pairs are a flag's
// name and its value.
func required(pairs ...string) error {
	var missing []string
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] == "" {
			missing = append(missing, "--"+pairs[i])
		}
	}
	switch len(missing) {
	case 0:
		return nil
	case 1:
		return usagef("%s is required", missing[0])
	}
	return usagef("%s and %s are required", strings.Join(missing[:len(missing)-1], ", "), missing[len(missing)-1])
}
