package client

import (
	"context"
	"io"
	"log"
	"testing"
)

func discardLog() *log.Logger { return log.New(io.Discard, "", 0) }

func joined(t *testing.T, th *testHub) (*terminal, *Client) {
	t.Helper()
	tm := newTerminal(t)
	if _, err := Join(context.Background(), tm.store, tm.key, th.code(t), "t1"); err != nil {
		t.Fatal(err)
	}
	c, err := New(context.Background(), tm.store, tm.key, Options{ChunkSize: 256 << 10})
	if err != nil {
		t.Fatal(err)
	}
	return tm, c
}

// Everything arrives, verified, and the terminal knows it only from the
// hub's state and signed receipts.
func TestSyncEverythingArrives(t *testing.T) {
	th := startHub(t, t.TempDir())
	tm, c := joined(t, th)
	tm.cases(t, 5)
	digests := tm.addFootage(t, 0, 1000, 700<<10, 3<<20)
	rep, err := c.Once(context.Background())
	if err != nil {
		t.Fatalf("sync: %v %+v", err, rep)
	}
	head, _, _ := tm.store.Head(context.Background(), tm.key.ID())
	if rep.HubLastSeq != head || rep.Receipts != 4 || rep.BlobsWaiting != 0 || rep.FeedItems != 1 {
		t.Fatalf("report %+v, local head %d", rep, head)
	}
	for _, d := range digests {
		if ok, _ := tm.store.HasReceipt(context.Background(), d); !ok {
			t.Fatalf("no receipt kept for %s", d)
		}
		r, err := th.hub.Blobs().Open(context.Background(), d)
		if err != nil {
			t.Fatalf("hub does not hold %s: %v", d, err)
		}
		io.Copy(io.Discard, r)
		r.Close()
	}
	st, err := ReadStatus(context.Background(), tm.store, tm.key.ID())
	if err != nil || st.PendingEvents != 0 || st.PendingBlobs != 0 || st.Receipts != 4 || st.LastSuccess == "" || st.FeedCursor != 1 {
		t.Fatalf("status %+v %v", st, err)
	}
	// A second pass sends nothing and still succeeds.
	rep, err = c.Once(context.Background())
	if err != nil || rep.EventsSent != 0 || rep.BlobsSent != 0 {
		t.Fatalf("second pass %+v %v", rep, err)
	}
}
