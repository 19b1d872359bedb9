package store

import (
	"context"
	"crypto/hkdf"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/ncruces/go-sqlite3"
	"github.com/ncruces/go-sqlite3/driver"
	_ "github.com/ncruces/go-sqlite3/vfs/adiantum" // registers the "adiantum" VFS: pages encrypted at rest

	"lawtrail/evidence"
)

// RecordKeys seal a terminal's record at rest: the database's pages and the
// footage blobs. Both are derived from the terminal's private key, which is
// sealed under the passphrase, so whoever lacks the passphrase lacks them,
// and changing the passphrase re-seals nothing but the key file.
type RecordKeys struct {
	Database [32]byte // the database's page key (SQLite "adiantum" VFS)
	Footage  [32]byte // the master key of the footage blobs (package sealstream)
}

// ErrSealed: the record is sealed and no key was given to open it.
var ErrSealed = errors.New("the record is sealed: it opens only with the terminal's passphrase")

// DeriveRecordKeys derives the record's keys from the terminal key:
// HKDF-SHA256 over the key's 32-byte seed, one info string per key.
func DeriveRecordKeys(terminal evidence.KeyPair) (*RecordKeys, error) {
	if len(terminal.Private) == 0 {
		return nil, errors.New("derive record keys: no private key")
	}
	seed := terminal.Private.Seed()
	defer clear(seed)
	var k RecordKeys
	for _, part := range []struct {
		info string
		out  []byte
	}{{"lawtrail record v1 database", k.Database[:]}, {"lawtrail record v1 footage", k.Footage[:]}} {
		b, err := hkdf.Key(sha256.New, seed, nil, part.info, 32)
		if err != nil {
			return nil, fmt.Errorf("derive record keys: %w", err)
		}
		copy(part.out, b)
		clear(b)
	}
	return &k, nil
}

// Wipe overwrites the keys.
func (k *RecordKeys) Wipe() {
	if k != nil {
		clear(k.Database[:])
		clear(k.Footage[:])
	}
}

// openTerminalDB opens the SQLite file through the encrypting "adiantum" VFS
// with key, then as openDB does: WAL, busy timeout, foreign keys, full
// synchronous commits, BEGIN IMMEDIATE. Every page of the file, its WAL and
// its journal is encrypted; without the key the file is noise of a size.
//
// With a nil key the file is opened as plaintext through SQLite's own VFS
// (the projections' tests, and a folder before it is sealed).
func openTerminalDB(ctx context.Context, file string, key *[32]byte) (*sql.DB, error) {
	if strings.ContainsAny(file, "?#") {
		return nil, fmt.Errorf("open database %s: path must not contain '?' or '#'", file)
	}
	// SQLite would create the file with the umask's mode (often 0644): it is
	// made private first. The WAL and journal take the database's mode
	// (modeof); the shared-memory index is made private here too.
	for _, f := range []string{file, file + "-shm"} {
		if f, err := os.OpenFile(f, os.O_RDWR|os.O_CREATE, 0o600); err == nil {
			f.Close()
		}
	}
	var first []string
	query := "_txlock=immediate&modeof=" + url.QueryEscape(file)
	if key != nil {
		// The key comes first: nothing of the file can be read before it.
		first = []string{"PRAGMA hexkey='" + hex.EncodeToString(key[:]) + "'"}
		query = "vfs=adiantum&" + query
	}
	dsn := (&url.URL{Scheme: "file", OmitHost: true, Path: file, RawQuery: query}).String()
	db, err := driver.Open(dsn, func(c *sqlite3.Conn) error {
		for _, stmt := range append(first,
			"PRAGMA busy_timeout=10000",
			"PRAGMA journal_mode=WAL",
			"PRAGMA foreign_keys=1",
			"PRAGMA synchronous=FULL",
			"PRAGMA temp_store=MEMORY",
			"PRAGMA secure_delete=ON",
		) {
			if err := c.Exec(stmt); err != nil {
				// Named without its value: an error must never carry the key.
				return fmt.Errorf("%s: %w", strings.FieldsFunc(stmt, func(r rune) bool { return r == '=' || r == '\'' })[0], err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", file, err)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open database %s: %w", file, sealedOpenError(err))
	}
	return db, nil
}

// sealedOpenError says in words what a wrong key looks like to SQLite.
func sealedOpenError(err error) error {
	if errors.Is(err, sqlite3.NOTADB) {
		return fmt.Errorf("%w (wrong key, or not a lawtrail database)", err)
	}
	return err
}

// sqliteMagic starts every plaintext SQLite database file.
const sqliteMagic = "SQLite format 3\x00"

// databaseIsPlaintext reports whether file is a plaintext SQLite database
// (one an older lawtrail wrote); a missing or empty file is not.
func databaseIsPlaintext(file string) (bool, error) {
	f, err := os.Open(file)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read database header: %w", err)
	}
	defer f.Close()
	head := make([]byte, len(sqliteMagic))
	n, _ := f.Read(head)
	if n == 0 {
		return false, nil
	}
	return string(head[:n]) == sqliteMagic, nil
}

// openRecord opens the terminal's database: sealed with keys (sealing a
// plaintext file in place first), plaintext without — where a sealed file
// is refused with ErrSealed rather than misread.
func openRecord(ctx context.Context, file string, keys *RecordKeys) (*sql.DB, error) {
	plain, err := databaseIsPlaintext(file)
	if err != nil {
		return nil, err
	}
	if keys == nil {
		if !plain {
			if fi, err := os.Stat(file); err == nil && fi.Size() > 0 {
				return nil, fmt.Errorf("open database %s: %w", file, ErrSealed)
			}
		}
		return openTerminalDB(ctx, file, nil)
	}
	if plain {
		if err := sealDatabaseInPlace(ctx, file, &keys.Database); err != nil {
			return nil, err
		}
	}
	return openTerminalDB(ctx, file, &keys.Database)
}

// SealingSuffix names the sealed copy being made of a plaintext database.
const SealingSuffix = ".sealing"

// sealDatabaseInPlace replaces the plaintext database file with a sealed
// copy of it. It is safe to kill at any point: the plaintext file stays
// whole (its WAL checkpointed into it) until the sealed copy, complete and
// fsynced, is renamed over it; a copy left by a killed run is discarded
// and made anew.
func sealDatabaseInPlace(ctx context.Context, file string, key *[32]byte) error {
	tmp := file + SealingSuffix
	for _, leftover := range []string{tmp, tmp + "-journal", tmp + "-wal", tmp + "-shm"} {
		if err := os.Remove(leftover); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("seal database: remove %s: %w", leftover, err)
		}
	}
	if err := copySealed(ctx, file, tmp, key); err != nil {
		return fmt.Errorf("seal database %s: %w", file, err)
	}
	f, err := os.OpenFile(tmp, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("seal database: %w", err)
	}
	err = f.Sync()
	f.Close()
	if err != nil {
		return fmt.Errorf("seal database: fsync: %w", err)
	}
	// The plaintext WAL was checkpointed and is empty: remove it and the
	// shared-memory index, so no plaintext sits beside the sealed file.
	for _, side := range []string{file + "-wal", file + "-shm"} {
		if err := os.Remove(side); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("seal database: remove %s: %w", side, err)
		}
	}
	if err := os.Rename(tmp, file); err != nil {
		return fmt.Errorf("seal database: %w", err)
	}
	return syncDir(filepath.Dir(file))
}

// copySealed checkpoints the plaintext database src and copies every page
// of it through the encrypting VFS into dst (SQLite's online backup).
func copySealed(ctx context.Context, src, dst string, key *[32]byte) error {
	c, err := sqlite3.OpenContext(ctx, (&url.URL{Scheme: "file", OmitHost: true, Path: src}).String())
	if err != nil {
		return fmt.Errorf("open plaintext: %w", err)
	}
	defer c.Close()
	for _, stmt := range []string{"PRAGMA busy_timeout=10000", "PRAGMA wal_checkpoint(TRUNCATE)"} {
		if err := c.Exec(stmt); err != nil {
			return fmt.Errorf("%s: %w", stmt, err)
		}
	}
	dstURI := (&url.URL{Scheme: "file", OmitHost: true, Path: dst,
		RawQuery: "vfs=adiantum&hexkey=" + hex.EncodeToString(key[:])}).String()
	if err := c.Backup("main", dstURI); err != nil {
		return fmt.Errorf("copy pages: %w", err)
	}
	return nil
}

// attachName is the name under which ATTACH finds a database file: a URI
// through the encrypting VFS with its key, or the plain path.
func attachName(file string, key *[32]byte) string {
	if key == nil {
		return (&url.URL{Scheme: "file", OmitHost: true, Path: file}).String()
	}
	return (&url.URL{Scheme: "file", OmitHost: true, Path: file,
		RawQuery: "vfs=adiantum&hexkey=" + hex.EncodeToString(key[:])}).String()
}

// OpenDatabaseFile opens the record's database file in dir with keys and
// nothing else: no migration, no rules, no projections. It is what anyone
// holding the passphrase can do to the file with SQLite; the tests use it
// to play the insider who edits the record behind the store's back, which
// Check and the sync protocol must catch.
func OpenDatabaseFile(ctx context.Context, dir string, keys *RecordKeys) (*sql.DB, error) {
	if keys == nil {
		return nil, ErrSealed
	}
	return openTerminalDB(ctx, filepath.Join(dir, DatabaseFile), &keys.Database)
}
