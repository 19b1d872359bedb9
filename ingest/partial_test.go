package ingest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"lawtrail/device"
	"lawtrail/device/msc"
)

// A partial copy left by an unplugged recorder, then edited by hand (an
// insider, a disk that lost writes, a restored backup of another day)
// before the next docking: whatever was done to it, the next docking
// stores exactly the recorder's bytes and check passes — a copy that
// cannot be trusted is started over, never resumed into the record.
func TestHandEditedPartialCopyIsNeverResumedWrong(t *testing.T) {
	const size = 5 << 20
	tampers := []struct {
		name      string
		edit      func(t *testing.T, copyPath, sidecar string)
		startOver bool // the whole file must be read again
	}{
		{"a byte of a kept chunk flipped", func(t *testing.T, p, _ string) { flipByte(t, p, 200<<10) }, true},
		{"the header's salt changed", func(t *testing.T, p, _ string) { flipByte(t, p, 20) }, true},
		{"the sidecar claims the whole file", func(t *testing.T, _, sc string) {
			raw, _ := os.ReadFile(sc)
			edited := strings.Replace(string(raw), `"synced":`, `"synced":5242880,"was":`, 1)
			if err := os.WriteFile(sc, []byte(edited), 0o600); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"the sidecar replaced by garbage", func(t *testing.T, _, sc string) {
			if err := os.WriteFile(sc, []byte("{not json"), 0o600); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"the copy cut short at an odd length", func(t *testing.T, p, _ string) {
			if err := os.Truncate(p, 100_001); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"garbage appended to the copy", func(t *testing.T, p, _ string) {
			f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			f.WriteString(strings.Repeat("GARBAGE", 1000))
			f.Close()
		}, false},
	}
	for _, tc := range tampers {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			root := t.TempDir()
			content := bigContent(size)
			name := "DCIM/20261120_101530_0001.MP4"
			writeTree(t, root, map[string]string{name: content})
			dir, _ := msc.OpenDir(root)
			defer dir.Close()
			var read atomic.Int64
			d, _ := e.dock(t, Options{BufferSize: 64 << 10, CheckpointEvery: 1 << 20})
			broken := faultyFS{DirFS: dir, path: name, failAfter: 3<<20 + 12345, read: &read}
			if sum, _ := d.Ingest(context.Background(), Recorder{Source: msc.New(broken, device.Info{}), Label: "card"}); sum.OK() {
				t.Fatal("the unplugged docking succeeded")
			}
			copies, _ := filepath.Glob(filepath.Join(e.dir, "blobs", "tmp", "partial-*-state"))
			if len(copies) != 1 {
				t.Fatalf("%d partial copies after the unplugged docking, want 1", len(copies))
			}
			sidecar := copies[0]
			tc.edit(t, strings.TrimSuffix(sidecar, "-state"), sidecar)

			read.Store(0)
			healed := faultyFS{DirFS: dir, path: name, failAfter: -1, read: &read}
			sum, err := d.Ingest(context.Background(), Recorder{Source: msc.New(healed, device.Info{}), Label: "card"})
			if err != nil || !sum.OK() || sum.Copied != 1 {
				t.Fatalf("docking after the edit: %+v %v", sum, err)
			}
			if items := e.footage(t); len(items) != 1 || items[0].Digest.String() != sha(content) {
				t.Fatalf("stored %+v, want the recorder's digest %s", items, sha(content))
			}
			if got := read.Load(); tc.startOver != (got == size) {
				t.Fatalf("read %d of %d bytes from the recorder; starting over: %v", got, size, tc.startOver)
			}
			e.check(t)
		})
	}
}

func flipByte(t *testing.T, path string, at int64) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := make([]byte, 1)
	if _, err := f.ReadAt(b, at); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0x40
	if _, err := f.WriteAt(b, at); err != nil {
		t.Fatal(err)
	}
}
