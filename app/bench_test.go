package app

import (
	"context"
	"crypto/rand"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"lawtrail/casework"
	"lawtrail/evidence"
	"lawtrail/store"
	"lawtrail/store/storetest"
)

// terminalWith makes a terminal holding n footage events.
func terminalWith(b *testing.B, n int) (string, Demo) {
	ctx := context.Background()
	dir := filepath.Join(b.TempDir(), "data")
	kdf := evidence.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}
	key, err := store.InitTerminal(ctx, dir, store.TerminalSetup{TerminalName: "t", AgencyName: "某局", OfficerID: "o-001",
		OfficerName: "张三", Roles: []casework.Role{casework.RoleAdmin, casework.RoleClerk}, Passphrase: []byte("pass-pass-pass"), PIN: []byte("123456"), KDF: kdf, Rand: rand.Reader})
	if err != nil {
		b.Fatal(err)
	}
	st, err := store.Open(ctx, dir, store.Options{Keys: storetest.Keys(b, key)})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	at := time.Date(2026, 11, 20, 8, 0, 0, 0, casework.Shanghai)
	for done := 0; done < n; {
		var drafts []store.Draft
		for i := 0; i < 500 && done < n; i, done = i+1, done+1 {
			d := evidence.Sum([]byte(fmt.Sprint(done)))
			drafts = append(drafts, store.Draft{Actor: "o-001", Blobs: []evidence.Digest{d}, Payload: &casework.FootageIngested{
				Digest: d, SourceKey: casework.SourceKey{DeviceSerial: "DSJ0001", Path: fmt.Sprintf("DCIM/%06d.MP4", done), Size: 1000,
					ModTime: at.Add(time.Duration(done) * time.Minute)}, Officer: "350101", Clerk: "o-001", Station: "s",
				Start: at.Add(time.Duration(done) * time.Minute), End: at.Add(time.Duration(done)*time.Minute + 50*time.Second)}})
		}
		if _, err := st.Append(ctx, key, drafts...); err != nil {
			b.Fatal(err)
		}
	}
	return dir, Demo{DataDir: dir, Passphrase: "pass-pass-pass", PIN: "123456", Officer: "o-001"}
}

type startTimes struct{ firstScreen, mainScreen, evidence time.Duration }

func measureStart(b *testing.B, dir string, d Demo, items int) startTimes {
	a := test.NewTempApp(b)
	win := a.NewWindow("lawtrail")
	var t startTimes
	start := time.Now()
	u := New(context.Background(), a, win, dir)
	u.Start()
	t.firstScreen = time.Since(start)
	start = time.Now()
	u.StartDemo(d, "none")
	waitFor(b, func() bool { return u.main != nil })
	t.mainScreen = time.Since(start)
	start = time.Now()
	u.main.Evidence.Reload(u)
	waitFor(b, func() bool { return len(u.main.Evidence.Shown()) == items })
	t.evidence = time.Since(start)
	u.Close()
	return t
}

func waitFor(b *testing.B, cond func() bool) {
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		var ok bool
		fyne.DoAndWait(func() { ok = cond() })
		if ok {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
	b.Fatal("timed out")
}

// BenchmarkStartWith100kEvents measures, with 100,000 footage events in
// the store and with none (the baseline, same run): the first screen, the
// path from unlock to the main screen (opening the store, the officer's
// key, building every tab), and opening the evidence list with all items.
// Target: first frame ≤ 2 s.
func BenchmarkStartWith100kEvents(b *testing.B) {
	const n = 100_000
	bigDir, bigDemo := terminalWith(b, n)
	emptyDir, emptyDemo := terminalWith(b, 0)
	for b.Loop() {
		base := measureStart(b, emptyDir, emptyDemo, 0)
		full := measureStart(b, bigDir, bigDemo, n)
		b.ReportMetric(full.firstScreen.Seconds()*1000, "first-screen-ms")
		b.ReportMetric(full.mainScreen.Seconds()*1000, "unlock-to-main-ms")
		b.ReportMetric(full.evidence.Seconds()*1000, "evidence-100k-ms")
		b.ReportMetric(full.mainScreen.Seconds()/base.mainScreen.Seconds(), "main-100k/empty")
		b.ReportMetric(unsealTime(b).Seconds()*1000, "unseal-default-kdf-ms")
	}
}

// unsealTime is what unlocking costs with the real argon2id parameters (the
// benchmark's terminals use cheap ones to be quick to build).
func unsealTime(b *testing.B) time.Duration {
	k, _ := evidence.GenerateKeyPair(rand.Reader)
	sk, err := evidence.Seal(k, "terminal", k.ID(), []byte("pass"), evidence.DefaultKDFParams, rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if _, err := sk.Unseal([]byte("pass")); err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}
