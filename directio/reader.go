package directio

import (
	"errors"
	"io"
	"os"
	"sync"
)

// Reader reads a file of a known size in aligned blocks, bypassing the page
// cache where the file system allows it. It is an io.ReaderAt made for
// reading front to back: a read outside the block in hand loads the block
// that holds it and starts reading the one after in the background, so a
// sequential reader finds the next block read while it works on this one.
// Reads elsewhere (a final chunk checked first, a seek) cost one block
// read each. ReadAt calls are serialised.
type Reader struct {
	f      *os.File
	size   int64
	direct bool
	block  int64 // the blocks' length

	mu      sync.Mutex
	cur     []byte     // the block in hand (valid up to the end of the file)
	curOff  int64      // its offset, -1 for none
	next    []byte     // the other block, being read ahead when ahead != nil
	ahead   chan error // the read ahead's outcome
	aheadAt int64
}

// NewReader reads f, of size bytes, with mem's blocks; for a file smaller
// than a block only as much of them as the file needs is used. f stays the
// caller's, to close after Close.
func NewReader(f *os.File, size int64, mem Blocks) *Reader {
	return newReader(f, size, mem, true)
}

// newReader is NewReader, through the cache unless tryDirect.
func newReader(f *os.File, size int64, mem Blocks, tryDirect bool) *Reader {
	r := &Reader{f: f, size: size, curOff: -1}
	if tryDirect {
		_, r.direct = useDirect(f, len(mem[0]))
	}
	r.block = blockFor(size, int64(len(mem[0])))
	r.cur, r.next = mem[0][:r.block], mem[1][:r.block]
	return r
}

// ReadAt reads len(p) bytes at off; fewer only at the end of the file,
// with io.EOF.
func (r *Reader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("directio: negative offset")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for n < len(p) {
		if off >= r.size {
			return n, io.EOF
		}
		at := off - off%r.block
		if at != r.curOff {
			if err := r.load(at); err != nil {
				return n, err
			}
		}
		c := copy(p[n:], r.cur[off-at:min(r.block, r.size-at)])
		n, off = n+c, off+int64(c)
	}
	return n, nil
}

// load makes the block at offset at the one in hand (the block read ahead
// when it is that one) and reads the one after it ahead.
func (r *Reader) load(at int64) error {
	if r.ahead != nil {
		err := <-r.ahead
		r.ahead = nil
		if r.aheadAt == at {
			if err != nil {
				r.curOff = -1
				return err
			}
			r.cur, r.next = r.next, r.cur
			r.curOff = at
			r.readAhead(at + r.block)
			return nil
		}
	}
	r.curOff = -1
	if err := r.readBlock(r.cur, at); err != nil {
		return err
	}
	r.curOff = at
	r.readAhead(at + r.block)
	return nil
}

func (r *Reader) readAhead(at int64) {
	if at >= r.size {
		return
	}
	ch := make(chan error, 1)
	r.ahead, r.aheadAt = ch, at
	buf := r.next
	go func() { ch <- r.readBlock(buf, at) }()
}

// readBlock fills buf with the block at at: the whole block, or up to the
// end of the file. A file shorter than its size is an error
// (io.ErrUnexpectedEOF): it changed under the reader.
func (r *Reader) readBlock(buf []byte, at int64) error {
	want := int(min(r.block, r.size-at))
	n, err := r.f.ReadAt(buf, at)
	if err != nil && n < want && r.direct && errors.Is(err, errInvalid) {
		r.direct = false // read only here, by one goroutine at a time
		disableDirect(r.f)
		n, err = r.f.ReadAt(buf, at)
	}
	if n >= want {
		return nil
	}
	if err == nil || errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return err
}

// Close waits for a read ahead. It does not close the file.
func (r *Reader) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ahead != nil {
		<-r.ahead
		r.ahead = nil
	}
	return nil
}
