package blobstore

import (
	"context"
	"crypto/sha256"
	"encoding"
	"errors"
	"hash"
	"io"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"lawtrail/evidence"
)

// maxHashStates bounds the receive-time hash states one process keeps
// (about 200 bytes each): uploads abandoned mid-way leave theirs until
// this many are held, then an arbitrary one is dropped (its upload, if it
// finishes, is read back instead).
const maxHashStates = 4096

// hashState is the SHA-256 state of an upload's bytes [0, offset), taken
// while this process received them (UploadStore's WriteChunk).
type hashState struct {
	offset int64
	state  []byte // sha256's MarshalBinary
}

// uploadHashes are the receive-time hash states of this process's uploads,
// by object id. A state is only ever an optimisation: AdoptUpload uses it
// when it covers exactly the finished object's size and sums to the named
// digest, and reads the upload back otherwise (a state this process does
// not have because another process received some chunk, one that is
// behind, or one that is wrong).
type uploadHashes struct {
	mu      sync.Mutex
	states  map[string]hashState
	fullIDs map[string]string       // tusd's full ids of uploads, by object id (UploadStore.fullID)
	stored  map[string]storedUpload // uploads stored straight as blobs (writeSmall), until adopted
}

func (u *uploadHashes) markStored(id string, st storedUpload) {
	u.mu.Lock()
	defer u.mu.Unlock()
	putBounded(&u.stored, id, st)
}

func (u *uploadHashes) storedAs(id string) (storedUpload, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	st, ok := u.stored[id]
	return st, ok
}

func (u *uploadHashes) fullID(id string) (string, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	full, ok := u.fullIDs[id]
	return full, ok
}

func (u *uploadHashes) putFullID(id, full string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	putBounded(&u.fullIDs, id, full)
}

func (u *uploadHashes) get(id string) (hashState, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	st, ok := u.states[id]
	return st, ok
}

func (u *uploadHashes) put(id string, st hashState) {
	u.mu.Lock()
	defer u.mu.Unlock()
	putBounded(&u.states, id, st)
}

// putBounded sets (*m)[id], first making room by dropping some other
// entry when the map holds maxHashStates already (see maxHashStates). The
// caller holds the lock.
func putBounded[V any](m *map[string]V, id string, v V) {
	if *m == nil {
		*m = make(map[string]V)
	}
	if _, ok := (*m)[id]; !ok && len(*m) >= maxHashStates {
		for k := range *m {
			delete(*m, k)
			break
		}
	}
	(*m)[id] = v
}

func (u *uploadHashes) drop(id string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	delete(u.states, id)
}

// forget drops all this process knows of upload id (it is adopted or
// removed).
func (u *uploadHashes) forget(id string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	delete(u.states, id)
	delete(u.fullIDs, id)
	delete(u.stored, id)
}

// digest returns the digest a state sums to.
func (st hashState) digest() (evidence.Digest, bool) {
	h := sha256.New()
	if err := h.(encoding.BinaryUnmarshaler).UnmarshalBinary(st.state); err != nil {
		return evidence.Digest{}, false
	}
	return evidence.Digest(h.Sum(nil)), true
}

// writeChunkHashing runs write (the S3 store's WriteChunk of upload id at
// offset) with src teed into the upload's hash state, and keeps the state
// advanced only when it covers exactly the bytes the store took: a chunk
// at offset 0 starts one, a chunk at the state's offset continues it, and
// anything else (no state: an earlier chunk reached another process; an
// error; fewer bytes taken than read) drops it.
func (u *uploadHashes) writeChunkHashing(id string, offset int64, src io.Reader, write func(io.Reader) (int64, error)) (int64, error) {
	h := sha256.New()
	st, ok := u.get(id)
	switch {
	case offset == 0:
		ok = true
	case ok && st.offset == offset:
		if err := h.(encoding.BinaryUnmarshaler).UnmarshalBinary(st.state); err != nil {
			ok = false
		}
	default:
		ok = false
	}
	if !ok {
		u.drop(id)
		return write(src)
	}
	tee := &countingTee{r: src, h: h}
	n, err := write(tee)
	if err != nil || n != tee.n {
		u.drop(id)
		return n, err
	}
	state, merr := h.(encoding.BinaryMarshaler).MarshalBinary()
	if merr != nil {
		u.drop(id)
		return n, nil
	}
	u.put(id, hashState{offset: offset + n, state: state})
	return n, nil
}

// countingTee hashes and counts what is read through it.
type countingTee struct {
	r io.Reader
	h hash.Hash
	n int64
}

func (t *countingTee) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	t.h.Write(p[:n])
	t.n += int64(n)
	return n, err
}

// adoptableWithoutReadBack reports whether this process's hash state of
// the upload objectID covers exactly size bytes and sums to d.
func (u *uploadHashes) adoptableWithoutReadBack(objectID string, size int64, d evidence.Digest) bool {
	st, ok := u.get(objectID)
	if !ok || st.offset != size {
		return false
	}
	got, ok := st.digest()
	return ok && got == d
}

// headObject returns key's ETag and size.
func (s *S3) headObject(ctx context.Context, key string) (*string, int64, error) {
	out, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &s.cfg.Bucket, Key: &key})
	if isNotFound(err) {
		return nil, 0, ErrNotFound
	}
	if err != nil {
		return nil, 0, err
	}
	if out.ContentLength == nil {
		return nil, 0, errors.New("no content length")
	}
	return out.ETag, *out.ContentLength, nil
}
