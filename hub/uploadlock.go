package hub

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	tusd "github.com/tus/tusd/v2/pkg/handler"
	"github.com/tus/tusd/v2/pkg/memorylocker"

	"lawtrail/hub/blobstore"
)

// Upload locks. tusd takes an upload's lock for every request on it
// (HEAD, PATCH, the finish); two requests for one upload must never write
// it at once, whichever hub processes they reach. A lock here has two
// layers:
//
//   - in the hub, tusd's memory locker: a second request asks the holder
//     to let go (tusd then ends the holder's request, a stale connection
//     still delivering, say) and waits for it;
//   - across hub processes (and between hubs opened in one process), a
//     crossLocker: flock on a file per upload in a local or shared folder
//     (released by the kernel when a process dies), or a PostgreSQL
//     session advisory lock (released by the server when the session of a
//     killed process ends). A request that finds the upload locked by
//     another process asks that process's holder to let go (a .stop file
//     beside the lock file, or a PostgreSQL notification) and waits for
//     it, polling, until tusd's lock timeout: a terminal resuming through
//     another hub process ends its own stale request there, as it would
//     in one process.
//
// Why not tusd's filelocker: it writes the holder's PID into the lock
// file and takes a lock whose PID is its own (two hubs in one process
// would both hold it) or is not running here (a process on another
// machine sharing the folder).

// crossLocker takes one upload's lock against other hub processes.
// tryLock does not wait: ok is false while another holds it. lost is
// called should the lock be lost while held (a PostgreSQL session that
// dropped).
type crossLocker interface {
	tryLock(ctx context.Context, id string, lost func()) (unlock func() error, ok bool, err error)
	// askRelease asks whoever holds upload id's lock to let go: its
	// holder's lost is called.
	askRelease(ctx context.Context, id string) error
}

// askEvery is how often a waiting request asks again (the holder may
// have missed it: a notification listener reconnecting).
const askEvery = time.Second

// crossPoll is how often a request waiting for another process's lock
// tries again.
const crossPoll = 100 * time.Millisecond

type layeredLocker struct {
	mem   *memorylocker.MemoryLocker
	cross crossLocker
}

func newProcessLocker(cross crossLocker) tusd.Locker {
	return layeredLocker{mem: memorylocker.New(), cross: cross}
}

func (l layeredLocker) NewLock(id string) (tusd.Lock, error) {
	if !blobstore.UploadIDPattern.MatchString(id) {
		return nil, tusd.ErrNotFound
	}
	m, err := l.mem.NewLock(id)
	if err != nil {
		return nil, err
	}
	return &layeredLock{l: l, id: id, mem: m}, nil
}

type layeredLock struct {
	l      layeredLocker
	id     string
	mem    tusd.Lock
	unlock func() error
}

func (k *layeredLock) Lock(ctx context.Context, requestRelease func()) error {
	if err := k.mem.Lock(ctx, requestRelease); err != nil {
		return err
	}
	var asked time.Time
	for {
		unlock, ok, err := k.l.cross.tryLock(ctx, k.id, requestRelease)
		if err != nil {
			k.mem.Unlock()
			if ctx.Err() != nil {
				return tusd.ErrLockTimeout
			}
			return fmt.Errorf("lock upload %s: %w", k.id, err)
		}
		if ok {
			k.unlock = unlock
			return nil
		}
		if time.Since(asked) >= askEvery {
			asked = time.Now()
			k.l.cross.askRelease(ctx, k.id) // best effort: the wait below ends either way
		}
		select {
		case <-ctx.Done():
			k.mem.Unlock()
			return tusd.ErrLockTimeout
		case <-time.After(crossPoll):
		}
	}
}

func (k *layeredLock) Unlock() error {
	var err error
	if k.unlock != nil {
		err = k.unlock()
		k.unlock = nil
	}
	if merr := k.mem.Unlock(); err == nil {
		err = merr
	}
	return err
}

// flockLocker locks upload id with flock on DIR/id.lock. flock belongs to
// the open file, so two hubs in one process exclude each other too, and
// the kernel releases it when the process dies.
type flockLocker struct{ dir string }

func (l flockLocker) tryLock(_ context.Context, id string, lost func()) (func() error, bool, error) {
	path := filepath.Join(l.dir, id+".lock")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, false, err
	}
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		f.Close()
		return nil, false, nil
	}
	if err != nil {
		f.Close()
		return nil, false, fmt.Errorf("flock: %w", err)
	}
	stopFile := filepath.Join(l.dir, id+".stop")
	os.Remove(stopFile) // a request for it made before it was ours
	done := make(chan struct{})
	watched := make(chan struct{})
	go func() { // another process's request for it: a .stop file
		defer close(watched)
		t := time.NewTicker(flockStopPoll)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			if _, err := os.Stat(stopFile); err == nil {
				lost()
				return
			}
		}
	}()
	return func() error {
		close(done)
		<-watched
		os.Remove(stopFile)
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		return f.Close()
	}, true, nil
}

// flockStopPoll is how often a holder looks for a .stop file.
const flockStopPoll = 250 * time.Millisecond

func (l flockLocker) askRelease(_ context.Context, id string) error {
	f, err := os.OpenFile(filepath.Join(l.dir, id+".stop"), os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	return f.Close()
}

// pgLocker locks uploads with PostgreSQL session advisory locks, all of a
// hub's held on one connection of their own: the number of connections
// does not grow with the uploads in progress (200 terminals uploading at
// once would pass PostgreSQL's default max_connections of 100 with a
// connection per upload), and a killed hub's connection drops, so the
// server releases every lock it held. Session locks nest within a
// session, so the hub's memory locker (layeredLocker) keeps two of its
// own requests apart; this one keeps hubs apart. Should the connection
// drop while the hub lives, every holder is asked to let go (its lock is
// gone) and the next lock connects again; a ping every pgLockPing
// notices a drop while locks are held. Requests to let go travel as
// notifications on pgReleaseChannel, heard on a second connection.
type pgLocker struct {
	cfg  *pgx.ConnConfig
	mu   sync.Mutex
	conn *pgx.Conn // nil when lost
	gen  int       // counts connections, so an unlock after a loss is a no-op
	held map[int64]func()
	stop chan struct{}
	done chan struct{}

	stopListen context.CancelFunc
	listened   chan struct{}
}

const pgLockPing = 2 * time.Second

func openPGLocker(ctx context.Context, dbURL string) (*pgLocker, error) {
	cfg, err := postgresConfig(dbURL)
	if err != nil {
		return nil, err
	}
	l := &pgLocker{cfg: cfg, held: map[int64]func(){}, stop: make(chan struct{}), done: make(chan struct{}), listened: make(chan struct{})}
	l.mu.Lock()
	err = l.connect(ctx)
	l.mu.Unlock()
	if err != nil {
		return nil, err
	}
	lctx, cancel := context.WithCancel(context.Background())
	l.stopListen = cancel
	go l.watch()
	go l.listen(lctx)
	return l, nil
}

// pgReleaseChannel carries requests to let go of an upload's lock: the
// payload is the lock's key in decimal.
const pgReleaseChannel = "lawtrail_tus_release"

func (l *pgLocker) askRelease(ctx context.Context, id string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conn == nil {
		return errors.New("no lock connection")
	}
	_, err := l.conn.Exec(ctx, "SELECT pg_notify($1, $2)", pgReleaseChannel, strconv.FormatInt(pgLockKey(id), 10))
	return err
}

// listen passes other processes' requests to let go to this hub's
// holders, on a connection of its own (reconnecting after a drop; a
// request missed meanwhile is asked again).
func (l *pgLocker) listen(ctx context.Context) {
	defer close(l.listened)
	for ctx.Err() == nil {
		c, err := pgx.ConnectConfig(ctx, l.cfg)
		if err == nil {
			if _, err = c.Exec(ctx, "LISTEN "+pgReleaseChannel); err == nil {
				for {
					n, err := c.WaitForNotification(ctx)
					if err != nil {
						break
					}
					key, err := strconv.ParseInt(n.Payload, 10, 64)
					if err != nil {
						continue
					}
					l.mu.Lock()
					if release, ok := l.held[key]; ok {
						go release()
					}
					l.mu.Unlock()
				}
			}
			closeCtx, cancel := context.WithTimeout(context.Background(), time.Second)
			c.Close(closeCtx)
			cancel()
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

// connect opens the lock connection (l.mu held).
func (l *pgLocker) connect(ctx context.Context) error {
	c, err := pgx.ConnectConfig(ctx, l.cfg)
	if err != nil {
		return fmt.Errorf("upload locks on PostgreSQL %s:%d: %w", l.cfg.Host, l.cfg.Port, redactError(err, l.cfg.Password))
	}
	l.conn = c
	l.gen++
	return nil
}

// lose drops the connection and tells every holder its lock is gone (l.mu
// held).
func (l *pgLocker) lose() {
	if l.conn != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		l.conn.Close(ctx)
		cancel()
		l.conn = nil
	}
	for key, release := range l.held {
		go release()
		delete(l.held, key)
	}
}

// pgLockKey is upload id's advisory lock key.
func pgLockKey(id string) int64 {
	s := sha256.Sum256([]byte("lawtrail tus upload\x00" + id))
	return int64(binary.BigEndian.Uint64(s[:8]))
}

func (l *pgLocker) tryLock(ctx context.Context, id string, lost func()) (func() error, bool, error) {
	key := pgLockKey(id)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conn == nil {
		if err := l.connect(ctx); err != nil {
			return nil, false, err
		}
	}
	var ok bool
	if err := l.conn.QueryRow(ctx, "SELECT pg_try_advisory_lock($1)", key).Scan(&ok); err != nil {
		l.lose() // the lock may have been granted as the query failed: ending the session releases it
		return nil, false, fmt.Errorf("advisory lock: %w", redactError(err, l.cfg.Password))
	}
	if !ok {
		return nil, false, nil
	}
	gen := l.gen
	l.held[key] = lost
	return func() error {
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.gen != gen || l.conn == nil {
			return nil // the session that held it ended: so did the lock
		}
		delete(l.held, key)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := l.conn.Exec(ctx, "SELECT pg_advisory_unlock($1)", key); err != nil {
			l.lose()
			return fmt.Errorf("advisory unlock: %w", redactError(err, l.cfg.Password))
		}
		return nil
	}, true, nil
}

// watch pings the lock connection while it holds locks.
func (l *pgLocker) watch() {
	defer close(l.done)
	t := time.NewTicker(pgLockPing)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
		}
		l.mu.Lock()
		if l.conn != nil && len(l.held) > 0 {
			ctx, cancel := context.WithTimeout(context.Background(), pgLockPing)
			if err := l.conn.Ping(ctx); err != nil {
				l.lose()
			}
			cancel()
		}
		l.mu.Unlock()
	}
}

func (l *pgLocker) close() {
	close(l.stop)
	<-l.done
	l.stopListen()
	<-l.listened
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lose()
}
