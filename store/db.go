package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Schema is a numbered set of forward-only migrations: files
// NNNN_name.sql under Dir in FS, applied in order, the count kept in
// PRAGMA user_version. The terminal's schema is this package's; the hub
// brings its own.
type Schema struct {
	FS  fs.FS
	Dir string
}

var terminalSchema = Schema{FS: migrationFS, Dir: "migrations"}

// migration is one forward-only schema step; its version is its file's number.
type migration struct {
	version int
	name    string
	sql     string
}

func (sc Schema) load() ([]migration, error) {
	entries, err := fs.Glob(sc.FS, sc.Dir+"/*.sql")
	if err != nil {
		return nil, fmt.Errorf("list migrations: %w", err)
	}
	sort.Strings(entries)
	var out []migration
	for i, name := range entries {
		base := path.Base(name)
		n, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil || n != i+1 {
			return nil, fmt.Errorf("migration %s: want number %04d", base, i+1)
		}
		text, err := fs.ReadFile(sc.FS, name)
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", base, err)
		}
		out = append(out, migration{version: n, name: base, sql: string(text)})
	}
	return out, nil
}

// OpenSQLite opens a SQLite file the way lawtrail always does; see openDB.
func OpenSQLite(ctx context.Context, file string) (*sql.DB, error) { return openDB(ctx, file) }

// Migrate brings db up to the latest version of schema and returns how
// many migrations it applied.
func Migrate(ctx context.Context, db *sql.DB, schema Schema) (int, error) {
	all, err := schema.load()
	if err != nil {
		return 0, err
	}
	return migrateSchema(ctx, db, schema, len(all))
}

// openDB opens the SQLite file with WAL, a busy timeout, foreign keys,
// full synchronous commits and BEGIN IMMEDIATE transactions, so writers
// queue instead of failing and a committed event survives a power cut.
func openDB(ctx context.Context, file string) (*sql.DB, error) {
	if strings.ContainsAny(file, "?#") {
		return nil, fmt.Errorf("open database %s: path must not contain '?' or '#'", file)
	}
	// SQLite creates a new file with the umask's mode (often 0644) and gives
	// its WAL and shared-memory files the mode of the database: create it
	// private first, so all three are 0600.
	if f, err := os.OpenFile(file, os.O_RDWR|os.O_CREATE, 0o600); err == nil {
		f.Close()
	}
	dsn := file + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)" +
		"&_pragma=foreign_keys(1)&_pragma=synchronous(FULL)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", file, err)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open database %s: %w", file, err)
	}
	return db, nil
}

// schemaVersion reads PRAGMA user_version, the number of migrations applied.
func schemaVersion(ctx context.Context, db *sql.DB) (int, error) {
	var v int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return v, nil
}

// migrate applies the migrations above the file's version up to target
// (latestVersion for all), each in its own transaction with the version bump.
// It returns how many it applied. A file newer than this program is refused.
func migrate(ctx context.Context, db *sql.DB, target int) (int, error) {
	return migrateSchema(ctx, db, terminalSchema, target)
}

func migrateSchema(ctx context.Context, db *sql.DB, schema Schema, target int) (int, error) {
	all, err := schema.load()
	if err != nil {
		return 0, err
	}
	if target < 0 || target > len(all) {
		return 0, fmt.Errorf("migrate: no schema version %d", target)
	}
	current, err := schemaVersion(ctx, db)
	if err != nil {
		return 0, err
	}
	if current > len(all) {
		return 0, fmt.Errorf("database schema version %d is newer than this program (%d): upgrade lawtrail", current, len(all))
	}
	applied := 0
	for _, m := range all[min(current, target):target] {
		if err := applyMigration(ctx, db, m); err != nil {
			return applied, err
		}
		applied++
	}
	return applied, nil
}

func applyMigration(ctx context.Context, db *sql.DB, m migration) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migration %s: begin: %w", m.name, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return fmt.Errorf("migration %s: %w", m.name, err)
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", m.version)); err != nil {
		return fmt.Errorf("migration %s: set version: %w", m.name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migration %s: commit: %w", m.name, err)
	}
	return nil
}

// latestVersion is the schema version this program writes.
func latestVersion() (int, error) {
	all, err := terminalSchema.load()
	return len(all), err
}
