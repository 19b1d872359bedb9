package client

import (
	"context"
	"crypto/rand"
	"errors"
	"testing"
	"time"

	"lawtrail/casework"
	"lawtrail/evidence"
	"lawtrail/hub"
	"lawtrail/store"
)

// putFootage stores buf as a recorder file of serial and records its custody.
func (tm *terminal) putFootage(t testing.TB, buf []byte, serial string) evidence.Digest {
	t.Helper()
	ctx := context.Background()
	d, n, err := tm.store.Blobs().Put(ctx, bytesReader(buf))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tm.store.Append(ctx, tm.key, store.Draft{Actor: "o-001", Blobs: []evidence.Digest{d}, Payload: &casework.FootageIngested{
		Digest: d, SourceKey: casework.SourceKey{DeviceSerial: serial, Path: "DCIM/0001.MP4", Size: n,
			ModTime: time.Date(2026, 11, 20, 10, 0, 0, 0, casework.Shanghai)}, Clerk: "o-001", Station: "s"}}); err != nil {
		t.Fatal(err)
	}
	return d
}

// The same clip docked on two terminals of an agency (a recorder docked at
// two stations, or a copy): the second terminal gets its own signed receipt
// for the bytes the hub holds, sends none of them, and is not stuck retrying
// an upload the hub refuses. Before: "already_received" every pass, never a
// receipt, so the recorder file could never be cleared after the hub's receipt.
func TestSameClipFromTwoTerminalsBothGetReceipts(t *testing.T) {
	th := startHub(t, t.TempDir())
	a := agencyTerminal(t, th, "采集站-A", agencyOne)
	b := agencyTerminal(t, th, "采集站-B", agencyOne)
	clip := make([]byte, 300<<10)
	rand.Read(clip)
	d := a.putFootage(t, clip, "DSJ0001")
	if got := b.putFootage(t, clip, "DSJ0002"); got != d {
		t.Fatal("the same bytes gave two digests")
	}
	if rep := a.sync(t, Options{}); rep.Receipts != 1 || rep.BlobsSent != 1 {
		t.Fatalf("A: %+v", rep)
	}
	rep := b.sync(t, Options{})
	if rep.Receipts != 1 || rep.BlobsSent != 0 || rep.BytesSent != 0 || rep.BlobsWaiting != 0 {
		t.Fatalf("B, whose clip the hub holds already: %+v", rep)
	}
	ctx := context.Background()
	raw, err := b.store.Receipt(ctx, d)
	if err != nil || len(raw) == 0 {
		t.Fatalf("B's receipt: %v", err)
	}
	if rep := b.sync(t, Options{}); rep.BlobsWaiting != 0 || rep.BytesSent != 0 {
		t.Fatalf("B's next pass: %+v", rep)
	}
	if rep, err := th.hub.Check(ctx); err != nil || len(rep.Problems) > 0 {
		t.Fatalf("hub check: %v %v", rep, err)
	}
	// An announcement of another size for the held digest is refused.
	if _, _, err := th.hub.GrantHeldReceipt(ctx, "k0000000000000000", d, int64(len(clip)+1)); !errors.Is(err, hub.ErrHeldSizeDiffers) {
		t.Fatalf("another size for a held digest: %v", err)
	}
}
