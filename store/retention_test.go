package store

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"lawtrail/casework"
	"lawtrail/evidence"
)

// freedFixture docks one clip and keeps a receipt for it, as sync does
// once the hub verified the bytes.
func freedFixture(t *testing.T) (*fixture, evidence.Digest) {
	t.Helper()
	ctx := context.Background()
	f := newFixture(t)
	d, n, err := f.store.Blobs().Put(ctx, bytes.NewReader([]byte("clip recorded at the scene")))
	if err != nil {
		t.Fatal(err)
	}
	f.append(t, footageDraft(f.admin, d, n, "DCIM/A.MP4"))
	if err := f.store.SaveReceipt(ctx, d, []byte(`{"digest":"`+d.String()+`"}`)); err != nil {
		t.Fatal(err)
	}
	return f, d
}

func freedDraft(f *fixture, d evidence.Digest) Draft {
	return Draft{Actor: f.admin, Blobs: []evidence.Digest{d}, Payload: &casework.FootageFreed{Digest: d, Cause: casework.FreeAfterPeriod}}
}

// A crash after footage.freed committed and before the bytes were removed:
// the next open finds the file freed but present and removes it; check
// then passes, the freed file legitimately absent. The other order —
// bytes gone without the event — cannot happen: RemoveFreed refuses a
// file no footage.freed names.
func TestFreedCrashBetweenEventAndRemoval(t *testing.T) {
	ctx := context.Background()
	f, d := freedFixture(t)
	if err := f.store.RemoveFreed(ctx, d); !errors.Is(err, ErrNotFreed) {
		t.Fatalf("removing bytes before the event: %v", err)
	}
	if has, _ := f.store.Blobs().Has(d); !has {
		t.Fatal("bytes removed without an event")
	}
	f.append(t, freedDraft(f, d))
	if has, _ := f.store.Blobs().Has(d); !has {
		t.Fatal("the append itself removed the bytes")
	}
	f.store.Close() // the crash: the event is committed, the bytes are still here
	s, err := Open(ctx, f.dir, Options{Config: testConfig(t), Keys: f.keys, Now: func() time.Time { return time.Date(2026, 12, 30, 9, 0, 0, 0, casework.Shanghai) }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if has, _ := s.Blobs().Has(d); has {
		t.Fatal("a freed file is still here after the next open")
	}
	rep, err := s.Check(ctx, f.trusted(t))
	if err != nil || !rep.OK() {
		t.Fatalf("check after the crash: %v %v", err, rep.Problems)
	}
	var loc string
	if err := s.Footage(ctx, func(it FootageItem) error { loc = it.Location; return nil }); err != nil || loc != LocationFreed {
		t.Fatalf("location %q %v", loc, err)
	}
	if _, err := s.Append(ctx, f.terminal, freedDraft(f, d)); !errors.Is(err, casework.ErrRule) {
		t.Fatalf("freeing twice: %v", err)
	}
}

// An insider deletes the receipt with sqlite3 after the file was freed:
// check names the file.
func TestCheckNamesFreedWithoutReceipt(t *testing.T) {
	ctx := context.Background()
	f, d := freedFixture(t)
	f.append(t, freedDraft(f, d))
	if err := f.store.RemoveFreed(ctx, d); err != nil {
		t.Fatal(err)
	}
	f.store.Close()
	f.insiderSQL(t, "DELETE FROM sync_receipts")
	s, err := Open(ctx, f.dir, Options{Config: testConfig(t), Keys: f.keys})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rep, err := s.Check(ctx, f.trusted(t))
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK() || len(rep.Problems) != 1 || rep.Problems[0].Item != "footage "+d.String() ||
		!strings.Contains(rep.Problems[0].Err.Error(), "no receipt") {
		t.Fatalf("check: %v", rep.Problems)
	}
}
