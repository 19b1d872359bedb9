package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"syscall"

	"lawtrail/casework"
	"lawtrail/terminal"
)

// maxPinsFile caps --pins: a handful of "officer-id PIN" lines.
const maxPinsFile = 16 << 10

// readPins reads the PINs of the other officers present (--pins FILE): one
// "officer-id PIN" a line, blank lines and # comments allowed. The file
// must be a regular file owned by the user running lawtrailctl and readable
// by them alone (mode 0600 or stricter): PINs are never arguments, which
// other users see in the process list. Messages never show a PIN.
func readPins(path string) ([]terminal.Witness, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, usagef("--pins: %v", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("--pins %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, usagef("--pins %s is not a regular file", path)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return nil, usagef("--pins %s can be read or changed by others (mode %v): refused; chmod 600 it", path, perm)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Getuid() {
		return nil, usagef("--pins %s belongs to user %d, not to you (%d): refused", path, st.Uid, os.Getuid())
	}
	raw, err := io.ReadAll(io.LimitReader(f, maxPinsFile+1))
	if err != nil {
		return nil, fmt.Errorf("--pins %s: %w", path, err)
	}
	defer clear(raw)
	if len(raw) > maxPinsFile {
		return nil, usagef("--pins %s is larger than %d bytes: refused (is it the right file?)", path, maxPinsFile)
	}
	return parsePins(path, raw)
}

func parsePins(path string, raw []byte) ([]terminal.Witness, error) {
	var out []terminal.Witness
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 2 {
			return nil, usagef("--pins %s line %d: want \"officer-id PIN\" (%d words)", path, n, len(f))
		}
		if err := casework.CheckID("officer", f[0]); err != nil {
			return nil, usagef("--pins %s line %d: %v", path, n, err)
		}
		if slices.ContainsFunc(out, func(w terminal.Witness) bool { return w.Officer == f[0] }) {
			return nil, usagef("--pins %s line %d: officer %s twice", path, n, f[0])
		}
		out = append(out, terminal.Witness{Officer: f[0], PIN: []byte(f[1])})
	}
	if err := sc.Err(); err != nil {
		return nil, usagef("--pins %s: %v", path, err)
	}
	return out, nil
}

// witnessesOf keeps the PINs of the officers named present; a PIN of
// someone not named is refused (a co-signature says its officer was there).
func witnessesOf(pins []terminal.Witness, named []string, what string) ([]terminal.Witness, error) {
	for _, w := range pins {
		if !slices.Contains(named, w.Officer) {
			return nil, usagef("--pins has a PIN of %s, who is not named present at %s (named: %s)", w.Officer, what, strings.Join(named, ", "))
		}
	}
	return pins, nil
}

// wipe clears the PINs.
func wipe(ws []terminal.Witness) {
	for _, w := range ws {
		clear(w.PIN)
	}
}
