package app

import (
	"context"
	"crypto/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"

	"lawtrail/casework"
	"lawtrail/evidence"
	"lawtrail/hub/hubtest"
	"lawtrail/store"
	"lawtrail/store/storetest"
	"lawtrail/sync/client"
)

const agencyName = "某区市场监督管理局"

// syncedFolder makes a terminal folder joined to h, with a case synced.
func syncedFolder(t *testing.T, h *hubtest.Hub, dir string) evidence.KeyPair {
	t.Helper()
	ctx := context.Background()
	key, err := store.InitTerminal(ctx, dir, store.TerminalSetup{TerminalName: "t1", AgencyName: agencyName,
		OfficerID: "o-001", OfficerName: "张三", CredentialNo: "35010000001", Roles: []casework.Role{casework.RoleAdmin, casework.RoleOfficer},
		Passphrase: []byte("terminal passphrase"), PIN: []byte("123456"), KDF: hubtest.FastKDF, Rand: rand.Reader})
	if err != nil {
		t.Fatal(err)
	}
	withStore(t, dir, func(st *store.Store) {
		if _, err := client.Join(ctx, st, key, h.Code(t, agencyName), "t1"); err != nil {
			t.Fatal(err)
		}
	})
	openCaseAndSync(t, dir, key, "c-1")
	return key
}

func withStore(t *testing.T, dir string, fn func(*store.Store)) {
	t.Helper()
	st, err := store.Open(context.Background(), dir, store.Options{Keys: storetest.KeysOf(t, dir, "terminal passphrase")})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	fn(st)
}

// openCaseAndSync records a case (as the cases screen does) and syncs.
func openCaseAndSync(t *testing.T, dir string, key evidence.KeyPair, id string) {
	t.Helper()
	ctx := context.Background()
	withStore(t, dir, func(st *store.Store) {
		if _, err := st.Append(ctx, key, store.Draft{Actor: "o-001", Payload: &casework.CaseOpened{Case: id, Number: id,
			Title: "无照经营", ActType: casework.ActPenalty, Agency: store.AgencyIDFromName(agencyName)}}); err != nil {
			t.Fatal(err)
		}
		c, err := client.New(ctx, st, key, client.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Once(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

func cp(t *testing.T, from, to string) {
	t.Helper()
	if out, err := exec.Command("cp", "-a", from, to).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
}

// Defect 1 of "Trust, checked from outside", as an officer meets it: the
// app opened on a data folder restored from a backup says in plain words
// (translated) what happened instead of reporting success, offers "recover
// sync", and after it everything — the events the hub had and the one only
// the restored folder had — is on both sides.
func TestUIRecoversARestoredDataFolder(t *testing.T) {
	a := test.NewTempApp(t)
	// Hold the UI first: translations are global, and another test's
	// background work may still be finishing through uiDo.
	defer holdUI()()
	h := hubtest.Start(t)
	dir := filepath.Join(t.TempDir(), "data")
	key := syncedFolder(t, h, dir)
	backup := filepath.Join(t.TempDir(), "backup")
	cp(t, dir, backup)
	openCaseAndSync(t, dir, key, "c-2") // reaches the hub, then the folder is lost
	os.RemoveAll(dir)
	cp(t, backup, dir)
	withStore(t, dir, func(st *store.Store) { // recorded after the restore, never sent
		if _, err := st.Append(context.Background(), key, store.Draft{Actor: "o-001", Payload: &casework.CaseOpened{Case: "c-3",
			Number: "c-3", Title: "无证经营", ActType: casework.ActPenalty, Agency: store.AgencyIDFromName(agencyName)}}); err != nil {
			t.Fatal(err)
		}
	})

	win := a.NewWindow("lawtrail")
	u := New(context.Background(), a, win, dir)
	u.KDF = hubtest.FastKDF
	u.Start()
	eventually(t, "the unlock screen", func() bool { return u.unlock != nil })
	test.Type(u.unlock.Passphrase, "terminal passphrase")
	test.Tap(u.unlock.Submit)
	eventually(t, "the login screen", func() bool { return u.login != nil && u.login.Officer.Selected != "" })
	test.Type(u.login.PIN, "123456")
	test.Tap(u.login.Submit)
	eventually(t, "the main screen", func() bool { return u.main != nil })

	s := u.main.Sync
	test.Tap(s.Now)
	eventually(t, "the divergence said in words", func() bool {
		return strings.Contains(s.StatusText.Text, lang.L("sync.diverged")) && s.Recover.Visible()
	})
	test.Tap(s.Recover)
	eventually(t, "the recovery", func() bool {
		return !s.Recover.Visible() && s.StatusText.Text != "" &&
			!strings.Contains(s.StatusText.Text, lang.L("sync.diverged"))
	})
	test.Tap(s.Now)
	var last client.Status
	defer func() {
		if t.Failed() {
			t.Logf("last status: diverged=%q pending=%d success=%q errorAt=%q", last.Diverged, last.PendingEvents, last.LastSuccess, last.LastErrorAt)
		}
	}()
	eventually(t, "a clean sync", func() bool {
		st, err := client.ReadStatus(context.Background(), u.st(), key.ID())
		last = st
		head, _, herr := u.st().Head(context.Background(), key.ID())
		hubState, serr := h.State(context.Background(), key.ID())
		return err == nil && herr == nil && serr == nil && st.Diverged == "" && st.PendingEvents == 0 && hubState.LastSeq == head
	})
	cases, err := u.st().Cases(context.Background())
	if err != nil || len(cases) != 3 {
		t.Fatalf("cases after recovery: %d %v (want c-1, c-2 from the hub, c-3 re-based)", len(cases), err)
	}
	r, err := u.st().Check(context.Background(), mustKeys(t, dir))
	if err != nil || !r.OK() {
		t.Fatalf("check after recovery: %v %v", r.Problems, err)
	}

	// From now on the app syncs by itself: a case opened on the screen
	// reaches the hub with no tap on "sync now", and the indicator says so.
	c := u.main.Cases
	test.Type(c.Number, "c-4")
	test.Type(c.Title, "无证经营")
	test.Tap(c.Create)
	eventually(t, "the case sent by the background sync", func() bool {
		head, _, herr := u.st().Head(context.Background(), key.ID())
		hubState, serr := h.State(context.Background(), key.ID())
		return herr == nil && serr == nil && head > 0 && hubState.LastSeq == head && c.List.Length() == 4
	})
	eventually(t, "the indicator", func() bool {
		st, err := client.ReadStatus(context.Background(), u.st(), key.ID())
		return err == nil && st.PendingEvents == 0 &&
			u.main.SyncBadge.Text == lang.X("sync.badge.ok", "", map[string]any{"Success": shortTime(st.LastSuccess)})
	})
}

func mustKeys(t *testing.T, dir string) *evidence.Keys {
	t.Helper()
	k, err := store.TrustedKeys(dir)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
