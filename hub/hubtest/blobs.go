package hubtest

import (
	"bytes"
	"context"
	"io"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"lawtrail/evidence"
	"lawtrail/hub"
	"lawtrail/hub/blobstore"
)

// BlobBytes returns the bytes the hub holds for d, read behind its back
// (no hash check), from its folder or its bucket.
func BlobBytes(t testing.TB, h *hub.Hub, d evidence.Digest) []byte {
	t.Helper()
	b, err := h.Blobs().Open(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	content, err := io.ReadAll(b)
	if err != nil {
		t.Fatal(err)
	}
	return content
}

// PlantBlob puts content under d's name behind the hub's back, as someone
// with write access to its folder or bucket could (a damaged or swapped
// blob).
func PlantBlob(t testing.TB, h *hub.Hub, d evidence.Digest, content []byte) {
	t.Helper()
	switch s := h.Blobs().(type) {
	case *blobstore.Folder:
		p := s.Path(d)
		os.Chmod(p, 0o600)
		if err := os.WriteFile(p, content, 0o400); err != nil {
			t.Fatal(err)
		}
	case *blobstore.S3:
		_, err := s.Client().PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(s.Bucket()),
			Key: aws.String(s.Key(d)), Body: bytes.NewReader(content), ContentLength: aws.Int64(int64(len(content)))})
		if err != nil {
			t.Fatal(err)
		}
	default:
		t.Fatalf("hubtest: footage store %T", s)
	}
}
