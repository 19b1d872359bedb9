package store

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"lawtrail/evidence"
	"lawtrail/sealstream"
)

// Errors of the blob store.
var (
	ErrBlobMissing = errors.New("blob missing")
	// ErrBlobCorrupt: the file's content does not hash to its name. Such a
	// blob is reported and never served.
	ErrBlobCorrupt = errors.New("blob content does not match its digest")
)

// BlobStore keeps files by the SHA-256 of their content: blobs/ab/cdef….
// A blob is written once, read-only, and never changed in place.
type BlobStore struct {
	root string
	key  *sealstream.Key // seals blobs at rest (blobseal.go); nil keeps plaintext
}

const tmpDir = "tmp"

// OpenBlobStore opens (creating if needed) the blob store at root and
// removes temporary files that a crash left behind; they were never blobs.
func OpenBlobStore(root string) (*BlobStore, error) {
	if err := os.MkdirAll(filepath.Join(root, tmpDir), 0o700); err != nil {
		return nil, fmt.Errorf("open blob store %s: %w", root, err)
	}
	stale, err := filepath.Glob(filepath.Join(root, tmpDir, "put-*"))
	if err != nil {
		return nil, fmt.Errorf("open blob store %s: %w", root, err)
	}
	for _, f := range stale {
		if err := os.Remove(f); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("open blob store: remove stale %s: %w", f, err)
		}
	}
	return &BlobStore{root: root}, nil
}

// Path returns where the blob with digest d lives.
func (s *BlobStore) Path(d evidence.Digest) string {
	h := d.String()
	return filepath.Join(s.root, h[:2], h[2:])
}

// Put stores the content of r and returns its digest and size. The bytes go
// to a temporary file that is fsynced, then renamed to its digest's name,
// and the directory is fsynced: after Put returns, the blob survives a
// crash; if Put is interrupted, no file carries a digest name it does not
// match.
func (s *BlobStore) Put(ctx context.Context, r io.Reader) (evidence.Digest, int64, error) {
	tmp, err := os.CreateTemp(filepath.Join(s.root, tmpDir), "put-*")
	if err != nil {
		return evidence.Digest{}, 0, fmt.Errorf("put blob: %w", err)
	}
	committed := false
	defer func() {
		if !committed {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	h := sha256.New()
	w, finish, err := s.writeTo(tmp)
	if err != nil {
		return evidence.Digest{}, 0, fmt.Errorf("put blob: %w", err)
	}
	n, err := io.Copy(io.MultiWriter(w, h), contextReader{ctx, r})
	if err == nil {
		err = finish()
	}
	if err != nil {
		return evidence.Digest{}, 0, fmt.Errorf("put blob: write: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return evidence.Digest{}, 0, fmt.Errorf("put blob: fsync: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return evidence.Digest{}, 0, fmt.Errorf("put blob: close: %w", err)
	}
	var d evidence.Digest
	h.Sum(d[:0])
	if err := s.commit(tmp.Name(), d); err != nil {
		return evidence.Digest{}, 0, err
	}
	committed = true
	return d, n, nil
}

// Adopt moves a file already written, fsynced and hashed by the caller (the
// ingest pipeline hashes while it copies) into the store under digest d,
// after re-reading it to prove the content matches. The file must be on the
// same file system, e.g. created with TempFile. On a sealed store the file
// is sealed (SealKey) and the re-read authenticates every chunk instead of
// hashing again: a file whose tags verify holds exactly the bytes that
// were sealed, and those were the bytes the caller hashed.
func (s *BlobStore) Adopt(ctx context.Context, path string, d evidence.Digest) error {
	var err error
	if s.key != nil {
		err = s.authenticate(ctx, path)
	} else {
		err = s.verifyFile(ctx, path, d)
	}
	if err != nil {
		return fmt.Errorf("adopt %s as %s: %w", path, d, err)
	}
	return s.commit(path, d)
}

// TempFile creates a file in the store's temporary folder, for Adopt.
func (s *BlobStore) TempFile() (*os.File, error) {
	f, err := os.CreateTemp(filepath.Join(s.root, tmpDir), "put-*")
	if err != nil {
		return nil, fmt.Errorf("blob temp file: %w", err)
	}
	return f, nil
}

func (s *BlobStore) commit(tmpPath string, d evidence.Digest) error {
	final := s.Path(d)
	dir := filepath.Dir(final)
	_, statErr := os.Stat(dir)
	created := errors.Is(statErr, fs.ErrNotExist)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("put blob %s: %w", d, err)
	}
	if err := os.Chmod(tmpPath, 0o400); err != nil {
		return fmt.Errorf("put blob %s: %w", d, err)
	}
	// Renaming over an existing blob of the same digest is harmless when it
	// is intact and heals it when it is not.
	if err := os.Rename(tmpPath, final); err != nil {
		return fmt.Errorf("put blob %s: rename: %w", d, err)
	}
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("put blob %s: %w", d, err)
	}
	if created { // the new ab/ folder's own entry must be durable too
		if err := syncDir(s.root); err != nil {
			return fmt.Errorf("put blob %s: %w", d, err)
		}
	}
	return nil
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("fsync dir %s: %w", dir, err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("fsync dir %s: %w", dir, err)
	}
	return nil
}

// Has reports whether a blob named d exists (without checking its content).
func (s *BlobStore) Has(d evidence.Digest) (bool, error) {
	_, err := os.Stat(s.Path(d))
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	}
	return false, fmt.Errorf("stat blob %s: %w", d, err)
}

// Verify re-reads the blob and re-hashes it.
func (s *BlobStore) Verify(ctx context.Context, d evidence.Digest) error {
	if err := s.verifyFile(ctx, s.Path(d), d); err != nil {
		return fmt.Errorf("blob %s: %w", d, err)
	}
	return nil
}

// verifyFile hashes the plaintext of the file at path (unsealing it on a
// sealed store) and compares it with d.
func (s *BlobStore) verifyFile(ctx context.Context, path string, d evidence.Digest) error {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return ErrBlobMissing
	}
	got, err := s.hashPlaintext(ctx, path)
	if err != nil {
		return err
	}
	if got != d {
		return fmt.Errorf("%w: content hashes to %s", ErrBlobCorrupt, got)
	}
	return nil
}

// Open returns the blob's content. It verifies the whole file first, so a
// corrupt blob is refused rather than served, and hashes again while the
// caller reads: if the file changes in between, the final Read fails with
// ErrBlobCorrupt instead of reporting a clean end.
func (s *BlobStore) Open(ctx context.Context, d evidence.Digest) (io.ReadCloser, error) {
	if err := s.Verify(ctx, d); err != nil {
		return nil, err
	}
	r, f, err := s.plaintext(s.Path(d))
	if err != nil {
		return nil, fmt.Errorf("open blob %s: %w", d, err)
	}
	return &verifyingReader{r: r, f: f, h: sha256.New(), want: d}, nil
}

type verifyingReader struct {
	r    io.Reader
	f    *os.File
	h    hash.Hash
	want evidence.Digest
}

func (r *verifyingReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	r.h.Write(p[:n])
	if errors.Is(err, io.EOF) {
		var got evidence.Digest
		r.h.Sum(got[:0])
		if got != r.want {
			return n, fmt.Errorf("blob %s: %w (changed while read)", r.want, ErrBlobCorrupt)
		}
	}
	return n, err
}

func (r *verifyingReader) Close() error { return r.f.Close() }

// BlobFile is one file found in the blob store by Walk.
type BlobFile struct {
	Path   string
	Digest evidence.Digest // valid only when Named is true
	Named  bool            // whether the file's path is a well-formed digest
}

// Walk lists every file in the blob store except the temporary folder,
// including files whose names are not digests (which Check reports).
func (s *BlobStore) Walk(ctx context.Context, fn func(BlobFile) error) error {
	return filepath.WalkDir(s.root, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("walk blobs: %w", err)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		rel, _ := filepath.Rel(s.root, path)
		if e.IsDir() {
			if rel == tmpDir {
				return filepath.SkipDir
			}
			return nil
		}
		if rel == sealedMark {
			return nil
		}
		bf := BlobFile{Path: path}
		if dir, name, ok := strings.Cut(filepath.ToSlash(rel), "/"); ok && len(dir) == 2 {
			if d, err := evidence.ParseDigest(dir + name); err == nil {
				bf.Digest, bf.Named = d, true
			}
		}
		return fn(bf)
	})
}

// contextReader stops a long copy when its context is cancelled.
type contextReader struct {
	ctx context.Context
	r   io.Reader
}

func (c contextReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// PartialPath returns where a resumable copy named name (letters and
// digits only) keeps its bytes between attempts. Unlike Put's temporary
// files, partial copies survive reopening the store, so a copy can resume.
func (s *BlobStore) PartialPath(name string) (string, error) {
	if name == "" || strings.Trim(name, "0123456789abcdefghijklmnopqrstuvwxyz") != "" {
		return "", fmt.Errorf("partial copy name %q: only lowercase letters and digits", name)
	}
	return filepath.Join(s.root, tmpDir, "partial-"+name), nil
}
