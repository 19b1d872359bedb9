package app

import (
	"bytes"
	"context"
	"crypto/rand"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"lawtrail/casework"
	"lawtrail/evidence"
	"lawtrail/hub/hubtest"
	"lawtrail/store"
	"lawtrail/sync/client"
)

// A reviewer on terminal B opens a clip docked on terminal A: the custody
// came by the agency feed, the bytes did not, so 用系统播放器打开 fetches them
// from the hub, verifies them and records the fetch as B's officer's act
// before handing the file to the player.
func TestUIOpensAnotherTerminalsClip(t *testing.T) {
	a := test.NewTempApp(t)
	defer holdUI()()
	ctx := context.Background()
	h := hubtest.Start(t)
	dirA := filepath.Join(t.TempDir(), "a")
	keyA := syncedFolder(t, h, dirA)
	clip := make([]byte, 200<<10)
	rand.Read(clip)
	var d evidence.Digest
	withStore(t, dirA, func(st *store.Store) {
		var n int64
		var err error
		if d, n, err = st.Blobs().Put(ctx, bytes.NewReader(clip)); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Append(ctx, keyA, store.Draft{Actor: "o-001", Blobs: []evidence.Digest{d}, Payload: &casework.FootageIngested{
			Digest: d, SourceKey: casework.SourceKey{DeviceSerial: "DSJ0001", Path: "DCIM/0001.MP4", Size: n,
				ModTime: time.Date(2026, 11, 20, 10, 0, 0, 0, casework.Shanghai)}, Clerk: "o-001", Station: "t1"}}); err != nil {
			t.Fatal(err)
		}
		c, err := client.New(ctx, st, keyA, client.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Once(ctx); err != nil {
			t.Fatal(err)
		}
	})
	dirB := filepath.Join(t.TempDir(), "b")
	syncedFolder(t, h, dirB)

	win := a.NewWindow("lawtrail")
	u := New(ctx, a, win, dirB)
	u.KDF = hubtest.FastKDF
	u.Start()
	eventually(t, "the unlock screen", func() bool { return u.unlock != nil })
	test.Type(u.unlock.Passphrase, "terminal passphrase")
	test.Tap(u.unlock.Submit)
	eventually(t, "the login screen", func() bool { return u.login != nil && u.login.Officer.Selected != "" })
	test.Type(u.login.PIN, "123456")
	test.Tap(u.login.Submit)
	eventually(t, "the main screen", func() bool { return u.main != nil })
	test.Tap(u.main.Sync.Now)
	e := u.main.Evidence
	eventually(t, "A's clip listed on B", func() bool {
		// eventually runs cond holding the UI lock (holdUI), as a callback would.
		for i, it := range e.Shown() {
			if it.Digest == d {
				e.List.Select(i)
				return true
			}
		}
		e.Reload(u)
		return false
	})
	if has, _ := u.st().Blobs().Has(d); has {
		t.Fatal("B holds A's bytes before anyone opened the clip")
	}
	eventually(t, "the open button", func() bool { return !e.Open.Disabled() })
	test.Tap(e.Open)
	eventually(t, "the clip fetched and verified", func() bool {
		has, _ := u.st().Blobs().Has(d)
		return has && u.st().Blobs().Verify(ctx, d) == nil
	})
	eventually(t, "the fetch on the record", func() bool {
		custody, err := u.st().Custody(ctx, d)
		if err != nil {
			return false
		}
		for _, c := range custody {
			if c.Type == casework.TypeFootageFetched {
				return true
			}
		}
		return false
	})
}
