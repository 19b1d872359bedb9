// Package sealstream encrypts a blob at rest as a stream of authenticated
// chunks, with random access. It is how a terminal keeps footage sealed on
// disk (issue 17): the blob is stored encrypted under a 32-byte master key,
// while its name stays the SHA-256 of the plaintext (the caller hashes; this
// package never does).
//
// # Format, version 1
//
// A sealed file is a 48-byte header followed by one or more sealed chunks:
//
//	header  = magic || salt
//	magic   = the 16 ASCII bytes "lawtrail-seal/1\n" (6c 61 77 74 72 61 69 6c 2d 73 65 61 6c 2f 31 0a)
//	salt    = 32 random bytes, fresh for every file
//
// The file key is HKDF-SHA256 (RFC 5869) with
//
//	IKM  = the 32-byte master key
//	salt = the header's salt
//	info = the 31 ASCII bytes "lawtrail sealstream v1 file key"
//	L    = 32
//
// and the AEAD is AES-256-GCM (NIST SP 800-38D) under the file key, with a
// 12-byte nonce and a 16-byte tag.
//
// The plaintext, of P bytes, is cut into N chunks of ChunkSize = 65536 bytes,
// the last of which may be shorter:
//
//	N = 1               if P = 0 (one empty chunk)
//	N = ceil(P / 65536) if P > 0
//
// So the last chunk holds P - (N-1)*65536 bytes: between 1 and 65536 when P >
// 0, and it is empty only when the whole plaintext is. A plaintext of exactly
// k*65536 bytes ends with a full chunk flagged final; there is never an empty
// chunk after full ones. Chunk i (counting from 0) is sealed as
//
//	nonce  = i as an 11-byte big-endian integer || flag
//	flag   = 0x01 for the last chunk (i = N-1), 0x00 for every other
//	AD     = the 48-byte header
//	sealed = AES-256-GCM-Seal(file key, nonce, chunk plaintext, AD)
//	       = ciphertext (as long as the chunk plaintext) || 16-byte tag
//
// and the sealed chunks follow the header in order, with nothing between or
// after them. The sealed size is therefore a function of the plaintext size
// alone (SealedSize, PlainSize):
//
//	S = 48 + P + 16*N
//
// A reader authenticates the header through every chunk's AD, each chunk's
// position through its index, and the end of the stream through the final
// flag: a file cut at a chunk boundary ends with a chunk not flagged final,
// one cut inside a chunk has an impossible size or a bad tag, chunks swapped
// or taken from another file (another salt, hence another key) fail their
// tags, and bytes appended move where the last chunk is looked for. Reader
// checks the final chunk when it opens a file, so Size is authenticated
// before anything is read; every other chunk is checked when it is read.
//
// Test vector (TestVector, checked against an independent implementation):
// master = 00 01 02 … 1f, salt = 20 21 22 … 3f, plaintext "lawtrail" gives
// the 48+8+16 bytes in TestVector.
package sealstream

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"errors"
	"fmt"
	"math"
)

const (
	// ChunkSize is the plaintext size of every chunk but the last.
	ChunkSize = 64 << 10
	// HeaderSize is the size of the header: magic and salt.
	HeaderSize = 48
	// TagSize is the size of the GCM tag after each chunk's ciphertext.
	TagSize = 16

	magic      = "lawtrail-seal/1\n"
	saltSize   = HeaderSize - len(magic)
	keyInfo    = "lawtrail sealstream v1 file key"
	sealedFull = ChunkSize + TagSize
	flagFinal  = 0x01
	nonceSize  = 12
)

// ErrAuth reports a sealed file that does not authenticate: a failed tag, a
// truncated or extended file, reordered chunks, a wrong key or a wrong header.
var ErrAuth = errors.New("sealstream: sealed data does not authenticate")

// ErrSize reports a sealed size no plaintext size leads to.
var ErrSize = errors.New("sealstream: impossible sealed size")

// Key holds the master key that every file key is derived from.
type Key struct {
	master [32]byte
	wiped  bool
}

// NewKey returns a Key holding a copy of master, which must be 32 bytes.
func NewKey(master []byte) (*Key, error) {
	if len(master) != 32 {
		return nil, fmt.Errorf("sealstream: master key is %d bytes, want 32", len(master))
	}
	k := &Key{}
	copy(k.master[:], master)
	return k, nil
}

// Wipe zeroes the master key; the Key cannot open or seal files afterwards.
// Readers and Writers made before keep working: they hold their file key.
func (k *Key) Wipe() {
	clear(k.master[:])
	k.wiped = true
}

// fileAEAD returns AES-256-GCM under the file key of the given header.
func (k *Key) fileAEAD(header []byte) (cipher.AEAD, error) {
	if k == nil || k.wiped {
		return nil, errors.New("sealstream: key missing or wiped")
	}
	fk, err := hkdf.Key(sha256.New, k.master[:], header[len(magic):HeaderSize], keyInfo, 32)
	if err != nil {
		return nil, fmt.Errorf("sealstream: deriving the file key: %w", err)
	}
	defer clear(fk)
	block, err := aes.NewCipher(fk)
	if err != nil {
		return nil, fmt.Errorf("sealstream: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("sealstream: %w", err)
	}
	return aead, nil
}

// IsSealed reports whether prefix starts with the magic of a sealed file.
func IsSealed(prefix []byte) bool {
	return len(prefix) >= len(magic) && string(prefix[:len(magic)]) == magic
}

// maxChunks is the most chunks a sealed size representable in int64 can hold.
const maxChunks = (math.MaxInt64 - HeaderSize) / sealedFull

// SealedSize returns the size of the sealed file of a plaintext of plain
// bytes, or -1 if plain is negative or the sealed size would not fit in int64.
func SealedSize(plain int64) int64 {
	if plain < 0 {
		return -1
	}
	if plain == 0 {
		return HeaderSize + TagSize
	}
	full, rem := plain/ChunkSize, int64(plain%ChunkSize)
	if full > maxChunks {
		return -1
	}
	s := HeaderSize + full*sealedFull // at most math.MaxInt64
	if rem > 0 {
		if rem+TagSize > math.MaxInt64-s {
			return -1
		}
		s += rem + TagSize
	}
	return s
}

// WholeChunks is how many plaintext bytes the whole non-final chunks
// within the first n bytes of a sealed file hold: what a Writer has handed
// on of a file still being written, which ResumeWriter can continue from.
func WholeChunks(n int64) int64 {
	if n < HeaderSize {
		return 0
	}
	return (n - HeaderSize) / sealedFull * ChunkSize
}

// PlainSize returns the plaintext size of a sealed file of sealed bytes, or
// an error wrapping ErrSize if no plaintext seals to that size.
func PlainSize(sealed int64) (int64, error) {
	if sealed < HeaderSize+TagSize {
		return 0, fmt.Errorf("%w: %d bytes", ErrSize, sealed)
	}
	body := sealed - HeaderSize
	full, rem := body/sealedFull, body%sealedFull
	switch {
	case rem == 0:
		return full * ChunkSize, nil // the last chunk is full
	case full == 0 && rem == TagSize:
		return 0, nil // the one empty chunk
	case rem <= TagSize:
		return 0, fmt.Errorf("%w: %d bytes", ErrSize, sealed)
	}
	return full*ChunkSize + rem - TagSize, nil
}

// chunkCount is N of the format: the number of chunks of plain bytes.
func chunkCount(plain int64) int64 {
	if plain == 0 {
		return 1
	}
	return (plain + ChunkSize - 1) / ChunkSize
}

// setNonce writes chunk index i and its flag into nonce.
func setNonce(nonce *[nonceSize]byte, i int64, final bool) {
	clear(nonce[:3])
	for b := 0; b < 8; b++ {
		nonce[10-b] = byte(uint64(i) >> (8 * b))
	}
	nonce[11] = 0
	if final {
		nonce[11] = flagFinal
	}
}
