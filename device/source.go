package device

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"strings"
	"time"
	"unicode/utf8"
)

// Info is what a recorder says about itself. Fields it cannot tell are empty.
type Info struct {
	Vendor    string
	Model     string
	Serial    string // the recorder's serial number (GA/T 947: 7 characters)
	OfficerID string // officer the device is assigned to (GA/T 947: 6 digits)
	UnitCode  string
	UnitName  string
	// Clock is the recorder's own clock reading, taken at ClockReadAt by the
	// terminal's clock; both zero when the device has no readable clock.
	Clock       time.Time
	ClockReadAt time.Time
}

// ClockOffset is the recorder's clock minus the terminal's, and whether it
// is known. Recording times from the device are corrected by subtracting it.
func (i Info) ClockOffset() (time.Duration, bool) {
	if i.Clock.IsZero() || i.ClockReadAt.IsZero() {
		return 0, false
	}
	return i.Clock.Sub(i.ClockReadAt), true
}

// File is one file on a recorder.
type File struct {
	// Path is the path as the device spells it, '/'-separated, relative to
	// the device root. It holds the original name bytes, which may not be
	// valid UTF-8 (GBK names from FAT volumes): show it with DisplayPath.
	Path    string
	Size    int64
	ModTime time.Time
	Mode    fs.FileMode
}

// Source is a recorder, or anything that holds recorder files.
type Source interface {
	// Info returns what the device says about itself.
	Info(ctx context.Context) (Info, error)
	// Walk calls fn for every regular file, in a stable order. Entries that
	// are not regular files (symlinks, devices, FIFOs, sockets) are passed
	// to skip with the reason, never to fn.
	Walk(ctx context.Context, fn func(File) error, skip func(path, reason string)) error
	// Stat returns the file's current size and modification time.
	Stat(ctx context.Context, path string) (File, error)
	// Open opens the file for reading from offset (for resuming a copy).
	Open(ctx context.Context, path string, offset int64) (io.ReadCloser, error)
	// Remove deletes the file from the recorder.
	Remove(ctx context.Context, path string) error
}

// Limits on what a recorder can make the terminal hold while it lists its
// files: a recorder is outside data, and a broken or hostile one may claim
// anything. Sources skip what exceeds them, with the reason, so nothing is
// left out silently.
const (
	// MaxPathBytes bounds a file's path (Linux's PATH_MAX); a longer one is
	// skipped with a reason.
	MaxPathBytes = 4096
	// MaxFolderEntries bounds the entries of one folder that are read and
	// sorted at once: FAT32, the recorders' file system, holds at most
	// 65,536 entries in a folder. A folder with more is skipped.
	MaxFolderEntries = 1 << 16
)

// ErrChanged is returned when a file's size or modification time moved
// while it was being copied.
var ErrChanged = errors.New("file changed on the recorder while it was copied")

// DisplayPath shows a device path for people and logs: valid UTF-8 as it
// is, each byte of an invalid sequence as \xNN, so nothing is dropped and
// two different names never look the same.
func DisplayPath(p string) string {
	if utf8.ValidString(p) && !strings.Contains(p, `\x`) {
		return p
	}
	var b strings.Builder
	for i := 0; i < len(p); {
		r, n := utf8.DecodeRuneInString(p[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			b.WriteString(`\x`)
			b.WriteByte("0123456789abcdef"[p[i]>>4])
			b.WriteByte("0123456789abcdef"[p[i]&15])
		case r == '\\' && strings.HasPrefix(p[i:], `\x`):
			b.WriteString(`\\`) // a literal backslash before x stays distinguishable
		default:
			b.WriteString(p[i : i+n])
		}
		i += n
	}
	return b.String()
}
