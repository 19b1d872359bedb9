package store

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"lawtrail/directio"
	"lawtrail/evidence"
	"lawtrail/sealstream"
)

// A terminal's blob store keeps every blob sealed (package sealstream)
// under the footage key of the record; the name stays the SHA-256 of the
// plaintext, so digests, custody and receipts are what they were. The
// hub's blob store has no key and keeps plaintext.

// SealKey is the key blobs are sealed with; nil for a plaintext store.
func (s *BlobStore) SealKey() *sealstream.Key { return s.key }

// sealWith makes the store seal what it writes and unseal what it reads.
func (s *BlobStore) sealWith(master [32]byte) error {
	k, err := sealstream.NewKey(master[:])
	if err != nil {
		return fmt.Errorf("blob store key: %w", err)
	}
	s.key = k
	return nil
}

// BlobReader is a blob's plaintext with random access (playback seeks,
// uploads resume at an offset). Reads are authenticated chunk by chunk on
// a sealed store; the whole-file digest is checked by Verify and Open.
type BlobReader struct {
	io.ReaderAt
	Size int64
	f    *os.File
}

// Close closes the file.
func (r *BlobReader) Close() error { return r.f.Close() }

// OpenAt opens the blob d for reading at any offset.
func (s *BlobStore) OpenAt(d evidence.Digest) (*BlobReader, error) {
	f, err := os.Open(s.Path(d))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("blob %s: %w", d, ErrBlobMissing)
	}
	if err != nil {
		return nil, fmt.Errorf("open blob %s: %w", d, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open blob %s: %w", d, err)
	}
	if s.key == nil {
		return &BlobReader{ReaderAt: f, Size: fi.Size(), f: f}, nil
	}
	r, err := sealstream.NewReader(f, fi.Size(), s.key)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("blob %s: %w (%w)", d, ErrBlobCorrupt, err)
	}
	return &BlobReader{ReaderAt: r, Size: r.Size(), f: f}, nil
}

// plaintext opens the blob file at path as a stream of its plaintext.
func (s *BlobStore) plaintext(path string) (io.Reader, *os.File, error) {
	f, size, err := openSized(path)
	if err != nil {
		return nil, nil, err
	}
	if s.key == nil {
		return f, f, nil
	}
	r, err := s.unseal(f, size)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return r, f, nil
}

// openSized opens the file at path and tells its size.
func openSized(path string) (*os.File, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, fi.Size(), nil
}

// unseal is the plaintext of a sealed blob file of size bytes read through
// ra; a file that does not open as sealed is ErrBlobCorrupt.
func (s *BlobStore) unseal(ra io.ReaderAt, size int64) (io.Reader, error) {
	r, err := sealstream.NewReader(ra, size, s.key)
	if err != nil {
		return nil, fmt.Errorf("%w (%w)", ErrBlobCorrupt, err)
	}
	return r, nil
}

// wholeReadBlock is the most a whole-file read holds in each of its two
// blocks.
const wholeReadBlock = 2 << 20

// readWhole opens the blob file at path to be read once, front to back, as
// verification and Check do: past the page cache where the file system
// allows it (package directio), the next block read while this one is
// decrypted or hashed. On a sealed store each chunk is authenticated as it
// is read.
func (s *BlobStore) readWhole(path string) (io.Reader, io.Closer, error) {
	f, size, err := openSized(path)
	if err != nil {
		return nil, nil, err
	}
	d := directio.NewReader(f, size, directio.NewBlocksFor(size, wholeReadBlock))
	c := wholeFile{f: f, d: d}
	if s.key == nil {
		return io.NewSectionReader(d, 0, size), c, nil
	}
	r, err := s.unseal(d, size)
	if err != nil {
		c.Close()
		return nil, nil, err
	}
	return r, c, nil
}

// wholeFile closes what readWhole opened.
type wholeFile struct {
	f *os.File
	d *directio.Reader
}

func (w wholeFile) Close() error {
	w.d.Close()
	return w.f.Close()
}

// writeTo wraps a temporary blob file so what is written to it is sealed
// on a sealed store; finish seals the last chunk.
func (s *BlobStore) writeTo(f *os.File) (w io.Writer, finish func() error, err error) {
	if s.key == nil {
		return f, func() error { return nil }, nil
	}
	sw, err := sealstream.NewWriter(f, s.key, nil)
	if err != nil {
		return nil, nil, err
	}
	return sw, sw.Close, nil
}

// authenticate reads a sealed file through and checks every chunk's tag:
// a file that authenticates holds exactly the bytes its writer sealed.
func (s *BlobStore) authenticate(ctx context.Context, path string) error {
	r, f, err := s.readWhole(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := io.Copy(io.Discard, contextReader{ctx, r}); err != nil {
		return fmt.Errorf("%w (%w)", ErrBlobCorrupt, err)
	}
	return nil
}

// SealPlaintext seals, in place, every blob and drops every partial copy
// that an older lawtrail left in plaintext. Each blob is sealed into a
// temporary file that is fsynced and renamed over the plaintext one, so a
// kill at any point leaves each blob whole, sealed or not, and the next
// run goes on. It returns how many blobs it sealed.
func (s *BlobStore) SealPlaintext(ctx context.Context) (int, error) {
	if s.key == nil {
		return 0, nil
	}
	if err := s.dropPlaintextPartials(); err != nil {
		return 0, err
	}
	n := 0
	err := s.Walk(ctx, func(bf BlobFile) error {
		sealed, err := fileIsSealed(bf.Path)
		if err != nil || sealed {
			return err
		}
		if err := s.sealFile(ctx, bf); err != nil {
			return err
		}
		n++
		return nil
	})
	return n, err
}

func fileIsSealed(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, fmt.Errorf("seal blobs: %w", err)
	}
	defer f.Close()
	head := make([]byte, sealstream.HeaderSize)
	n, _ := io.ReadFull(f, head)
	return sealstream.IsSealed(head[:n]), nil
}

// sealFile seals one plaintext blob over itself. A plaintext blob whose
// content does not match its name is sealed all the same (no plaintext
// stays on the disk), and Check reports it as it did before.
func (s *BlobStore) sealFile(ctx context.Context, bf BlobFile) error {
	in, err := os.Open(bf.Path)
	if err != nil {
		return fmt.Errorf("seal %s: %w", bf.Path, err)
	}
	defer in.Close()
	tmp, err := s.TempFile()
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // gone after the rename; a leftover otherwise
	w, finish, err := s.writeTo(tmp)
	if err == nil {
		_, err = io.Copy(w, contextReader{ctx, in})
	}
	if err == nil {
		err = finish()
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o400)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), bf.Path)
	}
	if err == nil {
		err = syncDir(filepath.Dir(bf.Path))
	}
	if err != nil {
		return fmt.Errorf("seal %s: %w", bf.Path, err)
	}
	return nil
}

// dropPlaintextPartials removes partial copies (and their records) that
// are not sealed: the copy starts over, sealed.
func (s *BlobStore) dropPlaintextPartials() error {
	parts, err := filepath.Glob(filepath.Join(s.root, tmpDir, "partial-*"))
	if err != nil {
		return err
	}
	for _, p := range parts {
		if filepath.Ext(p) != "" || strings.HasSuffix(p, "-state") { // the records, not the copies
			continue
		}
		sealed, err := fileIsSealed(p)
		if err != nil {
			return err
		}
		if fi, err := os.Stat(p); sealed || err != nil || fi.Size() == 0 {
			continue
		}
		for _, f := range []string{p, p + "-state", p + "-state.tmp"} {
			if err := os.Remove(f); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("drop plaintext partial copy: %w", err)
			}
		}
	}
	return nil
}

// hashPlaintext hashes the plaintext of the blob file at path.
func (s *BlobStore) hashPlaintext(ctx context.Context, path string) (evidence.Digest, error) {
	r, f, err := s.readWhole(path)
	if err != nil {
		return evidence.Digest{}, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, contextReader{ctx, r}); err != nil {
		if errors.Is(err, sealstream.ErrAuth) {
			return evidence.Digest{}, fmt.Errorf("%w (%w)", ErrBlobCorrupt, err)
		}
		return evidence.Digest{}, fmt.Errorf("read: %w", err)
	}
	var got evidence.Digest
	h.Sum(got[:0])
	return got, nil
}

// sealedMark, at the top of the store (which Walk skips), says every blob
// of the store has been sealed; until it exists, opening the store seals
// what an older lawtrail left in plaintext.
const sealedMark = "sealed-v1"

// sealAll runs SealPlaintext unless the store is known to be sealed whole.
func (s *BlobStore) sealAll(ctx context.Context) error {
	mark := filepath.Join(s.root, sealedMark)
	if _, err := os.Stat(mark); err == nil {
		return nil
	}
	if _, err := s.SealPlaintext(ctx); err != nil {
		return err
	}
	if err := os.WriteFile(mark, nil, 0o600); err != nil {
		return fmt.Errorf("seal blobs: %w", err)
	}
	return syncDir(s.root)
}
