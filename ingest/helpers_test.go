package ingest

import (
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"lawtrail/casework"
	"lawtrail/device"
	"lawtrail/device/msc"
	"lawtrail/evidence"
	"lawtrail/store"
	"lawtrail/store/storetest"
)

type env struct {
	dir   string
	store *store.Store
	key   evidence.KeyPair
}

func newEnv(t testing.TB) *env {
	t.Helper()
	return newEnvIn(t, t.TempDir())
}

// newEnvIn is newEnv with the data folder in dir.
func newEnvIn(t testing.TB, dir string) *env {
	t.Helper()
	key, err := store.InitTerminal(context.Background(), dir, store.TerminalSetup{
		TerminalName: "采集站-1", AgencyName: "某区市场监督管理局", OfficerID: "clerk1", OfficerName: "王五",
		Roles: []casework.Role{casework.RoleAdmin, casework.RoleClerk}, Passphrase: []byte("terminal pass"), PIN: []byte("123456"),
		KDF: evidence.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}, Rand: rand.Reader,
	})
	if err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(context.Background(), dir, store.Options{Keys: storetest.Keys(t, key)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return &env{dir: dir, store: s, key: key}
}

func profiles(t testing.TB) *device.Profiles {
	t.Helper()
	raw, err := os.ReadFile("../assets/profiles/recorders.json")
	if err != nil {
		t.Fatal(err)
	}
	ps, err := device.ParseProfiles(raw)
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

// updates collects progress updates from any goroutine.
type updates struct {
	mu  sync.Mutex
	all []Update
}

func (u *updates) add(x Update) { u.mu.Lock(); u.all = append(u.all, x); u.mu.Unlock() }

func (u *updates) states(path string) []State {
	u.mu.Lock()
	defer u.mu.Unlock()
	var out []State
	for _, x := range u.all {
		if x.Path == path && (len(out) == 0 || out[len(out)-1] != x.State) {
			out = append(out, x.State)
		}
	}
	return out
}

func (e *env) dock(t testing.TB, opt Options) (*Dock, *updates) {
	t.Helper()
	u := &updates{}
	if opt.Clerk == "" {
		opt.Clerk = "clerk1"
	}
	if opt.Profiles == nil {
		opt.Profiles = profiles(t)
	}
	opt.Progress = u.add
	d, err := NewDock(e.store, e.key, opt)
	if err != nil {
		t.Fatal(err)
	}
	return d, u
}

// writeTree creates files (path → content) under root with a fixed mtime.
func writeTree(t testing.TB, root string, files map[string]string) {
	t.Helper()
	mtime := time.Date(2026, 11, 20, 10, 45, 0, 0, casework.Shanghai)
	for p, c := range files {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
		os.Chtimes(full, mtime, mtime)
	}
}

func folder(t testing.TB, root string) *msc.Source {
	t.Helper()
	d, err := msc.OpenDir(root)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return msc.New(d, device.Info{})
}

func (e *env) footage(t testing.TB) []store.FootageItem {
	t.Helper()
	var out []store.FootageItem
	if err := e.store.Footage(context.Background(), func(it store.FootageItem) error {
		out = append(out, it)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func (e *env) check(t testing.TB) {
	t.Helper()
	keys, err := store.TrustedKeys(e.dir)
	if err != nil {
		t.Fatal(err)
	}
	r, err := e.store.Check(context.Background(), keys)
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK() {
		t.Fatalf("check: %v", r.Problems)
	}
}

func digestOf(s string) evidence.Digest { return evidence.Sum([]byte(s)) }
