package client

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"lawtrail/hub"
	"lawtrail/hub/blobstore"
	"lawtrail/hub/blobstore/s3test"
	"lawtrail/hub/hubtest"
	"lawtrail/store"
	"lawtrail/sync/faultproxy"
	"lawtrail/sync/protocol"
	"lawtrail/sync/server"
)

// startHubOn serves a hub whose footage is on srv's bucket under prefix.
func startHubOn(t *testing.T, srv s3test.Server, prefix string) *testHub {
	t.Helper()
	return startHubWith(t, t.TempDir(), hub.Options{KDF: fastKDF, Blobs: srv.Spec(prefix)})
}

// startHubWith serves the hub in dir opened with opt.
func startHubWith(t *testing.T, dir string, opt hub.Options) *testHub {
	t.Helper()
	h, err := hub.Open(context.Background(), dir, []byte("hub pass"), opt)
	if err != nil {
		t.Fatal(err)
	}
	handler, err := server.New(h, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return serveHub(t, h, dir, l, handler)
}

// keysUnder lists the bucket's keys under prefix.
func keysUnder(t *testing.T, srv s3test.Server, prefix string) []string {
	t.Helper()
	out, err := srv.Client.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String(srv.Bucket), Prefix: aws.String(prefix)})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, o := range out.Contents {
		keys = append(keys, aws.ToString(o.Key))
	}
	return keys
}

// Footage on S3 (always, whatever LAWTRAIL_TEST_HUB_BLOBS says): a
// terminal uploads a 12 MiB clip in two sessions with a cut between, the
// second resuming where the hub's S3 upload stood; the receipt verifies
// against the hub's key, check finds nothing wrong, no upload object is
// left behind, and another terminal of the agency fetches the clip back
// and verifies it.
func TestFootageOnS3ResumedAcrossACutAndFetchedBack(t *testing.T) {
	ctx := context.Background()
	srv := s3test.Start(t)
	srv.SetEnv(t)
	th := startHubOn(t, srv, "hub")
	a := agencyTerminal(t, th, "采集站-A", agencyOne)
	b := agencyTerminal(t, th, "采集站-B", agencyOne)
	const size = 12 << 20
	d := a.addFootage(t, size)[0]

	p := startProxy(t, th.addr, faultproxy.Config{Rate: 8 << 20})
	c := viaProxy(t, a, p, 1<<20)
	cut, cancel := context.WithTimeout(ctx, 900*time.Millisecond)
	c.Once(cut)
	cancel()
	u, found, err := a.store.UploadOf(ctx, d)
	if err != nil || !found || u.Offset == 0 || u.Offset >= size {
		t.Fatalf("no upload progress to resume from after the cut: %+v %v %v", u, found, err)
	}
	c2 := viaProxy(t, a, p, 1<<20)
	syncUntilDone(t, c2, 10)
	if sent := c2.BytesOnWire(); sent >= size {
		t.Fatalf("the second session sent %d bytes of a %d-byte clip: it restarted instead of resuming", sent, size)
	}
	rc, found, err := th.hub.Receipt(ctx, a.key.ID(), d)
	if err != nil || !found {
		t.Fatalf("no receipt: %v", err)
	}
	if err := rc.Verify(th.hub.PublicKey()); err != nil || rc.Size != size {
		t.Fatalf("receipt %+v: %v", rc, err)
	}
	if ok, _ := a.store.HasReceipt(ctx, d); !ok {
		t.Fatal("the terminal kept no receipt")
	}
	rep, err := th.hub.Check(ctx)
	if err != nil || len(rep.Problems) != 0 || rep.Blobs != 1 {
		t.Fatalf("check: %+v %v", rep, err)
	}
	if left := keysUnder(t, srv, "hub/uploads/"); len(left) != 0 {
		t.Fatalf("upload objects left behind: %v", left)
	}
	if keys := keysUnder(t, srv, "hub/blobs/"); len(keys) != 1 || !strings.HasSuffix(keys[0], d.String()) {
		t.Fatalf("blob keys %v", keys)
	}

	b.sync(t, Options{})
	if _, err := b.client(t).FetchBlob(ctx, d, size); err != nil {
		t.Fatalf("another terminal of the agency fetching the clip: %v", err)
	}
	if err := b.store.Blobs().Verify(ctx, d); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(plaintextOf(t, b.store, d), plaintextOf(t, a.store, d)) {
		t.Fatal("fetched bytes differ")
	}
}

// Bytes that do not hash to the named digest, uploaded to a hub on S3:
// refused, nothing stored under the digest's key, the upload's objects
// and multipart upload gone; the right bytes then go through.
func TestS3UploadOfWrongBytesStoresNothing(t *testing.T) {
	ctx := context.Background()
	srv := s3test.Start(t)
	srv.SetEnv(t)
	th := startHubOn(t, srv, "mm")
	tm, c := joined(t, th)
	d := tm.addFootage(t, 300<<10)[0]
	c.opt.Metered = true // events only
	if _, err := c.Once(ctx); err != nil {
		t.Fatal(err)
	}
	u, err := c.create(ctx, store.PendingBlob{Digest: d, Size: 300 << 10})
	if err != nil {
		t.Fatal(err)
	}
	wrong := bytes.Repeat([]byte("x"), 300<<10)
	_, err = c.patch(ctx, u, io.NewSectionReader(bytes.NewReader(wrong), 0, int64(len(wrong))))
	if err == nil || !strings.Contains(err.Error(), protocol.CodeDigestMismatch) {
		t.Fatalf("mismatching bytes: %v", err)
	}
	if keys := keysUnder(t, srv, "mm/"); len(keys) != 0 {
		t.Fatalf("objects left after a refused upload: %v", keys)
	}
	mu, err := srv.Client.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String(srv.Bucket), Prefix: aws.String("mm/")})
	if err != nil || len(mu.Uploads) != 0 {
		t.Fatalf("multipart uploads left: %v %v", mu, err)
	}
	if _, _, blobs := hubCounts(t, th); blobs != 0 {
		t.Fatal("the hub recorded a blob that does not match its digest")
	}
	c.opt.Metered = false
	if rep, err := c.Once(ctx); err != nil || rep.Receipts != 1 {
		t.Fatalf("%+v %v", rep, err)
	}
}

// Someone with write access to the bucket plants other bytes under a held
// blob's key, and an object that is no blob's under blobs/: check names
// both, and a terminal fetching the blob refuses the bytes.
func TestS3PlantedObjectsNamedByCheck(t *testing.T) {
	ctx := context.Background()
	srv := s3test.Start(t)
	srv.SetEnv(t)
	th := startHubOn(t, srv, "pl")
	a := agencyTerminal(t, th, "采集站-A", agencyOne)
	b := agencyTerminal(t, th, "采集站-B", agencyOne)
	d := a.addFootage(t, 200<<10)[0]
	a.sync(t, Options{})
	b.sync(t, Options{})
	hubtest.PlantBlob(t, th.hub, d, bytes.Repeat([]byte("planted "), 25<<10))
	stray := "pl/blobs/zz/not-a-blob"
	if _, err := srv.Client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(srv.Bucket), Key: aws.String(stray),
		Body: strings.NewReader("x")}); err != nil {
		t.Fatal(err)
	}
	rep, err := th.hub.Check(ctx)
	if err != nil {
		t.Fatal(err)
	}
	named := map[string]error{}
	for _, p := range rep.Problems {
		named[p.Item] = p.Err
	}
	if err := named["blob "+d.String()]; !errors.Is(err, blobstore.ErrCorrupt) {
		t.Errorf("check on the planted blob: %v (problems %v)", err, rep.Problems)
	}
	if named["s3 object "+stray] == nil {
		t.Errorf("check did not name the stray key (problems %v)", rep.Problems)
	}
	if _, err := b.client(t).FetchBlob(ctx, d, 200<<10); !errors.Is(err, ErrFetchMismatch) {
		t.Fatalf("fetching planted bytes: %v", err)
	}
}

// The S3 server goes away in the middle of an upload (the hub reaches it
// through a proxy that is closed): the pass fails with an error, the hub
// records no blob and holds none, and a read of the store fails rather
// than finding anything.
func TestS3GoneMidUpload(t *testing.T) {
	ctx := context.Background()
	srv := s3test.Start(t)
	srv.SetEnv(t)
	link := startProxy(t, srv.Endpoint, faultproxy.Config{Rate: 16 << 20})
	viaLink := srv
	viaLink.Endpoint = link.Addr()
	th := startHubOn(t, viaLink, "gone")
	tm, _ := joined(t, th)
	d := tm.addFootage(t, 24<<20)[0]
	c := viaProxy(t, tm, startProxy(t, th.addr, faultproxy.Config{Rate: 8 << 20}), 4<<20)
	go func() {
		time.Sleep(1500 * time.Millisecond)
		link.Close()
	}()
	pass, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	_, err := c.Once(pass)
	if err == nil {
		t.Fatal("a pass whose upload lost the hub's S3 store succeeded")
	}
	t.Logf("the terminal's error: %v", err)
	if ok, _ := tm.store.HasReceipt(ctx, d); ok {
		t.Fatal("a receipt for an upload that never reached the store")
	}
	if _, _, blobs := hubCounts(t, th); blobs != 0 {
		t.Fatal("the hub recorded a blob")
	}
	if keys := keysUnder(t, srv, "gone/blobs/"); len(keys) != 0 {
		t.Fatalf("blob objects after the store went away: %v", keys)
	}
	if err := th.hub.Blobs().Verify(ctx, d); err == nil || errors.Is(err, blobstore.ErrCorrupt) {
		t.Fatalf("verify with the store gone: %v", err)
	}
}
