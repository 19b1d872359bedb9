package directio

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

func randomFile(t *testing.T, size int) (string, []byte) {
	t.Helper()
	rng := rand.New(rand.NewPCG(uint64(size), 7))
	want := make([]byte, size)
	for i := range want {
		want[i] = byte(rng.Uint32())
	}
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, want, 0o600); err != nil {
		t.Fatal(err)
	}
	return path, want
}

// A Reader returns exactly the file's bytes: front to back in reads of any
// length, then at random offsets (as a reader that checks the last chunk
// first and then seeks does), with io.EOF only at the end; through
// O_DIRECT and through the cache.
func TestReaderReadsExactlyTheFile(t *testing.T) {
	const block = 64 << 10
	for _, direct := range []bool{true, false} {
		for _, size := range []int{0, 1, 4095, 4096, 4097, block, 3*block + 77, 10 * block} {
			path, want := randomFile(t, size)
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			r := newReader(f, int64(size), NewBlocks(block), direct)
			if direct && !r.direct {
				t.Fatalf("O_DIRECT refused on %s", path)
			}
			rng := rand.New(rand.NewPCG(uint64(size), 9))
			var got []byte
			for off := 0; off < size; {
				p := make([]byte, 1+rng.IntN(2*block))
				n, err := r.ReadAt(p, int64(off))
				got = append(got, p[:n]...)
				off += n
				if err != nil && (err != io.EOF || off != size) {
					t.Fatalf("ReadAt at %d of %d: %d, %v", off-n, size, n, err)
				}
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("direct=%v size=%d: read differs", direct, size)
			}
			for range 50 {
				off := rng.IntN(size + 1)
				p := make([]byte, rng.IntN(block))
				n, err := r.ReadAt(p, int64(off))
				if !bytes.Equal(p[:n], want[off:off+n]) {
					t.Fatalf("size=%d: %d bytes at %d differ", size, n, off)
				}
				if short := off+len(p) > size; (n < len(p)) != short || (short && err != io.EOF) || (!short && err != nil) {
					t.Fatalf("size=%d: ReadAt(%d bytes at %d) = %d, %v", size, len(p), off, n, err)
				}
			}
			r.Close()
			f.Close()
		}
	}
}

// A file cut shorter than the size the Reader was given (changed under it)
// is an error, not a short file read as whole.
func TestReaderRefusesAFileCutShort(t *testing.T) {
	path, _ := randomFile(t, 300<<10)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := NewReader(f, 400<<10, NewBlocks(64<<10))
	defer r.Close()
	_, err = io.Copy(io.Discard, io.NewSectionReader(r, 0, 400<<10))
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("reading a file cut short = %v, want io.ErrUnexpectedEOF", err)
	}
}
