package client

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"lawtrail/hub"
	"lawtrail/hub/blobstore/s3test"
	"lawtrail/sync/faultproxy"
	"lawtrail/sync/server"
)

// startHubOn serves a hub whose footage is on srv's bucket under prefix.
func startHubOn(t *testing.T, srv s3test.Server, prefix string) *testHub {
	t.Helper()
	dir := t.TempDir()
	h, err := hub.Open(context.Background(), dir, []byte("hub pass"), hub.Options{KDF: fastKDF, Blobs: srv.Spec(prefix)})
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
