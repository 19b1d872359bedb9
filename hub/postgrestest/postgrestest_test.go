package postgrestest

import (
	"context"
	"database/sql"
	"os"
	"strings"
	"testing"
)

func TestMain(m *testing.M) { os.Exit(Run(m)) }

// Each test gets its own empty database on one server, which keeps fsync
// on and runs as a user other than root.
func TestStartGivesFreshDatabases(t *testing.T) {
	ctx := context.Background()
	open := func(dsn string) *sql.DB {
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	a, b := open(Start(t)), open(Start(t))
	if _, err := a.ExecContext(ctx, "CREATE TABLE x (v BIGINT); INSERT INTO x VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := b.QueryRowContext(ctx, "SELECT count(*) FROM pg_tables WHERE tablename = 'x'").Scan(&n); err != nil || n != 0 {
		t.Fatalf("second database sees the first's table: n=%d err=%v", n, err)
	}
	var fsync, user string
	if err := a.QueryRowContext(ctx, "SELECT current_setting('fsync'), current_setting('is_superuser')").Scan(&fsync, &user); err != nil {
		t.Fatal(err)
	}
	if fsync != "on" {
		t.Errorf("fsync = %s, want on", fsync)
	}
	s, err := Shared()
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(s.dir + "/data/PG_VERSION")
	if err != nil {
		t.Fatal(err)
	}
	if uid := ownerUID(info); uid == 0 {
		t.Errorf("the data folder is root's: the server must not run as root")
	}
}

// Amcheck finds what it is there to find: an index whose entries no longer
// match its table's rows (an expression index over a function declared
// immutable, then changed — as a corrupt page would leave it).
func TestAmcheckFindsAnIndexThatDisagreesWithItsTable(t *testing.T) {
	ctx := context.Background()
	url := Start(t)
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		"CREATE FUNCTION f(int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT $1'",
		"CREATE TABLE t (x int)",
		"INSERT INTO t SELECT generate_series(1, 1000)",
		"CREATE INDEX t_f ON t (f(x))",
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if out, err := amcheck(ctx, url); err != nil {
		t.Fatalf("a sound database: %v\n%s", err, out)
	}
	if _, err := db.ExecContext(ctx, "CREATE OR REPLACE FUNCTION f(int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT -$1'"); err != nil {
		t.Fatal(err)
	}
	out, err := amcheck(ctx, url)
	if err == nil || !strings.Contains(string(out), "t_f") {
		t.Fatalf("the disagreeing index passed: %v\n%s", err, out)
	}
}
