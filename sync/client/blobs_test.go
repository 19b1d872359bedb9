package client

import (
	"context"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"lawtrail/sync/faultproxy"
)

// openConns counts a client's open connections and the most at once.
type openConns struct {
	now, most atomic.Int64
}

func (o *openConns) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	n := o.now.Add(1)
	for m := o.most.Load(); n > m && !o.most.CompareAndSwap(m, n); m = o.most.Load() {
	}
	return &countedConn{Conn: c, o: o}, nil
}

type countedConn struct {
	net.Conn
	o    *openConns
	once sync.Once
}

func (c *countedConn) Close() error {
	c.once.Do(func() { c.o.now.Add(-1) })
	return c.Conn.Close()
}

// A pass sends Options.Uploads blobs at once, each on its own connection,
// so one upload's round trips (create, each chunk's answer, the receipt)
// leave the link to the others; with Uploads 1 it sends one after another
// on one connection. Every blob gets its receipt either way.
func TestUploadsRunSideBySide(t *testing.T) {
	for _, uploads := range []int{1, 3} {
		th := startHub(t, t.TempDir())
		tm, _ := joined(t, th)
		digests := tm.addFootage(t, 512<<10, 512<<10, 512<<10, 512<<10, 512<<10, 512<<10)
		// Every forwarded read waits a little, as on a real link, so
		// uploads overlap when the client lets them.
		p := startProxy(t, th.addr, faultproxy.Config{Delay: 5 * time.Millisecond})
		var conns openConns
		c, err := New(context.Background(), tm.store, tm.key, Options{ChunkSize: 256 << 10, Uploads: uploads, Dial: conns.dial})
		if err != nil {
			t.Fatal(err)
		}
		c.hub.URL = "https://" + p.Addr()
		rep, err := c.Once(context.Background())
		if err != nil || rep.BlobsSent != len(digests) || rep.Receipts != len(digests) || rep.BlobsWaiting != 0 {
			t.Fatalf("uploads %d: %+v %v", uploads, rep, err)
		}
		if rep.BytesSent != 6*512<<10 {
			t.Errorf("uploads %d: %d bytes sent, want %d (each upload counts its own)", uploads, rep.BytesSent, 6*512<<10)
		}
		most := conns.most.Load()
		if uploads == 1 && most != 1 || uploads > 1 && most < int64(uploads) {
			t.Errorf("uploads %d: at most %d connections open at once", uploads, most)
		}
		for _, d := range digests {
			if ok, _ := tm.store.HasReceipt(context.Background(), d); !ok {
				t.Fatalf("uploads %d: no receipt for %s", uploads, d)
			}
		}
	}
}

// An upload whose link is cut is resumed in the same pass from the offset
// the hub confirms: one pass ends with the blob's receipt and no error,
// though the proxy cut the connection under it.
func TestCutUploadResumesInThePass(t *testing.T) {
	th := startHub(t, t.TempDir())
	tm, _ := joined(t, th)
	d := tm.addFootage(t, 3<<20)[0]
	// Each connection is cut after 1.5–2 MiB toward the hub: the 3 MiB
	// blob cannot arrive on one connection, and does on three.
	p := startProxy(t, th.addr, faultproxy.Config{CutMin: 1536 << 10, CutMax: 2 << 20})
	c, err := New(context.Background(), tm.store, tm.key, Options{ChunkSize: 1 << 20, Uploads: 1, Timeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	c.hub.URL = "https://" + p.Addr()
	rep, err := c.Once(context.Background())
	if err != nil || rep.BlobsWaiting != 0 || rep.Receipts != 1 {
		t.Fatalf("one pass with a cut: %+v %v", rep, err)
	}
	if p.Cuts.Load() == 0 {
		t.Fatal("the proxy cut nothing: the test proves nothing")
	}
	if ok, _ := tm.store.HasReceipt(context.Background(), d); !ok {
		t.Fatal("no receipt")
	}
	if got := plaintextOf(t, tm.store, d); len(got) != 3<<20 {
		t.Fatalf("%d bytes", len(got))
	}
}
