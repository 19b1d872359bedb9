package client

import (
	"context"
	"testing"
	"time"

	"lawtrail/sync/faultproxy"
)

// viaProxy makes a client whose connections go through p.
func viaProxy(t *testing.T, tm *terminal, p *faultproxy.Proxy, chunk int64) *Client {
	t.Helper()
	c, err := New(context.Background(), tm.store, tm.key, Options{ChunkSize: chunk, Timeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	c.hub.URL = "https://" + p.Addr()
	return c
}

// syncUntilDone runs passes until one succeeds with nothing waiting.
func syncUntilDone(t *testing.T, c *Client, maxPasses int) (passes int, bytes int64) {
	t.Helper()
	for passes = 1; passes <= maxPasses; passes++ {
		rep, err := c.Once(context.Background())
		bytes += rep.BytesSent
		if err == nil && rep.BlobsWaiting == 0 {
			return passes, bytes
		}
	}
	t.Fatalf("not done after %d passes", maxPasses)
	return
}

// A link cut at random byte offsets, again and again: every event and blob
// arrives, every blob's digest matches (the hub re-hashes; the receipt
// says so), and each cut costs less than one chunk of re-sent bytes.
func TestSyncThroughCuts(t *testing.T) {
	th := startHub(t, t.TempDir())
	tm, _ := joined(t, th)
	tm.cases(t, 300)
	sizes := []int{1 << 20, 1500 << 10, 2 << 20, 2500 << 10, 3 << 20}
	digests := tm.addFootage(t, sizes...)
	p := startProxy(t, th.addr, faultproxy.Config{CutMin: 200 << 10, CutMax: 1200 << 10})
	const chunk = 512 << 10
	c := viaProxy(t, tm, p, chunk)
	passes, _ := syncUntilDone(t, c, 200)

	total := int64(0)
	for _, s := range sizes {
		total += int64(s)
	}
	for _, d := range digests {
		if ok, _ := tm.store.HasReceipt(context.Background(), d); !ok {
			t.Fatalf("no receipt for %s", d)
		}
	}
	head, _, _ := tm.store.Head(context.Background(), tm.key.ID())
	if st, _ := th.hub.State(context.Background(), tm.key.ID()); st.LastSeq != head {
		t.Fatalf("hub holds events to %d of %d", st.LastSeq, head)
	}
	cuts := p.Cuts.Load()
	resent := c.BytesOnWire() - total
	if cuts < 5 {
		t.Fatalf("only %d cuts: the test did not test cuts", cuts)
	}
	if perCut := resent / cuts; perCut >= chunk {
		t.Fatalf("%d bytes re-sent per cut, want under one chunk (%d)", perCut, chunk)
	}
	t.Logf("%d passes, %d cuts, %d bytes re-sent (%d per cut)", passes, cuts, resent, resent/cuts)
}

// The hub restarts in the middle of an upload; the upload resumes from the
// offset the hub kept, and the blob arrives whole.
func TestHubRestartMidUpload(t *testing.T) {
	dir := t.TempDir()
	th := startHub(t, dir)
	addr := th.addr
	tm, _ := joined(t, th)
	digests := tm.addFootage(t, 6<<20)
	p := startProxy(t, addr, faultproxy.Config{Rate: 4 << 20})
	c := viaProxy(t, tm, p, 1<<20)
	go func() {
		time.Sleep(700 * time.Millisecond)
		th.stop()
	}()
	c.Once(context.Background()) // fails when the hub goes away
	th2 := startHubAt(t, dir, addr)
	_ = th2
	syncUntilDone(t, c, 20)
	if ok, _ := tm.store.HasReceipt(context.Background(), digests[0]); !ok {
		t.Fatal("no receipt after the hub restarted")
	}
	if sent := c.BytesOnWire(); sent >= 2*(6<<20) {
		t.Fatalf("sent %d bytes for a 6 MiB blob: the upload did not resume", sent)
	}
}

// The terminal stops in the middle of an upload; a new client (a restarted
// terminal) resumes it from the recorded upload.
func TestTerminalRestartMidUpload(t *testing.T) {
	th := startHub(t, t.TempDir())
	tm, _ := joined(t, th)
	digests := tm.addFootage(t, 6<<20)
	p := startProxy(t, th.addr, faultproxy.Config{Rate: 4 << 20})
	c := viaProxy(t, tm, p, 1<<20)
	ctx, cancel := context.WithTimeout(context.Background(), 800*time.Millisecond)
	c.Once(ctx)
	cancel()
	if u, found, _ := tm.store.UploadOf(context.Background(), digests[0]); !found || u.Offset == 0 {
		t.Fatalf("no recorded upload progress to resume from: %+v", u)
	}
	c2 := viaProxy(t, tm, p, 1<<20)
	syncUntilDone(t, c2, 10)
	// The restarted terminal sends only what the hub lacks (bytes the
	// first one left in socket buffers may be sent again), never the whole.
	if sent := c2.BytesOnWire(); sent >= 6<<20 {
		t.Fatalf("the restarted terminal sent %d bytes of a 6 MiB blob: it did not resume", sent)
	}
}
