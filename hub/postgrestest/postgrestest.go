// Package postgrestest runs a real PostgreSQL server for tests, as
// httptest runs an HTTP server: PostgreSQL 15 from Debian's postgresql-15
// package, initdb in a temporary folder (as the postgres user when the
// tests run as root: initdb refuses root), the server on a free loopback
// port with fsync on, one server per test binary and a fresh database for
// every test that asks.
package postgrestest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// BinDir is where Debian's postgresql-15 package puts initdb and postgres.
const BinDir = "/usr/lib/postgresql/15/bin"

// Server is a running PostgreSQL server of the test binary.
type Server struct {
	dir   string // temporary folder: data/, the socket, the log
	port  int
	cmd   *exec.Cmd
	admin *sql.DB // to the postgres database: creates and drops test databases
	done  chan struct{}
}

var (
	shared    *Server
	sharedErr error
	startOnce sync.Once
	stopOnce  sync.Once
	databases atomic.Int64
)

// Start returns the URL of a new, empty database on the test binary's
// server, starting the server on first use; the database is dropped when
// the test ends. Without PostgreSQL the test fails (run `make deps`).
func Start(t testing.TB) string {
	t.Helper()
	if _, err := Shared(); err != nil {
		t.Fatalf("postgrestest: %v", err)
	}
	name := fmt.Sprintf("t_%d", databases.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := shared.admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("postgrestest: create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := shared.admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("postgrestest: drop database %s: %v", name, err)
		}
	})
	return shared.URL(name)
}

// Run runs the tests of m and then stops the server if one was started:
// call it from TestMain as os.Exit(postgrestest.Run(m)). Without it the
// server is stopped when the test binary exits (the parent-death signal),
// and its folder is removed by the next test binary that starts one.
func Run(m *testing.M) int {
	code := m.Run()
	Stop()
	return code
}

// Stop stops the shared server and removes its folder.
func Stop() {
	stopOnce.Do(func() {
		if shared != nil {
			shared.stop()
		}
	})
}

// URL is the connection URL of database name on s.
func (s *Server) URL(name string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", s.port, name)
}

// Addr is the server's loopback address.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// Shared returns the test binary's server, starting it on first use.
func Shared() (*Server, error) {
	startOnce.Do(func() { shared, sharedErr = startServer(context.Background()) })
	return shared, sharedErr
}

// account is who runs initdb and postgres: the postgres user when the
// tests run as root, else the tests' own user.
type account struct {
	cred *syscall.Credential // nil: as ourselves
}

func serverAccount() (account, error) {
	if os.Geteuid() != 0 {
		return account{}, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return account{}, fmt.Errorf("initdb refuses root and there is no postgres user (run `make deps`): %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return account{cred: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}, nil
}

func (a account) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(BinDir, name), args...)
	// The server stops (fast shutdown) when the test binary dies without
	// stopping it. Go sets the parent-death signal after the credentials,
	// so the change of user does not clear it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: a.cred, Pdeathsig: syscall.SIGINT}
	cmd.Env = append(os.Environ(), "LC_ALL=C", "TZ=UTC")
	return cmd
}

func (a account) own(path string) error {
	if a.cred == nil {
		return nil
	}
	return os.Chown(path, int(a.cred.Uid), int(a.cred.Gid))
}

const folderPrefix = "lawtrail-postgrestest-"

func startServer(ctx context.Context) (*Server, error) {
	for _, bin := range []string{"initdb", "postgres"} {
		if _, err := os.Stat(filepath.Join(BinDir, bin)); err != nil {
			return nil, fmt.Errorf("PostgreSQL 15 is not installed (%s missing): run `make deps`", filepath.Join(BinDir, bin))
		}
	}
	acct, err := serverAccount()
	if err != nil {
		return nil, err
	}
	removeStaleFolders()
	dir, err := os.MkdirTemp("", folderPrefix)
	if err != nil {
		return nil, fmt.Errorf("server folder: %w", err)
	}
	if err := acct.own(dir); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("server folder: %w", err)
	}
	data := filepath.Join(dir, "data")
	initdb := acct.command("initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync")
	if out, err := initdb.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %v\n%s", err, out)
	}
	var lastErr error
	for range 3 { // the free port may be taken between finding it and binding it
		s, err := launch(ctx, acct, dir)
		if err == nil {
			return s, nil
		}
		lastErr = err
	}
	os.RemoveAll(dir)
	return nil, lastErr
}

func launch(ctx context.Context, acct account, dir string) (*Server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	logFile, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		return nil, fmt.Errorf("server log: %w", err)
	}
	defer logFile.Close()
	cmd := acct.command("postgres", "-D", filepath.Join(dir, "data"),
		"-p", strconv.Itoa(port), "-k", dir, "-c", "listen_addresses=127.0.0.1",
		"-c", "fsync=on", "-c", "synchronous_commit=on", // the hub's durability is under test
		"-c", "max_connections=300", "-c", "shared_buffers=64MB", "-c", "jit=off",
		"-c", "autovacuum=off", "-c", "log_min_messages=warning")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start postgres: %w", err)
	}
	s := &Server{dir: dir, port: port, cmd: cmd, done: make(chan struct{})}
	go func() { cmd.Wait(); close(s.done) }()
	if err := s.waitReady(ctx); err != nil {
		s.kill()
		log, _ := os.ReadFile(filepath.Join(dir, "server.log"))
		return nil, fmt.Errorf("postgres on port %d: %v\n%s", port, err, log)
	}
	return s, nil
}

func (s *Server) waitReady(ctx context.Context) error {
	db, err := sql.Open("pgx", s.URL("postgres"))
	if err != nil {
		return err
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case <-s.done:
			db.Close()
			return errors.New("the server exited")
		default:
		}
		pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		err = db.PingContext(pctx)
		cancel()
		if err == nil {
			s.admin = db
			return nil
		}
		if time.Now().After(deadline) {
			db.Close()
			return fmt.Errorf("not accepting connections after 60s: %w", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *Server) kill() {
	s.cmd.Process.Signal(syscall.SIGQUIT) // immediate shutdown
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
}

// stop shuts the server down (fast: sessions are ended) and removes its
// folder.
func (s *Server) stop() {
	if s.admin != nil {
		s.admin.Close()
	}
	s.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		s.kill()
	}
	os.RemoveAll(s.dir)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// removeStaleFolders removes the folders of servers whose test binary
// exited without Stop (the server itself stopped on the parent-death
// signal): those whose postmaster.pid is gone or names no live process.
func removeStaleFolders() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), folderPrefix+"*"))
	for _, d := range dirs {
		info, err := os.Stat(d)
		if err != nil || time.Since(info.ModTime()) < time.Minute {
			continue // maybe another test binary's, still starting
		}
		pidText, err := os.ReadFile(filepath.Join(d, "data", "postmaster.pid"))
		if err == nil {
			pid, _ := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(pidText), "\n", 2)[0]))
			if pid > 0 && syscall.Kill(pid, 0) == nil {
				continue
			}
		}
		os.RemoveAll(d)
	}
}

// EngineEnv is the environment variable that chooses the engine of the
// hub's record in the hub's tests: "postgres" for PostgreSQL, anything
// else for SQLite.
const EngineEnv = "LAWTRAIL_TEST_HUB_DB"

// HubDB is the database of a hub under test (hub.Options.DB): "", the
// SQLite file in the hub's data folder, unless LAWTRAIL_TEST_HUB_DB is
// postgres, then a fresh database from Start.
func HubDB(t testing.TB) string {
	t.Helper()
	if os.Getenv(EngineEnv) == "postgres" {
		return Start(t)
	}
	return ""
}

// Amcheck checks the database url names with pg_amcheck (PostgreSQL's
// amcheck: every table's pages and every B-tree index, each index entry
// matched against its table's rows), installing the extension when
// missing; the test fails with what it found. What the tests wrote
// through COPY, batches and concurrent hub processes must leave no page or
// index the server itself would call corrupt.
func Amcheck(t testing.TB, url string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if out, err := amcheck(ctx, url); err != nil {
		t.Fatalf("pg_amcheck: %v\n%s", err, out)
	}
}

// amcheck runs pg_amcheck on the database url names and returns what it
// printed.
func amcheck(ctx context.Context, url string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(BinDir, "pg_amcheck"), "--install-missing", "--heapallindexed",
		"--parent-check", "--no-password", url)
	return cmd.CombinedOutput()
}
