package sealstream

import (
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
)

// ErrClosed reports a Write or Close on a Writer already closed.
var ErrClosed = errors.New("sealstream: writer closed")

// Writer encrypts the plaintext written to it onto an underlying writer.
// Sealed chunks are handed to the underlying writer only when full (a full
// chunk is held back until the next byte shows it is not the last) or at
// Close. A Writer holds one chunk buffer and seals in place; it is not safe
// for concurrent use.
type Writer struct {
	w       io.Writer
	aead    cipher.AEAD
	header  [HeaderSize]byte
	nonce   [nonceSize]byte
	buf     []byte // ChunkSize+TagSize; buf[:n] is the pending plaintext
	n       int
	index   int64 // index of the next chunk to seal
	flushed int64
	err     error // sticky: the first failure of the underlying writer
	closed  bool
}

// NewWriter writes a new header onto w, its salt read from rand
// (crypto/rand.Reader if nil), and returns a Writer sealing onto w.
func NewWriter(w io.Writer, k *Key, rand io.Reader) (*Writer, error) {
	if rand == nil {
		rand = cryptoRand
	}
	sw := &Writer{w: w}
	copy(sw.header[:], magic)
	if _, err := io.ReadFull(rand, sw.header[len(magic):]); err != nil {
		return nil, fmt.Errorf("sealstream: reading the salt: %w", err)
	}
	aead, err := k.fileAEAD(sw.header[:])
	if err != nil {
		return nil, err
	}
	sw.aead = aead
	if err := writeAll(w, sw.header[:]); err != nil {
		return nil, fmt.Errorf("sealstream: writing the header: %w", err)
	}
	sw.buf = make([]byte, sealedFull)
	return sw, nil
}

var cryptoRand = rand.Reader

// Write seals p. It returns len(p) unless the underlying writer failed, and
// after such a failure it fails every time.
func (w *Writer) Write(p []byte) (int, error) {
	if w.closed {
		return 0, ErrClosed
	}
	if w.err != nil {
		return 0, w.err
	}
	written := 0
	for len(p) > 0 {
		if w.n == ChunkSize { // more follows: the held chunk is not the last
			if err := w.seal(w.buf[:ChunkSize], false); err != nil {
				return written, err
			}
			w.n = 0
		}
		if w.n == 0 && len(p) > ChunkSize { // a whole non-final chunk of p: seal it straight into buf
			if err := w.seal(p[:ChunkSize], false); err != nil {
				return written, err
			}
			p, written = p[ChunkSize:], written+ChunkSize
			continue
		}
		c := copy(w.buf[w.n:ChunkSize], p)
		w.n += c
		p, written = p[c:], written+c
	}
	return written, nil
}

// seal seals plain (w.buf[:len(plain)] itself, or bytes elsewhere) into
// w.buf as chunk w.index and hands it to the underlying writer.
func (w *Writer) seal(plain []byte, final bool) error {
	setNonce(&w.nonce, w.index, final)
	out := w.aead.Seal(w.buf[:0], w.nonce[:], plain, w.header[:])
	if err := writeAll(w.w, out); err != nil {
		w.err = fmt.Errorf("sealstream: writing chunk %d: %w", w.index, err)
		return w.err
	}
	w.index++
	w.flushed += int64(len(plain))
	return nil
}

// SetOutput makes w hand the chunks it seals from now on to out instead of
// the writer it was made with. out must continue the same stream where that
// writer left off: for instance a faster writer over the same file,
// positioned at its end, after ResumeWriter.
func (w *Writer) SetOutput(out io.Writer) { w.w = out }

// Flushed returns how many plaintext bytes have been sealed and handed to the
// underlying writer: a multiple of ChunkSize before Close, all of them after.
func (w *Writer) Flushed() int64 { return w.flushed }

// Close seals and writes the final chunk. It does not close the underlying
// writer. A second Close returns ErrClosed.
func (w *Writer) Close() error {
	if w.closed {
		return ErrClosed
	}
	if w.err != nil {
		return w.err
	}
	w.closed = true
	return w.seal(w.buf[:w.n], true)
}

// writeAll writes b, reporting a short write that came without an error.
func writeAll(w io.Writer, b []byte) error {
	n, err := w.Write(b)
	if err == nil && n < len(b) {
		err = io.ErrShortWrite
	}
	return err
}

// ResumeWriter continues a sealed file that a crash interrupted. f must hold
// the header and at least plainDone bytes of plaintext as non-final full
// chunks (plainDone a non-negative multiple of ChunkSize, such as a Flushed
// value recorded after syncing f). ResumeWriter authenticates those chunks in
// order, handing each one's plaintext to replay (which must not keep the
// slice) as soon as it has been authenticated, so the caller can hash them
// again; a chunk that fails stops it with an error wrapping ErrAuth, after
// replay has seen the chunks before it. It then truncates f after the kept
// chunks and returns a Writer that continues the file from plainDone.
//
// The last kept chunk is taken back into the Writer's buffer and its sealed
// copy cut off the file, because only what comes next decides whether it is
// the final chunk; Flushed is therefore plainDone-ChunkSize (when plainDone >
// 0) until more is written.
func ResumeWriter(f *os.File, k *Key, plainDone int64, replay func([]byte) error) (*Writer, error) {
	if plainDone < 0 || plainDone%ChunkSize != 0 {
		return nil, fmt.Errorf("sealstream: resuming at %d bytes, not a multiple of the chunk size", plainDone)
	}
	w := &Writer{w: f}
	if err := readFull(f, w.header[:], 0); err != nil {
		return nil, fmt.Errorf("sealstream: resuming %s: header: %w", f.Name(), err)
	}
	if !IsSealed(w.header[:]) {
		return nil, fmt.Errorf("sealstream: resuming %s: not a sealed file: %w", f.Name(), ErrAuth)
	}
	aead, err := k.fileAEAD(w.header[:])
	if err != nil {
		return nil, err
	}
	w.aead = aead
	w.buf = make([]byte, sealedFull)
	kept := plainDone / ChunkSize
	for i := range kept {
		setNonce(&w.nonce, i, false)
		if err := readFull(f, w.buf, HeaderSize+i*sealedFull); err != nil {
			return nil, fmt.Errorf("sealstream: resuming %s: chunk %d: %w", f.Name(), i, err)
		}
		plain, err := w.aead.Open(w.buf[:0], w.nonce[:], w.buf, w.header[:])
		if err != nil {
			return nil, fmt.Errorf("sealstream: resuming %s: chunk %d: %w", f.Name(), i, ErrAuth)
		}
		if replay != nil {
			if err := replay(plain); err != nil {
				return nil, fmt.Errorf("sealstream: resuming %s: replaying chunk %d: %w", f.Name(), i, err)
			}
		}
	}
	// buf still holds the last kept chunk's plaintext: keep it pending.
	w.index, w.n = kept, ChunkSize
	if kept == 0 {
		w.n = 0
	} else {
		w.index--
	}
	w.flushed = w.index * ChunkSize
	end := HeaderSize + w.index*sealedFull
	if err := f.Truncate(end); err != nil {
		return nil, fmt.Errorf("sealstream: resuming %s: %w", f.Name(), err)
	}
	if _, err := f.Seek(end, io.SeekStart); err != nil {
		return nil, fmt.Errorf("sealstream: resuming %s: %w", f.Name(), err)
	}
	return w, nil
}

// readFull reads len(b) bytes at off; a file too short is ErrAuth.
func readFull(r io.ReaderAt, b []byte, off int64) error {
	n, err := r.ReadAt(b, off)
	if n == len(b) {
		return nil
	}
	if err == nil || errors.Is(err, io.EOF) {
		return fmt.Errorf("truncated: %w", ErrAuth)
	}
	return err
}
