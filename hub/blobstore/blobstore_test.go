package blobstore_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"lawtrail/evidence"
	"lawtrail/hub/blobstore"
	"lawtrail/hub/blobstore/blobstoretest"
	"lawtrail/hub/blobstore/s3test"
)

func TestFolderSuite(t *testing.T) {
	blobstoretest.Run(t, blobstoretest.Target{
		Open: func(t *testing.T) blobstore.Store {
			f, err := blobstore.OpenFolder(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			return f
		},
		Plant: func(t *testing.T, s blobstore.Store, d evidence.Digest, content []byte) {
			p := s.(*blobstore.Folder).Path(d)
			if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
				t.Fatal(err)
			}
			os.Chmod(p, 0o600)
			if err := os.WriteFile(p, content, 0o400); err != nil {
				t.Fatal(err)
			}
		},
	})
}

// s3Store opens a store on srv under a prefix of its own, with 5 MiB parts
// (so the suite's 12 MiB blobs go up in three) and 7 keys a LIST page (so
// listing 50 blobs pages).
func s3Store(t *testing.T, srv s3test.Server, prefix string, tune func(*blobstore.S3Config)) *blobstore.S3 {
	t.Helper()
	cfg, err := blobstore.ParseS3Spec(srv.Spec(prefix))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Credentials = srv.Credentials()
	cfg.PartSize = 5 << 20
	cfg.ListPageSize = 7
	if tune != nil {
		tune(&cfg)
	}
	s, err := blobstore.NewS3(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestS3Suite(t *testing.T) {
	srv := s3test.Start(t)
	n := 0
	blobstoretest.Run(t, blobstoretest.Target{
		Open: func(t *testing.T) blobstore.Store {
			n++
			return s3Store(t, srv, fmt.Sprintf("suite/case%d", n), nil)
		},
		Plant: func(t *testing.T, s blobstore.Store, d evidence.Digest, content []byte) {
			_, err := srv.Client.PutObject(context.Background(), &s3.PutObjectInput{
				Bucket: aws.String(srv.Bucket), Key: aws.String(s.(*blobstore.S3).Key(d)),
				Body: bytes.NewReader(content),
			})
			if err != nil {
				t.Fatal(err)
			}
		},
	})
}
