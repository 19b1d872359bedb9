package terminaltest

import (
	"context"
	"database/sql"
	"testing"

	"lawtrail/store"
)

// InsiderSQL runs statements on the sealed database of the terminal in dir
// as an insider who knows the passphrase would: with the record's key and
// none of the store's rules (the sqlite3 program reads no sealed file).
// Each statement runs on its own; the first failure fails the test.
func InsiderSQL(t testing.TB, dir, passphrase string, statements ...string) {
	t.Helper()
	db := insiderDB(t, dir, passphrase)
	defer db.Close()
	for _, s := range statements {
		if _, err := db.ExecContext(context.Background(), s); err != nil {
			t.Fatalf("insider SQL %q: %v", s, err)
		}
	}
}

// InsiderQuery reads one value with SQL from the sealed database in dir, as
// InsiderSQL does.
func InsiderQuery(t testing.TB, dir, passphrase, query string) string {
	t.Helper()
	db := insiderDB(t, dir, passphrase)
	defer db.Close()
	var v string
	if err := db.QueryRowContext(context.Background(), query).Scan(&v); err != nil {
		t.Fatalf("insider query %q: %v", query, err)
	}
	return v
}

// insiderDB opens the database file of dir with the keys the passphrase
// unseals.
func insiderDB(t testing.TB, dir, passphrase string) *sql.DB {
	t.Helper()
	key, err := store.UnlockTerminal(dir, []byte(passphrase))
	if err != nil {
		t.Fatalf("insider: %v", err)
	}
	keys, err := store.DeriveRecordKeys(key)
	if err != nil {
		t.Fatalf("insider: %v", err)
	}
	defer keys.Wipe()
	db, err := store.OpenDatabaseFile(context.Background(), dir, keys)
	if err != nil {
		t.Fatalf("insider: %v", err)
	}
	return db
}
