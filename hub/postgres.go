package hub

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// The PostgreSQL schema: the same numbered steps as migrations/*.sql, to
// the same tables, columns and triggers, in PostgreSQL's types (BYTEA,
// BIGINT, identity columns, trigger functions).
//
//go:embed migrations/postgres/*.sql
var postgresMigrationFS embed.FS

// IsDatabaseURL reports whether s names a PostgreSQL database
// (postgres:// or postgresql://) rather than the embedded SQLite file.
func IsDatabaseURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// postgresConfig parses a database URL. Its errors never quote the URL:
// only what is wrong with it, and its host when that much parsed.
func postgresConfig(u string) (*pgx.ConnConfig, error) {
	p, err := url.Parse(u)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // url.Error quotes the whole URL, password and all
		}
		return nil, fmt.Errorf("database URL is malformed: %v", err)
	}
	cfg, err := pgx.ParseConfig(u) // no host in the URL: PGHOST's, or the local socket, as libpq does
	if err != nil {
		return nil, fmt.Errorf("database URL for host %q is malformed", p.Host)
	}
	if cfg.ConnectTimeout == 0 { // a host that drops packets fails the open instead of hanging it
		cfg.ConnectTimeout = defaultConnectTimeout
	}
	return cfg, nil
}

// defaultConnectTimeout bounds each connection attempt when the URL sets
// no connect_timeout.
const defaultConnectTimeout = 15 * time.Second

// openPostgres opens the hub's record on the PostgreSQL server u names
// (PGPASSWORD and the other libpq variables fill in what u leaves out),
// brings its schema up to date and opens the read-only pool beside it.
func openPostgres(ctx context.Context, u string) (db, rdb *recordDB, err error) {
	cfg, err := postgresConfig(u)
	if err != nil {
		return nil, nil, err
	}
	where := fmt.Sprintf("%s:%d/%s", cfg.Host, cfg.Port, cfg.Database)
	wrap := func(err error) error {
		return fmt.Errorf("open hub database on PostgreSQL %s: %w", where, redactError(err, cfg.Password))
	}
	w := sql.OpenDB(stdlib.GetConnector(*cfg))
	w.SetMaxIdleConns(writeIdleConns)
	w.SetConnMaxIdleTime(5 * time.Minute) // a quiet hub lets them go
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, nil, wrap(err)
	}
	db = &recordDB{db: w, dialect: postgres}
	if err := migratePostgres(ctx, db); err != nil {
		db.Close()
		return nil, nil, wrap(err)
	}
	rcfg := cfg.Copy()
	rcfg.RuntimeParams["default_transaction_read_only"] = "on"
	r := sql.OpenDB(stdlib.GetConnector(*rcfg))
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	if err := r.PingContext(ctx); err != nil {
		r.Close()
		db.Close()
		return nil, nil, wrap(err)
	}
	return db, &recordDB{db: r, dialect: postgres}, nil
}

// writeIdleConns is how many of the writing pool's connections stay open
// when idle. database/sql keeps 2; every request of a terminal reads the
// record beside the group's writing transaction, so with a few terminals
// at once the rest were closed as they came back and opened again for the
// next request — a new server process each time, its startup a tenth of
// the server's CPU.
const writeIdleConns = 16

// redactError is err's message with the password cut out, should a
// driver ever quote it.
func redactError(err error, password string) error {
	if password == "" || !strings.Contains(err.Error(), password) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), password, "xxxxx"))
}

// migrationLock is the advisory lock the hub's migrations hold, so that
// hub processes starting at once against one database migrate it once.
const migrationLock = 0x6c617774726c // "lawtrl"

// migratePostgres applies the PostgreSQL migrations db has not had, each
// in its own transaction with its row in schema_migrations, under a
// session advisory lock.
func migratePostgres(ctx context.Context, db *recordDB) error {
	all, err := loadPostgresMigrations()
	if err != nil {
		return err
	}
	conn, err := db.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", migrationLock); err != nil {
		return fmt.Errorf("migrate: lock: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLock)
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	var current int
	if err := conn.QueryRowContext(ctx, "SELECT coalesce(max(version), 0) FROM schema_migrations").Scan(&current); err != nil {
		return fmt.Errorf("migrate: read schema version: %w", err)
	}
	if current > len(all) {
		return fmt.Errorf("database schema version %d is newer than this program (%d): upgrade lawtrail", current, len(all))
	}
	for _, m := range all[current:] {
		if err := applyPostgresMigration(ctx, conn, m); err != nil {
			return err
		}
	}
	return nil
}

type postgresMigration struct {
	version int
	name    string
	sql     string
}

func loadPostgresMigrations() ([]postgresMigration, error) {
	const dir = "migrations/postgres"
	names, err := fs.Glob(postgresMigrationFS, dir+"/*.sql")
	if err != nil {
		return nil, fmt.Errorf("list migrations: %w", err)
	}
	sort.Strings(names)
	var out []postgresMigration
	for i, name := range names {
		base := path.Base(name)
		n, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil || n != i+1 {
			return nil, fmt.Errorf("migration %s: want number %04d", base, i+1)
		}
		text, err := fs.ReadFile(postgresMigrationFS, name)
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", base, err)
		}
		out = append(out, postgresMigration{version: n, name: base, sql: string(text)})
	}
	return out, nil
}

func applyPostgresMigration(ctx context.Context, conn *sql.Conn, m postgresMigration) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migration %s: begin: %w", m.name, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return fmt.Errorf("migration %s: %w", m.name, err)
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", m.version, m.name); err != nil {
		return fmt.Errorf("migration %s: %w", m.name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migration %s: commit: %w", m.name, err)
	}
	return nil
}
