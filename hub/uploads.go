package hub

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/tus/tusd/v2/pkg/filestore"
	tusd "github.com/tus/tusd/v2/pkg/handler"

	"lawtrail/evidence"
	"lawtrail/hub/blobstore"
	"lawtrail/sync/protocol"
	"lawtrail/sync/server"
)

// uploadArea is where tus keeps uploads in progress, beside the footage
// store, and how they are locked so that any hub process sharing the
// store can resume any upload:
//
//   - footage in a folder: tusd's file store in FOLDER/tmp/uploads (the
//     blobs' file system: a finished upload moves in by rename), each
//     upload locked by flock on a file beside it (uploadlock.go);
//   - footage on S3: tusd's S3 store under PREFIX/uploads/ in the bucket
//     (blobstore.UploadStore), each upload locked by a PostgreSQL advisory
//     lock when the record is on PostgreSQL, else by flock in the data
//     folder's uploads folder (processes on one machine).
type uploadArea struct {
	folder *blobstore.Folder // footage in a folder, or nil
	s3     *blobstore.S3     // footage on S3, or nil
	dir    string            // local folder: the file store's uploads, or the lock files
	locker tusd.Locker
	close  func()
}

func openUploadArea(ctx context.Context, dataDir string, blobs blobstore.Store, dbURL string) (*uploadArea, error) {
	a := &uploadArea{close: func() {}}
	switch b := blobs.(type) {
	case *blobstore.Folder:
		a.folder, a.dir = b, filepath.Join(b.Dir(), "tmp", "uploads") // never walked as blobs
	case *blobstore.S3:
		a.s3, a.dir = b, filepath.Join(dataDir, "uploads")
	default:
		return nil, fmt.Errorf("uploads: footage store %T is neither a folder nor S3", blobs)
	}
	if err := os.MkdirAll(a.dir, 0o700); err != nil {
		return nil, fmt.Errorf("upload folder: %w", err)
	}
	if a.s3 != nil && IsDatabaseURL(dbURL) {
		l, err := openPGLocker(ctx, dbURL) // uploadlock.go
		if err != nil {
			return nil, err
		}
		a.locker, a.close = newProcessLocker(l), l.close
		return a, nil
	}
	a.locker = newProcessLocker(flockLocker{dir: a.dir})
	return a, nil
}

// UseIn implements server.UploadStore.
func (a *uploadArea) UseIn(composer *tusd.StoreComposer) {
	if a.s3 != nil {
		a.s3.UploadStore().UseIn(composer)
	} else {
		filestore.New(a.dir).UseIn(composer)
	}
	composer.UseLocker(a.locker)
}

// Uploads implements server.Backend.
func (h *Hub) Uploads() (server.UploadStore, error) { return h.ups, nil }

// uploadFile is where the file store keeps upload id's bytes and info.
func (a *uploadArea) uploadFile(id string) (string, error) {
	if !blobstore.UploadIDPattern.MatchString(id) {
		return "", fmt.Errorf("upload id %q: malformed", id)
	}
	return filepath.Join(a.dir, id), nil
}

// StoreUpload implements server.Backend: the finished upload id becomes
// blob d only when its bytes hash to d (in a folder: fsynced, re-hashed
// and renamed into place; on S3: a small upload put whole as its blob by
// its last chunk once hashed in memory, a larger one hashed while received
// or else read back, and copied to the blob's key only while it is the
// version hashed or measured — blobstore.AdoptUpload); otherwise nothing is
// stored under d and the upload is removed.
func (h *Hub) StoreUpload(ctx context.Context, terminal string, d evidence.Digest, id string) (protocol.Receipt, error) {
	a := h.ups
	if a.s3 != nil {
		err := a.s3.AdoptUpload(ctx, id, d)
		if errors.Is(err, blobstore.ErrDigestMismatch) {
			if rerr := a.s3.RemoveUpload(ctx, id); rerr != nil {
				return protocol.Receipt{}, fmt.Errorf("%w: %w (and the upload stays: %w)", server.ErrDigestMismatch, err, rerr)
			}
			return protocol.Receipt{}, fmt.Errorf("%w: %w", server.ErrDigestMismatch, err)
		}
		if err != nil {
			return protocol.Receipt{}, err
		}
		size, found, err := h.blobs.Stat(ctx, d)
		if err != nil {
			return protocol.Receipt{}, err
		}
		if !found {
			return protocol.Receipt{}, fmt.Errorf("upload %s: adopted as %s, but the blob is not found", id, d)
		}
		return h.receiveBlob(ctx, terminal, d, size)
	}
	path, err := a.uploadFile(id)
	if err != nil {
		return protocol.Receipt{}, err
	}
	rc, err := h.StoreBlob(ctx, terminal, d, path)
	if errors.Is(err, blobstore.ErrDigestMismatch) {
		os.Remove(path)
		os.Remove(path + ".info")
		return rc, fmt.Errorf("%w: %w", server.ErrDigestMismatch, err)
	}
	if err != nil {
		return rc, err
	}
	os.Remove(path + ".info")
	os.Remove(path + ".lock") // flockLocker's: the upload is gone, a later request finds nothing
	return rc, nil
}

// UploadDir is a local folder of the hub's uploads: where tus keeps
// uploads in progress when the footage is in a folder (its tmp/uploads:
// a file put there can be given to StoreBlob), or the uploads' lock files
// when it is on S3.
func (h *Hub) UploadDir() string { return h.ups.dir }
