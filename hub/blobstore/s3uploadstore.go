package blobstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	tusd "github.com/tus/tusd/v2/pkg/handler"
	"github.com/tus/tusd/v2/pkg/s3store"
)

// UploadStore is tusd's S3 store (S3.Uploads) with the ids the caller
// issues: tusd's S3 store names an upload "<object id>+<multipart id>",
// S3's multipart id being whatever the server chose (its alphabet
// differs between servers). UploadStore keeps that full id in the
// upload's info object only and answers to the object id alone, so the
// hub's upload ids have one form whatever the store, and no part of an
// id a client sends is passed on to S3 as a multipart id: the one in the
// info object, which the hub wrote, is used.
type UploadStore struct {
	store s3store.S3Store
	s     *S3
}

// UploadStore returns the S3 upload store with caller-issued ids. Create
// uploads with FileInfo.ID set (tusd's PreUploadCreateCallback's
// FileInfoChanges.ID): ids must match UploadIDPattern.
func (s *S3) UploadStore() *UploadStore { return &UploadStore{store: s.Uploads(), s: s} }

// UploadIDPattern is what UploadStore accepts as an upload id: no '+',
// '/' or '.', so an id is one object name and never a tusd S3 id.
var UploadIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,200}$`)

// UseIn puts the store in composer as its core, terminater and length
// deferrer (tusd's S3 store's concatenation is not offered).
func (u *UploadStore) UseIn(composer *tusd.StoreComposer) {
	composer.UseCore(u)
	composer.UseTerminater(u)
	composer.UseLengthDeferrer(u)
}

// NewUpload creates the multipart upload and its info object under
// info.ID.
func (u *UploadStore) NewUpload(ctx context.Context, info tusd.FileInfo) (tusd.Upload, error) {
	if !UploadIDPattern.MatchString(info.ID) {
		return nil, errors.New("s3 upload store: an upload id must be letters, digits, '_' and '-'")
	}
	id := info.ID
	up, err := u.store.NewUpload(ctx, info)
	if err != nil {
		return nil, err
	}
	if full, err := up.GetInfo(ctx); err == nil {
		u.s.hashes.putFullID(id, full.ID)
	}
	return s3HubUpload{Upload: up, id: id, u: u}, nil
}

// GetUpload reads the upload's info object for tusd's full id, unless
// this process knows it already (an upload's full id never changes; a
// removed upload's is then not found by tusd's store).
func (u *UploadStore) GetUpload(ctx context.Context, id string) (tusd.Upload, error) {
	full, err := u.fullID(ctx, id)
	if err != nil {
		return nil, err
	}
	up, err := u.store.GetUpload(ctx, full)
	if err != nil {
		return nil, err
	}
	return s3HubUpload{Upload: up, id: id, u: u}, nil
}

func (u *UploadStore) fullID(ctx context.Context, id string) (string, error) {
	if !UploadIDPattern.MatchString(id) {
		return "", tusd.ErrNotFound
	}
	if full, ok := u.s.hashes.fullID(id); ok {
		return full, nil
	}
	key := u.s.join("uploads") + "/" + id + ".info"
	out, err := u.s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &u.s.cfg.Bucket, Key: aws.String(key)})
	if isNotFound(err) {
		return "", tusd.ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("s3 upload %s: info: %w", id, err)
	}
	defer out.Body.Close()
	var info tusd.FileInfo
	if err := json.NewDecoder(out.Body).Decode(&info); err != nil {
		return "", fmt.Errorf("s3 upload %s: info: %w", id, err)
	}
	if !strings.HasPrefix(info.ID, id+"+") || len(info.ID) == len(id)+1 {
		return "", fmt.Errorf("s3 upload %s: its info names another upload", id)
	}
	u.s.hashes.putFullID(id, info.ID)
	return info.ID, nil
}

// AsTerminatableUpload implements tusd.TerminaterDataStore.
func (u *UploadStore) AsTerminatableUpload(up tusd.Upload) tusd.TerminatableUpload {
	u.s.hashes.forget(up.(s3HubUpload).id)
	return u.store.AsTerminatableUpload(up.(s3HubUpload).Upload)
}

// AsLengthDeclarableUpload implements tusd.LengthDeferrerDataStore.
func (u *UploadStore) AsLengthDeclarableUpload(up tusd.Upload) tusd.LengthDeclarableUpload {
	return u.store.AsLengthDeclarableUpload(up.(s3HubUpload).Upload)
}

// s3HubUpload is an upload of tusd's S3 store known by the caller's id.
type s3HubUpload struct {
	tusd.Upload
	id string
	u  *UploadStore
}

// WriteChunk writes the chunk: the last chunk of a small upload straight
// as its blob (writeSmall, s3uploadsmall.go) when it can, else with tusd's
// S3 store, hashing it on the way when this process holds the upload's
// hash state up to offset (see uploadHashes): AdoptUpload then need not
// read the upload back.
func (h s3HubUpload) WriteChunk(ctx context.Context, offset int64, src io.Reader) (int64, error) {
	if n, done, err := h.writeSmall(ctx, offset, &src); done {
		return n, err
	}
	return h.writeChunk(ctx, offset, src)
}

func (h s3HubUpload) writeChunk(ctx context.Context, offset int64, src io.Reader) (int64, error) {
	return h.u.s.hashes.writeChunkHashing(h.id, offset, src, func(r io.Reader) (int64, error) {
		return h.Upload.WriteChunk(ctx, offset, r)
	})
}

// FinishUpload completes the upload's multipart upload, unless its bytes
// went straight to their blob (writeSmall): then AdoptUpload removes it.
func (h s3HubUpload) FinishUpload(ctx context.Context) error {
	if _, ok := h.u.s.hashes.storedAs(h.id); ok {
		return nil
	}
	return h.Upload.FinishUpload(ctx)
}

func (h s3HubUpload) GetInfo(ctx context.Context) (tusd.FileInfo, error) {
	info, err := h.Upload.GetInfo(ctx)
	info.ID = h.id
	return info, err
}

// RemoveUpload deletes upload id's objects (the assembled object, its
// info and an incomplete part) and aborts its multipart upload if it was
// not completed. Removing an upload that is gone is not an error.
func (s *S3) RemoveUpload(ctx context.Context, id string) error {
	objectID, _, _ := strings.Cut(id, "+")
	if !UploadIDPattern.MatchString(objectID) {
		return fmt.Errorf("remove upload: malformed upload id")
	}
	s.hashes.forget(objectID)
	src := s.join("uploads") + "/" + objectID
	in := &s3.ListMultipartUploadsInput{Bucket: &s.cfg.Bucket, Prefix: aws.String(src)}
	if out, err := s.client.ListMultipartUploads(ctx, in); err == nil {
		for _, mu := range out.Uploads {
			if aws.ToString(mu.Key) == src {
				s.client.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: &s.cfg.Bucket, Key: mu.Key, UploadId: mu.UploadId})
			}
		}
	}
	return s.deleteUploadObjects(ctx, src)
}

// deleteUploadObjects deletes the upload's three objects at once (one
// round trip's wait, not three).
func (s *S3) deleteUploadObjects(ctx context.Context, src string) error {
	keys := []string{src, src + ".info", src + ".part"}
	errs := make([]error, len(keys))
	var wg sync.WaitGroup
	for i, k := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &s.cfg.Bucket, Key: aws.String(k)})
			if err != nil && !isNotFound(err) {
				errs[i] = fmt.Errorf("remove upload: delete %s: %w", k, err)
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}
