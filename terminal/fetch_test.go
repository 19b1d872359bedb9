package terminal_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"path/filepath"
	"testing"
	"time"

	"lawtrail/casework"
	"lawtrail/evidence"
	"lawtrail/hub/hubtest"
	"lawtrail/store"
	"lawtrail/sync/client"
	"lawtrail/terminal"
	"lawtrail/terminal/terminaltest"
)

// A reviewer on terminal B opens a clip terminal A took in: the bytes come
// from the hub, verified, and B records where they came from.
func TestFetchFootageFromTheHub(t *testing.T) {
	ctx := context.Background()
	h := hubtest.Start(t)
	a := terminaltest.NewIn(t, filepath.Join(t.TempDir(), "a"), "采集站-A")
	b := terminaltest.NewIn(t, filepath.Join(t.TempDir(), "b"), "采集站-B")
	syncOnce := func(f *terminaltest.Fixture) {
		t.Helper()
		c, err := client.New(ctx, f.Terminal.Store(), f.Desk.Key(), client.Options{Timeout: 20 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		if rep, err := c.Once(ctx); err != nil || len(rep.Errors) > 0 {
			t.Fatalf("sync: %v %v", err, rep.Errors)
		}
	}
	for _, f := range []*terminaltest.Fixture{a, b} {
		if _, err := client.Join(ctx, f.Terminal.Store(), f.Desk.Key(), h.Code(t, terminaltest.Agency), f.Desk.Info.Name); err != nil {
			t.Fatal(err)
		}
	}
	clip := make([]byte, 1<<20)
	rand.Read(clip)
	d, n, err := a.Terminal.Store().Blobs().Put(ctx, bytes.NewReader(clip))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Terminal.Store().Append(ctx, a.Desk.Key(), store.Draft{Actor: terminaltest.AdminID, Blobs: []evidence.Digest{d},
		Payload: &casework.FootageIngested{Digest: d, SourceKey: casework.SourceKey{DeviceSerial: "DSJ0001", Path: "DCIM/A.MP4", Size: n,
			ModTime: time.Date(2026, 11, 20, 10, 0, 0, 0, casework.Shanghai)}, Clerk: terminaltest.AdminID, Station: "采集站-A"}}); err != nil {
		t.Fatal(err)
	}
	b.Enroll(t, "o-003", "王五", "", "357913", casework.RoleReviewer)
	b.Enroll(t, "o-004", "赵六", "", "468024", casework.RolePublisher)
	reviewer := b.Login(t, "o-003", "357913")

	// Before the hub holds the bytes: refused, nothing kept.
	syncOnce(b)
	if _, err := reviewer.FetchFootage(ctx, d.String()); err == nil {
		t.Fatal("fetched footage the record does not know")
	}
	syncOnce(a)
	syncOnce(b)

	publisher := b.Login(t, "o-004", "468024")
	if _, err := publisher.FetchFootage(ctx, d.String()); terminal.Code(err) != terminal.CodeRole {
		t.Fatalf("a publisher fetching footage: %v", err)
	}
	if _, err := reviewer.FetchFootage(ctx, "../../etc/passwd"); terminal.Code(err) != terminal.CodeBadInput {
		t.Fatalf("a bad digest: %v", err)
	}
	got, err := reviewer.FetchFootage(ctx, d.String())
	if err != nil {
		t.Fatal(err)
	}
	if got.Size != n || got.Source != a.Desk.Info.ID || got.Already {
		t.Fatalf("fetched %+v", got)
	}
	r, err := b.Terminal.Store().Blobs().Open(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	back, err := io.ReadAll(r)
	r.Close()
	if err != nil || !bytes.Equal(back, clip) {
		t.Fatalf("the fetched bytes differ: %v", err)
	}
	custody, err := b.Terminal.Store().Custody(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	var fetched []store.CustodyRow
	for _, c := range custody {
		if c.Type == casework.TypeFootageFetched {
			fetched = append(fetched, c)
		}
	}
	if len(fetched) != 1 || fetched[0].Terminal != b.Desk.Info.ID || fetched[0].Actor != "o-003" {
		t.Fatalf("custody on B: %+v", custody)
	}
	// Asked again: held and in custody here, nothing new recorded.
	if again, err := reviewer.FetchFootage(ctx, d.String()); err != nil || !again.Already {
		t.Fatalf("again: %+v %v", again, err)
	}
	if c, _ := b.Terminal.Store().Custody(ctx, d); len(c) != len(custody) {
		t.Fatal("a second custody event for the same bytes")
	}
	syncOnce(b)
	syncOnce(a)
	for _, f := range []*terminaltest.Fixture{a, b} {
		rep, err := f.Terminal.Store().Check(ctx, mustTrusted(t, f))
		if err != nil || !rep.OK() {
			t.Fatalf("check on %s: %v %v", f.Desk.Info.Name, rep.Problems, err)
		}
	}
	// A custody event of fetched footage is the custody of bytes the record
	// knows: one for footage nobody recorded is refused by the rules.
	var other evidence.Digest
	other[0] = 9
	_, err = b.Terminal.Store().Append(ctx, b.Desk.Key(), store.Draft{Actor: "o-003", Blobs: []evidence.Digest{other},
		Payload: &casework.FootageFetched{Digest: other, Size: 1, From: got.From, Source: a.Desk.Info.ID}})
	if !errors.Is(err, casework.ErrRule) {
		t.Fatalf("custody of unknown footage: %v", err)
	}
}
