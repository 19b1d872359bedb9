package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// directIOMiBps writes 1 GiB of buf (4 MiB) with O_DIRECT, then fdatasync,
// and reads it back with O_DIRECT: the disk without the page cache, in
// MiB/s each way. On this VM buffered writes ending in fsync swung between
// about 85 and 1,200 MiB/s while these stayed near 1,000–1,600 for writes
// and 600–950 for reads (docs/OPERATIONS.md, "Where docking's time goes").
// Docking writes each copy and reads it back this way, so the two together
// are its floor.
func directIOMiBps(b *testing.B, buf []byte) (write, read float64) {
	aligned := make([]byte, len(buf)+4096)
	off := (4096 - int(uintptr(unsafe.Pointer(&aligned[0]))%4096)) % 4096
	block := aligned[off : off+len(buf)]
	copy(block, buf)
	name := filepath.Join(b.TempDir(), "direct")
	fd, err := unix.Open(name, unix.O_CREAT|unix.O_RDWR|unix.O_TRUNC|unix.O_DIRECT, 0o600)
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
	write = 1024 / time.Since(start).Seconds()
	start = time.Now()
	for at := int64(0); at < 1<<30; at += int64(len(block)) {
		if _, err := unix.Pread(fd, block, at); err != nil {
			b.Fatalf("O_DIRECT read: %v", err)
		}
	}
	read = 1024 / time.Since(start).Seconds()
	return write, read
}
