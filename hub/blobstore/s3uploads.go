package blobstore

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/tus/tusd/v2/pkg/s3store"

	"lawtrail/evidence"
)

// Uploads returns tusd's S3 upload store on the same client and bucket,
// keeping resumable uploads under PREFIX/uploads/ (apart from the blobs):
// the sync server composes it (UseIn) instead of tusd's file store. A
// finished upload is the object PREFIX/uploads/<object id> with its
// metadata beside it (<object id>.info); AdoptUpload makes it a blob.
func (s *S3) Uploads() s3store.S3Store {
	st := s3store.New(s.cfg.Bucket, s.client)
	st.ObjectPrefix = s.join("uploads")
	return st
}

// AdoptUpload makes the finished tus upload id (as tusd names it,
// "<object id>+<multipart id>") blob d. A small upload whose last chunk
// this process stored as blob d already (UploadStore's WriteChunk, which
// hashed the whole upload in memory before putting it) is only removed.
// Otherwise it takes the digest of the bytes
// this process hashed while receiving them (UploadStore's WriteChunk)
// when that state covers exactly the upload's object, and otherwise
// downloads and hashes the object; either must be d. It copies the
// object server-side to d's key only while it is the version that was
// hashed or measured (x-amz-copy-source-if-match), then deletes the
// upload's objects. On a mismatch (ErrDigestMismatch) the upload is left
// for the caller to terminate.
func (s *S3) AdoptUpload(ctx context.Context, id string, d evidence.Digest) error {
	objectID, _, _ := strings.Cut(id, "+")
	if objectID == "" || strings.Contains(objectID, "/") || strings.HasPrefix(objectID, ".") {
		return fmt.Errorf("adopt upload: malformed upload id")
	}
	if found, err := s.adoptStored(ctx, objectID, d); found {
		return err
	}
	src := s.join("uploads") + "/" + objectID
	// Whether d is held already is asked meanwhile (one round trip's wait).
	var found bool
	var statErr error
	statDone := make(chan struct{})
	go func() {
		defer close(statDone)
		_, found, statErr = s.Stat(ctx, d)
	}()
	etag, size, err := s.headObject(ctx, src)
	if err == nil && !s.hashes.adoptableWithoutReadBack(objectID, size, d) {
		etag, size, err = s.hashObject(ctx, src, d)
	}
	<-statDone
	if err != nil {
		return fmt.Errorf("adopt upload %s as %s: %w", objectID, d, err)
	}
	if statErr != nil {
		return fmt.Errorf("adopt upload %s: %w", objectID, statErr)
	} else if !found {
		if err := s.copyObject(ctx, src, etag, size, s.Key(d)); err != nil {
			return fmt.Errorf("adopt upload %s as %s: %w", objectID, d, err)
		}
	}
	s.hashes.forget(objectID)
	if err := s.deleteUploadObjects(ctx, src); err != nil {
		return fmt.Errorf("adopt upload %s: %w", objectID, err)
	}
	return nil
}

// hashObject downloads key, checks it hashes to d and returns its ETag and
// size.
func (s *S3) hashObject(ctx context.Context, key string, d evidence.Digest) (*string, int64, error) {
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &s.cfg.Bucket, Key: &key})
	if isNotFound(err) {
		return nil, 0, ErrNotFound
	}
	if err != nil {
		return nil, 0, err
	}
	defer out.Body.Close()
	h := sha256.New()
	n, err := io.Copy(h, ctxReader{ctx, out.Body})
	if err != nil {
		return nil, 0, fmt.Errorf("read: %w", err)
	}
	if got := evidence.Digest(h.Sum(nil)); got != d {
		return nil, 0, fmt.Errorf("%w (got %s)", ErrDigestMismatch, got)
	}
	return out.ETag, n, nil
}

// copyObject copies src (while its ETag is etag) to dst, in parts of
// CopyPartSize when larger.
func (s *S3) copyObject(ctx context.Context, src string, etag *string, size int64, dst string) error {
	source := url.PathEscape(s.cfg.Bucket) + "/" + escapeKey(src)
	if size <= s.cfg.CopyPartSize {
		_, err := s.client.CopyObject(ctx, &s3.CopyObjectInput{
			Bucket: &s.cfg.Bucket, Key: &dst, CopySource: &source, CopySourceIfMatch: etag})
		if err != nil {
			return fmt.Errorf("copy: %w", err)
		}
		return nil
	}
	created, err := s.client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: &s.cfg.Bucket, Key: &dst})
	if err != nil {
		return fmt.Errorf("copy: %w", err)
	}
	m := &multipart{s: s, key: dst, id: aws.ToString(created.UploadId)}
	for off, num := int64(0), int32(1); off < size; off, num = off+s.cfg.CopyPartSize, num+1 {
		end := min(off+s.cfg.CopyPartSize, size) - 1
		out, err := s.client.UploadPartCopy(ctx, &s3.UploadPartCopyInput{
			Bucket: &s.cfg.Bucket, Key: &dst, UploadId: &m.id, PartNumber: aws.Int32(num),
			CopySource: &source, CopySourceIfMatch: etag,
			CopySourceRange: aws.String(fmt.Sprintf("bytes=%d-%d", off, end)),
		})
		if err != nil {
			m.abort(ctx)
			return fmt.Errorf("copy part %d: %w", num, err)
		}
		m.parts = append(m.parts, types.CompletedPart{ETag: out.CopyPartResult.ETag, PartNumber: aws.Int32(num)})
	}
	_, err = s.client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket: &s.cfg.Bucket, Key: &dst, UploadId: &m.id,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: m.parts},
	})
	if err != nil {
		m.abort(ctx)
		return fmt.Errorf("copy: complete: %w", err)
	}
	return nil
}

func escapeKey(key string) string {
	segs := strings.Split(key, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

// AbortStaleUploads aborts the multipart uploads of blobs begun before
// olderThan ago: puts that a crash or a lost connection cut, whose parts
// S3 keeps (and bills) until aborted. It returns how many it aborted.
// Give olderThan well above the longest put (a day), or set a bucket
// lifecycle rule instead.
func (s *S3) AbortStaleUploads(ctx context.Context, olderThan time.Duration) (int, error) {
	cutoff := time.Now().Add(-olderThan)
	in := &s3.ListMultipartUploadsInput{Bucket: &s.cfg.Bucket, Prefix: &s.blobs}
	aborted := 0
	for {
		out, err := s.client.ListMultipartUploads(ctx, in)
		if err != nil {
			return aborted, fmt.Errorf("list multipart uploads: %w", err)
		}
		for _, u := range out.Uploads {
			if u.Initiated == nil || u.Initiated.After(cutoff) {
				continue
			}
			_, err := s.client.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{
				Bucket: &s.cfg.Bucket, Key: u.Key, UploadId: u.UploadId})
			if err != nil && !isNotFound(err) {
				return aborted, fmt.Errorf("abort multipart upload of %s: %w", aws.ToString(u.Key), err)
			}
			aborted++
		}
		if !aws.ToBool(out.IsTruncated) {
			return aborted, nil
		}
		in.KeyMarker, in.UploadIdMarker = out.NextKeyMarker, out.NextUploadIdMarker
	}
}
