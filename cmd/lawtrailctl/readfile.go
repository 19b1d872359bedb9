package main

import (
	"fmt"
	"io"
	"os"
)

// Caps on the files lawtrailctl reads whole. They come from outside (an
// agency, an operator, a script): a wrong path to a video or /dev/zero must
// be refused, not read into memory.
const (
	maxFieldsFile   = 1 << 20 // doc new --fields: a document's field values
	maxPasswordFile = 4 << 10 // --password-file: one admin password
	// ingest/dock --profiles is read up to device.MaxProfilesBytes, the
	// cap ParseProfiles itself applies.
)

// readCapped reads a whole file of at most max bytes; a longer one (or an
// endless one: a device, a FIFO that keeps writing) is refused after max+1
// bytes, naming what it was for. A file that cannot be opened or is too
// large is a usage error (exit 2).
func readCapped(path, what string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, usagef("%s: %v", what, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", what, path, err)
	}
	if int64(len(b)) > max {
		return nil, usagef("%s %s is larger than %d bytes: refused (is it the right file?)", what, path, max)
	}
	return b, nil
}
