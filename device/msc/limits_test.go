package msc

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"runtime"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"lawtrail/device"
)

// hugeFS is a recorder whose root folder claims entries without end (a
// broken or hostile file system): ReadDir makes them up as asked.
type hugeFS struct{ entries int }

func (h hugeFS) Open(name string) (fs.File, error) {
	if name != "." {
		return nil, fs.ErrNotExist
	}
	return &hugeDir{left: h.entries}, nil
}

type hugeDir struct{ left, made int }

func (d *hugeDir) Stat() (fs.FileInfo, error) { return nil, fs.ErrInvalid }
func (d *hugeDir) Read([]byte) (int, error)   { return 0, fs.ErrInvalid }
func (d *hugeDir) Close() error               { return nil }
func (d *hugeDir) ReadDir(n int) ([]fs.DirEntry, error) {
	if n <= 0 {
		n = d.left
	}
	n = min(n, d.left)
	if n == 0 {
		return nil, io.EOF
	}
	out := make([]fs.DirEntry, n)
	for i := range out {
		out[i] = fileEntry(fmt.Sprintf("%s%09d.MP4", strings.Repeat("长", 60), d.made))
		d.made++
	}
	d.left -= n
	return out, nil
}

type fileEntry string

func (e fileEntry) Name() string               { return string(e) }
func (e fileEntry) IsDir() bool                { return false }
func (e fileEntry) Type() fs.FileMode          { return 0 }
func (e fileEntry) Info() (fs.FileInfo, error) { return nil, fs.ErrInvalid }

// A folder claiming two million entries (about 400 MB of names) is read
// only up to device.MaxFolderEntries and skipped with its reason; the walk
// allocates a bounded amount, never the whole listing.
func TestWalkBoundsAHugeFolder(t *testing.T) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	var skipped []string
	files := 0
	err := New(hugeFS{entries: 2_000_000}, device.Info{}).Walk(context.Background(),
		func(device.File) error { files++; return nil },
		func(p, reason string) { skipped = append(skipped, p+": "+reason) })
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if files != 0 || len(skipped) != 1 || !strings.Contains(skipped[0], "more than 65536 entries") {
		t.Fatalf("files %d, skipped %q", files, skipped)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
		t.Fatalf("walking the huge folder allocated %d MiB, want at most 64", alloc>>20)
	}
	t.Logf("allocated %d MiB in %v", (after.TotalAlloc-before.TotalAlloc)>>20, time.Since(start))
}

// Paths longer than device.MaxPathBytes are skipped with their reason, not
// held or handed to ingest.
func TestWalkSkipsOverlongPaths(t *testing.T) {
	long := strings.Repeat("a", 200)
	p := ""
	for i := 0; i < 25; i++ { // 25 × 201 bytes > 4096
		p += long + "/"
	}
	fsys := fstest.MapFS{p + "clip.MP4": {Data: []byte("x")}, "short.MP4": {Data: []byte("y")}}
	var got []string
	var reasons []string
	err := New(fsys, device.Info{}).Walk(context.Background(), func(f device.File) error {
		got = append(got, f.Path)
		return nil
	}, func(p, reason string) { reasons = append(reasons, reason) })
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != "short.MP4" || len(reasons) != 1 || !strings.Contains(reasons[0], "longer than 4096") {
		t.Fatalf("files %q, skipped %q", got, reasons)
	}
}
