package hub

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"lawtrail/casework"
	"lawtrail/evidence"
	"lawtrail/hub/postgrestest"
	"lawtrail/sync/faultproxy"
	"lawtrail/sync/protocol"
	"lawtrail/sync/server"
)

// These tests run on PostgreSQL always, whatever LAWTRAIL_TEST_HUB_DB says.

var testKDF = evidence.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}

var fixedClock = func() time.Time { return time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC) }

func openHubOn(t *testing.T, dir, dbURL string) *Hub {
	t.Helper()
	h, err := Open(context.Background(), dir, []byte("pw"), Options{KDF: testKDF, Now: fixedClock, DB: dbURL})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

// fixedTerminal is a terminal whose key comes from seed, so two runs sign
// the same events.
func fixedTerminal(t *testing.T, seed byte) *feedTerminal {
	t.Helper()
	key, err := evidence.GenerateKeyPair(bytes.NewReader(bytes.Repeat([]byte{seed}, 64)))
	if err != nil {
		t.Fatal(err)
	}
	return &feedTerminal{key: key}
}

// recordRun enrolls a terminal with a one-time code, appends three
// batches, stores a blob with its receipt, checks, rebuilds and checks
// again, and returns the log's size and root.
func recordRun(t *testing.T, h *Hub) (uint64, []byte) {
	t.Helper()
	ctx := context.Background()
	code, err := h.IssueCode(ctx, "https://hub.example", "某区市场监督管理局", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	term := fixedTerminal(t, 7)
	if _, err := h.Enroll(ctx, code.Secret, term.key.Public, "desk"); err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{3, 1, 5} {
		term.send(t, h, n)
	}
	footage := []byte("footage bytes of the test")
	d := evidence.Sum(footage)
	up := filepath.Join(h.UploadDir(), "upload")
	if err := os.MkdirAll(h.UploadDir(), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(up, footage, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := h.StoreBlob(ctx, term.key.ID(), d, up); err != nil {
		t.Fatal(err)
	}
	if rc, found, err := h.Receipt(ctx, term.key.ID(), d); err != nil || !found || rc.Digest != d {
		t.Fatalf("receipt: %+v %v %v", rc, found, err)
	}
	checkClean(t, h)
	if _, err := h.Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	checkClean(t, h)
	cp, err := latestCheckpoint(ctx, h.db)
	if err != nil {
		t.Fatal(err)
	}
	return cp.Size, cp.Root
}

func checkClean(t *testing.T, h *Hub) {
	t.Helper()
	r, err := h.Check(context.Background())
	if err != nil || !r.OK() {
		t.Fatalf("check: %v %v", r.Problems, err)
	}
}

// The same run on SQLite and on PostgreSQL, with the same hub key and
// clock, gives the same log: same size, same root.
func TestPostgresRecordMatchesSQLite(t *testing.T) {
	lite := t.TempDir()
	sizeL, rootL := recordRun(t, openHubOn(t, lite, ""))
	pg := t.TempDir()
	if err := os.MkdirAll(filepath.Join(pg, "keys"), 0o700); err != nil {
		t.Fatal(err)
	}
	key, err := os.ReadFile(filepath.Join(lite, keyFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(pg, keyFile), key, 0o600); err != nil {
		t.Fatal(err)
	}
	h := openHubOn(t, pg, postgrestest.Start(t))
	if h.db.dialect != postgres {
		t.Fatalf("the hub is on %v", h.db.dialect)
	}
	sizeP, rootP := recordRun(t, h)
	if sizeL != 10 || sizeP != sizeL || !bytes.Equal(rootP, rootL) {
		t.Fatalf("SQLite: size %d root %x; PostgreSQL: size %d root %x", sizeL, rootL, sizeP, rootP)
	}
}

// schemaOf lists the tables with their columns, the indexes and the
// triggers of the hub's schema, by name.
func schemaOf(t *testing.T, h *Hub) []string {
	t.Helper()
	q := `SELECT 'column ' || m.name || '.' || p.name FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table'
		UNION ALL SELECT 'index ' || name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL
		UNION ALL SELECT 'trigger ' || name FROM sqlite_master WHERE type = 'trigger'`
	if h.db.dialect == postgres {
		q = `SELECT 'column ' || table_name || '.' || column_name FROM information_schema.columns
			WHERE table_schema = 'public' AND table_name != 'schema_migrations'
		UNION ALL SELECT 'index ' || indexname FROM pg_indexes WHERE schemaname = 'public' AND indexname NOT LIKE '%_pkey'
			AND indexname NOT LIKE '%_key'
		UNION ALL SELECT DISTINCT 'trigger ' || trigger_name FROM information_schema.triggers WHERE trigger_schema = 'public'`
	}
	rows, err := h.db.QueryContext(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// The PostgreSQL migrations end where the SQLite ones do: the same tables,
// columns, indexes and triggers.
func TestPostgresSchemaMatchesSQLite(t *testing.T) {
	lite := schemaOf(t, openHubOn(t, t.TempDir(), ""))
	pg := schemaOf(t, openHubOn(t, t.TempDir(), postgrestest.Start(t)))
	if len(lite) < 100 || !slices.Equal(lite, pg) {
		var only []string
		for _, s := range lite {
			if !slices.Contains(pg, s) {
				only = append(only, "SQLite only: "+s)
			}
		}
		for _, s := range pg {
			if !slices.Contains(lite, s) {
				only = append(only, "PostgreSQL only: "+s)
			}
		}
		t.Fatalf("%d and %d items:\n%s", len(lite), len(pg), strings.Join(only, "\n"))
	}
}

// Hubs opened at once on one new database migrate it once: each opens
// without error and every migration is recorded once.
func TestPostgresMigratesOnceUnderConcurrentOpens(t *testing.T) {
	dbURL := postgrestest.Start(t)
	const n = 4
	hubs := make([]*Hub, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		dir := t.TempDir()
		wg.Add(1)
		go func() {
			defer wg.Done()
			hubs[i], errs[i] = Open(context.Background(), dir, []byte("pw"), Options{KDF: testKDF, DB: dbURL})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("hub %d: %v", i, err)
		}
		defer hubs[i].Close()
	}
	all, err := loadPostgresMigrations()
	if err != nil {
		t.Fatal(err)
	}
	var count, distinct, top int
	err = hubs[0].db.QueryRowContext(context.Background(), "SELECT count(*), count(DISTINCT version), max(version) FROM schema_migrations").
		Scan(&count, &distinct, &top)
	if err != nil || count != len(all) || distinct != count || top != len(all) {
		t.Fatalf("schema_migrations: %d rows, %d versions, newest %d, want %d: %v", count, distinct, top, len(all), err)
	}
	var generation int
	if err := hubs[0].db.QueryRowContext(context.Background(), "SELECT count(*) FROM rm_publication_generation").Scan(&generation); err != nil || generation != 1 {
		t.Fatalf("rm_publication_generation: %d rows: %v", generation, err)
	}
}

// A database URL's password never shows in an error: not for a server
// that does not answer, a malformed URL, a database that does not exist,
// nor a password given in the query.
func TestDatabaseURLErrorsNeverShowThePassword(t *testing.T) {
	const secret = "s3cret-Pa55word"
	s, err := postgrestest.Shared()
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()
	for i, c := range []struct{ url, want string }{
		{"postgres://hub:" + secret + "@" + closed + "/record?connect_timeout=5", closed},
		{"postgresql://hub:" + secret + "@" + s.Addr() + "/no_such_database", "no_such_database"},
		{"postgres://hub@" + closed + "/record?password=" + secret + "&connect_timeout=5", closed},
		{"postgres://hub:" + secret + "@ho st:5432/record", "malformed"},
		{"postgres://hub:" + secret + "@127.0.0.1:port/record", "malformed"},
		{"postgres://hub:" + secret + "@/record?host=/nonexistent-socket-dir", "/nonexistent-socket-dir"},
		{"postgres://hub:" + secret + "@127.0.0.1:5432/record?sslmode=bogus", "127.0.0.1"},
	} {
		_, err := Open(context.Background(), t.TempDir(), []byte("pw"), Options{KDF: testKDF, DB: c.url})
		if err == nil || strings.Contains(err.Error(), secret) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("case %d: %v; want an error naming %q, never the password", i, err, c.want)
		}
	}
}

// A PostgreSQL server that goes away mid-run, cutting every connection
// after a random number of bytes (inside transactions, at commits, between
// them): each batch is stored whole or not at all, no leaf is left
// without its event, and check passes on what is left.
func TestPostgresServerGoneMidRunLeavesNothingHalfWritten(t *testing.T) {
	dbURL := postgrestest.Start(t)
	s, err := postgrestest.Shared()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	direct := openHubOn(t, dir, dbURL) // migrates, and registers the terminals
	const batches, size = 24, 4
	terms := make([]*feedTerminal, batches)
	for i := range terms {
		terms[i] = registerTerminal(t, direct, "a1")
	}
	proxy, err := faultproxy.Start(s.Addr(), faultproxy.Config{CutMin: 2 << 10, CutMax: 24 << 10})
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	viaProxy := strings.Replace(dbURL, s.Addr(), proxy.Addr(), 1)
	var h *Hub
	for range 50 { // opening through the cutting link may itself be cut
		if h, err = Open(context.Background(), dir, []byte("pw"), Options{KDF: testKDF, DB: viaProxy}); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("open through the proxy: %v", err)
	}
	var failed []error
	stored := map[int]bool{}
	for i, term := range terms {
		var vs []server.Verified
		for range size {
			vs = append(vs, term.event(t))
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		_, err := h.Append(ctx, term.key.ID(), vs, 0, false)
		cancel()
		if err != nil {
			failed = append(failed, err)
			continue
		}
		stored[i] = true
	}
	h.Close()
	if proxy.Cuts.Load() == 0 || len(failed) == 0 {
		t.Fatalf("%d cuts, %d failed appends: the link was never cut mid-run", proxy.Cuts.Load(), len(failed))
	}
	for _, err := range failed {
		var pe *protocol.Error
		if errors.As(err, &pe) { // each batch's seqs were new: a cut must not read as a refusal (gap, conflict…)
			t.Fatalf("a cut link reported as the hub's refusal: %v", err)
		}
	}
	ctx := context.Background()
	total := 0
	for i, term := range terms {
		var n int
		if err := direct.db.QueryRowContext(ctx, "SELECT count(*) FROM events WHERE terminal = ?", term.key.ID()).Scan(&n); err != nil {
			t.Fatal(err)
		}
		// A batch whose commit was cut may be stored though it failed; never in part.
		if n != 0 && n != size || stored[i] && n != size {
			t.Fatalf("batch %d: %d of %d events stored (reported stored: %v)", i, n, size, stored[i])
		}
		total += n
	}
	var leaves int
	if err := direct.db.QueryRowContext(ctx, "SELECT count(*) FROM log_leaves").Scan(&leaves); err != nil {
		t.Fatal(err)
	}
	if leaves != total {
		t.Fatalf("%d leaves for %d stored events", leaves, total)
	}
	checkClean(t, direct)
	t.Logf("%d of %d batches stored through %d cuts; %d appends failed, e.g. %v", total/size, batches, proxy.Cuts.Load(), len(failed), failed[0])
}

// dollarPlaceholders numbers bare placeholders as SQLite does, keeps ?N,
// and leaves string literals, quoted names and comments alone.
func TestDollarPlaceholders(t *testing.T) {
	for in, want := range map[string]string{
		"SELECT a FROM t WHERE b = ? AND c = ?":                 "SELECT a FROM t WHERE b = $1 AND c = $2",
		"WHERE (?1 = '' OR x = ?1) AND y >= ?2 LIMIT ?3":        "WHERE ($1 = '' OR x = $1) AND y >= $2 LIMIT $3",
		"WHERE x = ?2 AND y = ?":                                "WHERE x = $2 AND y = $3",
		"SELECT '?', 'it''s ?', \"col?\" FROM t WHERE a = ?":    "SELECT '?', 'it''s ?', \"col?\" FROM t WHERE a = $1",
		"SELECT 1 -- what?\nFROM t WHERE a = ? /* b = ? */":     "SELECT 1 -- what?\nFROM t WHERE a = $1 /* b = ? */",
		"body LIKE '%\"note\":\"lawtrail/%' AND size = ?":       "body LIKE '%\"note\":\"lawtrail/%' AND size = $1",
		"SELECT 'unterminated ?":                                "SELECT 'unterminated ?",
		"INSERT INTO t VALUES (?, ?, ?) ON CONFLICT DO NOTHING": "INSERT INTO t VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
	} {
		if got := dollarPlaceholders(in); got != want {
			t.Errorf("%q: got %q, want %q", in, got, want)
		}
	}
	args := []any{true, "x", false}
	got := postgres.args(args)
	if got[0] != int64(1) || got[2] != int64(0) || args[0] != true {
		t.Errorf("booleans: %v (the caller's %v)", got, args)
	}
}

// Read-then-write steps hold under concurrency on both engines: a one-time
// code enrolls one of eight terminals racing for it, and feed items
// published at once get distinct cursors.
func TestConcurrentWritersOnBothEngines(t *testing.T) {
	for _, engine := range []string{"SQLite", "PostgreSQL"} {
		t.Run(engine, func(t *testing.T) {
			dbURL := ""
			if engine == "PostgreSQL" {
				dbURL = postgrestest.Start(t)
			}
			h := openHubOn(t, t.TempDir(), dbURL)
			ctx := context.Background()
			code, err := h.IssueCode(ctx, "https://hub.example", "a1", time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			const n = 8
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				key := fixedTerminal(t, byte(10+i)).key
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, errs[i] = h.Enroll(ctx, code.Secret, key.Public, "")
					if errs[i] == nil {
						errs[i] = h.Publish(ctx, "*", "test.item", map[string]int{"n": i})
					}
				}()
			}
			wg.Wait()
			enrolled := 0
			for _, err := range errs {
				var pe *protocol.Error
				switch {
				case err == nil:
					enrolled++
				case !errors.As(err, &pe) || pe.Code != protocol.CodeBadCode:
					t.Fatalf("a lost race answered %v, want the code refused", err)
				}
			}
			if enrolled != 1 {
				t.Fatalf("one code enrolled %d terminals", enrolled)
			}
			var items, cursors int
			if err := h.db.QueryRowContext(ctx, "SELECT count(*), count(DISTINCT cursor) FROM feed").Scan(&items, &cursors); err != nil || items != 2 || cursors != 2 {
				t.Fatalf("feed: %d items, %d cursors (%v), want 2 and 2", items, cursors, err)
			}
			var wg2 sync.WaitGroup
			perrs := make([]error, n)
			for i := range n {
				wg2.Add(1)
				go func() { defer wg2.Done(); perrs[i] = h.Publish(ctx, "*", "test.item", map[string]int{"n": i}) }()
			}
			wg2.Wait()
			if err := errors.Join(perrs...); err != nil {
				t.Fatal(err)
			}
			if err := h.db.QueryRowContext(ctx, "SELECT count(*), count(DISTINCT cursor) FROM feed").Scan(&items, &cursors); err != nil || items != 2+n || cursors != items {
				t.Fatalf("feed: %d items, %d cursors (%v), want %d distinct", items, cursors, err, 2+n)
			}
		})
	}
}

// Text PostgreSQL cannot hold (NUL, invalid UTF-8) in a public lookup gets
// the answer SQLite gives — nothing found — not a failed statement.
func TestTextPostgresCannotHoldIsNotFound(t *testing.T) {
	answers := func(h *Hub) []string {
		ctx := context.Background()
		var out []string
		note := func(what string, err error) { out = append(out, fmt.Sprintf("%s: %v", what, err)) }
		for _, s := range []string{"\xff", "a\x00b"} {
			page, err := h.PublicDecisions(ctx, DecisionQuery{Agency: s})
			note(fmt.Sprintf("decisions of agency %q (%d)", s, page.Total), err)
			page, err = h.PublicDecisions(ctx, DecisionQuery{Act: casework.ActType(s)})
			note(fmt.Sprintf("decisions of act %q (%d)", s, page.Total), err)
			_, err = h.PublicDecision(ctx, s)
			note("decision "+s, err)
			_, err = h.PublicAgency(ctx, s)
			note("agency "+s, err)
			_, err = h.WebSignIn(ctx, s, []byte("a password"))
			note("sign in "+s, err)
			_, err = h.WebSessionUser(ctx, s)
			note("session "+s, err)
			_, _, err = h.CaseTimeline(ctx, Scope{}, s)
			note("case "+s, err)
			_, err = h.CheckCard(ctx, s)
			note("card "+s, err)
		}
		return out
	}
	lite := answers(openHubOn(t, t.TempDir(), ""))
	pg := answers(openHubOn(t, t.TempDir(), postgrestest.Start(t)))
	if !slices.Equal(lite, pg) {
		t.Fatalf("SQLite:\n%s\nPostgreSQL:\n%s", strings.Join(lite, "\n"), strings.Join(pg, "\n"))
	}
	if got := postgres.args([]any{"ok", "a\x00\xffb"}); got[0] != "ok" || got[1] != "a\uFFFD\uFFFDb" {
		t.Errorf("args: %q", got)
	}
}

// On PostgreSQL the web's pool cannot write, and a database migrated by a
// newer program is refused rather than written to.
func TestPostgresReadPoolAndNewerSchema(t *testing.T) {
	dbURL := postgrestest.Start(t)
	h := openHubOn(t, t.TempDir(), dbURL)
	ctx := context.Background()
	if _, err := h.rdb.ExecContext(ctx, "INSERT INTO feed (cursor, terminal, item) VALUES (99, '*', '{}')"); err == nil ||
		!strings.Contains(err.Error(), "read-only") {
		t.Fatalf("a write through the read pool: %v", err)
	}
	if _, err := h.db.ExecContext(ctx, "INSERT INTO schema_migrations (version, name) VALUES (9999, '9999_future.sql')"); err != nil {
		t.Fatal(err)
	}
	_, err := Open(ctx, t.TempDir(), []byte("pw"), Options{KDF: testKDF, DB: dbURL})
	if err == nil || !strings.Contains(err.Error(), "newer than this program") {
		t.Fatalf("open of a newer schema: %v", err)
	}
}

// Terminals' requests read the record beside the group's writing
// transaction; the connections they used stay open for the next ones,
// instead of a new server process for each request past the second
// (database/sql keeps two idle by default: 22–30 new sessions a round of
// BenchmarkHubAcceptance's eight terminals before, 8 after).
func TestPostgresConnectionsKeptForTheNextRequests(t *testing.T) {
	dbURL := postgrestest.Start(t)
	h := openHubOn(t, t.TempDir(), dbURL)
	ctx := context.Background()
	sessions := func() int {
		var n int
		if err := h.db.QueryRowContext(ctx, "SELECT sessions FROM pg_stat_database WHERE datname = current_database()").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	const requests = 8
	round := func() {
		var wg sync.WaitGroup
		for i := range requests {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// Each holds a connection a while, as a request's reads do
				// beside the others'.
				if _, err := h.db.ExecContext(ctx, "SELECT pg_sleep(0.05)"); err != nil {
					t.Error(err)
				}
				if _, err := h.State(ctx, fmt.Sprintf("t-%d", i)); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
	}
	round()
	before := sessions()
	for range 3 {
		round()
	}
	if opened := sessions() - before; opened > 0 {
		t.Fatalf("%d connections opened and closed again by three rounds of %d requests, want none", opened, requests)
	}
}
