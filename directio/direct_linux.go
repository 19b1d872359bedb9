package directio

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// errInvalid is what a write the file system refuses under O_DIRECT fails with.
var errInvalid = syscall.EINVAL

// enableDirect turns O_DIRECT on for f and returns the alignment its
// offsets, lengths and buffers need (the file system's, from statx, or a
// page when it does not say); ok is false when the file system refuses.
func enableDirect(f *os.File) (align int, ok bool) {
	fd := int(f.Fd())
	flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
	if err != nil {
		return 0, false
	}
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_SETFL, flags|unix.O_DIRECT); err != nil {
		return 0, false
	}
	align = maxAlign
	var st unix.Statx_t
	if unix.Statx(fd, "", unix.AT_EMPTY_PATH, unix.STATX_DIOALIGN, &st) == nil && st.Mask&unix.STATX_DIOALIGN != 0 &&
		st.Dio_offset_align > 0 {
		align = int(max(st.Dio_offset_align, st.Dio_mem_align))
	}
	return align, true
}

// disableDirect turns O_DIRECT off for f again.
func disableDirect(f *os.File) {
	fd := int(f.Fd())
	if flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0); err == nil {
		_, _ = unix.FcntlInt(uintptr(fd), unix.F_SETFL, flags&^unix.O_DIRECT) // writes then go through the cache, as before
	}
}
