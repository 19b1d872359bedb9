package blobstore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	tusd "github.com/tus/tusd/v2/pkg/handler"

	"lawtrail/evidence"
	"lawtrail/hub/blobstore/s3test"
)

// hashTestStore is one hub process's S3 store on srv's bucket.
func hashTestStore(t *testing.T, srv s3test.Server) *S3 {
	t.Helper()
	cfg, err := ParseS3Spec(srv.Spec("h"))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Credentials = srv.Credentials()
	s, err := NewS3(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func hashTestBytes(seed byte, n int) []byte {
	b := make([]byte, n)
	var s [32]byte
	s[0] = seed
	rand.NewChaCha8(s).Read(b)
	return b
}

// sendUpload creates upload id on the first store and writes b in chunks
// of chunk bytes, chunk i through stores[i%len(stores)] (each a separate
// hub process), then finishes it.
func sendUpload(t *testing.T, id string, b []byte, chunk int, stores ...*S3) {
	t.Helper()
	sendUploadNamed(t, id, b, chunk, tusd.MetaData{}, nil, stores...)
}

// sendUploadNamed is sendUpload with the upload's metadata, and between
// chunks a call of between (when not nil) with the next chunk's offset.
func sendUploadNamed(t *testing.T, id string, b []byte, chunk int, meta tusd.MetaData, between func(off int), stores ...*S3) {
	t.Helper()
	ctx := context.Background()
	if _, err := stores[0].UploadStore().NewUpload(ctx, tusd.FileInfo{ID: id, Size: int64(len(b)), MetaData: meta}); err != nil {
		t.Fatal(err)
	}
	var up tusd.Upload
	for i, off := 0, 0; off < len(b); i, off = i+1, off+chunk {
		if between != nil && off > 0 {
			between(off)
		}
		var err error
		up, err = stores[i%len(stores)].UploadStore().GetUpload(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		end := min(off+chunk, len(b))
		if n, err := up.WriteChunk(ctx, int64(off), bytes.NewReader(b[off:end])); err != nil || n != int64(end-off) {
			t.Fatalf("write chunk at %d: %d, %v", off, n, err)
		}
	}
	if err := up.FinishUpload(ctx); err != nil {
		t.Fatal(err)
	}
}

// plant puts a hash state of data, covering its length, for upload id.
func plant(t *testing.T, s *S3, id string, data []byte) {
	t.Helper()
	h := sha256.New()
	h.Write(data)
	st, err := h.(encoding.BinaryMarshaler).MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	s.hashes.put(id, hashState{offset: int64(len(data)), state: st})
}

// TestS3UploadHashedWhileReceived: an upload received by one process is
// adopted from the hash taken on the way (no read-back), in one chunk and
// in several, and the blob holds the bytes.
func TestS3UploadHashedWhileReceived(t *testing.T) {
	srv := s3test.Start(t)
	s := hashTestStore(t, srv)
	for i, chunk := range []int{2 << 20, 1 << 20, 300 << 10} {
		b := hashTestBytes(byte(i), 2<<20+13)
		d := evidence.Sum(b)
		id := "one-process-" + string(rune('a'+i))
		sendUpload(t, id, b, chunk, s)
		if !s.hashes.adoptableWithoutReadBack(id, int64(len(b)), d) {
			t.Fatalf("chunks of %d: no hash state covering the upload", chunk)
		}
		if err := s.AdoptUpload(context.Background(), id, d); err != nil {
			t.Fatal(err)
		}
		if err := s.Verify(context.Background(), d); err != nil {
			t.Fatal(err)
		}
		if _, ok := s.hashes.get(id); ok {
			t.Fatal("the hash state outlived the adoption")
		}
	}
}

// TestS3UploadAcrossProcessesIsReadBack: chunks alternate between two
// processes, so neither holds a state covering the upload (the one that
// wrote the first chunk is behind); adoption reads the upload back, and a
// wrong upload is refused.
func TestS3UploadAcrossProcessesIsReadBack(t *testing.T) {
	srv := s3test.Start(t)
	a, b := hashTestStore(t, srv), hashTestStore(t, srv)
	data := hashTestBytes(7, 3<<20+1)
	d := evidence.Sum(data)
	sendUpload(t, "two-processes", data, 1<<20, a, b)
	for _, s := range []*S3{a, b} {
		if s.hashes.adoptableWithoutReadBack("two-processes", int64(len(data)), d) {
			t.Fatal("a process holds a state covering chunks another process received")
		}
	}
	if err := a.AdoptUpload(context.Background(), "two-processes", d); err != nil {
		t.Fatal(err)
	}
	if err := a.Verify(context.Background(), d); err != nil {
		t.Fatal(err)
	}

	bad := hashTestBytes(8, 3<<20+1)
	sendUpload(t, "two-processes-bad", bad, 1<<20, a, b)
	if err := b.AdoptUpload(context.Background(), "two-processes-bad", d); !errors.Is(err, ErrDigestMismatch) {
		t.Fatalf("adopting bytes that are not d's: %v", err)
	}
}

// TestS3UploadPlantedHashStateIsCaught plants wrong states: of other
// bytes of the upload's size, and of the right bytes but behind. Neither
// makes a blob of bytes that do not hash to the digest: the right bytes
// are read back and adopted, wrong bytes are refused.
func TestS3UploadPlantedHashStateIsCaught(t *testing.T) {
	srv := s3test.Start(t)
	s := hashTestStore(t, srv)
	ctx := context.Background()
	data := hashTestBytes(1, 2<<20)
	d := evidence.Sum(data)
	other := hashTestBytes(2, 2<<20)

	// The state sums to other bytes: the upload (d's bytes) is read back.
	sendUpload(t, "planted-other", data, 1<<20, s)
	plant(t, s, "planted-other", other)
	if err := s.AdoptUpload(ctx, "planted-other", d); err != nil {
		t.Fatalf("a wrong state kept the right bytes out: %v", err)
	}
	if err := s.Verify(ctx, d); err != nil {
		t.Fatal(err)
	}

	// Wrong bytes uploaded for d, with a state of d's bytes that is behind
	// (half of them): read back, refused.
	d2bytes := hashTestBytes(3, 2<<20)
	d2 := evidence.Sum(d2bytes)
	sendUpload(t, "planted-behind", other, 1<<20, s)
	plant(t, s, "planted-behind", d2bytes[:1<<20])
	if err := s.AdoptUpload(ctx, "planted-behind", d2); !errors.Is(err, ErrDigestMismatch) {
		t.Fatalf("adopting other bytes as d2: %v", err)
	}
	if _, found, _ := s.Stat(ctx, d2); found {
		t.Fatal("a refused adoption stored a blob")
	}

	// Wrong bytes uploaded for d2 with their own (true) state: refused.
	sendUpload(t, "true-state-wrong-bytes", other, 1<<20, s)
	if err := s.AdoptUpload(ctx, "true-state-wrong-bytes", d2); !errors.Is(err, ErrDigestMismatch) {
		t.Fatalf("adopting other bytes as d2: %v", err)
	}
	if _, found, _ := s.Stat(ctx, d2); found {
		t.Fatal("a refused adoption stored a blob")
	}
}

// TestS3UploadShortChunkDropsHashState: a chunk the store took only part
// of (a failing read, as a cut body ends in tusd) leaves no state that
// claims more than was stored.
func TestS3UploadShortChunkDropsHashState(t *testing.T) {
	var u uploadHashes
	n, err := u.writeChunkHashing("x", 0, bytes.NewReader(make([]byte, 100)), func(r io.Reader) (int64, error) {
		buf := make([]byte, 100)
		m, _ := r.Read(buf)
		return int64(m) - 10, nil // took fewer than it read
	})
	if n != 90 || err != nil {
		t.Fatal(n, err)
	}
	if _, ok := u.get("x"); ok {
		t.Fatal("a state covering bytes the store did not take")
	}
	if _, err := u.writeChunkHashing("y", 0, bytes.NewReader(make([]byte, 10)), func(r io.Reader) (int64, error) {
		return 0, errors.New("s3 down")
	}); err == nil {
		t.Fatal("the store's error was lost")
	}
	if _, ok := u.get("y"); ok {
		t.Fatal("a state kept after a failed write")
	}
	u.put("z", hashState{offset: 5})
	u.writeChunkHashing("z", 7, bytes.NewReader(make([]byte, 3)), func(r io.Reader) (int64, error) { return 3, nil })
	if _, ok := u.get("z"); ok {
		t.Fatal("a state kept past a chunk it did not see")
	}
}

// uploadObjects lists what is left of upload id: its objects and an
// unfinished multipart upload.
func uploadObjects(t *testing.T, srv s3test.Server, id string) []string {
	t.Helper()
	ctx := context.Background()
	var left []string
	key := "h/uploads/" + id
	for _, k := range []string{key, key + ".info", key + ".part"} {
		if _, err := srv.Client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(srv.Bucket), Key: aws.String(k)}); err == nil {
			left = append(left, k)
		}
	}
	out, err := srv.Client.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String(srv.Bucket), Prefix: aws.String(key)})
	if err != nil {
		t.Fatal(err)
	}
	for _, mu := range out.Uploads {
		left = append(left, "multipart "+aws.ToString(mu.Key))
	}
	return left
}

// TestS3SmallUploadStoredStraight: a small upload naming its digest is
// stored as its blob by its last chunk (no multipart upload completed, no
// copy), whether one process or two received its chunks, and adopting it
// leaves nothing of the upload behind.
func TestS3SmallUploadStoredStraight(t *testing.T) {
	srv := s3test.Start(t)
	a, b := hashTestStore(t, srv), hashTestStore(t, srv)
	ctx := context.Background()
	for i, stores := range [][]*S3{{a}, {a, b}} {
		data := hashTestBytes(byte(20+i), 2<<20+5)
		d := evidence.Sum(data)
		id := fmt.Sprintf("small-%d", i)
		sendUploadNamed(t, id, data, 1<<20, tusd.MetaData{UploadDigestKey: d.String()}, nil, stores...)
		last := stores[(len(data)/(1<<20))%len(stores)]
		if _, ok := last.hashes.storedAs(id); !ok {
			t.Fatal("the last chunk did not store the blob")
		}
		if err := a.Verify(ctx, d); err != nil {
			t.Fatalf("the blob after the last chunk: %v", err)
		}
		if err := last.AdoptUpload(ctx, id, d); err != nil {
			t.Fatal(err)
		}
		if left := uploadObjects(t, srv, id); len(left) > 0 {
			t.Fatalf("adopted, the upload left %v", left)
		}
	}
}

// TestS3SmallUploadWrongBytesRefused: bytes that do not hash to the
// digest the upload names, sent whole, or with the incomplete part
// replaced between chunks received by two processes (bytes at rest
// changed behind the hub; the process that finishes holds no hash state),
// never become the blob: the upload finishes the usual way and adoption
// refuses it.
func TestS3SmallUploadWrongBytesRefused(t *testing.T) {
	srv := s3test.Start(t)
	s, other := hashTestStore(t, srv), hashTestStore(t, srv)
	ctx := context.Background()
	data := hashTestBytes(30, 2<<20)
	d := evidence.Sum(data)
	meta := tusd.MetaData{UploadDigestKey: d.String()}

	sendUploadNamed(t, "small-wrong", hashTestBytes(31, 2<<20), 1<<20, meta, nil, s)
	swapPart := func(off int) {
		_, err := srv.Client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(srv.Bucket),
			Key: aws.String("h/uploads/small-swapped.part"), Body: bytes.NewReader(hashTestBytes(32, off))})
		if err != nil {
			t.Fatal(err)
		}
	}
	sendUploadNamed(t, "small-swapped", data, 1<<20, meta, swapPart, other, s)
	for _, id := range []string{"small-wrong", "small-swapped"} {
		if _, ok := s.hashes.storedAs(id); ok {
			t.Fatalf("%s: wrong bytes stored as the blob", id)
		}
		if _, found, _ := s.Stat(ctx, d); found {
			t.Fatalf("%s: wrong bytes stored as the blob", id)
		}
		if err := s.AdoptUpload(ctx, id, d); !errors.Is(err, ErrDigestMismatch) {
			t.Fatalf("%s: adopting wrong bytes: %v", id, err)
		}
		if _, found, _ := s.Stat(ctx, d); found {
			t.Fatalf("%s: a refused adoption stored the blob", id)
		}
	}
}
