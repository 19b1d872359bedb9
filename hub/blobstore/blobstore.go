// Package blobstore is the hub's footage store: content-addressed blobs,
// each kept under the hex SHA-256 of its bytes, in a folder or in an S3
// bucket, behind one interface.
//
// # Why one interface
//
// A district hub keeps footage in a folder beside its SQLite record
// (Folder, which wraps store.BlobStore: blobs/ab/cdef…, written once,
// fsynced, renamed into place). A city's hub keeps it in an S3-compatible
// object store (Ceph RGW, MinIO, a cloud's) so that several hub processes
// share it (S3). Both answer Store; the hub asks for nothing else, and one
// suite (blobstoretest) runs against both with a real S3 server
// (s3test starts versitygw).
//
// # The promise
//
// Whatever the backend, a blob is found under a digest only if the bytes
// given for it hashed to that digest when they came in: Put and Adopt hash
// what they receive and store nothing when it does not match
// (ErrDigestMismatch). What the store cannot promise is that nobody with
// write access to the folder or bucket changed the bytes afterwards: Verify
// re-reads and re-hashes (ErrCorrupt), and the hub's check runs it on every
// blob. Open does not hash (it serves ranges); a reader of a whole blob
// hashes what it gets, as the terminal's FetchBlob does.
//
// # S3: how a put never leaves a wrong object under a digest's key
//
// Blobs live under PREFIX/blobs/ab/abcdef… (the whole hex digest, its
// first two digits as a folder, as in the folder store). Put reads the
// stream into a part buffer while hashing it:
//
//   - a blob that fits in one part (PartSize, 8 MiB by default) is hashed
//     whole before anything is sent, and PutObject goes to its final key
//     only when the digest matches;
//   - a larger one is sent as a multipart upload to its final key, parts
//     going up while the next one is read (at most MaxParts buffers of
//     PartSize in memory, 24 MiB by default, whatever the blob's size).
//     The object exists only once CompleteMultipartUpload is called, and it
//     is called only after the last byte was hashed and the digest matched;
//     otherwise the upload is aborted. An upload that a crash cut is not an
//     object (no GET, HEAD or LIST sees it); AbortStaleUploads, or a bucket
//     lifecycle rule "AbortIncompleteMultipartUpload", reclaims its parts.
//
// This spends no server-side copy (the temporary-key-then-copy design
// costs a second write of every byte, and a multipart copy past 5 GiB).
// Two puts of the same digest race harmlessly: both complete with the same
// bytes.
//
// Why aws-sdk-go-v2 (github.com/aws/aws-sdk-go-v2/service/s3) rather than
// minio-go: tusd's S3 upload store (github.com/tus/tusd/v2/pkg/s3store,
// which the hub's sync server can compose instead of its file store) is
// built on the same client, so one *s3.Client, one set of credentials and
// one endpoint configuration serve footage and resumable uploads alike
// (S3.Uploads, S3.AdoptUpload). Only the service/s3 module and the core
// modules it needs are required; credentials come from the environment
// through a static provider, not from the SDK's config loader.
//
// # Choosing a store
//
// Open takes the operator's --blobs value; the grammar is in Open's
// comment and ParseS3Spec's.
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
