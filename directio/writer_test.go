package directio

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// A Writer writes exactly the bytes given, whatever the lengths of the
// writes and wherever it starts: at 0, or at an unaligned end left by a
// resumed copy (whose last block is read back and written again). Both
// with O_DIRECT (the test's folder is on ext4 or tmpfs, which allow it)
// and through the cache.
func TestWriterWritesExactlyTheBytes(t *testing.T) {
	const block = 64 << 10
	mem := NewBlocks(block)
	for _, direct := range []bool{true, false} {
		for _, start := range []int64{0, 1, 4095, 4096, block - 1, block, 3*block + 777} {
			for _, size := range []int{0, 1, 4095, 4097, block, 5*block + 13} {
				rng := rand.New(rand.NewPCG(uint64(start), uint64(size)))
				want := make([]byte, int(start)+size)
				for i := range want {
					want[i] = byte(rng.Uint32())
				}
				path := filepath.Join(t.TempDir(), "copy")
				if err := os.WriteFile(path, want[:start], 0o600); err != nil {
					t.Fatal(err)
				}
				f, err := os.OpenFile(path, os.O_RDWR, 0)
				if err != nil {
					t.Fatal(err)
				}
				out, err := NewWriter(f, start, mem, direct)
				if err != nil {
					t.Fatal(err)
				}
				if direct && !out.Direct() {
					t.Fatalf("O_DIRECT refused on %s", path)
				}
				for rest := want[start:]; len(rest) > 0; {
					n := min(len(rest), 1+rng.IntN(3*block))
					if w, err := out.Write(rest[:n]); err != nil || w != n {
						t.Fatalf("write %d: %d %v", n, w, err)
					}
					rest = rest[n:]
				}
				if err := out.Finish(); err != nil {
					t.Fatal(err)
				}
				if out.Written() != int64(len(want)) {
					t.Fatalf("Written %d, want %d", out.Written(), len(want))
				}
				f.Close()
				got, _ := os.ReadFile(path)
				if !bytes.Equal(got, want) {
					t.Fatalf("direct=%v start=%d size=%d: file of %d bytes differs from the %d written", direct, start, size, len(got), len(want))
				}
			}
		}
	}
}

// A failing disk: the write's error comes back from a later Write or from
// finish, and Written never counts a block that was not written.
func TestWriterReportsAFailedWrite(t *testing.T) {
	const block = 8 << 10
	path := filepath.Join(t.TempDir(), "copy")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	out, err := NewWriter(f, 0, NewBlocks(block), true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := out.Write(make([]byte, block)); err != nil {
		t.Fatal(err)
	}
	f.Close() // the disk goes away under the copy
	var werr error
	for range 4 {
		if _, werr = out.Write(make([]byte, block)); werr != nil {
			break
		}
	}
	ferr := out.Finish()
	if werr == nil && ferr == nil {
		t.Fatal("writes to a closed file reported no error")
	}
	if !errors.Is(ferr, os.ErrClosed) {
		t.Fatalf("finish = %v, want the write's error", ferr)
	}
	if out.Written() > block {
		t.Fatalf("Written %d counts blocks never written", out.Written())
	}
}
