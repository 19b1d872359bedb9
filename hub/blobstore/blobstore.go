// Package blobstore is the hub's footage store: content-addressed blobs,
// each kept under the hex SHA-256 of its bytes, in a folder or in an S3
// bucket, behind one interface.
//
// # Why one interface
//
// A district hub keeps footage in a folder beside its SQLite record
// (Folder, which wraps store.BlobStore: ab/cdef…, the digest's first two
// hex digits a folder and the other 62 the name, written to a temporary file, fsynced, renamed into place,
// read-only; the hub never seals its blobs). A city's hub keeps it in an
// S3-compatible object store (Ceph RGW, MinIO, a cloud's) so that several
// hub processes share it (S3). Both answer Store; the hub asks for nothing
// else, and one suite (package blobstoretest) runs against both, the S3
// side on a real server (package s3test starts versitygw).
//
// # The promise
//
// Whatever the backend, a blob is found under a digest only if the bytes
// given for it hashed to that digest when they came in: Put and Adopt hash
// what they receive and store nothing when it does not match
// (ErrDigestMismatch); a reader that fails or a context cancelled midway
// stores nothing either. A put of a blob held already writes the same
// bytes again, which also replaces a copy that was damaged.
//
// What no store can promise is that nobody with write access to the folder
// or the bucket changed the bytes afterwards: Verify re-reads and re-hashes
// (ErrCorrupt), and the hub's check runs it on every blob. Open does not
// hash (it serves ranges and seeks); a reader of a whole blob hashes what
// it gets, as the terminal's FetchBlob does. On S3 a blob replaced while
// open fails the next read (every ranged GET carries If-Match with the
// ETag seen at Open) rather than mixing two contents.
//
// # S3: how a put never leaves a wrong object under a digest's key
//
// Blobs are the objects PREFIX/blobs/ab/abcdef…: the whole hex digest,
// under a folder of its first two digits (so a listing of one folder
// stays small on servers that map keys to files). Put reads the
// stream into part buffers while hashing it:
//
//   - a blob that fits in one part (PartSize, 8 MiB by default) is hashed
//     whole before anything is sent, and PutObject goes to its final key
//     only when the digest matches;
//   - a larger one goes up as a multipart upload to its final key, parts
//     sent while the next one is read. S3 makes the object exist only at
//     CompleteMultipartUpload, and Put calls it only after the last byte
//     was hashed and the digest matched; otherwise, and on any failure or
//     cancellation, it aborts the upload. An upload that a crash cut is not
//     an object (no GET, HEAD or LIST sees it); AbortStaleUploads, or a
//     bucket lifecycle rule AbortIncompleteMultipartUpload, reclaims its
//     parts.
//
// This spends no server-side copy (the temporary-key-then-copy design
// writes every byte twice, and needs a multipart copy past 5 GiB). Two
// puts of one digest race harmlessly: both complete with the same bytes.
// One put holds at most Buffers × PartSize of memory (3 × 8 MiB by
// default) whatever the blob's size; buffers are pooled between puts.
// PartSize bounds a blob to 10,000 parts (78 GiB at 8 MiB; the protocol's
// limit is 64 GiB).
//
// # S3: resumable uploads
//
// S3.Uploads is tusd's S3 upload store (github.com/tus/tusd/v2/pkg/s3store)
// on the same client and bucket, its objects under PREFIX/uploads/: the
// sync server composes it instead of tusd's file store, so terminals
// resume uploads against any hub process. S3.AdoptUpload makes a finished
// upload a blob: it downloads and hashes the upload's object, copies it
// server-side to the blob's key only while it is the version hashed
// (x-amz-copy-source-if-match; in parts past CopyPartSize), and deletes
// the upload's objects.
//
// Why aws-sdk-go-v2 (github.com/aws/aws-sdk-go-v2/service/s3) and not
// minio-go: tusd's S3 store is built on aws-sdk-go-v2's S3 client, so one
// *s3.Client, one set of credentials and one endpoint configuration serve
// footage and resumable uploads alike. Only service/s3 and the core modules
// it needs are required: credentials come from the environment
// (EnvCredentials) through a static provider, not from the SDK's config
// loader, and request checksums are sent only where S3 demands them, for
// the S3-compatible servers that lack the newer trailing checksums.
//
// # Choosing a store
//
// Open takes the operator's --blobs value: "" or a path is a folder,
// s3://BUCKET?endpoint=HOST:PORT&region=R&secure=false&prefix=P&path-style=true
// a bucket (grammar in ParseS3Spec). A spec that does not parse is refused
// with an error that never repeats it, so a secret pasted into it is not
// printed.
package blobstore

import (
	"context"
	"errors"
	"io"

	"lawtrail/evidence"
)

// Errors of every Store; test them with errors.Is.
var (
	// ErrNotFound: no blob is held under the digest.
	ErrNotFound = errors.New("blob not found")
	// ErrDigestMismatch: the bytes given to Put or Adopt do not hash to the
	// digest they were given for; nothing was stored.
	ErrDigestMismatch = errors.New("content does not hash to the given digest")
	// ErrCorrupt: a held blob's bytes no longer hash to its digest (found by
	// Verify). Such a blob must not be served.
	ErrCorrupt = errors.New("blob content does not match its digest")
)

// Store keeps footage by the SHA-256 of its content. Every method is safe
// for concurrent use, also by several processes sharing one folder or
// bucket.
type Store interface {
	// Put stores the bytes of r under d, hashing them as they stream: when
	// they do not hash to d it stores nothing and returns
	// ErrDigestMismatch. A blob held already is written again with the
	// same bytes, which replaces a held copy that was damaged. Put returns
	// the number of bytes read.
	Put(ctx context.Context, d evidence.Digest, r io.Reader) (size int64, err error)
	// Adopt moves a finished local file in as blob d, after hashing it:
	// the folder renames it into place, S3 streams it up and then removes
	// it. On any error the file is left where it was.
	Adopt(ctx context.Context, path string, d evidence.Digest) error
	// Open returns the blob for reading and seeking, or ErrNotFound. It
	// does not hash; see Verify.
	Open(ctx context.Context, d evidence.Digest) (Blob, error)
	// Stat reports whether blob d is held and its size (without reading it).
	Stat(ctx context.Context, d evidence.Digest) (size int64, found bool, err error)
	// List calls fn for every blob held, in no promised order, until fn
	// returns an error (which List returns). Objects or files whose names
	// are not digests are left out.
	List(ctx context.Context, fn func(d evidence.Digest, size int64) error) error
	// Remove deletes blob d; removing a blob not held is not an error.
	Remove(ctx context.Context, d evidence.Digest) error
	// Verify re-reads blob d and re-hashes it: ErrNotFound when it is
	// missing, ErrCorrupt when its bytes do not hash to d.
	Verify(ctx context.Context, d evidence.Digest) error
}

// Blob is one held blob opened for reading. Read and Seek follow io's
// rules; Size is the blob's length in bytes.
type Blob interface {
	io.ReadSeekCloser
	Size() int64
}
