package blobstore

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	tusd "github.com/tus/tusd/v2/pkg/handler"

	"lawtrail/evidence"
)

// UploadDigestKey is the upload metadata key naming the digest an
// upload's bytes must hash to, as the sync server sets it when it creates
// an upload. UploadStore uses it to store a small upload's bytes straight
// as their blob.
const UploadDigestKey = "digest"

// storedUpload is an upload whose bytes writeSmall stored as blob d.
type storedUpload struct {
	d  evidence.Digest
	up tusd.TerminatableUpload
}

// writeSmall stores the last chunk of a small upload (one no larger than
// tusd's S3 store's minimum part, so everything before its last chunk is
// the store's incomplete part object) straight as its blob, without the
// multipart upload, read-back and copy of the usual way: it reads the
// incomplete part while the chunk arrives, and when together they are the
// whole upload and hash to the digest its metadata names, it puts them
// under the blob's key and marks the upload stored for FinishUpload and
// AdoptUpload. done is false when it did not apply (not small, not the
// last chunk, a part not as expected, bytes that do not hash to the
// digest): *src is then what the usual way must write (the chunk as read).
func (h s3HubUpload) writeSmall(ctx context.Context, offset int64, src *io.Reader) (int64, bool, error) {
	info, err := h.Upload.GetInfo(ctx)
	if err != nil || info.SizeIsDeferred || info.Size > h.u.store.MinPartSize || offset > info.Size || offset != info.Offset {
		return 0, false, nil
	}
	d, err := evidence.ParseDigest(info.MetaData[UploadDigestKey])
	if err != nil {
		return 0, false, nil
	}
	whole := make([]byte, info.Size)
	partRead := make(chan error, 1)
	if offset > 0 {
		go func() { partRead <- h.u.s.readObjectInto(ctx, h.u.s.join("uploads")+"/"+h.id+".part", whole[:offset]) }()
	} else {
		partRead <- nil
	}
	n, rerr := io.ReadFull(*src, whole[offset:])
	perr := <-partRead
	*src = bytes.NewReader(whole[offset : offset+int64(n)])
	if rerr != nil || perr != nil {
		return 0, false, nil
	}
	if evidence.Sum(whole) != d {
		return 0, false, nil // the usual way refuses it at the finish
	}
	_, err = h.u.s.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket: &h.u.s.cfg.Bucket, Key: aws.String(h.u.s.Key(d)),
		Body: bytes.NewReader(whole), ContentLength: aws.Int64(info.Size),
	})
	if err != nil {
		return 0, true, fmt.Errorf("s3 upload %s: put blob %s: %w", h.id, d, err)
	}
	h.u.s.hashes.markStored(h.id, storedUpload{d: d, up: h.u.store.AsTerminatableUpload(h.Upload)})
	return int64(n), true, nil
}

// readObjectInto reads key into dst, which it must fill exactly.
func (s *S3) readObjectInto(ctx context.Context, key string, dst []byte) error {
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &s.cfg.Bucket, Key: &key})
	if err != nil {
		return err
	}
	defer out.Body.Close()
	if _, err := io.ReadFull(ctxReader{ctx, out.Body}, dst); err != nil {
		return fmt.Errorf("%s: %w", key, err)
	}
	if n, _ := out.Body.Read(make([]byte, 1)); n > 0 {
		return fmt.Errorf("%s: larger than expected", key)
	}
	return nil
}

// adoptStored finishes AdoptUpload of an upload writeSmall stored as d:
// it removes the upload (its multipart upload aborted, its objects
// deleted). found is false when this process stored no such upload.
func (s *S3) adoptStored(ctx context.Context, objectID string, d evidence.Digest) (found bool, err error) {
	st, ok := s.hashes.storedAs(objectID)
	if !ok || st.d != d {
		return false, nil
	}
	s.hashes.forget(objectID)
	if err := st.up.Terminate(ctx); err != nil {
		return true, fmt.Errorf("adopt upload %s: remove: %w", objectID, err)
	}
	return true, nil
}
