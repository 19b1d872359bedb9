package blobstore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"lawtrail/evidence"
)

// S3Config says which bucket holds the footage and how to reach it.
// ParseS3Spec fills it from the operator's s3:// value.
type S3Config struct {
	Bucket string
	// Prefix is put before every key ("" or slash-separated segments of
	// letters, digits, '.', '_' and '-'; no "." or ".." segment).
	Prefix string
	// Endpoint is host[:port] of an S3-compatible server; "" is AWS's
	// endpoint for Region.
	Endpoint  string
	Region    string // "us-east-1" when empty
	Insecure  bool   // plain http:// to Endpoint (a test server, a private network)
	PathStyle bool   // https://host/bucket/key instead of https://bucket.host/key
	// Credentials sign every request; nil reads them from the environment
	// (EnvCredentials).
	Credentials aws.CredentialsProvider

	// PartSize is the size of a multipart upload's parts and of Put's
	// buffers (8 MiB when zero; S3 needs at least 5 MiB).
	PartSize int64
	// Buffers is how many part buffers one Put holds at most: one being
	// filled, the others going up (3 when zero). Put's memory is
	// Buffers × PartSize whatever the blob's size.
	Buffers int
	// ListPageSize is the keys asked for per LIST request (1000 when zero).
	ListPageSize int32
	// CopyPartSize: AdoptUpload copies an object larger than this in parts
	// of this size (1 GiB when zero; S3 copies at most 5 GiB at once).
	CopyPartSize int64
}

const (
	defaultPartSize     = 8 << 20
	minPartSize         = 5 << 20
	maxParts            = 10000 // S3's limit on a multipart upload's parts
	defaultBuffers      = 3
	defaultListPageSize = 1000
	defaultCopyPartSize = 1 << 30
)

// S3 keeps footage as objects PREFIX/blobs/ab/abcdef… in one bucket.
type S3 struct {
	client *s3.Client
	cfg    S3Config
	blobs  string       // key prefix of blobs, ending in "/"
	bufs   sync.Pool    // []byte of PartSize, reused by puts
	hashes uploadHashes // receive-time hash states of uploads (s3uploadhash.go)
}

// buffer returns a part buffer from the pool (puts of small blobs would
// otherwise allocate PartSize each).
func (s *S3) buffer() []byte {
	if b, ok := s.bufs.Get().([]byte); ok {
		return b
	}
	return make([]byte, s.cfg.PartSize)
}

// NewS3 builds the S3 store from cfg. It sends nothing; Open checks the
// bucket answers.
func NewS3(cfg S3Config) (*S3, error) {
	if err := checkBucket(cfg.Bucket); err != nil {
		return nil, err
	}
	if err := checkPrefix(cfg.Prefix); err != nil {
		return nil, err
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if cfg.PartSize == 0 {
		cfg.PartSize = defaultPartSize
	}
	if cfg.PartSize < minPartSize {
		return nil, fmt.Errorf("s3 footage store: part size %d is below S3's minimum of 5 MiB", cfg.PartSize)
	}
	if cfg.Buffers == 0 {
		cfg.Buffers = defaultBuffers
	}
	if cfg.Buffers < 1 {
		return nil, fmt.Errorf("s3 footage store: %d buffers", cfg.Buffers)
	}
	if cfg.ListPageSize <= 0 {
		cfg.ListPageSize = defaultListPageSize
	}
	if cfg.CopyPartSize == 0 {
		cfg.CopyPartSize = defaultCopyPartSize
	}
	if cfg.CopyPartSize < minPartSize || cfg.CopyPartSize > 5<<30 {
		return nil, fmt.Errorf("s3 footage store: copy part size %d is outside 5 MiB–5 GiB", cfg.CopyPartSize)
	}
	if cfg.Credentials == nil {
		creds, err := EnvCredentials()
		if err != nil {
			return nil, err
		}
		cfg.Credentials = creds
	}
	opts := s3.Options{
		Region:       cfg.Region,
		Credentials:  cfg.Credentials,
		UsePathStyle: cfg.PathStyle,
		// Checksums only where S3 demands them: S3-compatible servers
		// differ in the newer trailing-checksum encodings, and every byte
		// is hashed with SHA-256 here anyway.
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	}
	if cfg.Endpoint != "" {
		scheme := "https://"
		if cfg.Insecure {
			scheme = "http://"
		}
		opts.BaseEndpoint = aws.String(scheme + cfg.Endpoint)
	}
	s := &S3{client: s3.New(opts), cfg: cfg}
	s.blobs = s.join("blobs") + "/"
	return s, nil
}

// EnvCredentials reads AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and the
// optional AWS_SESSION_TOKEN once. An error names a missing variable,
// never a value.
func EnvCredentials() (aws.CredentialsProvider, error) {
	id, secret := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	switch {
	case id == "":
		return nil, errors.New("s3 footage store: AWS_ACCESS_KEY_ID is not set")
	case secret == "":
		return nil, errors.New("s3 footage store: AWS_SECRET_ACCESS_KEY is not set")
	}
	creds := aws.Credentials{AccessKeyID: id, SecretAccessKey: secret,
		SessionToken: os.Getenv("AWS_SESSION_TOKEN"), Source: "environment"}
	return aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return creds, nil
	}), nil
}

// Client is the S3 client the store uses (tusd's S3 store takes it too).
func (s *S3) Client() *s3.Client { return s.client }

// Bucket is the bucket's name.
func (s *S3) Bucket() string { return s.cfg.Bucket }

// Key is blob d's object key: PREFIX/blobs/ab/abcdef….
func (s *S3) Key(d evidence.Digest) string {
	h := d.String()
	return s.blobs + h[:2] + "/" + h
}

func (s *S3) join(name string) string {
	if s.cfg.Prefix == "" {
		return name
	}
	return s.cfg.Prefix + "/" + name
}

// Ping checks that the bucket exists and the credentials are taken.
func (s *S3) Ping(ctx context.Context) error {
	if _, err := s.client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &s.cfg.Bucket}); err != nil {
		return fmt.Errorf("s3 bucket %s: %w", s.cfg.Bucket, err)
	}
	return nil
}

// Put hashes r while it goes up and makes it an object under d's key only
// when it matched (see the package comment).
func (s *S3) Put(ctx context.Context, d evidence.Digest, r io.Reader) (int64, error) {
	n, err := s.upload(ctx, d, ctxReader{ctx, r})
	if err != nil {
		return n, fmt.Errorf("put blob %s: %w", d, err)
	}
	return n, nil
}

func (s *S3) upload(ctx context.Context, d evidence.Digest, r io.Reader) (int64, error) {
	h := sha256.New()
	first := s.buffer()
	defer s.bufs.Put(first)
	n, err := io.ReadFull(r, first)
	h.Write(first[:n])
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		// The whole blob is in memory: check it before anything is sent.
		if got := evidence.Digest(h.Sum(nil)); got != d {
			return int64(n), fmt.Errorf("%w (got %s)", ErrDigestMismatch, got)
		}
		_, err := s.client.PutObject(ctx, &s3.PutObjectInput{
			Bucket: &s.cfg.Bucket, Key: aws.String(s.Key(d)),
			Body: bytes.NewReader(first[:n]), ContentLength: aws.Int64(int64(n)),
		})
		if err != nil {
			return int64(n), fmt.Errorf("put object: %w", err)
		}
		return int64(n), nil
	}
	if err != nil {
		return int64(n), fmt.Errorf("read: %w", err)
	}
	return s.uploadParts(ctx, d, r, h, first)
}

// multipart is one multipart upload to a blob's final key, aborted unless
// completed.
type multipart struct {
	s      *S3
	key    string
	id     string
	mu     sync.Mutex
	parts  []types.CompletedPart
	failed error
}

func (m *multipart) fail(err error) {
	m.mu.Lock()
	if m.failed == nil {
		m.failed = err
	}
	m.mu.Unlock()
}

func (m *multipart) err() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.failed
}

// abort runs even when ctx was cancelled: the parts would cost storage.
func (m *multipart) abort(ctx context.Context) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	m.s.client.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{
		Bucket: &m.s.cfg.Bucket, Key: &m.key, UploadId: &m.id})
}

func (s *S3) uploadParts(ctx context.Context, d evidence.Digest, r io.Reader, h hash.Hash, first []byte) (int64, error) {
	key := s.Key(d)
	created, err := s.client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{
		Bucket: &s.cfg.Bucket, Key: &key})
	if err != nil {
		return 0, fmt.Errorf("create multipart upload: %w", err)
	}
	m := &multipart{s: s, key: key, id: aws.ToString(created.UploadId)}
	completed := false
	defer func() {
		if !completed {
			m.abort(ctx)
		}
	}()
	partCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	free := make(chan []byte, s.cfg.Buffers)
	for range s.cfg.Buffers - 1 {
		b := s.buffer()
		defer s.bufs.Put(b) // after every part's goroutine ended (wg.Wait on every return)
		free <- b
	}
	var wg sync.WaitGroup
	total, part, buf := int64(len(first)), int32(1), first
	data := first
	for {
		wg.Add(1)
		go func(num int32, buf, data []byte) {
			defer wg.Done()
			if err := m.uploadPart(partCtx, num, data); err != nil {
				m.fail(err)
				cancel()
			}
			free <- buf
		}(part, buf, data)
		select {
		case buf = <-free:
		case <-partCtx.Done():
			wg.Wait()
			return total, m.errOr(ctx)
		}
		n, err := io.ReadFull(r, buf)
		h.Write(buf[:n])
		total += int64(n)
		if n == 0 && errors.Is(err, io.EOF) {
			break
		}
		if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
			cancel()
			wg.Wait()
			return total, fmt.Errorf("read: %w", err)
		}
		if part++; part > maxParts {
			cancel()
			wg.Wait()
			return total, fmt.Errorf("blob larger than %d parts of %d bytes", maxParts, s.cfg.PartSize)
		}
		data = buf[:n]
		if err != nil { // io.ErrUnexpectedEOF: this is the last part
			wg.Add(1)
			go func(num int32, data []byte) {
				defer wg.Done()
				if err := m.uploadPart(partCtx, num, data); err != nil {
					m.fail(err)
				}
			}(part, data)
			break
		}
	}
	wg.Wait()
	if err := m.err(); err != nil {
		return total, err
	}
	if got := evidence.Digest(h.Sum(nil)); got != d {
		return total, fmt.Errorf("%w (got %s)", ErrDigestMismatch, got)
	}
	slices.SortFunc(m.parts, func(a, b types.CompletedPart) int { return int(*a.PartNumber - *b.PartNumber) })
	_, err = s.client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket: &s.cfg.Bucket, Key: &key, UploadId: &m.id,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: m.parts},
	})
	if err != nil {
		return total, fmt.Errorf("complete multipart upload: %w", err)
	}
	completed = true
	return total, nil
}

// errOr is the upload's first failure, or ctx's error when the caller
// cancelled.
func (m *multipart) errOr(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := m.err(); err != nil {
		return err
	}
	return context.Canceled
}

func (m *multipart) uploadPart(ctx context.Context, num int32, data []byte) error {
	out, err := m.s.client.UploadPart(ctx, &s3.UploadPartInput{
		Bucket: &m.s.cfg.Bucket, Key: &m.key, UploadId: &m.id, PartNumber: aws.Int32(num),
		Body: bytes.NewReader(data), ContentLength: aws.Int64(int64(len(data))),
	})
	if err != nil {
		return fmt.Errorf("upload part %d: %w", num, err)
	}
	m.mu.Lock()
	m.parts = append(m.parts, types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(num)})
	m.mu.Unlock()
	return nil
}

// Adopt streams the file at path up as blob d and removes the file once
// the object is complete.
func (s *S3) Adopt(ctx context.Context, path string, d evidence.Digest) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("adopt %s: %w", path, err)
	}
	_, err = s.Put(ctx, d, f)
	f.Close()
	if err != nil {
		return fmt.Errorf("adopt %s: %w", path, err)
	}
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("adopt %s: remove the adopted file: %w", path, err)
	}
	return nil
}

// Stat asks for the object's size with a HEAD request.
func (s *S3) Stat(ctx context.Context, d evidence.Digest) (int64, bool, error) {
	out, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &s.cfg.Bucket, Key: aws.String(s.Key(d))})
	if isNotFound(err) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("stat blob %s: %w", d, err)
	}
	return aws.ToInt64(out.ContentLength), true, nil
}

// List pages through the keys under PREFIX/blobs/.
func (s *S3) List(ctx context.Context, fn func(evidence.Digest, int64) error) error {
	in := &s3.ListObjectsV2Input{Bucket: &s.cfg.Bucket, Prefix: &s.blobs, MaxKeys: &s.cfg.ListPageSize}
	for {
		out, err := s.client.ListObjectsV2(ctx, in)
		if err != nil {
			return fmt.Errorf("list blobs: %w", err)
		}
		for _, o := range out.Contents {
			d, ok := s.digestOf(aws.ToString(o.Key))
			if !ok {
				continue
			}
			if err := fn(d, aws.ToInt64(o.Size)); err != nil {
				return err
			}
		}
		if !aws.ToBool(out.IsTruncated) || aws.ToString(out.NextContinuationToken) == "" {
			return nil
		}
		in.ContinuationToken = out.NextContinuationToken
	}
}

// digestOf reads a blob key back; any other key is not a blob.
func (s *S3) digestOf(key string) (evidence.Digest, bool) {
	rest, ok := strings.CutPrefix(key, s.blobs)
	if !ok || len(rest) != 2+1+64 || rest[2] != '/' || rest[:2] != rest[3:5] {
		return evidence.Digest{}, false
	}
	d, err := evidence.ParseDigest(rest[3:])
	return d, err == nil
}

// Remove deletes blob d's object.
func (s *S3) Remove(ctx context.Context, d evidence.Digest) error {
	_, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &s.cfg.Bucket, Key: aws.String(s.Key(d))})
	if err != nil && !isNotFound(err) {
		return fmt.Errorf("remove blob %s: %w", d, err)
	}
	return nil
}

// Verify downloads blob d and hashes it.
func (s *S3) Verify(ctx context.Context, d evidence.Digest) error {
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &s.cfg.Bucket, Key: aws.String(s.Key(d))})
	if isNotFound(err) {
		return fmt.Errorf("verify blob %s: %w", d, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("verify blob %s: %w", d, err)
	}
	defer out.Body.Close()
	h := sha256.New()
	if _, err := io.Copy(h, ctxReader{ctx, out.Body}); err != nil {
		return fmt.Errorf("verify blob %s: read: %w", d, err)
	}
	if got := evidence.Digest(h.Sum(nil)); got != d {
		return fmt.Errorf("verify blob %s: %w: content hashes to %s", d, ErrCorrupt, got)
	}
	return nil
}

// isNotFound tells a missing object (404, NoSuchKey, NotFound) from other
// failures. A missing bucket is another failure: Open pings the bucket.
func isNotFound(err error) bool {
	if err == nil {
		return false
	}
	var api smithy.APIError
	if errors.As(err, &api) && api.ErrorCode() == "NoSuchBucket" {
		return false
	}
	var nsk *types.NoSuchKey
	var nf *types.NotFound
	if errors.As(err, &nsk) || errors.As(err, &nf) {
		return true
	}
	var re *awshttp.ResponseError
	return errors.As(err, &re) && re.HTTPStatusCode() == 404
}

// ListStray calls fn for every key under PREFIX/blobs/ that is not a
// blob's key (PREFIX/blobs/ab/abcdef…): objects something other than the
// store put there. It costs a LIST request per 1,000 keys, as List does.
func (s *S3) ListStray(ctx context.Context, fn func(key string) error) error {
	in := &s3.ListObjectsV2Input{Bucket: &s.cfg.Bucket, Prefix: &s.blobs, MaxKeys: &s.cfg.ListPageSize}
	for {
		out, err := s.client.ListObjectsV2(ctx, in)
		if err != nil {
			return fmt.Errorf("list blob keys: %w", err)
		}
		for _, o := range out.Contents {
			if _, ok := s.digestOf(aws.ToString(o.Key)); !ok {
				if err := fn(aws.ToString(o.Key)); err != nil {
					return err
				}
			}
		}
		if !aws.ToBool(out.IsTruncated) || aws.ToString(out.NextContinuationToken) == "" {
			return nil
		}
		in.ContinuationToken = out.NextContinuationToken
	}
}
