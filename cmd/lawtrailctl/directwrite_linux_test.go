package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// directWriteMiBps writes 1 GiB of buf (4 MiB) with O_DIRECT, then
// fdatasync, and returns MiB/s: the disk without the page cache's
// write-back, which on this VM made buffered writes ending in fsync swing
// between about 85 and 1,200 MiB/s while these stayed near 1,000–1,600
// (docs/OPERATIONS.md, "Where docking's time goes").
func directWriteMiBps(b *testing.B, buf []byte) float64 {
	aligned := make([]byte, len(buf)+4096)
	off := (4096 - int(uintptr(unsafe.Pointer(&aligned[0]))%4096)) % 4096
	block := aligned[off : off+len(buf)]
	copy(block, buf)
	name := filepath.Join(b.TempDir(), "direct")
	fd, err := unix.Open(name, unix.O_CREAT|unix.O_WRONLY|unix.O_TRUNC|unix.O_DIRECT, 0o600)
	if err != nil {
		b.Fatalf("open %s with O_DIRECT: %v", name, err)
	}
	defer os.Remove(name)
	defer unix.Close(fd)
	start := time.Now()
	for written := 0; written < 1<<30; written += len(block) {
		if _, err := unix.Write(fd, block); err != nil {
			b.Fatalf("O_DIRECT write: %v", err)
		}
	}
	if err := unix.Fdatasync(fd); err != nil {
		b.Fatal(err)
	}
	return 1024 / time.Since(start).Seconds()
}
