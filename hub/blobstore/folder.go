package blobstore

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"lawtrail/evidence"
	"lawtrail/store"
)

// Folder is the embedded footage store: store.BlobStore's folder of
// plaintext blobs (ab/cdef…, fsynced, renamed into place, read-only).
// The hub never seals its blobs.
type Folder struct {
	blobs *store.BlobStore
	dir   string
}

// OpenFolder opens (creating if needed) the folder store at dir.
func OpenFolder(dir string) (*Folder, error) {
	bs, err := store.OpenBlobStore(dir)
	if err != nil {
		return nil, fmt.Errorf("footage folder: %w", err)
	}
	return &Folder{blobs: bs, dir: dir}, nil
}

// BlobStore returns the store.BlobStore underneath, for code that still
// needs a file path (TempFile, PartialPath).
func (f *Folder) BlobStore() *store.BlobStore { return f.blobs }

// Dir is the folder the store keeps its blobs in (its temporary files,
// and the hub's uploads in progress, under Dir/tmp: one file system).
func (f *Folder) Dir() string { return f.dir }

// Path returns where blob d lives (or would live) in the folder.
func (f *Folder) Path(d evidence.Digest) string { return f.blobs.Path(d) }

// Put writes r to a temporary file in the store's folder while hashing it,
// fsyncs it, and hands it to Adopt when the digest matches.
func (f *Folder) Put(ctx context.Context, d evidence.Digest, r io.Reader) (int64, error) {
	tmp, err := f.blobs.TempFile()
	if err != nil {
		return 0, fmt.Errorf("put blob %s: %w", d, err)
	}
	defer os.Remove(tmp.Name()) // a no-op once adopted
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), ctxReader{ctx, r})
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return n, fmt.Errorf("put blob %s: write: %w", d, err)
	}
	if got := evidence.Digest(h.Sum(nil)); got != d {
		return n, fmt.Errorf("put blob %s: %w (got %s)", d, ErrDigestMismatch, got)
	}
	if err := f.Adopt(ctx, tmp.Name(), d); err != nil {
		return n, fmt.Errorf("put blob %s: %w", d, err)
	}
	return n, nil
}

// Adopt re-hashes the file at path and renames it into place as blob d.
// A file on another file system is copied in (Put) and then removed.
func (f *Folder) Adopt(ctx context.Context, path string, d evidence.Digest) error {
	err := f.blobs.Adopt(ctx, path, d)
	if errors.Is(err, syscall.EXDEV) {
		return f.adoptByCopy(ctx, path, d)
	}
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrBlobCorrupt):
		return fmt.Errorf("adopt %s: %w: %w", path, ErrDigestMismatch, err)
	case errors.Is(err, store.ErrBlobMissing):
		return fmt.Errorf("adopt %s: %w", path, fs.ErrNotExist)
	}
	return fmt.Errorf("adopt %s: %w", path, err)
}

func (f *Folder) adoptByCopy(ctx context.Context, path string, d evidence.Digest) error {
	src, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("adopt %s: %w", path, err)
	}
	_, err = f.Put(ctx, d, src)
	src.Close()
	if err != nil {
		return fmt.Errorf("adopt %s: %w", path, err)
	}
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("adopt %s: remove source: %w", path, err)
	}
	return nil
}

// Open opens blob d's file.
func (f *Folder) Open(ctx context.Context, d evidence.Digest) (Blob, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("open blob %s: %w", d, err)
	}
	file, err := os.Open(f.Path(d))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("open blob %s: %w", d, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("open blob %s: %w", d, err)
	}
	st, err := file.Stat()
	if err != nil {
		file.Close()
		return nil, fmt.Errorf("open blob %s: %w", d, err)
	}
	return fileBlob{file, st.Size()}, nil
}

type fileBlob struct {
	*os.File
	size int64
}

func (b fileBlob) Size() int64 { return b.size }

// Stat reports blob d's size.
func (f *Folder) Stat(ctx context.Context, d evidence.Digest) (int64, bool, error) {
	if err := ctx.Err(); err != nil {
		return 0, false, fmt.Errorf("stat blob %s: %w", d, err)
	}
	st, err := os.Stat(f.Path(d))
	switch {
	case err == nil:
		return st.Size(), true, nil
	case errors.Is(err, fs.ErrNotExist):
		return 0, false, nil
	}
	return 0, false, fmt.Errorf("stat blob %s: %w", d, err)
}

// List walks the folder; files whose names are not digests are left out
// (store.BlobStore.Walk reports them to the hub's check).
func (f *Folder) List(ctx context.Context, fn func(evidence.Digest, int64) error) error {
	return f.blobs.Walk(ctx, func(bf store.BlobFile) error {
		if !bf.Named {
			return nil
		}
		st, err := os.Stat(bf.Path)
		if errors.Is(err, fs.ErrNotExist) { // removed while listed
			return nil
		}
		if err != nil {
			return fmt.Errorf("list blobs: %w", err)
		}
		return fn(bf.Digest, st.Size())
	})
}

// Remove deletes blob d's file and makes the removal durable.
func (f *Folder) Remove(ctx context.Context, d evidence.Digest) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("remove blob %s: %w", d, err)
	}
	p := f.Path(d)
	err := os.Remove(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("remove blob %s: %w", d, err)
	}
	dir, err := os.Open(filepath.Dir(p))
	if err != nil {
		return fmt.Errorf("remove blob %s: %w", d, err)
	}
	defer dir.Close()
	if err := dir.Sync(); err != nil {
		return fmt.Errorf("remove blob %s: fsync folder: %w", d, err)
	}
	return nil
}

// Verify re-hashes blob d's file.
func (f *Folder) Verify(ctx context.Context, d evidence.Digest) error {
	err := f.blobs.Verify(ctx, d)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrBlobMissing):
		return fmt.Errorf("verify: %w: %w", ErrNotFound, err)
	case errors.Is(err, store.ErrBlobCorrupt):
		return fmt.Errorf("verify: %w: %w", ErrCorrupt, err)
	}
	return fmt.Errorf("verify: %w", err)
}

// ctxReader stops a long copy when its context is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
