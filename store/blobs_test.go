package store

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"lawtrail/evidence"
)

func TestBlobPutOpenVerify(t *testing.T) {
	ctx := context.Background()
	bs, err := OpenBlobStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	content := make([]byte, 3<<20+17)
	rand.Read(content)
	d, n, err := bs.Put(ctx, bytes.NewReader(content))
	if err != nil {
		t.Fatal(err)
	}
	if d != evidence.Sum(content) || n != int64(len(content)) {
		t.Fatalf("Put returned %s/%d", d, n)
	}
	h := d.String()
	if bs.Path(d) != filepath.Join(bs.root, h[:2], h[2:]) {
		t.Fatalf("path %s not content-addressed", bs.Path(d))
	}
	if ok, err := bs.Has(d); !ok || err != nil {
		t.Fatalf("Has: %v %v", ok, err)
	}
	if err := bs.Verify(ctx, d); err != nil {
		t.Fatal(err)
	}
	r, err := bs.Open(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(r)
	r.Close()
	if err != nil || !bytes.Equal(got, content) {
		t.Fatalf("read back %d bytes, err %v", len(got), err)
	}
	// Putting the same content again is harmless.
	if d2, _, err := bs.Put(ctx, bytes.NewReader(content)); err != nil || d2 != d {
		t.Fatalf("second put: %s %v", d2, err)
	}
	missing := evidence.Sum([]byte("never stored"))
	if ok, _ := bs.Has(missing); ok {
		t.Fatal("Has reports a blob never stored")
	}
	if err := bs.Verify(ctx, missing); !errors.Is(err, ErrBlobMissing) {
		t.Fatalf("Verify of missing blob: %v", err)
	}
}

// A blob that changes while it is being read fails at the end of the read
// instead of ending cleanly with the wrong bytes.
func TestBlobChangedWhileReadIsNotServedClean(t *testing.T) {
	ctx := context.Background()
	bs, _ := OpenBlobStore(t.TempDir())
	d, _, err := bs.Put(ctx, bytes.NewReader(bytes.Repeat([]byte("v"), 1<<16)))
	if err != nil {
		t.Fatal(err)
	}
	r, err := bs.Open(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	os.Chmod(bs.Path(d), 0o600)
	f, _ := os.OpenFile(bs.Path(d), os.O_WRONLY, 0)
	f.WriteAt([]byte("X"), 1<<15)
	f.Close()
	if _, err := io.ReadAll(r); !errors.Is(err, ErrBlobCorrupt) {
		t.Fatalf("read of a changed blob: %v, want ErrBlobCorrupt", err)
	}
}

type failingReader struct{ after int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.after <= 0 {
		return 0, errors.New("recorder unplugged")
	}
	n := min(len(p), f.after)
	f.after -= n
	return n, nil
}

// An interrupted Put (source error, cancelled context) leaves no blob and
// no temporary file behind.
func TestBlobPutInterruptedLeavesNothing(t *testing.T) {
	root := t.TempDir()
	bs, _ := OpenBlobStore(root)
	if _, _, err := bs.Put(context.Background(), &failingReader{after: 100000}); err == nil {
		t.Fatal("Put of a failing source succeeded")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := bs.Put(ctx, bytes.NewReader([]byte("x"))); !errors.Is(err, context.Canceled) {
		t.Fatalf("Put with a cancelled context: %v", err)
	}
	var files []string
	filepath.WalkDir(root, func(p string, e os.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	if len(files) != 0 {
		t.Fatalf("files left behind: %v", files)
	}
}

func TestBlobAdoptChecksContent(t *testing.T) {
	ctx := context.Background()
	bs, _ := OpenBlobStore(t.TempDir())
	tmp, err := bs.TempFile()
	if err != nil {
		t.Fatal(err)
	}
	tmp.Write([]byte("copied from a recorder"))
	tmp.Close()
	if err := bs.Adopt(ctx, tmp.Name(), evidence.Sum([]byte("something else"))); !errors.Is(err, ErrBlobCorrupt) {
		t.Fatalf("Adopt under a wrong digest: %v", err)
	}
	d := evidence.Sum([]byte("copied from a recorder"))
	if err := bs.Adopt(ctx, tmp.Name(), d); err != nil {
		t.Fatal(err)
	}
	if err := bs.Verify(ctx, d); err != nil {
		t.Fatal(err)
	}
}
