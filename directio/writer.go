package directio

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"unsafe"
)

// Writer writes a file sequentially from a given offset to its end. Bytes
// are gathered into aligned blocks; a full block is handed to a goroutine
// that writes it while the next one fills. The last, partial block is
// written padded to the alignment and the file cut back to its length.
// Where O_DIRECT is refused (at the fcntl or at a write) the same blocks
// are written through the cache. Write, Stop and Finish are for one
// goroutine; Written may be called from any.
type Writer struct {
	f      *os.File
	align  int
	direct bool // changed only by the writing goroutine, or after it ended
	fill   []byte
	base   int64 // the file offset of fill[0]
	free   chan []byte
	queue  chan outBlock
	done   chan struct{}
	// written is the end of the bytes the file holds: every byte before it
	// has been written (not necessarily fsynced).
	written atomic.Int64
	mu      sync.Mutex
	err     error
	stopped bool
}

type outBlock struct {
	b   []byte
	off int64
}

// Blocks is the memory of a Writer or a Reader: two aligned blocks of the
// same size, which a caller may reuse from file to file (never for two at
// once).
type Blocks [2][]byte

// NewBlocks allocates two aligned blocks of size bytes (a multiple of 4096).
func NewBlocks(size int) Blocks {
	return Blocks{alignedBlock(size, maxAlign), alignedBlock(size, maxAlign)}
}

// maxAlign is the alignment blocks are allocated at: a page, which is at
// least what every local file system asks of O_DIRECT buffers.
const maxAlign = 4096

// NewBlocksFor allocates blocks for a file of fileSize bytes: at most most
// bytes each (a multiple of 4096), fewer for a smaller file.
func NewBlocksFor(fileSize int64, most int) Blocks {
	return NewBlocks(int(blockFor(fileSize, int64(most))))
}

// blockFor is the block a file of size bytes needs: size rounded up to
// maxAlign, at least maxAlign and at most most.
func blockFor(size, most int64) int64 {
	return min(most, max(roundUp(size, maxAlign), maxAlign))
}

func roundUp(n, to int64) int64 { return (n + to - 1) / to * to }

// useDirect turns O_DIRECT on for f when the file system allows it and
// blocks of blockLen bytes (allocated at maxAlign) meet its alignment; it
// returns that alignment, or false with f as it was.
func useDirect(f *os.File, blockLen int) (align int, ok bool) {
	align, ok = enableDirect(f)
	if ok && (align > maxAlign || blockLen%align != 0) {
		disableDirect(f)
		return 0, false
	}
	return align, ok
}

// alignedBlock returns size bytes starting at a multiple of align.
func alignedBlock(size, align int) []byte {
	raw := make([]byte, size+align)
	skip := (align - int(uintptr(unsafe.Pointer(&raw[0]))%uintptr(align))) % align
	return raw[skip : skip+size : skip+size]
}

// NewWriter continues f at offset start, which must be f's length (a new
// file starts at 0, a resumed copy where its kept bytes end), writing from
// mem. tryDirect asks for O_DIRECT; it is used only when the file system
// agrees. f must stay open until Stop or Finish.
func NewWriter(f *os.File, start int64, mem Blocks, tryDirect bool) (*Writer, error) {
	d := &Writer{f: f, align: 1, free: make(chan []byte, 1), queue: make(chan outBlock, 1), done: make(chan struct{})}
	if tryDirect {
		if align, ok := useDirect(f, len(mem[0])); ok {
			d.direct, d.align = true, align
		}
	}
	d.base = start - start%int64(d.align)
	d.fill = mem[0][:0]
	if keep := int(start - d.base); keep > 0 { // the kept bytes of the first block, written again with it
		// A whole aligned block is asked for (O_DIRECT reads need it); the
		// file ends at start, so keep bytes come back.
		if n, err := f.ReadAt(mem[0][:d.align], d.base); n < keep {
			disableDirect(f)
			return nil, fmt.Errorf("read back the last %d bytes of %s (got %d): %w", keep, f.Name(), n, err)
		}
		d.fill = mem[0][:keep]
	}
	d.written.Store(start)
	d.free <- mem[1][:0]
	go d.writeBlocks()
	return d, nil
}

// Write gathers p into blocks and hands each full block on.
func (d *Writer) Write(p []byte) (int, error) {
	if err := d.failed(); err != nil {
		return 0, err
	}
	n := 0
	for len(p) > 0 {
		c := copy(d.fill[len(d.fill):cap(d.fill)], p)
		d.fill = d.fill[:len(d.fill)+c]
		p, n = p[c:], n+c
		if len(d.fill) == cap(d.fill) {
			d.queue <- outBlock{d.fill, d.base}
			d.base += int64(len(d.fill))
			d.fill = <-d.free
			if err := d.failed(); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

// writeBlocks writes the queued blocks in order and gives each back. After
// a failure it writes nothing more but still gives the blocks back.
func (d *Writer) writeBlocks() {
	defer close(d.done)
	for blk := range d.queue {
		if d.failed() == nil {
			if err := d.writeAt(blk.b, blk.off); err != nil {
				d.fail(err)
			} else {
				d.written.Store(blk.off + int64(len(blk.b)))
			}
		}
		d.free <- blk.b[:0]
	}
}

// writeAt writes b at off; a direct write the file system refuses as
// misaligned (EINVAL) is written again through the cache, and so is every
// later one.
func (d *Writer) writeAt(b []byte, off int64) error {
	_, err := d.f.WriteAt(b, off)
	if err != nil && d.direct && errors.Is(err, errInvalid) {
		d.mu.Lock()
		d.direct = false
		d.mu.Unlock()
		disableDirect(d.f)
		_, err = d.f.WriteAt(b, off)
	}
	return err
}

func (d *Writer) fail(err error) {
	d.mu.Lock()
	if d.err == nil {
		d.err = err // an *os.PathError, which names the file
	}
	d.mu.Unlock()
}

func (d *Writer) failed() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.err
}

// Written is the end of the bytes the file holds so far.
func (d *Writer) Written() int64 { return d.written.Load() }

// Stop waits for the blocks handed on and writes nothing more; the bytes
// still gathered are dropped. It is safe to call more than once; Write
// must not follow it.
func (d *Writer) Stop() {
	if d.stopped {
		return
	}
	d.stopped = true
	close(d.queue)
	<-d.done
}

// Finish writes every byte gathered and leaves the file exactly as long as
// what was written to it.
func (d *Writer) Finish() error {
	d.Stop()
	if err := d.failed(); err != nil {
		return err
	}
	n := len(d.fill)
	if n == 0 {
		return nil
	}
	end := d.base + int64(n)
	padded := int(roundUp(int64(n), int64(d.align))) // n itself through the cache
	clear(d.fill[n:padded])
	if err := d.writeAt(d.fill[:padded], d.base); err != nil {
		return err
	}
	if padded > n {
		if err := d.f.Truncate(end); err != nil {
			return err
		}
	}
	d.written.Store(end)
	return nil
}

// Direct reports whether the writes bypass the page cache (so far).
func (d *Writer) Direct() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.direct
}
