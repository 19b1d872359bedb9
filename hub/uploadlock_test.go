package hub

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/stdlib"
	tusd "github.com/tus/tusd/v2/pkg/handler"

	"lawtrail/hub/blobstore/s3test"
	"lawtrail/hub/postgrestest"
)

// Two hubs on one store (one data folder; or one PostgreSQL record and one
// bucket, as two hub processes behind a load balancer): an upload locked
// through one is not locked through the other until the first lets go —
// the second asks the holder to let go, waits and, past its deadline, gets
// tusd's lock timeout — so two PATCHes never write one upload at once. On PostgreSQL a holder whose
// connection drops (a killed hub) releases its locks.
func TestUploadLockedAcrossHubs(t *testing.T) {
	ctx := context.Background()
	const id = "k0123456789abcdef-0123456789abcdef-0123456789ab"
	for _, c := range []struct {
		name string
		open func(t *testing.T) (a, b *Hub)
	}{
		{"folder", func(t *testing.T) (*Hub, *Hub) {
			dir := t.TempDir()
			return openHubAt(t, dir, Options{}), openHubAt(t, dir, Options{})
		}},
		{"s3+postgres", func(t *testing.T) (*Hub, *Hub) {
			srv := s3test.Start(t)
			srv.SetEnv(t)
			opt := Options{DB: postgrestest.Start(t), Blobs: srv.Spec("p")}
			return openHubAt(t, t.TempDir(), opt), openHubAt(t, t.TempDir(), opt)
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			a, b := c.open(t)
			la, err := a.ups.locker.NewLock(id)
			if err != nil {
				t.Fatal(err)
			}
			asked := make(chan struct{}, 1)
			if err := la.Lock(ctx, func() {
				select {
				case asked <- struct{}{}:
				default:
				}
			}); err != nil {
				t.Fatal(err)
			}
			lb, _ := b.ups.locker.NewLock(id)
			short, cancel := context.WithTimeout(ctx, 800*time.Millisecond)
			err = lb.Lock(short, func() {})
			cancel()
			if !errors.Is(err, tusd.ErrLockTimeout) {
				t.Fatalf("the other hub took a held upload's lock: %v", err)
			}
			select { // the holder that does not let go keeps it; it was asked to
			case <-asked:
			case <-time.After(5 * time.Second):
				t.Fatal("the holder was not asked to let go")
			}
			other, _ := b.ups.locker.NewLock("k0123456789abcdef-0123456789abcdef-ffffffffffff")
			if err := other.Lock(ctx, func() {}); err != nil {
				t.Fatalf("another upload's lock: %v", err)
			}
			other.Unlock()
			got := make(chan error, 1)
			go func() { got <- lb.Lock(ctx, func() {}) }()
			select {
			case err := <-got:
				t.Fatalf("the other hub's lock returned while held: %v", err)
			case <-time.After(300 * time.Millisecond):
			}
			if err := la.Unlock(); err != nil {
				t.Fatal(err)
			}
			if err := <-got; err != nil {
				t.Fatalf("after the holder let go: %v", err)
			}
			lb.Unlock()
		})
	}
}

// A hub killed while it holds an upload's lock (its PostgreSQL session
// ends) does not keep the upload locked: the server releases the lock.
func TestUploadLockOfAKilledHubReleased(t *testing.T) {
	ctx := context.Background()
	const id = "k0123456789abcdef-0123456789abcdef-0123456789ab"
	srv := s3test.Start(t)
	srv.SetEnv(t)
	dbURL := postgrestest.Start(t)
	opt := Options{DB: dbURL, Blobs: srv.Spec("p")}
	a, b := openHubAt(t, t.TempDir(), opt), openHubAt(t, t.TempDir(), opt)
	la, _ := a.ups.locker.NewLock(id)
	released := make(chan struct{})
	if err := la.Lock(ctx, func() { close(released) }); err != nil {
		t.Fatal(err)
	}
	// Kill the holder's lock session from outside, as a dead process's
	// connection ends.
	cfg, err := postgresConfig(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	admin := sql.OpenDB(stdlib.GetConnector(*cfg))
	defer admin.Close()
	pl := a.ups.locker.(layeredLocker).cross.(*pgLocker)
	pl.mu.Lock()
	pid := pl.conn.PgConn().PID()
	pl.mu.Unlock()
	if _, err := admin.ExecContext(ctx, "SELECT pg_terminate_backend($1)", pid); err != nil {
		t.Fatal(err)
	}
	lb, _ := b.ups.locker.NewLock(id)
	wait, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := lb.Lock(wait, func() {}); err != nil {
		t.Fatalf("the killed holder's lock was not released: %v", err)
	}
	// The holder learns its lock is gone (the ping) and is asked to stop.
	select {
	case <-released:
	case <-time.After(3 * pgLockPing):
		t.Fatal("the holder whose session ended was not asked to let go")
	}
	lb.Unlock()
	la.Unlock()
}

func openHubAt(t *testing.T, dir string, opt Options) *Hub {
	t.Helper()
	opt.KDF = testKDF
	h, err := Open(context.Background(), dir, []byte("pw"), opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}
