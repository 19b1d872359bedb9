package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"lawtrail/device"
	"lawtrail/device/msc"
)

// faultyFS is a recorder folder whose reads of one file fail after a number
// of bytes, as a recorder unplugged mid-file does.
type faultyFS struct {
	*msc.DirFS
	path      string
	failAfter int64
	read      *atomic.Int64 // bytes handed out for path, over all opens
	onRead    func()        // called on each read of path, before it
}

func (f faultyFS) Open(name string) (fs.File, error) {
	file, err := f.DirFS.Open(name)
	if err != nil || name != f.path {
		return file, err
	}
	return &faultyFile{File: file, fs: f}, nil
}

type faultyFile struct {
	fs.File
	fs   faultyFS
	seen int64
}

func (ff *faultyFile) Read(b []byte) (int, error) {
	if ff.fs.onRead != nil {
		ff.fs.onRead()
	}
	if ff.fs.failAfter >= 0 && ff.seen >= ff.fs.failAfter {
		return 0, errors.New("input/output error (recorder unplugged)")
	}
	if ff.fs.failAfter >= 0 && int64(len(b)) > ff.fs.failAfter-ff.seen {
		b = b[:ff.fs.failAfter-ff.seen]
	}
	n, err := ff.File.Read(b)
	ff.seen += int64(n)
	ff.fs.read.Add(int64(n))
	return n, err
}

func (ff *faultyFile) Seek(off int64, whence int) (int64, error) {
	pos, err := ff.File.(io.Seeker).Seek(off, whence)
	ff.seen = pos
	return pos, err
}

func bigContent(n int) string {
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "frame %08d ", i)
	}
	return b.String()[:n]
}

// A recorder unplugged mid-file: the file fails with the reason, nothing is
// marked done, and the next docking resumes from the last durable offset
// instead of copying the whole file again — with copies written past the
// page cache (O_DIRECT, where a resumed copy's last block is read back and
// written again) and through it.
func TestReadErrorMidFileThenResume(t *testing.T) {
	for _, cached := range []bool{false, true} {
		t.Run(fmt.Sprintf("cachedWrites=%v", cached), func(t *testing.T) { readErrorMidFileThenResume(t, cached) })
	}
}

func readErrorMidFileThenResume(t *testing.T, cached bool) {
	e := newEnv(t)
	root := t.TempDir()
	content := bigContent(5 << 20)
	writeTree(t, root, map[string]string{"DCIM/20261120_101530_0001.MP4": content})
	dir, _ := msc.OpenDir(root)
	defer dir.Close()
	var read atomic.Int64
	broken := faultyFS{DirFS: dir, path: "DCIM/20261120_101530_0001.MP4", failAfter: 3<<20 + 12345, read: &read}
	d, _ := e.dock(t, Options{BufferSize: 64 << 10, CheckpointEvery: 1 << 20})
	d.cachedWrites = cached
	sum, _ := d.Ingest(context.Background(), Recorder{Source: msc.New(broken, device.Info{}), Label: "card"})
	if sum.OK() || len(sum.Failed) != 1 || !strings.Contains(sum.Failed[0].Err, "unplugged") {
		t.Fatalf("summary %+v", sum)
	}
	if items := e.footage(t); len(items) != 0 {
		t.Fatalf("a failed file was recorded: %+v", items)
	}

	read.Store(0)
	healed := faultyFS{DirFS: dir, path: broken.path, failAfter: -1, read: &read}
	sum, err := d.Ingest(context.Background(), Recorder{Source: msc.New(healed, device.Info{}), Label: "card"})
	if err != nil || !sum.OK() || sum.Copied != 1 {
		t.Fatalf("second docking %+v %v", sum, err)
	}
	if got := read.Load(); got > int64(len(content))-3<<20 {
		t.Fatalf("resume read %d bytes from the recorder; the first 3 MiB were durable already", got)
	}
	if items := e.footage(t); len(items) != 1 || items[0].Digest.String() != sha(content) {
		t.Fatalf("resumed copy has the wrong digest: %+v", items)
	}
	e.check(t)
}

// A file that grows while it is copied is copied again, and the digest
// recorded is that of its final content, never of a mix.
func TestFileGrowingDuringCopyIsCopiedAgain(t *testing.T) {
	e := newEnv(t)
	root := t.TempDir()
	p := "DCIM/20261120_101530_0001.MP4"
	writeTree(t, root, map[string]string{p: bigContent(2 << 20)})
	dir, _ := msc.OpenDir(root)
	defer dir.Close()
	var read atomic.Int64
	var grown atomic.Bool
	growing := faultyFS{DirFS: dir, path: p, failAfter: -1, read: &read, onRead: func() {
		if read.Load() > 1<<20 && grown.CompareAndSwap(false, true) {
			f, _ := os.OpenFile(filepath.Join(root, p), os.O_APPEND|os.O_WRONLY, 0)
			f.WriteString("MORE FRAMES")
			f.Close()
		}
	}}
	d, _ := e.dock(t, Options{BufferSize: 64 << 10})
	sum, err := d.Ingest(context.Background(), Recorder{Source: msc.New(growing, device.Info{}), Label: "card"})
	if err != nil || !sum.OK() {
		t.Fatalf("%+v %v", sum, err)
	}
	final, _ := os.ReadFile(filepath.Join(root, p))
	items := e.footage(t)
	if len(items) != 1 || items[0].Digest.String() != sha(string(final)) || items[0].Size != int64(len(final)) {
		t.Fatalf("recorded %+v, want the grown file (%d bytes)", items, len(final))
	}
}

type failingDisk struct {
	w     io.Writer
	after int64
	err   error
}

func (f *failingDisk) Write(b []byte) (int, error) {
	if int64(len(b)) > f.after {
		n, _ := f.w.Write(b[:f.after])
		f.after = 0
		return n, f.err
	}
	f.after -= int64(len(b))
	return f.w.Write(b)
}

// A full disk mid-file: a clear error, no partial copy left behind, the
// recorder untouched, and nothing recorded.
func TestDiskFullMidFile(t *testing.T) {
	e := newEnv(t)
	root := t.TempDir()
	p := "DCIM/20261120_101530_0001.MP4"
	writeTree(t, root, map[string]string{p: bigContent(3 << 20)})
	d, _ := e.dock(t, Options{Clear: ClearLocal, BufferSize: 64 << 10, CheckpointEvery: 1 << 20})
	d.wrapOut = func(w io.Writer) io.Writer { return &failingDisk{w: w, after: 2 << 20, err: syscall.ENOSPC} }
	sum, _ := d.Ingest(context.Background(), Recorder{Source: folder(t, root), Label: "card"})
	if sum.OK() || !strings.Contains(sum.Failed[0].Err, "no space left") {
		t.Fatalf("summary %+v", sum)
	}
	if _, err := os.Stat(filepath.Join(root, p)); err != nil {
		t.Fatal("the recorder's file was touched after a failed copy")
	}
	tmp, _ := os.ReadDir(filepath.Join(e.dir, "blobs", "tmp"))
	if len(tmp) != 0 {
		t.Fatalf("left in the temp folder: %v", tmp)
	}
	if items := e.footage(t); len(items) != 0 {
		t.Fatal("a failed copy was recorded")
	}
}

// Not enough space for the next file: refused before copying, with the
// figures in the message.
func TestDiskSpaceCheckedBeforeEachFile(t *testing.T) {
	e := newEnv(t)
	root := t.TempDir()
	writeTree(t, root, map[string]string{"a.mp4": "x"})
	d, _ := e.dock(t, Options{MinFree: 1 << 62})
	sum, _ := d.Ingest(context.Background(), Recorder{Source: folder(t, root), Label: "card"})
	if sum.OK() || !strings.Contains(sum.Failed[0].Err, "not enough disk space") {
		t.Fatalf("summary %+v", sum)
	}
}
