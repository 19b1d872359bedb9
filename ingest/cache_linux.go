package ingest

import (
	"os"

	"golang.org/x/sys/unix"
)

// dropCache asks the kernel to forget the file's cached pages (they are
// clean after fsync), so the verification read comes from the disk, not
// from the memory the copy just wrote.
func dropCache(f *os.File) {
	_ = unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED)
}
