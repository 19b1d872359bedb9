package sealstream

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

func testKey(t testing.TB, seed byte) *Key {
	t.Helper()
	m := make([]byte, 32)
	for i := range m {
		m[i] = seed + byte(i)
	}
	k, err := NewKey(m)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// pattern returns n deterministic pseudo-random bytes, the same prefix for any n.
func pattern(n int) []byte {
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// seal seals plain, writing it in pieces of step bytes (all at once if 0).
func seal(t testing.TB, k *Key, plain []byte, step int) []byte {
	t.Helper()
	var out bytes.Buffer
	w, err := NewWriter(&out, k, nil)
	if err != nil {
		t.Fatal(err)
	}
	if step == 0 {
		step = len(plain) + 1
	}
	for p := plain; len(p) > 0; {
		c := min(step, len(p))
		if n, err := w.Write(p[:c]); n != c || err != nil {
			t.Fatalf("Write = %d, %v", n, err)
		}
		p = p[c:]
		if f := w.Flushed(); f%ChunkSize != 0 || f > int64(len(plain)-len(p)) {
			t.Fatalf("Flushed = %d after %d bytes", f, len(plain)-len(p))
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if w.Flushed() != int64(len(plain)) {
		t.Fatalf("Flushed after Close = %d, want %d", w.Flushed(), len(plain))
	}
	if int64(out.Len()) != SealedSize(int64(len(plain))) {
		t.Fatalf("sealed %d bytes into %d, SealedSize says %d", len(plain), out.Len(), SealedSize(int64(len(plain))))
	}
	return out.Bytes()
}

func open(t testing.TB, k *Key, sealed []byte) (*Reader, error) {
	t.Helper()
	return NewReader(bytes.NewReader(sealed), int64(len(sealed)), k)
}

func readAll(r *Reader) ([]byte, error) {
	out := make([]byte, r.Size())
	n, err := r.ReadAt(out, 0)
	if err == io.EOF && n == len(out) {
		err = nil
	}
	return out[:n], err
}

func TestRoundTrip(t *testing.T) {
	k := testKey(t, 1)
	sizes := []int{0, 1, ChunkSize - 1, ChunkSize, ChunkSize + 1, 3 * ChunkSize, 2*ChunkSize + 12345}
	for range 3 {
		sizes = append(sizes, rand.IntN(5*ChunkSize))
	}
	for _, size := range sizes {
		for _, step := range []int{0, 1000, ChunkSize, ChunkSize + 7} {
			if size > 2*ChunkSize && step == 1000 {
				continue
			}
			t.Run(fmt.Sprintf("%d/step%d", size, step), func(t *testing.T) {
				plain := pattern(size)
				sealed := seal(t, k, plain, step)
				if !IsSealed(sealed) {
					t.Fatal("IsSealed false on a sealed file")
				}
				r, err := open(t, k, sealed)
				if err != nil {
					t.Fatal(err)
				}
				if r.Size() != int64(size) {
					t.Fatalf("Size = %d, want %d", r.Size(), size)
				}
				got, err := readAll(r)
				if err != nil || !bytes.Equal(got, plain) {
					t.Fatalf("ReadAt whole: err %v, equal %v", err, bytes.Equal(got, plain))
				}
				viaRead, err := io.ReadAll(r)
				if err != nil || !bytes.Equal(viaRead, plain) {
					t.Fatalf("io.ReadAll: err %v, equal %v", err, bytes.Equal(viaRead, plain))
				}
			})
		}
	}
}

// TestVector checks the format against bytes computed by an independent
// implementation (Python's cryptography: HKDF, AESGCM) from the package doc.
func TestVector(t *testing.T) {
	master := make([]byte, 32)
	salt := make([]byte, 32)
	for i := range 32 {
		master[i], salt[i] = byte(i), byte(0x20+i)
	}
	k, err := NewKey(master)
	if err != nil {
		t.Fatal(err)
	}
	const hdr = "6c6177747261696c2d7365616c2f310a202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
	cases := []struct {
		plain []byte
		hex   string // the sealed file, or its SHA-256 when long
	}{
		{[]byte("lawtrail"), hdr + "d8334be0fcebeb53352c6d48fa9cdcca8389388676b28461"},
		{nil, hdr + "8e3ec768fd55fa11c592747e48671441"},
		{func() []byte {
			b := make([]byte, ChunkSize+5)
			for i := range b {
				b[i] = byte(i*7 + 3)
			}
			return b
		}(), "sha256:21f469d1e30c3f1badc05c6a4822399fbf96072eb01c22de2d5fcfe3931b674a"},
	}
	for _, c := range cases {
		var out bytes.Buffer
		w, err := NewWriter(&out, k, bytes.NewReader(salt))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(c.plain); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		got := hex.EncodeToString(out.Bytes())
		if len(c.hex) > 7 && c.hex[:7] == "sha256:" {
			sum := sha256.Sum256(out.Bytes())
			got = "sha256:" + hex.EncodeToString(sum[:])
		}
		if got != c.hex {
			t.Errorf("plaintext of %d bytes sealed to\n%s\nwant\n%s", len(c.plain), got, c.hex)
		}
	}
}

func TestSizes(t *testing.T) {
	for _, p := range []int64{0, 1, ChunkSize - 1, ChunkSize, ChunkSize + 1, 3 * ChunkSize, 1 << 40, 1<<40 + 1} {
		s := SealedSize(p)
		if got, err := PlainSize(s); err != nil || got != p {
			t.Errorf("PlainSize(SealedSize(%d) = %d) = %d, %v", p, s, got, err)
		}
	}
	// Every sealed size is either impossible or the size of exactly one plaintext.
	valid := 0
	for s := int64(-1); s < 3*sealedFull+200; s++ {
		p, err := PlainSize(s)
		if err != nil {
			if !errors.Is(err, ErrSize) {
				t.Fatalf("PlainSize(%d): %v does not wrap ErrSize", s, err)
			}
			continue
		}
		valid++
		if SealedSize(p) != s {
			t.Fatalf("PlainSize(%d) = %d but SealedSize(%d) = %d", s, p, p, SealedSize(p))
		}
	}
	// The largest sealed size tried, 3*sealedFull+199, holds 3*ChunkSize+135
	// plaintext bytes: every plaintext size from 0 to that, each once.
	if want := 3*ChunkSize + 199 - HeaderSize - TagSize + 1; valid != want {
		t.Errorf("%d valid sealed sizes, want %d", valid, want)
	}
	for _, s := range []int64{0, HeaderSize, HeaderSize + TagSize - 1, HeaderSize + sealedFull + TagSize, HeaderSize + sealedFull + 5} {
		if _, err := PlainSize(s); err == nil {
			t.Errorf("PlainSize(%d) accepted", s)
		}
	}
	if SealedSize(-1) != -1 || SealedSize(math.MaxInt64) != -1 {
		t.Error("SealedSize accepts a negative or overflowing size")
	}
	// Near the int64 limit: every possible sealed size maps back, and the
	// plaintext one byte longer than the largest has no sealed size.
	maxPlain := int64(-1)
	for s := int64(math.MaxInt64); s > math.MaxInt64-2*sealedFull; s-- {
		if p, err := PlainSize(s); err == nil {
			if SealedSize(p) != s {
				t.Fatalf("PlainSize(%d) = %d but SealedSize(%d) = %d", s, p, p, SealedSize(p))
			}
			maxPlain = max(maxPlain, p)
		}
	}
	if maxPlain < 0 || SealedSize(maxPlain+1) != -1 {
		t.Errorf("largest plaintext %d; SealedSize of one more = %d", maxPlain, SealedSize(maxPlain+1))
	}
}

func TestRandomAccess(t *testing.T) {
	k := testKey(t, 2)
	size := 3*ChunkSize + 777
	plain := pattern(size)
	r, err := open(t, k, seal(t, k, plain, 0))
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	offsets := []int{0, 1, ChunkSize - 1, ChunkSize, ChunkSize + 1, 2*ChunkSize - 3, size - 1, size, size + 1, size + ChunkSize}
	for range 200 {
		offsets = append(offsets, rng.IntN(size+10))
	}
	for _, off := range offsets {
		for _, n := range []int{0, 1, 5, ChunkSize - 1, ChunkSize, ChunkSize + 2, 2*ChunkSize + 9, rng.IntN(3 * ChunkSize)} {
			p := make([]byte, n)
			got, err := r.ReadAt(p, int64(off))
			want := max(0, min(n, size-off))
			switch {
			case got != want:
				t.Fatalf("ReadAt(%d bytes, %d) = %d, want %d", n, off, got, want)
			case !bytes.Equal(p[:got], plain[min(off, size):min(off, size)+got]):
				t.Fatalf("ReadAt(%d bytes, %d): wrong bytes", n, off)
			case got < n && err != io.EOF:
				t.Fatalf("ReadAt(%d bytes, %d) short with %v, want io.EOF", n, off, err)
			case got == n && err != nil:
				t.Fatalf("ReadAt(%d bytes, %d) whole with %v", n, off, err)
			}
			// Seek then Read: os.File semantics (no io.EOF with data).
			if pos, err := r.Seek(int64(off), io.SeekStart); err != nil || pos != int64(off) {
				t.Fatalf("Seek(%d) = %d, %v", off, pos, err)
			}
			got, err = io.ReadFull(r, p)
			if got != want || !bytes.Equal(p[:got], plain[min(off, size):min(off, size)+got]) {
				t.Fatalf("Seek(%d)+Read(%d) = %d bytes, want %d", off, n, got, want)
			}
			if n > 0 && want == 0 && err != io.EOF || want > 0 && want < n && err != io.ErrUnexpectedEOF {
				t.Fatalf("Seek(%d)+ReadFull(%d): %v", off, n, err)
			}
		}
	}
	if pos, err := r.Seek(-10, io.SeekEnd); err != nil || pos != int64(size-10) {
		t.Fatalf("Seek(-10, end) = %d, %v", pos, err)
	}
	if pos, err := r.Seek(4, io.SeekCurrent); err != nil || pos != int64(size-6) {
		t.Fatalf("Seek(4, current) = %d, %v", pos, err)
	}
	if _, err := r.Seek(-1, io.SeekStart); err == nil {
		t.Error("Seek to a negative offset accepted")
	}
	if _, err := r.ReadAt(make([]byte, 1), -1); err == nil {
		t.Error("ReadAt at a negative offset accepted")
	}
	if n, err := r.Read(nil); n != 0 || err != nil {
		t.Errorf("Read(nil) = %d, %v", n, err)
	}
}

func TestWrongKey(t *testing.T) {
	sealed := seal(t, testKey(t, 1), pattern(2*ChunkSize+3), 0)
	if _, err := open(t, testKey(t, 9), sealed); !errors.Is(err, ErrAuth) {
		t.Fatalf("wrong key: %v, want ErrAuth", err)
	}
	w := testKey(t, 1)
	w.Wipe()
	if _, err := open(t, w, sealed); err == nil {
		t.Fatal("a wiped key opened a file")
	}
	if _, err := NewKey(make([]byte, 31)); err == nil {
		t.Fatal("NewKey accepted 31 bytes")
	}
}

// TestBitFlips flips one bit in each region of a three-chunk file: a header
// or last-chunk flip fails NewReader; a flip in another chunk fails reading
// that chunk (and only it).
func TestBitFlips(t *testing.T) {
	k := testKey(t, 1)
	plain := pattern(2*ChunkSize + 1000)
	sealed := seal(t, k, plain, 0)
	var positions []int
	for i := range HeaderSize {
		positions = append(positions, i)
	}
	for c := range 3 {
		start := HeaderSize + c*sealedFull
		end := min(start+sealedFull, len(sealed))
		positions = append(positions, start, start+1, start+500, end-TagSize-1, end-TagSize, end-1)
	}
	for _, pos := range positions {
		for _, bit := range []byte{0x01, 0x80} {
			bad := bytes.Clone(sealed)
			bad[pos] ^= bit
			chunk := (pos - HeaderSize) / sealedFull
			r, err := open(t, k, bad)
			if pos < HeaderSize || chunk == 2 {
				if !errors.Is(err, ErrAuth) {
					t.Fatalf("flip at %d: NewReader %v, want ErrAuth", pos, err)
				}
				continue
			}
			if err != nil {
				t.Fatalf("flip at %d in chunk %d: NewReader %v", pos, chunk, err)
			}
			p := make([]byte, 10)
			if n, err := r.ReadAt(p, int64(chunk*ChunkSize+5)); n != 0 || !errors.Is(err, ErrAuth) {
				t.Fatalf("flip at %d: reading chunk %d = %d, %v, want ErrAuth", pos, chunk, n, err)
			}
			got, err := readAll(r)
			if !errors.Is(err, ErrAuth) || len(got) != chunk*ChunkSize || !bytes.Equal(got, plain[:len(got)]) {
				t.Fatalf("flip at %d: whole read gave %d bytes, %v", pos, len(got), err)
			}
			other := (chunk + 1) % 2
			if n, err := r.ReadAt(p, int64(other*ChunkSize+5)); n != len(p) || err != nil || !bytes.Equal(p, plain[other*ChunkSize+5:][:len(p)]) {
				t.Fatalf("flip at %d: the intact chunk %d: %d, %v", pos, other, n, err)
			}
		}
	}
}

func TestTruncationReorderAppend(t *testing.T) {
	k := testKey(t, 1)
	plain := pattern(3*ChunkSize + 1000)
	sealed := seal(t, k, plain, 0)
	full := seal(t, k, pattern(2*ChunkSize), 0) // a last chunk that is full
	swapped := bytes.Clone(sealed)
	c0, c1 := swapped[HeaderSize:][:sealedFull], swapped[HeaderSize+sealedFull:][:sealedFull]
	tmp := bytes.Clone(c0)
	copy(c0, c1)
	copy(c1, tmp)
	cases := map[string][]byte{
		"cut at chunk 3":          sealed[:HeaderSize+3*sealedFull],
		"cut at chunk 1":          sealed[:HeaderSize+sealedFull],
		"cut full last chunk":     full[:HeaderSize+sealedFull],
		"cut mid-chunk":           sealed[:HeaderSize+sealedFull+500],
		"cut in the tag":          sealed[:len(sealed)-5],
		"cut to the header":       sealed[:HeaderSize],
		"cut in the header":       sealed[:20],
		"empty":                   nil,
		"appended byte":           append(bytes.Clone(sealed), 0),
		"appended 17 bytes":       append(bytes.Clone(sealed), make([]byte, 17)...),
		"appended a chunk":        append(bytes.Clone(sealed), sealed[HeaderSize:][:sealedFull]...),
		"appended to full":        append(bytes.Clone(full), make([]byte, 100)...),
		"not sealed":              append([]byte("lawtrail-seal/2\n"), sealed[16:]...),
		"last chunk from another": append(bytes.Clone(sealed[:HeaderSize+sealedFull]), full[HeaderSize+sealedFull:]...),
	}
	for name, bad := range cases {
		if _, err := open(t, k, bad); !errors.Is(err, ErrAuth) {
			t.Errorf("%s: NewReader %v, want ErrAuth", name, err)
		}
	}
	r, err := open(t, k, swapped)
	if err != nil {
		t.Fatalf("swapped chunks 0 and 1: NewReader %v (the last chunk is intact)", err)
	}
	for _, off := range []int64{0, ChunkSize} {
		if _, err := r.ReadAt(make([]byte, 1), off); !errors.Is(err, ErrAuth) {
			t.Errorf("swapped chunks: ReadAt(%d) %v, want ErrAuth", off, err)
		}
	}
	// A source shorter than the size given is truncation too.
	if _, err := NewReader(bytes.NewReader(sealed[:len(sealed)-100]), int64(len(sealed)), k); !errors.Is(err, ErrAuth) {
		t.Errorf("short source: %v, want ErrAuth", err)
	}
}

func TestNoPlaintextInSealed(t *testing.T) {
	k := testKey(t, 1)
	marker := []byte("LAWTRAIL-PLAINTEXT-MARKER-7f3a")
	plain := bytes.Repeat(marker, 3*ChunkSize/len(marker))
	sealed := seal(t, k, plain, 0)
	if bytes.Contains(sealed, marker) || bytes.Contains(sealed, marker[:12]) {
		t.Fatal("the plaintext marker appears in the sealed bytes")
	}
	again := seal(t, k, plain, 0)
	if bytes.Equal(sealed[HeaderSize:][:64], again[HeaderSize:][:64]) {
		t.Fatal("two seals of the same plaintext share ciphertext: the salt is not fresh")
	}
}

type failWriter struct{ n int }

func (f *failWriter) Write(p []byte) (int, error) {
	if f.n < len(p) {
		return 0, errors.New("disk full")
	}
	f.n -= len(p)
	return len(p), nil
}

func TestWriterErrors(t *testing.T) {
	k := testKey(t, 1)
	w, err := NewWriter(&failWriter{n: HeaderSize + sealedFull}, k, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = w.Write(make([]byte, 3*ChunkSize))
	if err == nil {
		t.Fatal("a failing underlying writer went unnoticed")
	}
	if _, err2 := w.Write([]byte{1}); err2 == nil {
		t.Fatal("Write after a failure succeeded")
	}
	if w.Close() == nil {
		t.Fatal("Close after a failure succeeded")
	}
	if _, err := NewWriter(&failWriter{}, k, nil); err == nil {
		t.Fatal("a failed header write went unnoticed")
	}
	if _, err := NewWriter(io.Discard, k, bytes.NewReader(make([]byte, 5))); err == nil {
		t.Fatal("a short salt went unnoticed")
	}
	ok, _ := NewWriter(io.Discard, k, nil)
	if ok.Close() != nil || ok.Close() != ErrClosed {
		t.Fatal("second Close not ErrClosed")
	}
	if _, err := ok.Write([]byte{1}); err != ErrClosed {
		t.Fatal("Write after Close not ErrClosed")
	}
}

func TestResumeWriter(t *testing.T) {
	k := testKey(t, 1)
	for _, tc := range []struct {
		name            string
		total, done, at int // plaintext, Flushed recorded, bytes written before the crash
	}{
		{"mid-stream", 5*ChunkSize + 321, 3 * ChunkSize, 4*ChunkSize + 100},
		{"at zero", 2*ChunkSize + 5, 0, ChunkSize + 7},
		{"ends exactly at the kept chunks", 2 * ChunkSize, 2 * ChunkSize, 2*ChunkSize + 1},
		{"one kept", ChunkSize + 1, ChunkSize, ChunkSize + 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plain := pattern(tc.total)
			path := filepath.Join(t.TempDir(), "blob")
			f, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			w, err := NewWriter(f, k, nil)
			if err != nil {
				t.Fatal(err)
			}
			// The crash: writes beyond tc.at never happened; a partial chunk may sit at the end.
			if _, err := w.Write(pattern(tc.at)); err != nil {
				t.Fatal(err)
			}
			if w.Flushed() < int64(tc.done) {
				t.Fatalf("Flushed %d < %d", w.Flushed(), tc.done)
			}
			if _, err := f.Write([]byte("torn partial chunk")); err != nil {
				t.Fatal(err)
			}
			var replayed [][]byte
			rw, err := ResumeWriter(f, k, int64(tc.done), func(b []byte) error {
				replayed = append(replayed, bytes.Clone(b))
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(replayed) != tc.done/ChunkSize {
				t.Fatalf("replayed %d chunks, want %d", len(replayed), tc.done/ChunkSize)
			}
			for i, c := range replayed {
				if !bytes.Equal(c, plain[i*ChunkSize:(i+1)*ChunkSize]) {
					t.Fatalf("replayed chunk %d differs", i)
				}
			}
			if _, err := rw.Write(plain[tc.done:]); err != nil {
				t.Fatal(err)
			}
			if err := rw.Close(); err != nil {
				t.Fatal(err)
			}
			if rw.Flushed() != int64(tc.total) {
				t.Fatalf("Flushed after Close = %d, want %d", rw.Flushed(), tc.total)
			}
			sealed, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			r, err := open(t, k, sealed)
			if err != nil {
				t.Fatal(err)
			}
			if got, err := readAll(r); err != nil || !bytes.Equal(got, plain) {
				t.Fatalf("resumed file reads back %d bytes, %v; equal %v", len(got), err, bytes.Equal(got, plain))
			}
		})
	}
}

func TestResumeWriterRefuses(t *testing.T) {
	k := testKey(t, 1)
	plain := pattern(4 * ChunkSize)
	sealed := seal(t, k, plain, 0)
	write := func(t *testing.T, b []byte) *os.File {
		f, err := os.Create(filepath.Join(t.TempDir(), "blob"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		if _, err := f.Write(b); err != nil {
			t.Fatal(err)
		}
		return f
	}
	t.Run("corrupted kept chunk", func(t *testing.T) {
		bad := bytes.Clone(sealed)
		bad[HeaderSize+sealedFull+99] ^= 4
		f := write(t, bad)
		calls := 0
		_, err := ResumeWriter(f, k, 3*ChunkSize, func([]byte) error { calls++; return nil })
		if !errors.Is(err, ErrAuth) || calls != 1 {
			t.Fatalf("ResumeWriter = %v after %d replays, want ErrAuth after 1", err, calls)
		}
		if st, _ := f.Stat(); st.Size() != int64(len(bad)) {
			t.Fatal("a refused resume truncated the file")
		}
	})
	t.Run("final chunk counted as kept", func(t *testing.T) {
		_, err := ResumeWriter(write(t, sealed), k, 4*ChunkSize, nil)
		if !errors.Is(err, ErrAuth) {
			t.Fatalf("ResumeWriter over the final chunk = %v, want ErrAuth", err)
		}
	})
	t.Run("too short", func(t *testing.T) {
		_, err := ResumeWriter(write(t, sealed[:HeaderSize+sealedFull]), k, 2*ChunkSize, nil)
		if !errors.Is(err, ErrAuth) {
			t.Fatalf("ResumeWriter past the end = %v, want ErrAuth", err)
		}
	})
	t.Run("wrong key", func(t *testing.T) {
		if _, err := ResumeWriter(write(t, sealed), testKey(t, 5), ChunkSize, nil); !errors.Is(err, ErrAuth) {
			t.Fatalf("ResumeWriter with a wrong key = %v, want ErrAuth", err)
		}
	})
	t.Run("not a chunk multiple", func(t *testing.T) {
		if _, err := ResumeWriter(write(t, sealed), k, 100, nil); err == nil {
			t.Fatal("ResumeWriter accepted 100")
		}
	})
	t.Run("replay error", func(t *testing.T) {
		boom := errors.New("boom")
		if _, err := ResumeWriter(write(t, sealed), k, ChunkSize, func([]byte) error { return boom }); !errors.Is(err, boom) {
			t.Fatalf("ResumeWriter = %v, want the replay error", err)
		}
	})
}

func FuzzReader(f *testing.F) {
	k := testKey(f, 1)
	const maxPlain = 2*ChunkSize + 50
	ref := pattern(maxPlain)
	for _, n := range []int{0, 1, 100, ChunkSize, ChunkSize + 1, maxPlain} {
		f.Add(seal(f, k, ref[:n], 0))
	}
	f.Add([]byte("lawtrail-seal/1\n"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := open(t, k, data)
		if err != nil {
			if !errors.Is(err, ErrAuth) {
				t.Fatalf("NewReader: %v, not ErrAuth", err)
			}
			return
		}
		// Every seed holds a prefix of ref: any byte that authenticates at
		// offset o must be ref[o]; anything else is unauthenticated plaintext.
		if r.Size() > maxPlain {
			t.Fatalf("Size %d authenticated beyond every seed", r.Size())
		}
		p := make([]byte, 3000)
		for off := int64(0); off < r.Size()+10; off += 2999 {
			n, err := r.ReadAt(p, off)
			if err != nil && err != io.EOF && !errors.Is(err, ErrAuth) {
				t.Fatalf("ReadAt: %v", err)
			}
			if !bytes.Equal(p[:n], ref[off:][:n]) {
				t.Fatalf("ReadAt(%d) returned bytes no seed holds", off)
			}
		}
		all, err := io.ReadAll(r)
		if !bytes.Equal(all, ref[:len(all)]) {
			t.Fatalf("Read returned bytes no seed holds (err %v)", err)
		}
	})
}

const benchSize = 16 << 20

func BenchmarkWriter(b *testing.B) {
	k := testKey(b, 1)
	plain := pattern(1 << 20)
	b.SetBytes(benchSize)
	b.ReportAllocs()
	for b.Loop() {
		w, err := NewWriter(io.Discard, k, nil)
		if err != nil {
			b.Fatal(err)
		}
		for range benchSize / len(plain) {
			if _, err := w.Write(plain); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReader(b *testing.B) {
	k := testKey(b, 1)
	sealed := seal(b, k, pattern(benchSize), 0)
	for _, bufSize := range []int{32 << 10, 1 << 20} {
		b.Run(fmt.Sprintf("buf%dKiB", bufSize>>10), func(b *testing.B) {
			p := make([]byte, bufSize)
			b.SetBytes(benchSize)
			b.ReportAllocs()
			for b.Loop() {
				r, err := open(b, k, sealed)
				if err != nil {
					b.Fatal(err)
				}
				for {
					_, err := r.Read(p)
					if err == io.EOF {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

func BenchmarkSHA256(b *testing.B) {
	plain := pattern(1 << 20)
	b.SetBytes(benchSize)
	for b.Loop() {
		h := sha256.New()
		for range benchSize / len(plain) {
			h.Write(plain)
		}
		h.Sum(nil)
	}
}

// TestSteadyStateAllocs: Write, ReadAt and Read allocate nothing once the
// Writer or Reader exists (one chunk buffer each).
func TestSteadyStateAllocs(t *testing.T) {
	k := testKey(t, 1)
	plain := pattern(3 * ChunkSize)
	w, err := NewWriter(io.Discard, k, nil)
	if err != nil {
		t.Fatal(err)
	}
	if a := testing.AllocsPerRun(20, func() { w.Write(plain) }); a != 0 {
		t.Errorf("Writer.Write: %v allocations per call", a)
	}
	r, err := open(t, k, seal(t, k, plain, 0))
	if err != nil {
		t.Fatal(err)
	}
	big, small := make([]byte, 2*ChunkSize), make([]byte, 1000)
	off := int64(0)
	if a := testing.AllocsPerRun(20, func() {
		r.ReadAt(big, 1)
		r.ReadAt(big, ChunkSize)
		off = (off + 7777) % int64(len(plain))
		r.ReadAt(small, off)
		r.Read(small)
	}); a != 0 {
		t.Errorf("Reader: %v allocations per round of reads", a)
	}
}

// TestConcurrentReadAt: ReadAt may be called from several goroutines, as
// io.ReaderAt allows.
func TestConcurrentReadAt(t *testing.T) {
	k := testKey(t, 1)
	plain := pattern(4*ChunkSize + 99)
	r, err := open(t, k, seal(t, k, plain, 0))
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 4)
	for g := range 4 {
		go func() {
			rng := rand.New(rand.NewPCG(uint64(g), 9))
			p := make([]byte, 5000)
			for range 200 {
				off := rng.IntN(len(plain) - len(p))
				if n, err := r.ReadAt(p, int64(off)); n != len(p) || err != nil || !bytes.Equal(p, plain[off:off+len(p)]) {
					errs <- fmt.Errorf("ReadAt(%d) = %d, %v", off, n, err)
					return
				}
			}
			errs <- nil
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

// WholeChunks, applied to the bytes a Writer has handed on, is what it has
// flushed, at every step of a write; and a file cut there resumes.
func TestWholeChunksOfAFileBeingWritten(t *testing.T) {
	k := testKey(t, 3)
	var sealed bytes.Buffer
	w, err := NewWriter(&sealed, k, nil)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for written := 0; written < 5*ChunkSize; {
		n := 1 + rng.IntN(ChunkSize)
		if _, err := w.Write(make([]byte, n)); err != nil {
			t.Fatal(err)
		}
		written += n
		if got := WholeChunks(int64(sealed.Len())); got != w.Flushed() {
			t.Fatalf("after %d bytes: WholeChunks(%d) = %d, the writer flushed %d", written, sealed.Len(), got, w.Flushed())
		}
	}
	done := WholeChunks(int64(sealed.Len()))
	path := filepath.Join(t.TempDir(), "cut")
	if err := os.WriteFile(path, sealed.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := ResumeWriter(f, k, done, nil); err != nil {
		t.Fatalf("resume at WholeChunks = %d: %v", done, err)
	}
	for _, n := range []int64{0, 1, HeaderSize - 1} {
		if WholeChunks(n) != 0 {
			t.Fatalf("WholeChunks(%d) = %d, want 0", n, WholeChunks(n))
		}
	}
}
