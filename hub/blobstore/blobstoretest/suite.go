// Package blobstoretest is the one test suite every blobstore.Store must
// pass (as restic's backend tests are for its backends): round trips,
// seeking, digest mismatches, empty and repeated blobs, concurrent puts,
// failing readers, cancellation, tampering caught by Verify, listing many
// blobs, Adopt, and a large put in bounded memory.
package blobstoretest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"lawtrail/evidence"
	"lawtrail/hub/blobstore"
)

// Target is a store under test.
type Target struct {
	// Open returns a new, empty store for one case.
	Open func(t *testing.T) blobstore.Store
	// Plant writes content under d's name behind the store's back, as
	// someone with write access to the folder or bucket could (a flipped
	// byte, a planted object).
	Plant func(t *testing.T, s blobstore.Store, d evidence.Digest, content []byte)
	// LargeSize is the size of the bounded-memory put (200 MiB when zero);
	// HeapBound is the heap growth it may cause (64 MiB when zero).
	LargeSize, HeapBound int64
}

// Big is the size of the suite's "large" blobs: over two 5 MiB parts, so
// an S3 store with 5 MiB parts uploads them in three.
const Big = 12<<20 + 12345

// Run runs every case against target, each on a new store.
func Run(t *testing.T, target Target) {
	cases := []struct {
		name string
		fn   func(*testing.T, Target, blobstore.Store)
	}{
		{"RoundTrip", testRoundTrip},
		{"SeekAndPartialReads", testSeek},
		{"WrongDigestStoresNothing", testWrongDigest},
		{"EmptyBlob", testEmpty},
		{"PutOfHeldBlob", testHeld},
		{"ConcurrentPutsOfOneDigest", testConcurrent},
		{"FailingReaderStoresNothing", testFailingReader},
		{"VerifyCatchesTampering", testTamper},
		{"ContextCancellation", testCancel},
		{"ListMany", testListMany},
		{"Adopt", testAdopt},
		{"LargePutInBoundedMemory", testBoundedMemory},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.fn(t, target, target.Open(t)) })
	}
}

// content returns n reproducible pseudo-random bytes and their digest.
func content(seed uint64, n int) ([]byte, evidence.Digest) {
	b := make([]byte, n)
	rand.NewChaCha8(seedOf(seed)).Read(b)
	return b, evidence.Sum(b)
}

func seedOf(seed uint64) (s [32]byte) {
	for i := range 8 {
		s[i] = byte(seed >> (8 * i))
	}
	return s
}

func put(t *testing.T, s blobstore.Store, b []byte) evidence.Digest {
	t.Helper()
	d := evidence.Sum(b)
	n, err := s.Put(context.Background(), d, bytes.NewReader(b))
	if err != nil {
		t.Fatalf("put %d bytes: %v", len(b), err)
	}
	if n != int64(len(b)) {
		t.Fatalf("put returned size %d, want %d", n, len(b))
	}
	return d
}

func readAll(t *testing.T, s blobstore.Store, d evidence.Digest) []byte {
	t.Helper()
	b, err := s.Open(context.Background(), d)
	if err != nil {
		t.Fatalf("open %s: %v", d, err)
	}
	defer b.Close()
	got, err := io.ReadAll(b)
	if err != nil {
		t.Fatalf("read %s: %v", d, err)
	}
	if int64(len(got)) != b.Size() {
		t.Fatalf("read %d bytes, Size says %d", len(got), b.Size())
	}
	return got
}

func list(t *testing.T, s blobstore.Store) map[evidence.Digest]int64 {
	t.Helper()
	m := map[evidence.Digest]int64{}
	err := s.List(context.Background(), func(d evidence.Digest, size int64) error {
		if _, dup := m[d]; dup {
			return fmt.Errorf("%s listed twice", d)
		}
		m[d] = size
		return nil
	})
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	return m
}

func wantAbsent(t *testing.T, s blobstore.Store, d evidence.Digest) {
	t.Helper()
	ctx := context.Background()
	if _, found, err := s.Stat(ctx, d); err != nil || found {
		t.Fatalf("stat %s: found=%v err=%v, want absent", d, found, err)
	}
	if _, err := s.Open(ctx, d); !errors.Is(err, blobstore.ErrNotFound) {
		t.Fatalf("open %s: %v, want ErrNotFound", d, err)
	}
}

func testRoundTrip(t *testing.T, _ Target, s blobstore.Store) {
	ctx := context.Background()
	held := map[evidence.Digest][]byte{}
	for i, n := range []int{1, 100 << 10, Big} {
		b, _ := content(uint64(i), n)
		held[put(t, s, b)] = b
	}
	for d, b := range held {
		if got := readAll(t, s, d); !bytes.Equal(got, b) {
			t.Fatalf("blob %s read back differs", d)
		}
		size, found, err := s.Stat(ctx, d)
		if err != nil || !found || size != int64(len(b)) {
			t.Fatalf("stat %s: %d %v %v, want %d", d, size, found, err, len(b))
		}
		if err := s.Verify(ctx, d); err != nil {
			t.Fatalf("verify %s: %v", d, err)
		}
	}
	listed := list(t, s)
	if len(listed) != len(held) {
		t.Fatalf("listed %d blobs, want %d", len(listed), len(held))
	}
	for d, b := range held {
		if listed[d] != int64(len(b)) {
			t.Fatalf("listed %s with size %d, want %d", d, listed[d], len(b))
		}
	}
	var gone evidence.Digest
	for d := range held {
		gone = d
		break
	}
	if err := s.Remove(ctx, gone); err != nil {
		t.Fatalf("remove: %v", err)
	}
	wantAbsent(t, s, gone)
	if err := s.Verify(ctx, gone); !errors.Is(err, blobstore.ErrNotFound) {
		t.Fatalf("verify removed blob: %v, want ErrNotFound", err)
	}
	if err := s.Remove(ctx, gone); err != nil {
		t.Fatalf("remove a missing blob: %v", err)
	}
	if _, ok := list(t, s)[gone]; ok || len(list(t, s)) != len(held)-1 {
		t.Fatalf("list after remove still has %s or lost another", gone)
	}
}

func testSeek(t *testing.T, _ Target, s blobstore.Store) {
	b, _ := content(7, Big)
	d := put(t, s, b)
	blob, err := s.Open(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	defer blob.Close()
	if blob.Size() != int64(len(b)) {
		t.Fatalf("Size %d, want %d", blob.Size(), len(b))
	}
	size := int64(len(b))
	steps := []struct {
		off    int64
		whence int
		want   int64 // position after the seek
		n      int
	}{
		{0, io.SeekStart, 0, 1000},
		{5<<20 - 10, io.SeekStart, 5<<20 - 10, 20}, // across S3's first part boundary
		{100, io.SeekCurrent, 5<<20 + 110, 4096},
		{-10, io.SeekEnd, size - 10, 10},
		{-(size - 3), io.SeekCurrent, 3, 64 << 10},
		{1 << 20, io.SeekStart, 1 << 20, 3 << 20},
		{0, io.SeekCurrent, 4 << 20, 7},
	}
	for i, st := range steps {
		pos, err := blob.Seek(st.off, st.whence)
		if err != nil || pos != st.want {
			t.Fatalf("step %d: seek: %d %v, want %d", i, pos, err, st.want)
		}
		got := make([]byte, st.n)
		if _, err := io.ReadFull(blob, got); err != nil {
			t.Fatalf("step %d: read %d at %d: %v", i, st.n, pos, err)
		}
		if !bytes.Equal(got, b[pos:pos+int64(st.n)]) {
			t.Fatalf("step %d: bytes at %d differ", i, pos)
		}
	}
	if _, err := blob.Seek(-1, io.SeekStart); err == nil {
		t.Fatal("seek to -1 accepted")
	}
	if _, err := blob.Seek(0, io.SeekEnd); err != nil {
		t.Fatal(err)
	}
	if n, err := blob.Read(make([]byte, 10)); n != 0 || err != io.EOF {
		t.Fatalf("read at the end: %d %v, want 0 EOF", n, err)
	}
	if _, err := blob.Seek(size+100, io.SeekStart); err != nil {
		t.Fatalf("seek past the end: %v", err)
	}
	if n, err := blob.Read(make([]byte, 10)); n != 0 || err != io.EOF {
		t.Fatalf("read past the end: %d %v, want 0 EOF", n, err)
	}
	// The rest from the middle, as a ranged download does.
	if _, err := blob.Seek(size/2, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	rest, err := io.ReadAll(blob)
	if err != nil || !bytes.Equal(rest, b[size/2:]) {
		t.Fatalf("the second half: %d bytes, %v", len(rest), err)
	}
}

func testWrongDigest(t *testing.T, _ Target, s blobstore.Store) {
	ctx := context.Background()
	for i, n := range []int{10, Big} {
		b, real := content(uint64(20+i), n)
		_, claimed := content(uint64(40+i), n)
		_, err := s.Put(ctx, claimed, bytes.NewReader(b))
		if !errors.Is(err, blobstore.ErrDigestMismatch) {
			t.Fatalf("%d bytes under a wrong digest: %v, want ErrDigestMismatch", n, err)
		}
		wantAbsent(t, s, claimed)
		wantAbsent(t, s, real)
	}
	if l := list(t, s); len(l) != 0 {
		t.Fatalf("a refused put left %d blobs", len(l))
	}
}

func testEmpty(t *testing.T, _ Target, s blobstore.Store) {
	ctx := context.Background()
	d := put(t, s, nil)
	if got := readAll(t, s, d); len(got) != 0 {
		t.Fatalf("empty blob read back %d bytes", len(got))
	}
	if size, found, err := s.Stat(ctx, d); err != nil || !found || size != 0 {
		t.Fatalf("stat empty: %d %v %v", size, found, err)
	}
	if err := s.Verify(ctx, d); err != nil {
		t.Fatalf("verify empty: %v", err)
	}
	if size, ok := list(t, s)[d]; !ok || size != 0 {
		t.Fatalf("empty blob listed %v with size %d", ok, size)
	}
}

func testHeld(t *testing.T, _ Target, s blobstore.Store) {
	ctx := context.Background()
	b, _ := content(3, 300<<10)
	d := put(t, s, b)
	put(t, s, b) // again: no error, same size
	other, _ := content(4, 300<<10)
	if _, err := s.Put(ctx, d, bytes.NewReader(other)); !errors.Is(err, blobstore.ErrDigestMismatch) {
		t.Fatalf("wrong bytes for a held digest: %v, want ErrDigestMismatch", err)
	}
	if err := s.Verify(ctx, d); err != nil {
		t.Fatalf("the held blob after a refused put: %v", err)
	}
	if !bytes.Equal(readAll(t, s, d), b) || len(list(t, s)) != 1 {
		t.Fatal("the held blob changed or another appeared")
	}
}

func testConcurrent(t *testing.T, _ Target, s blobstore.Store) {
	ctx := context.Background()
	b, d := content(5, Big)
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() {
			n, err := s.Put(ctx, d, bytes.NewReader(b))
			if err == nil && n != int64(len(b)) {
				err = fmt.Errorf("size %d", n)
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("put %d: %v", i, err)
		}
	}
	if err := s.Verify(ctx, d); err != nil {
		t.Fatalf("after concurrent puts: %v", err)
	}
	if l := list(t, s); len(l) != 1 || l[d] != int64(len(b)) {
		t.Fatalf("after concurrent puts the store lists %v", l)
	}
}

// failingReader hands out good bytes, then an error.
type failingReader struct {
	r     io.Reader
	left  int
	cause error
}

func (f *failingReader) Read(p []byte) (int, error) {
	if f.left <= 0 {
		return 0, f.cause
	}
	if len(p) > f.left {
		p = p[:f.left]
	}
	n, err := f.r.Read(p)
	f.left -= n
	return n, err
}

func testFailingReader(t *testing.T, _ Target, s blobstore.Store) {
	cause := errors.New("the recorder went away")
	for i, at := range []int{1000, 7 << 20} {
		b, d := content(uint64(60+i), Big)
		_, err := s.Put(context.Background(), d, &failingReader{bytes.NewReader(b), at, cause})
		if !errors.Is(err, cause) {
			t.Fatalf("reader failing at %d: %v, want its error", at, err)
		}
		wantAbsent(t, s, d)
	}
	if l := list(t, s); len(l) != 0 {
		t.Fatalf("failed puts left %d blobs", len(l))
	}
}

func testTamper(t *testing.T, target Target, s blobstore.Store) {
	ctx := context.Background()
	b, _ := content(8, 64<<10)
	d := put(t, s, b)
	flipped := bytes.Clone(b)
	flipped[len(flipped)/2] ^= 0x01
	target.Plant(t, s, d, flipped)
	if err := s.Verify(ctx, d); !errors.Is(err, blobstore.ErrCorrupt) {
		t.Fatalf("a flipped byte: Verify says %v, want ErrCorrupt", err)
	}
	// Someone with write access plants a digest-shaped name with other bytes.
	_, planted := content(9, 1000)
	target.Plant(t, s, planted, []byte("not the bytes of that digest"))
	if _, found, _ := s.Stat(ctx, planted); !found {
		t.Fatal("the planted blob is not seen at all")
	}
	if err := s.Verify(ctx, planted); !errors.Is(err, blobstore.ErrCorrupt) {
		t.Fatalf("a planted blob: Verify says %v, want ErrCorrupt", err)
	}
	// A put of the right bytes replaces the damaged copy.
	put(t, s, b)
	if err := s.Verify(ctx, d); err != nil {
		t.Fatalf("a put over a damaged copy did not heal it: %v", err)
	}
	_, missing := content(10, 10)
	if err := s.Verify(ctx, missing); !errors.Is(err, blobstore.ErrNotFound) {
		t.Fatalf("verify of a blob never put: %v, want ErrNotFound", err)
	}
}

// cancellingReader cancels its context after n bytes.
type cancellingReader struct {
	r      io.Reader
	n      int
	cancel context.CancelFunc
}

func (c *cancellingReader) Read(p []byte) (int, error) {
	if c.n <= 0 {
		c.cancel()
	}
	n, err := c.r.Read(p)
	c.n -= n
	return n, err
}

func testCancel(t *testing.T, _ Target, s blobstore.Store) {
	b, d := content(11, Big)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Put(ctx, d, bytes.NewReader(b)); !errors.Is(err, context.Canceled) {
		t.Fatalf("put with a cancelled context: %v", err)
	}
	wantAbsent(t, s, d)
	for _, at := range []int{1000, 6 << 20} {
		ctx, cancel := context.WithCancel(context.Background())
		_, err := s.Put(ctx, d, &cancellingReader{bytes.NewReader(b), at, cancel})
		cancel()
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("put cancelled after %d bytes: %v", at, err)
		}
		wantAbsent(t, s, d)
	}
	held := put(t, s, b[:1000])
	if _, _, err := s.Stat(ctx, held); err == nil {
		t.Error("stat with a cancelled context succeeded")
	}
	if _, err := s.Open(ctx, held); err == nil {
		t.Error("open with a cancelled context succeeded")
	}
	if err := s.Verify(ctx, held); !errors.Is(err, context.Canceled) {
		t.Errorf("verify with a cancelled context: %v", err)
	}
	if err := s.List(ctx, func(evidence.Digest, int64) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("list with a cancelled context: %v", err)
	}
	if err := s.Remove(ctx, held); err == nil {
		t.Error("remove with a cancelled context succeeded")
	}
}

func testListMany(t *testing.T, _ Target, s blobstore.Store) {
	want := map[evidence.Digest]int64{}
	for i := range 50 {
		b, _ := content(uint64(1000+i), i)
		want[put(t, s, b)] = int64(i)
	}
	got := list(t, s)
	if len(got) != len(want) {
		t.Fatalf("listed %d, want %d", len(got), len(want))
	}
	for d, n := range want {
		if got[d] != n {
			t.Fatalf("%s listed with size %d, want %d", d, got[d], n)
		}
	}
	stop := errors.New("enough")
	seen := 0
	err := s.List(context.Background(), func(evidence.Digest, int64) error {
		if seen++; seen == 20 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || seen != 20 {
		t.Fatalf("List went on after fn's error: %v, %d calls", err, seen)
	}
}

func testAdopt(t *testing.T, _ Target, s blobstore.Store) {
	ctx := context.Background()
	b, d := content(12, Big)
	path := filepath.Join(t.TempDir(), "upload")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	_, wrong := content(13, 1)
	if err := s.Adopt(ctx, path, wrong); !errors.Is(err, blobstore.ErrDigestMismatch) {
		t.Fatalf("adopt under a wrong digest: %v, want ErrDigestMismatch", err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("a refused adopt removed the file: %v", err)
	}
	wantAbsent(t, s, wrong)
	wantAbsent(t, s, d)
	if err := s.Adopt(ctx, path, d); err != nil {
		t.Fatalf("adopt: %v", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("the adopted file is still there: %v", err)
	}
	if err := s.Verify(ctx, d); err != nil {
		t.Fatalf("adopted blob: %v", err)
	}
	if !bytes.Equal(readAll(t, s, d), b) {
		t.Fatal("adopted blob differs")
	}
	if err := s.Adopt(ctx, path, d); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("adopt of a missing file: %v, want fs.ErrNotExist", err)
	}
}

// stream is n reproducible pseudo-random bytes, generated as read.
type stream struct {
	rng  *rand.ChaCha8
	left int64
}

func newStream(n int64) *stream { return &stream{rand.NewChaCha8(seedOf(99)), n} }

func (s *stream) Read(p []byte) (int, error) {
	if s.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > s.left {
		p = p[:s.left]
	}
	s.rng.Read(p)
	s.left -= int64(len(p))
	return len(p), nil
}

// heapPeak samples the heap every few milliseconds until stopped.
func heapPeak() (stop func() uint64) {
	var peak uint64
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	return func() uint64 { close(done); <-finished; return peak }
}

func testBoundedMemory(t *testing.T, target Target, s blobstore.Store) {
	size, bound := target.LargeSize, target.HeapBound
	if size == 0 {
		size = 200 << 20
	}
	if bound == 0 {
		bound = 64 << 20
	}
	h := sha256.New()
	io.Copy(h, newStream(size))
	d := evidence.Digest(h.Sum(nil))
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	stop := heapPeak()
	n, err := s.Put(context.Background(), d, newStream(size))
	peak := stop()
	if err != nil || n != size {
		t.Fatalf("put of %d bytes: %d %v", size, n, err)
	}
	growth := uint64(0)
	if peak > base.HeapAlloc {
		growth = peak - base.HeapAlloc
	}
	t.Logf("put of %d MiB: heap grew by %.1f MiB at most (bound %d MiB)", size>>20, float64(growth)/(1<<20), bound>>20)
	if growth > uint64(bound) {
		t.Fatalf("a put of %d MiB grew the heap by %d MiB, over %d MiB", size>>20, growth>>20, bound>>20)
	}
	if got, found, err := s.Stat(context.Background(), d); err != nil || !found || got != size {
		t.Fatalf("stat after the large put: %d %v %v", got, found, err)
	}
	if err := s.Remove(context.Background(), d); err != nil {
		t.Fatal(err)
	}
}
