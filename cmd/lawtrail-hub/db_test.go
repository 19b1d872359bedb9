package main

import (
	"bytes"
	"context"
	"database/sql"
	"net"
	"strings"
	"testing"

	"lawtrail/hub/postgrestest"
)

// --db never prints the password of the URL it is given: not in a
// command's error, not in a usage or help text, not for a URL of another
// kind, not when the flag is misplaced.
func TestDBFlagNeverPrintsThePassword(t *testing.T) {
	const secret = "s3cret-Pa55word"
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()
	unreachable := "postgres://hub:" + secret + "@" + closed + "/record?connect_timeout=5"
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--data", dir, "--db", unreachable, "check"}, 2, closed},
		{[]string{"--data", dir, "check", "--db", unreachable}, 2, closed},
		{[]string{"--data", dir, "--db=" + unreachable, "stats"}, 2, closed},
		{[]string{"--data", dir, "--db", unreachable, "--help"}, 2, "--db URL"},
		{[]string{"--db", unreachable}, 2, "--db URL"},
		{[]string{"--data", dir, "--db", unreachable, "serve", "--help"}, 0, "-listen"},
		{[]string{"--data", dir, "serve", "--db", unreachable, "--bogus"}, 2, "bogus"},
		{[]string{"--data", dir, "--db", "mysql://hub:" + secret + "@" + closed + "/record", "check"}, 2, "postgres://"},
		{[]string{"--data", dir, "--db", "postgres://hub:" + secret + "@ho st/record", "check"}, 2, "malformed"},
		{[]string{"--data", dir, "check", "--db"}, 2, "needs an argument"},
	} {
		var out, errOut bytes.Buffer
		code := run(context.Background(), c.args, env{stdout: &out, stderr: &errOut, getenv: hubPass})
		all := out.String() + errOut.String()
		if code != c.code || !strings.Contains(all, c.want) || strings.Contains(all, secret) {
			t.Errorf("%q: exit %d, want %d and %q without the password:\n%s", c.args, code, c.code, c.want, all)
		}
	}
}

// --db after the command's name is --db: `key --db URL` keeps the record
// on that database.
func TestDBFlagAfterTheCommand(t *testing.T) {
	dbURL := postgrestest.Start(t)
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"--data", t.TempDir(), "key", "--db", dbURL}, env{stdout: &out, stderr: &errOut, getenv: hubPass}); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var checkpoints int
	if err := db.QueryRow("SELECT count(*) FROM checkpoints").Scan(&checkpoints); err != nil || checkpoints != 1 {
		t.Fatalf("the database holds %d checkpoints (%v): the hub was not opened on it", checkpoints, err)
	}
}
