package blobstore

import (
	"bytes"
	"context"
	"fmt"
	"io"

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
// multipart upload, read-back and copy of the usual way: it takes the
// chunk and the incomplete part into memory, and when together they are
// the whole upload and hash to the digest its metadata names, it puts
// them under the blob's key (S3.Put, which hashes them again) and marks
// the upload stored for FinishUpload and AdoptUpload. done is false when
// it did not apply (not small, not the last chunk, a part not as
// expected, bytes that do not hash to the digest): *src is then what the
// usual way must write (the chunk as read).
func (h s3HubUpload) writeSmall(ctx context.Context, offset int64, src *io.Reader) (int64, bool, error) {
	info, err := h.Upload.GetInfo(ctx)
	if err != nil || info.SizeIsDeferred || info.Size > h.u.store.MinPartSize || offset > info.Size || offset != info.Offset {
		return 0, false, nil
	}
	d, err := evidence.ParseDigest(info.MetaData[UploadDigestKey])
	if err != nil {
		return 0, false, nil
	}
	chunk, rerr := io.ReadAll(io.LimitReader(*src, info.Size-offset))
	*src = bytes.NewReader(chunk)
	if rerr != nil || offset+int64(len(chunk)) != info.Size {
		return 0, false, nil
	}
	whole := chunk
	if offset > 0 {
		part, err := h.u.s.readObject(ctx, h.u.s.join("uploads")+"/"+h.id+".part", offset+1)
		if err != nil || int64(len(part)) != offset {
			return 0, false, nil
		}
		whole = append(part, chunk...)
	}
	if evidence.Sum(whole) != d {
		return 0, false, nil // the usual way refuses it at the finish
	}
	if _, err := h.u.s.Put(ctx, d, bytes.NewReader(whole)); err != nil {
		return 0, true, fmt.Errorf("s3 upload %s: %w", h.id, err)
	}
	h.u.s.hashes.markStored(h.id, storedUpload{d: d, up: h.u.store.AsTerminatableUpload(h.Upload)})
	return int64(len(chunk)), true, nil
}

// readObject reads key whole, refusing one of max bytes or more.
func (s *S3) readObject(ctx context.Context, key string, max int64) ([]byte, error) {
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &s.cfg.Bucket, Key: &key})
	if err != nil {
		return nil, err
	}
	defer out.Body.Close()
	b, err := io.ReadAll(io.LimitReader(ctxReader{ctx, out.Body}, max))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) >= max {
		return nil, fmt.Errorf("%s: larger than expected", key)
	}
	return b, nil
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
