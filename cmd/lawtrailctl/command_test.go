package main

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lawtrail/casework"
	"lawtrail/store"
	"lawtrail/sync/client"
	"lawtrail/terminal"
)

// Every command of the table prints its own usage with --help, -h and
// `help COMMAND`, on standard output, and exits 0 without touching the data
// folder; `help` lists every command and the exit codes.
func TestEveryCommandHasHelp(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "none")
	for _, c := range commandTable() {
		words := strings.Fields(c.name)
		for _, args := range [][]string{append(words, "--help"), append(words, "-h"), append([]string{"help"}, words...)} {
			r := ctl(t, pass, append([]string{"--data", dir}, args...)...)
			if r.code != exitOK || !strings.HasPrefix(r.stdout, "usage: lawtrailctl [--data DIR] "+c.name) || r.stderr != "" {
				t.Errorf("lawtrailctl %s: exit %d\nstdout %q\nstderr %q", strings.Join(args, " "), r.code, r.stdout, r.stderr)
			}
			if strings.Contains(r.stdout, "flags:") != hasFlags(c) {
				t.Errorf("lawtrailctl %s: flags listed %v, command has flags %v", strings.Join(args, " "), !hasFlags(c), hasFlags(c))
			}
		}
	}
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("--help created the data folder: %v", err)
	}
	r := ctl(t, pass, "help")
	if r.code != exitOK {
		t.Fatalf("help: %d %s", r.code, r.stderr)
	}
	for _, c := range commandTable() {
		if !strings.Contains(r.stdout, "  "+c.name+" ") && !strings.Contains(r.stdout, "  "+c.name+"\n") {
			t.Errorf("help does not list %q", c.name)
		}
	}
	for code := exitOK; code <= exitFailed; code++ {
		if !strings.Contains(r.stdout, fmt.Sprintf("\n  %d  ", code)) {
			t.Errorf("help does not explain exit code %d", code)
		}
	}
	for _, group := range []string{"case", "doc", "officer", "footage", "sync", "hub"} {
		r := ctl(t, pass, group, "--help")
		if r.code != exitOK || !strings.Contains(r.stdout, "lawtrailctl [--data DIR] "+group+" ") {
			t.Errorf("%s --help: %d %q %q", group, r.code, r.stdout, r.stderr)
		}
	}
	if r := ctl(t, pass, "-h"); r.code != exitOK || !strings.Contains(r.stdout, "exit codes:") {
		t.Errorf("-h: %d %q", r.code, r.stdout)
	}
	if r := ctl(t, pass, "help", "frobnicate"); r.code != exitUsage {
		t.Errorf("help of an unknown command: %d", r.code)
	}
}

func hasFlags(c *command) bool {
	n := 0
	c.flags.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

// Every command refuses an argument beyond the ones it takes, with exit 2
// and the argument named, before asking for any secret or storing anything;
// so do unknown flags and unknown subcommands.
func TestEveryCommandRefusesStrayArguments(t *testing.T) {
	dir := initTerminal(t)
	before := eventCount(t, dir)
	for _, c := range commandTable() {
		if c.maxArgs < 0 {
			continue // footage verify takes any number of digests
		}
		args := append([]string{"--data", dir}, strings.Fields(c.name)...)
		for i := 0; i < c.maxArgs; i++ {
			args = append(args, "x")
		}
		r := ctl(t, pass, append(args, "stray")...)
		if r.code != exitUsage || !strings.Contains(r.stderr, `unexpected argument "stray"`) || !strings.Contains(r.stderr, "usage: lawtrailctl") {
			t.Errorf("lawtrailctl %s … stray: exit %d, stderr %q", c.name, r.code, r.stderr)
		}
		r = ctl(t, pass, append(args, "--no-such-flag")...)
		if r.code != exitUsage || !strings.Contains(r.stderr, "no-such-flag") {
			t.Errorf("lawtrailctl %s --no-such-flag: exit %d, stderr %q", c.name, r.code, r.stderr)
		}
	}
	for _, args := range [][]string{{"case"}, {"case", "frob"}, {"officer"}, {"doc", "frob"}, {"frobnicate"}, {"case", "show"}} {
		if r := ctl(t, pass, append([]string{"--data", dir}, args...)...); r.code != exitUsage || r.stderr == "" {
			t.Errorf("lawtrailctl %v: exit %d, stderr %q", args, r.code, r.stderr)
		}
	}
	noteNothingStored(t, dir, before, "stray arguments")
}

// Each kind of outcome has its own exit code, whatever command meets it.
func TestExitCodeOfEachKindOfError(t *testing.T) {
	cases := []struct {
		err  error
		want int
	}{
		{nil, exitOK},
		{fmt.Errorf("footage verify: %w", errProblems), exitProblems},
		{usagef("--out is required"), exitUsage},
		{fmt.Errorf("open: %w", store.ErrNotInitialized), exitUsage},
		{fmt.Errorf("open store: %w", store.ErrDataDirUnsafe), exitUsage},
		{fmt.Errorf("init: %w", store.ErrDataDirNotOwned), exitUsage},
		{fmt.Errorf("sync: %w", client.ErrDiverged), exitDiverged},
		{fmt.Errorf("append: %w: %w: x", casework.ErrRule, casework.ErrRole), exitRefused},
		{fmt.Errorf("append: %w: %w: x", casework.ErrRule, casework.ErrCredentialExpired), exitRefused},
		{casework.FieldErrors{{Key: "place", Problem: "required"}}, exitRefused},
		{fmt.Errorf("x: %w", terminal.ErrBadInput), exitRefused},
		{fmt.Errorf("case c-1: %w", store.ErrNoCase), exitRefused},
		{fmt.Errorf("init: %w", store.ErrInitialized), exitRefused},
		{terminal.ErrWrongPassphrase, exitSecret},
		{&terminal.WrongPINError{Officer: "o-1", Left: 2}, exitSecret},
		{&terminal.LockedError{Officer: "o-1"}, exitSecret},
		{fmt.Errorf("log in: %w", terminal.ErrNoOfficer), exitSecret},
		{fmt.Errorf("ingest: %w", errIncomplete), exitIncomplete},
		{fmt.Errorf("%w: usb 1-1: timeout", errClockNotSet), exitFailed},
		{&fs.PathError{Op: "write", Path: "/x", Err: errors.New("no space left on device")}, exitFailed},
	}
	for _, c := range cases {
		if got := codeOf(c.err); got != c.want {
			t.Errorf("codeOf(%v) = %d, want %d", c.err, got, c.want)
		}
	}
}

// A mistyped or endless enrollment code is a usage error, refused before
// the passphrase is asked or anything is stored.
func TestHubJoinRefusesAMalformedCode(t *testing.T) {
	dir := initTerminal(t)
	before := eventCount(t, dir)
	for _, code := range []string{"LT1-nope", strings.Repeat("A", 1<<20), ""} {
		if r := ctl(t, pass, "--data", dir, "hub", "join", code); r.code != exitUsage || !strings.Contains(r.stderr, "CODE") {
			t.Errorf("hub join %.20q: exit %d %q", code, r.code, r.stderr)
		}
	}
	noteNothingStored(t, dir, before, "hub join with a malformed code")
}
