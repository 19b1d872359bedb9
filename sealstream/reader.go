package sealstream

import (
	"crypto/cipher"
	"errors"
	"fmt"
	"io"
	"sync"
)

// Reader decrypts a sealed file with random access. It holds one chunk
// buffer, the last chunk it decrypted, and never returns a byte of a chunk
// whose tag failed. Its methods are safe for concurrent use (they take turns).
type Reader struct {
	mu     sync.Mutex
	r      io.ReaderAt
	aead   cipher.AEAD
	header [HeaderSize]byte
	nonce  [nonceSize]byte
	size   int64 // plaintext size, authenticated by the final chunk
	last   int64 // index of the final chunk
	buf    []byte
	cached int64 // chunk whose plaintext is in buf[:cachedLen], or -1
	cLen   int
	off    int64 // Read and Seek's offset
}

// NewReader reads and checks the header of the sealed file r of sealedSize
// bytes and authenticates its final chunk, so that Size can be trusted. A
// file that does not authenticate is an error wrapping ErrAuth.
func NewReader(r io.ReaderAt, sealedSize int64, k *Key) (*Reader, error) {
	size, err := PlainSize(sealedSize)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrAuth, err)
	}
	sr := &Reader{r: r, size: size, last: chunkCount(size) - 1, cached: -1}
	if err := readFull(r, sr.header[:], 0); err != nil {
		return nil, fmt.Errorf("sealstream: header: %w", err)
	}
	if !IsSealed(sr.header[:]) {
		return nil, fmt.Errorf("sealstream: not a sealed file: %w", ErrAuth)
	}
	if sr.aead, err = k.fileAEAD(sr.header[:]); err != nil {
		return nil, err
	}
	sr.buf = make([]byte, sealedFull)
	if err := sr.load(sr.last); err != nil {
		return nil, err
	}
	return sr, nil
}

// Size returns the plaintext size.
func (r *Reader) Size() int64 { return r.size }

// chunkLen is the plaintext length of chunk i.
func (r *Reader) chunkLen(i int64) int {
	if i < r.last {
		return ChunkSize
	}
	return int(r.size - r.last*ChunkSize)
}

// open reads chunk i into buf and decrypts it into dst[:0], returning the
// plaintext; dst may be buf itself. On failure nothing decrypted is left in dst.
func (r *Reader) open(i int64, dst []byte) ([]byte, error) {
	r.cached = -1
	sealed := r.buf[:r.chunkLen(i)+TagSize]
	if err := readFull(r.r, sealed, HeaderSize+i*sealedFull); err != nil {
		return nil, fmt.Errorf("sealstream: chunk %d: %w", i, err)
	}
	setNonce(&r.nonce, i, i == r.last)
	plain, err := r.aead.Open(dst[:0], r.nonce[:], sealed, r.header[:])
	if err != nil {
		clear(dst[:min(len(sealed)-TagSize, cap(dst))])
		return nil, fmt.Errorf("sealstream: chunk %d: %w", i, ErrAuth)
	}
	return plain, nil
}

// load makes chunk i the one decrypted in buf.
func (r *Reader) load(i int64) error {
	if r.cached == i {
		return nil
	}
	plain, err := r.open(i, r.buf)
	if err != nil {
		return err
	}
	r.cached, r.cLen = i, len(plain)
	return nil
}

// ReadAt reads len(p) plaintext bytes at off, as os.File.ReadAt does: fewer
// only with an error, io.EOF at the end of the plaintext.
func (r *Reader) ReadAt(p []byte, off int64) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.readAt(p, off)
}

func (r *Reader) readAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("sealstream: negative offset")
	}
	n := 0
	for n < len(p) && off < r.size {
		i, in := off/ChunkSize, int(off%ChunkSize)
		dst := p[n:]
		if clen := r.chunkLen(i); in == 0 && len(dst) >= clen && r.cached != i {
			// The whole chunk is wanted: decrypt it straight into p.
			if _, err := r.open(i, dst[:clen]); err != nil {
				return n, err
			}
			n, off = n+clen, off+int64(clen)
			continue
		}
		if err := r.load(i); err != nil {
			return n, err
		}
		c := copy(dst, r.buf[in:r.cLen])
		n, off = n+c, off+int64(c)
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// Read reads plaintext from the Reader's offset, as os.File.Read does.
func (r *Reader) Read(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(p) == 0 {
		return 0, nil
	}
	n, err := r.readAt(p, r.off)
	r.off += int64(n)
	if n > 0 && err == io.EOF {
		err = nil
	}
	return n, err
}

// Seek sets the offset of the next Read, as os.File.Seek does: an offset past
// the end is allowed (Read then returns io.EOF), a negative one is an error.
func (r *Reader) Seek(off int64, whence int) (int64, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		off += r.off
	case io.SeekEnd:
		off += r.size
	default:
		return 0, fmt.Errorf("sealstream: seek: invalid whence %d", whence)
	}
	if off < 0 {
		return 0, errors.New("sealstream: seek: negative offset")
	}
	r.off = off
	return off, nil
}
