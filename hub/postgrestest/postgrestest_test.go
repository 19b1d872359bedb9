package postgrestest

import (
	"context"
	"database/sql"
	"os"
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
