package blobstore_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"strconv"
	"sync"
	"testing"
	"time"

	expslog "golang.org/x/exp/slog"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	tusd "github.com/tus/tusd/v2/pkg/handler"
	"github.com/tus/tusd/v2/pkg/memorylocker"

	"lawtrail/evidence"
	"lawtrail/hub/blobstore"
	"lawtrail/hub/blobstore/s3test"
	"lawtrail/sync/faultproxy"
)

func randomBytes(seed uint64, n int) []byte {
	b := make([]byte, n)
	var s [32]byte
	s[0] = byte(seed)
	rand.NewChaCha8(s).Read(b)
	return b
}

// tusRequest sends one tus request and checks its status.
func tusRequest(t *testing.T, method, u string, hdr map[string]string, body []byte, want int) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, u, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Tus-Resumable", "1.0.0")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	msg, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != want {
		t.Fatalf("%s %s: %s %s, want %d", method, u, resp.Status, msg, want)
	}
	return resp
}

// TestS3ResumableUploads composes tusd's handler with S3.Uploads (as the
// sync server will instead of its file store), uploads in two PATCHes
// with a HEAD between (a resumed upload), reads the finished object, and
// makes it a blob with AdoptUpload — in one copy and in copied parts.
func TestS3ResumableUploads(t *testing.T) {
	ctx := context.Background()
	srv := s3test.Start(t)
	st := s3Store(t, srv, "hub/a", func(c *blobstore.S3Config) { c.CopyPartSize = 5 << 20 })
	composer := tusd.NewStoreComposer()
	st.Uploads().UseIn(composer)
	memorylocker.New().UseIn(composer)
	h, err := tusd.NewHandler(tusd.Config{
		BasePath: "/files/", StoreComposer: composer,
		Logger: expslog.New(expslog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(http.StripPrefix("/files/", h))
	defer ts.Close()

	for i, size := range []int{3<<20 + 7, 12<<20 + 5} {
		t.Run(strconv.Itoa(size), func(t *testing.T) {
			b := randomBytes(uint64(i), size)
			d := evidence.Sum(b)
			resp := tusRequest(t, "POST", ts.URL+"/files/", map[string]string{
				"Upload-Length":   strconv.Itoa(size),
				"Upload-Metadata": "digest " + base64.StdEncoding.EncodeToString([]byte(d.String())),
			}, nil, http.StatusCreated)
			loc, err := resp.Location()
			if err != nil {
				t.Fatal(err)
			}
			half := size / 2
			tusRequest(t, "PATCH", loc.String(), map[string]string{
				"Upload-Offset": "0", "Content-Type": "application/offset+octet-stream",
			}, b[:half], http.StatusNoContent)
			// The terminal comes back: where did it stop?
			resp = tusRequest(t, "HEAD", loc.String(), nil, nil, http.StatusOK)
			off, _ := strconv.Atoi(resp.Header.Get("Upload-Offset"))
			if off != half {
				t.Fatalf("resumed at %d, want %d", off, half)
			}
			tusRequest(t, "PATCH", loc.String(), map[string]string{
				"Upload-Offset": strconv.Itoa(off), "Content-Type": "application/offset+octet-stream",
			}, b[off:], http.StatusNoContent)

			id, err := url.PathUnescape(path.Base(loc.Path))
			if err != nil {
				t.Fatal(err)
			}
			objectID, _, _ := bytesCut(id, "+")
			key := "hub/a/uploads/" + objectID
			obj, err := srv.Client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(srv.Bucket), Key: aws.String(key)})
			if err != nil {
				t.Fatalf("the finished upload's object %s: %v", key, err)
			}
			got, err := io.ReadAll(obj.Body)
			obj.Body.Close()
			if err != nil || !bytes.Equal(got, b) {
				t.Fatalf("the finished upload holds %d bytes (%v), want the %d sent", len(got), err, size)
			}

			wrong := evidence.Sum([]byte("other"))
			if err := st.AdoptUpload(ctx, id, wrong); !errors.Is(err, blobstore.ErrDigestMismatch) {
				t.Fatalf("adopt upload under a wrong digest: %v", err)
			}
			if _, found, _ := st.Stat(ctx, wrong); found {
				t.Fatal("a refused adopt stored a blob")
			}
			if err := st.AdoptUpload(ctx, id, d); err != nil {
				t.Fatalf("adopt upload: %v", err)
			}
			if err := st.Verify(ctx, d); err != nil {
				t.Fatalf("the adopted upload: %v", err)
			}
			for _, k := range []string{key, key + ".info"} {
				_, err := srv.Client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(srv.Bucket), Key: aws.String(k)})
				if err == nil {
					t.Fatalf("%s is still there after adoption", k)
				}
			}
		})
	}
}

func bytesCut(s, sep string) (string, string, bool) {
	for i := len(s) - len(sep); i >= 0; i-- {
		if s[i:i+len(sep)] == sep {
			return s[:i], s[i+len(sep):], true
		}
	}
	return s, "", false
}

// TestS3NoPartsLeftBehind: a put that fails, is cancelled or mismatches
// aborts its multipart upload; AbortStaleUploads reclaims one a crash left.
func TestS3NoPartsLeftBehind(t *testing.T) {
	ctx := context.Background()
	srv := s3test.Start(t)
	st := s3Store(t, srv, "parts", nil)
	b := randomBytes(1, 12<<20)
	d := evidence.Sum(b)
	if _, err := st.Put(ctx, evidence.Sum(nil), bytes.NewReader(b)); !errors.Is(err, blobstore.ErrDigestMismatch) {
		t.Fatal(err)
	}
	cctx, cancel := context.WithCancel(ctx)
	pr, pw := io.Pipe()
	go func() { pw.Write(b[:7<<20]); cancel(); pw.Close() }()
	if _, err := st.Put(cctx, d, pr); !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	uploads := func() int {
		out, err := srv.Client.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String(srv.Bucket)})
		if err != nil {
			t.Fatal(err)
		}
		return len(out.Uploads)
	}
	if n := uploads(); n != 0 {
		t.Fatalf("%d multipart uploads left behind", n)
	}
	// A crash between parts: the upload stays, and is no object.
	_, err := srv.Client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{
		Bucket: aws.String(srv.Bucket), Key: aws.String(st.Key(d))})
	if err != nil {
		t.Fatal(err)
	}
	if _, found, _ := st.Stat(ctx, d); found {
		t.Fatal("an unfinished upload is seen as a blob")
	}
	if n, err := st.AbortStaleUploads(ctx, time.Hour); err != nil || n != 0 {
		t.Fatalf("a fresh upload aborted as stale: %d %v", n, err)
	}
	if n, err := st.AbortStaleUploads(ctx, -time.Minute); err != nil || n != 1 {
		t.Fatalf("abort stale uploads: %d %v, want 1", n, err)
	}
	if n := uploads(); n != 0 {
		t.Fatalf("%d multipart uploads after AbortStaleUploads", n)
	}
}

// TestS3ListPastOneThousand lists 1,001 blobs with S3's default page of
// 1,000 keys, among objects that are not blobs.
func TestS3ListPastOneThousand(t *testing.T) {
	ctx := context.Background()
	srv := s3test.Start(t)
	st := s3Store(t, srv, "many", func(c *blobstore.S3Config) { c.ListPageSize = 0 })
	keys := make(chan string)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for range 8 {
		wg.Go(func() {
			for k := range keys {
				_, err := srv.Client.PutObject(ctx, &s3.PutObjectInput{
					Bucket: aws.String(srv.Bucket), Key: aws.String(k), Body: bytes.NewReader(nil)})
				if err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
				}
			}
		})
	}
	want := map[evidence.Digest]bool{}
	for i := range 1001 {
		d := evidence.Sum([]byte(strconv.Itoa(i)))
		want[d] = true
		keys <- st.Key(d)
	}
	keys <- "many/blobs/zz/not-a-digest"
	keys <- "many/blobs/" + evidence.Sum(nil).String() // not under its ab/ folder
	keys <- "many/uploads/something"
	close(keys)
	wg.Wait()
	if firstErr != nil {
		t.Fatal(firstErr)
	}
	got := 0
	err := st.List(ctx, func(d evidence.Digest, size int64) error {
		if !want[d] {
			return fmt.Errorf("listed %s, never put", d)
		}
		got++
		return nil
	})
	if err != nil || got != 1001 {
		t.Fatalf("listed %d (%v), want 1001", got, err)
	}
}

// TestS3ReadSeesReplacement: an object replaced after Open (someone with
// write access) fails the next ranged read instead of mixing contents.
func TestS3ReadSeesReplacement(t *testing.T) {
	ctx := context.Background()
	srv := s3test.Start(t)
	st := s3Store(t, srv, "swap", nil)
	b := randomBytes(2, 1<<20)
	d := evidence.Sum(b)
	if _, err := st.Put(ctx, d, bytes.NewReader(b)); err != nil {
		t.Fatal(err)
	}
	blob, err := st.Open(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	defer blob.Close()
	if _, err := io.ReadFull(blob, make([]byte, 1000)); err != nil {
		t.Fatal(err)
	}
	other := bytes.Clone(b)
	other[5000] ^= 1
	_, err = srv.Client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(srv.Bucket), Key: aws.String(st.Key(d)), Body: bytes.NewReader(other)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := blob.Seek(4096, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(blob); err == nil {
		t.Fatal("a read after the object was replaced succeeded")
	}
}

// TestS3PutOverACutLink puts blobs through a proxy that cuts every
// connection after 1–8 MiB: the SDK retries, some puts fail, and whatever
// happened, an object under a digest's key holds that digest's bytes and
// every put that returned nil left its blob.
func TestS3PutOverACutLink(t *testing.T) {
	ctx := context.Background()
	srv := s3test.Start(t)
	proxy, err := faultproxy.Start(srv.Endpoint, faultproxy.Config{CutMin: 1 << 20, CutMax: 8 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	direct := s3Store(t, srv, "cut", nil)
	viaProxy := s3Store(t, srv, "cut", func(c *blobstore.S3Config) {
		c.Endpoint = proxy.Addr()
	})
	failed := 0
	for i := range 10 {
		b := randomBytes(uint64(100+i), 12<<20+i)
		d := evidence.Sum(b)
		_, err := viaProxy.Put(ctx, d, bytes.NewReader(b))
		if err != nil {
			failed++
		}
		_, found, serr := direct.Stat(ctx, d)
		if serr != nil {
			t.Fatal(serr)
		}
		if err == nil && !found {
			t.Fatalf("put %d returned nil but left no blob", i)
		}
		if found {
			if verr := direct.Verify(ctx, d); verr != nil {
				t.Fatalf("put %d (err %v) left a blob that does not verify: %v", i, err, verr)
			}
		}
	}
	if proxy.Cuts.Load() == 0 {
		t.Fatal("the link was never cut")
	}
	t.Logf("%d cuts, %d of 10 puts failed", proxy.Cuts.Load(), failed)
	if _, err := direct.AbortStaleUploads(ctx, -time.Minute); err != nil {
		t.Fatal(err)
	}
}
