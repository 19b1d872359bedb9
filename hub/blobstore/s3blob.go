package blobstore

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"lawtrail/evidence"
)

// Open asks for the object's size and ETag; reads are ranged GETs from
// the current offset, each made under the context given to Open and only
// while the object keeps that ETag (If-Match), so a blob replaced between
// two reads fails instead of mixing two contents.
func (s *S3) Open(ctx context.Context, d evidence.Digest) (Blob, error) {
	key := s.Key(d)
	out, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &s.cfg.Bucket, Key: &key})
	if isNotFound(err) {
		return nil, fmt.Errorf("open blob %s: %w", d, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("open blob %s: %w", d, err)
	}
	return &s3Blob{s: s, ctx: ctx, d: d, key: key, size: aws.ToInt64(out.ContentLength), etag: out.ETag}, nil
}

type s3Blob struct {
	s    *S3
	ctx  context.Context
	d    evidence.Digest
	key  string
	size int64
	etag *string
	off  int64
	body io.ReadCloser // open from off, or nil
}

func (b *s3Blob) Size() int64 { return b.size }

func (b *s3Blob) Read(p []byte) (int, error) {
	if b.off >= b.size {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	if b.body == nil {
		out, err := b.s.client.GetObject(b.ctx, &s3.GetObjectInput{
			Bucket: &b.s.cfg.Bucket, Key: &b.key, IfMatch: b.etag,
			Range: aws.String(fmt.Sprintf("bytes=%d-%d", b.off, b.size-1)),
		})
		if isNotFound(err) {
			return 0, fmt.Errorf("read blob %s: %w", b.d, ErrNotFound)
		}
		if err != nil {
			return 0, fmt.Errorf("read blob %s at %d: %w", b.d, b.off, err)
		}
		b.body = out.Body
	}
	n, err := b.body.Read(p)
	b.off += int64(n)
	if errors.Is(err, io.EOF) {
		b.body.Close()
		b.body = nil
		if b.off < b.size {
			return n, fmt.Errorf("read blob %s: %w at %d of %d", b.d, io.ErrUnexpectedEOF, b.off, b.size)
		}
		return n, nil
	}
	if err != nil {
		return n, fmt.Errorf("read blob %s at %d: %w", b.d, b.off, err)
	}
	return n, nil
}

func (b *s3Blob) Seek(offset int64, whence int) (int64, error) {
	var off int64
	switch whence {
	case io.SeekStart:
		off = offset
	case io.SeekCurrent:
		off = b.off + offset
	case io.SeekEnd:
		off = b.size + offset
	default:
		return b.off, fmt.Errorf("seek blob %s: bad whence %d", b.d, whence)
	}
	if off < 0 {
		return b.off, fmt.Errorf("seek blob %s: negative position %d", b.d, off)
	}
	if off != b.off && b.body != nil {
		b.body.Close()
		b.body = nil
	}
	b.off = off
	return off, nil
}

func (b *s3Blob) Close() error {
	if b.body != nil {
		err := b.body.Close()
		b.body = nil
		return err
	}
	return nil
}
