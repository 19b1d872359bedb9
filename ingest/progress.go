package ingest

import (
	"time"
)

// State is where a file (or a recorder) stands. The states a user sees are
// the true ones: nothing says "signed" before the custody event is
// committed.
type State string

// File and recorder states, in the order they are reached.
const (
	StateDetected  State = "detected"  // recorder: files listed
	StatePending   State = "pending"   // file: waiting for its turn
	StateCopying   State = "copying"   // file: read ∥ hash ∥ write
	StateVerifying State = "verifying" // file: re-reading the copy from disk
	StateSigned    State = "signed"    // file: custody event committed
	StateSkipped   State = "skipped"   // file: ingested before (same device, path, size, mtime)
	StateCleared   State = "cleared"   // file: removed from the recorder after re-verification
	StateFailed    State = "failed"    // file: see Error; it stays pending for the next docking
	StateDone      State = "done"      // recorder: every file handled (some may have failed)
)

// Update is one progress report. Path is empty for updates about the
// recorder as a whole.
type Update struct {
	Recorder string        `json:"recorder"`
	Serial   string        `json:"serial,omitempty"`
	Path     string        `json:"path,omitempty"` // as shown to people (device.DisplayPath)
	State    State         `json:"state"`
	Bytes    int64         `json:"bytes"`  // bytes done (of this file, or of the recorder)
	Total    int64         `json:"total"`  // bytes in all (of this file, or of the recorder)
	Rate     float64       `json:"rate"`   // bytes per second so far
	ETA      time.Duration `json:"eta_ns"` // estimated time left, 0 when unknown
	Digest   string        `json:"digest,omitempty"`
	Error    string        `json:"error,omitempty"`
	// Files done and in all, on recorder updates.
	FilesDone  int `json:"files_done,omitempty"`
	FilesTotal int `json:"files_total,omitempty"`
}

// rateMeter turns bytes over time into a rate and an ETA.
type rateMeter struct {
	start time.Time
	last  time.Time
}

func newRateMeter(now time.Time) *rateMeter { return &rateMeter{start: now} }

// due reports whether an update is due (at most every 200 ms).
func (m *rateMeter) due(now time.Time) bool {
	if now.Sub(m.last) < 200*time.Millisecond {
		return false
	}
	m.last = now
	return true
}

func (m *rateMeter) measure(now time.Time, done, total int64) (float64, time.Duration) {
	el := now.Sub(m.start).Seconds()
	if el <= 0 || done <= 0 {
		return 0, 0
	}
	rate := float64(done) / el
	if total <= done {
		return rate, 0
	}
	return rate, time.Duration(float64(total-done) / rate * float64(time.Second))
}
