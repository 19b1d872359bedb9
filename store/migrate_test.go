package store

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
)

// Migrations run from an empty file and from every earlier version, with
// data in it: events recorded under an old schema survive, and the
// projections added later come out exactly as if they had been there all
// along.
func TestMigrationsFromEveryVersion(t *testing.T) {
	ctx := context.Background()
	all, err := terminalSchema.load()
	if err != nil {
		t.Fatal(err)
	}
	f, _ := fixtureWithFootage(t)
	want := dumpProjections(t, f.store.db)
	source := filepath.Join(f.dir, DatabaseFile)

	for from := 0; from < len(all); from++ {
		t.Run(fmt.Sprint("from version ", from), func(t *testing.T) {
			dir := t.TempDir()
			db, err := openTerminalDB(ctx, filepath.Join(dir, DatabaseFile), nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := migrate(ctx, db, from); err != nil {
				t.Fatal(err)
			}
			if v, _ := schemaVersion(ctx, db); v != from {
				t.Fatalf("at version %d, want %d", v, from)
			}
			if from >= 1 { // the events table exists: fill it from the source
				copyEvents(t, db, attachName(source, &f.keys.Database))
			}
			db.Close()
			// An older lawtrail wrote plaintext: opening with the keys
			// seals the file in place, then migrates it.
			s, err := Open(ctx, dir, Options{Keys: f.keys})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if v, _ := schemaVersion(ctx, s.db); v != len(all) {
				t.Fatalf("after Open at version %d, want %d", v, len(all))
			}
			if from >= 1 {
				if got := dumpProjections(t, s.db); got != want {
					t.Fatalf("projections after migrating from %d differ:\n%s\nwant:\n%s", from, got, want)
				}
			}
		})
	}
}

func copyEvents(t *testing.T, db *sql.DB, source string) {
	t.Helper()
	if _, err := db.Exec("ATTACH DATABASE ? AS src", source); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("INSERT INTO events SELECT * FROM src.events ORDER BY id"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("DETACH DATABASE src"); err != nil {
		t.Fatal(err)
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := openTerminalDB(ctx, filepath.Join(dir, DatabaseFile), nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Exec("PRAGMA user_version = 999")
	db.Close()
	if s, err := Open(ctx, dir, Options{}); err == nil {
		s.Close()
		t.Fatal("opened a database from a newer program")
	}
}
