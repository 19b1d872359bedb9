package store

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// FreeSpace returns the bytes available to this process on the blob
// store's file system.
func (s *BlobStore) FreeSpace() (uint64, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(s.root, &st); err != nil {
		return 0, fmt.Errorf("free space of %s: %w", s.root, err)
	}
	return uint64(st.Bavail) * uint64(st.Bsize), nil
}
