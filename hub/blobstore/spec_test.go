package blobstore_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lawtrail/evidence"
	"lawtrail/hub/blobstore"
	"lawtrail/hub/blobstore/s3test"
)

func TestParseS3Spec(t *testing.T) {
	good := []struct {
		spec string
		want blobstore.S3Config
	}{
		{"s3://footage", blobstore.S3Config{Bucket: "footage"}},
		{"s3://footage?endpoint=127.0.0.1:9000&region=cn-north-1&secure=false&prefix=city/hub-1&path-style=true",
			blobstore.S3Config{Bucket: "footage", Endpoint: "127.0.0.1:9000", Region: "cn-north-1",
				Insecure: true, Prefix: "city/hub-1", PathStyle: true}},
		{"s3://a.b-c?endpoint=s3.example.org&secure=true&path-style=false",
			blobstore.S3Config{Bucket: "a.b-c", Endpoint: "s3.example.org"}},
		{"s3://footage?endpoint=[::1]:9000", blobstore.S3Config{Bucket: "footage", Endpoint: "[::1]:9000"}},
	}
	for _, c := range good {
		got, err := blobstore.ParseS3Spec(c.spec)
		if err != nil || got != c.want {
			t.Errorf("%s: %+v %v, want %+v", c.spec, got, err, c.want)
		}
	}
	const secret = "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY"
	bad := []struct{ spec, says string }{
		{"s3://footage?prefix=../other", "prefix"},
		{"s3://footage?prefix=a/../../b", "prefix"},
		{"s3://footage?prefix=%2e%2e/b", "prefix"},
		{"s3://footage?prefix=/abs", "prefix"},
		{"s3://footage?prefix=a//b", "prefix"},
		{"s3://footage?prefix=a/./b", "prefix"},
		{"s3://footage?prefix=a%00b", "prefix"},
		{"s3://footage?prefix=a%2fb%5c..", "prefix"},
		{"s3://footage/some/path", "no path"},
		{"s3://footage#frag", "fragment"},
		{"s3://AKIA:" + secret + "@footage", "credentials in the URL"},
		{"s3://footage?secret_key=" + secret, "unknown parameter"},
		{"s3://footage?" + secret + "=1", "(name hidden)"},
		{"s3://footage?endpoint=" + secret + "@host", "endpoint"},
		{"s3://footage?endpoint=http://host:9000", "endpoint"},
		{"s3://footage?endpoint=host:port", "endpoint"},
		{"s3://footage?endpoint=host/path", "endpoint"},
		{"s3://footage?secure=yes", "secure"},
		{"s3://footage?path-style=1", "path-style"},
		{"s3://footage?region=a&region=b", "2 times"},
		{"s3://footage?region=" + secret + "!", "region"},
		{"s3://Footage", "bucket"},
		{"s3://fo", "bucket"},
		{"s3://foot..age", "bucket"},
		{"s3://", "bucket"},
		{"s3://foo%zz" + secret, "not a URL"},
		{"s3://footage?a=%zz" + secret, "malformed parameters"},
	}
	for _, c := range bad {
		_, err := blobstore.ParseS3Spec(c.spec)
		if err == nil {
			t.Errorf("%s: accepted", c.spec)
			continue
		}
		if !strings.Contains(err.Error(), c.says) {
			t.Errorf("%s: %q does not say %q", c.spec, err, c.says)
		}
		if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), secret[:8]) {
			t.Errorf("%s: the error repeats the secret: %q", c.spec, err)
		}
	}
}

func TestOpenFolderSpecs(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	for _, c := range []struct{ spec, dir, want string }{
		{"", filepath.Join(dir, "default"), filepath.Join(dir, "default")},
		{filepath.Join(dir, "given"), filepath.Join(dir, "ignored"), filepath.Join(dir, "given")},
	} {
		s, err := blobstore.Open(ctx, c.spec, c.dir)
		if err != nil {
			t.Fatalf("%q: %v", c.spec, err)
		}
		f, ok := s.(*blobstore.Folder)
		if !ok {
			t.Fatalf("%q: %T, want a folder", c.spec, s)
		}
		if p := f.Path(evidence.Sum(nil)); !strings.HasPrefix(p, c.want+string(filepath.Separator)) {
			t.Fatalf("%q: blobs under %s, want %s", c.spec, p, c.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "ignored")); err == nil {
		t.Fatal("a spec path given, but the default folder was made")
	}
	for _, spec := range []string{"ftp://host/x", "file:///x", "S3://footage"} {
		if _, err := blobstore.Open(ctx, spec, dir); err == nil {
			t.Errorf("%q opened", spec)
		}
	}
	if _, err := blobstore.Open(ctx, "", ""); err == nil {
		t.Error("no spec and no folder opened")
	}
}

func TestOpenS3Spec(t *testing.T) {
	ctx := context.Background()
	srv := s3test.Start(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	if _, err := blobstore.Open(ctx, srv.Spec("p"), ""); err == nil || !strings.Contains(err.Error(), "AWS_ACCESS_KEY_ID") {
		t.Fatalf("no credentials in the environment: %v", err)
	}
	t.Setenv("AWS_ACCESS_KEY_ID", srv.AccessKey)
	if _, err := blobstore.Open(ctx, srv.Spec("p"), ""); err == nil || !strings.Contains(err.Error(), "AWS_SECRET_ACCESS_KEY") {
		t.Fatalf("no secret in the environment: %v", err)
	}
	t.Setenv("AWS_SECRET_ACCESS_KEY", "wrong"+srv.SecretKey[5:])
	if _, err := blobstore.Open(ctx, srv.Spec("p"), ""); err == nil {
		t.Fatal("a wrong secret opened the bucket")
	} else if strings.Contains(err.Error(), srv.SecretKey[5:]) {
		t.Fatalf("the error repeats the secret: %v", err)
	}
	srv.SetEnv(t)
	if _, err := blobstore.Open(ctx, strings.Replace(srv.Spec("p"), srv.Bucket, "no-such-bucket", 1), ""); err == nil {
		t.Fatal("a missing bucket opened")
	}
	s, err := blobstore.Open(ctx, srv.Spec("via/spec"), "")
	if err != nil {
		t.Fatal(err)
	}
	d := evidence.Sum([]byte("through the spec"))
	if _, err := s.Put(ctx, d, strings.NewReader("through the spec")); err != nil {
		t.Fatal(err)
	}
	want := "via/spec/blobs/" + d.String()[:2] + "/" + d.String()
	if got := s.(*blobstore.S3).Key(d); got != want {
		t.Fatalf("key %s, want %s", got, want)
	}
	if err := s.Verify(ctx, d); err != nil {
		t.Fatal(err)
	}
	if _, found, err := s.Stat(ctx, d); !found || err != nil {
		t.Fatalf("stat: %v %v", found, err)
	}
	if err := s.Verify(ctx, evidence.Sum(nil)); !errors.Is(err, blobstore.ErrNotFound) {
		t.Fatalf("verify missing: %v", err)
	}
}

// TestFolderAdoptFromAnotherFileSystem adopts a file from /dev/shm (tmpfs
// here, another file system than the test's temporary folder), where a
// rename fails with EXDEV and the folder copies instead.
func TestFolderAdoptFromAnotherFileSystem(t *testing.T) {
	ctx := context.Background()
	f, err := blobstore.OpenFolder(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	dir := "/dev/shm"
	if _, err := os.Stat(dir); err != nil {
		dir = ""
	}
	src, err := os.CreateTemp(dir, "lawtrail-adopt-*")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(src.Name()) })
	content := []byte("footage from a tmpfs upload folder")
	src.Write(content)
	src.Close()
	d := evidence.Sum(content)
	if err := f.Adopt(ctx, src.Name(), evidence.Sum(nil)); !errors.Is(err, blobstore.ErrDigestMismatch) {
		t.Fatalf("adopt under a wrong digest: %v", err)
	}
	if _, err := os.Stat(src.Name()); err != nil {
		t.Fatalf("a refused adopt removed the file: %v", err)
	}
	if err := f.Adopt(ctx, src.Name(), d); err != nil {
		t.Fatalf("adopt: %v", err)
	}
	if _, err := os.Stat(src.Name()); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the adopted file is still there: %v", err)
	}
	if err := f.Verify(ctx, d); err != nil {
		t.Fatal(err)
	}
}
