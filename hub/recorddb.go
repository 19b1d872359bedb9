package hub

import (
	"context"
	"database/sql"
	"errors"
	"unicode/utf8"

	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5/pgconn"
	sqlite3 "modernc.org/sqlite"
)

// dialect is the SQL engine a hub's record is kept in.
type dialect int

const (
	sqlite   dialect = iota // the embedded default: hub.db in the data folder
	postgres                // a PostgreSQL server (Options.DB)
)

func (d dialect) String() string {
	if d == postgres {
		return "PostgreSQL"
	}
	return "SQLite"
}

// recordDB is the hub's database on either engine. The hub's SQL is
// written once, in the dialect both engines share, with SQLite's
// placeholders (? and ?N); on PostgreSQL recordDB rewrites them to $N and
// passes booleans as the 0 and 1 SQLite keeps them as.
type recordDB struct {
	db      *sql.DB
	dialect dialect
	stmts   *stmtCache // on SQLite, statements prepared once for the pool (stmtcache.go)
}

// sqliteRecord is a recordDB on a SQLite pool.
func sqliteRecord(db *sql.DB) *recordDB {
	return &recordDB{db: db, dialect: sqlite, stmts: newStmtCache(db)}
}

// recordTx is a transaction of a recordDB.
type recordTx struct {
	tx      *sql.Tx
	conn    *sql.Conn // on PostgreSQL, a writing transaction's connection (COPY, recordqueue.go)
	dialect dialect
	pending []queued             // statements waiting for the next round trip (recordqueue.go)
	err     error                // the first failure of a queued statement
	cache   *stmtCache           // on SQLite, the pool's prepared statements (stmtcache.go)
	stmts   map[string]*sql.Stmt // on SQLite, the statements this transaction used, by text
	later   []*laterRows         // rows InsertLater keeps for the next flush, by table (recordqueue.go)
	// copyConflicts sends kept rows ending ON CONFLICT DO NOTHING by COPY
	// too, where a conflict fails instead of being skipped: for
	// storeGroupWhole, which then stores the group again in savepoints
	// without it (appendgroup.go).
	copyConflicts bool
}

func (d *recordDB) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := d.cachedStmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return d.db.ExecContext(ctx, d.dialect.query(query), d.dialect.args(args)...)
}

func (d *recordDB) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := d.cachedStmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return d.db.QueryContext(ctx, d.dialect.query(query), d.dialect.args(args)...)
}

func (d *recordDB) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := d.cachedStmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return d.db.QueryRowContext(ctx, d.dialect.query(query), d.dialect.args(args)...)
}

// cachedStmt is query from the pool's cache on SQLite, or nil: on
// PostgreSQL, with the cache full, or when preparing fails (the query
// then runs unprepared and reports the failure itself).
func (d *recordDB) cachedStmt(ctx context.Context, query string) *sql.Stmt {
	if d.stmts == nil {
		return nil
	}
	st, err := d.stmts.get(ctx, query)
	if err != nil {
		return nil
	}
	return st
}

func (d *recordDB) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	return d.db.PrepareContext(ctx, d.dialect.query(query))
}

// BeginTx starts a transaction. Writing transactions run one at a time,
// across every hub process on the record, as the log needs: a leaf's index
// is the log's size read inside the transaction, and each checkpoint is
// signed once for its size. On SQLite the writing pool's transactions
// begin IMMEDIATE (writers queue for the file's lock); on PostgreSQL a
// writing transaction first takes the record's advisory transaction lock
// (writeLock), released by its commit or rollback.
func (d *recordDB) BeginTx(ctx context.Context, opts *sql.TxOptions) (*recordTx, error) {
	writing := opts == nil || !opts.ReadOnly
	if d.dialect == postgres && writing {
		return d.beginPostgresWrite(ctx, opts)
	}
	tx, err := d.db.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &recordTx{tx: tx, dialect: d.dialect, cache: d.stmts}, nil
}

// beginPostgresWrite begins a writing transaction on a connection of its
// own (kept rows go by COPY on it, recordqueue.go) after taking the
// record's write lock.
func (d *recordDB) beginPostgresWrite(ctx context.Context, opts *sql.TxOptions) (*recordTx, error) {
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	tx, err := conn.BeginTx(ctx, opts)
	if err != nil {
		conn.Close()
		return nil, err
	}
	// As SQLite's busy timeout does: a writer that waits past it fails
	// (and its batch is retried) rather than hanging for ever.
	if _, err := tx.ExecContext(ctx, "SET LOCAL lock_timeout = '60s'"); err != nil {
		tx.Rollback()
		conn.Close()
		return nil, fmt.Errorf("set the write lock's timeout: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", writeLock); err != nil {
		tx.Rollback()
		conn.Close()
		return nil, fmt.Errorf("take the record's write lock: %w", err)
	}
	return &recordTx{tx: tx, conn: conn, dialect: d.dialect}, nil
}

// writeLock is the PostgreSQL advisory lock a writing transaction holds
// (any number the hub's other locks don't use: migrationLock + 1).
const writeLock = migrationLock + 1

func (d *recordDB) PingContext(ctx context.Context) error { return d.db.PingContext(ctx) }

func (d *recordDB) Close() error {
	if d.stmts != nil {
		d.stmts.close()
	}
	return d.db.Close()
}

// Every use of a transaction sends its queued statements first
// (recordqueue.go), so it sees them done.

func (t *recordTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if err := t.Flush(ctx); err != nil {
		return nil, err
	}
	if t.cached() {
		st, err := t.stmt(ctx, query)
		if err != nil {
			return nil, err
		}
		return st.ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, t.dialect.query(query), t.dialect.args(args)...)
}

func (t *recordTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if err := t.Flush(ctx); err != nil {
		return nil, err
	}
	if t.cached() {
		st, err := t.stmt(ctx, query)
		if err != nil {
			return nil, err
		}
		return st.QueryContext(ctx, args...)
	}
	return t.tx.QueryContext(ctx, t.dialect.query(query), t.dialect.args(args)...)
}

// QueryRowContext cannot return a queued statement's failure: the read
// runs on (PostgreSQL answers it with an error, the transaction being
// aborted) and the failure comes back from the transaction's next Exec,
// Flush or Commit.
func (t *recordTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	t.Flush(ctx)
	if t.cached() {
		if st, err := t.stmt(ctx, query); err == nil {
			return st.QueryRowContext(ctx, args...)
		}
	}
	return t.tx.QueryRowContext(ctx, t.dialect.query(query), t.dialect.args(args)...)
}

func (t *recordTx) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	if err := t.Flush(ctx); err != nil {
		return nil, err
	}
	return t.tx.PrepareContext(ctx, t.dialect.query(query))
}

// StmtContext returns stmt (prepared on the recordDB) for use in t.
func (t *recordTx) StmtContext(ctx context.Context, stmt *sql.Stmt) *sql.Stmt {
	t.Flush(ctx)
	return t.tx.StmtContext(ctx, stmt)
}

// Commit sends the queued statements and commits; if one failed, it rolls
// back and returns that failure.
func (t *recordTx) Commit() error {
	if err := t.Flush(context.Background()); err != nil {
		t.tx.Rollback()
		t.release()
		return err
	}
	t.closeStmts()
	defer t.release()
	return t.tx.Commit()
}

func (t *recordTx) Rollback() error {
	t.closeStmts()
	defer t.release()
	return t.tx.Rollback()
}

// release gives a writing transaction's connection back to the pool.
func (t *recordTx) release() {
	if t.conn != nil {
		t.conn.Close()
		t.conn = nil
	}
}

// text is the SQL expression for the bytes of column (UTF-8, such as an
// event's JSON body) as text, for LIKE: the one place the two engines
// have no common spelling.
func (d dialect) text(column string) string {
	if d == postgres {
		return "convert_from(" + column + ", 'UTF8')"
	}
	return "CAST(" + column + " AS TEXT)"
}

// isUniqueViolation reports whether err is the refusal of a row whose
// key is taken, on either engine — and not a lost connection, a full
// disk or another failure, which must not read as a race lost.
func isUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23505" // unique_violation
	}
	var se *sqlite3.Error
	if errors.As(err, &se) {
		return se.Code() == 1555 || se.Code() == 2067 // SQLITE_CONSTRAINT_PRIMARYKEY, SQLITE_CONSTRAINT_UNIQUE
	}
	return false
}

// isStatementRefused reports whether err is the database refusing a
// statement — a constraint, a trigger, a row not found — rather than the
// connection lost, the server going away or short of resources, or the
// context ending: what storing the statement's batch alone can answer.
func isStatementRefused(err error) bool {
	if errors.Is(err, sql.ErrNoRows) {
		return true
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && len(pe.Code) == 5 { // an SQLSTATE: class, then subclass
		switch pe.Code[:2] {
		case "08", "53", "57", "58": // connection, resources, operator intervention, system
			return false
		}
		return true
	}
	var se *sqlite3.Error
	return errors.As(err, &se)
}

// rewritten holds PostgreSQL's text of each query: the hub has a few
// hundred, each rewritten once.
var rewritten sync.Map // string → string

// query returns q as d expects it.
func (d dialect) query(q string) string {
	if d != postgres {
		return q
	}
	if s, ok := rewritten.Load(q); ok {
		return s.(string)
	}
	s := dollarPlaceholders(q)
	rewritten.Store(q, s)
	return s
}

// args returns args as d expects them. PostgreSQL gets the hub's
// booleans as the integers its columns hold, as SQLite stores them, and
// text it can hold: its text has no NUL and no invalid UTF-8 (it refuses
// the statement), so those become U+FFFD, as encoding/json makes invalid
// bytes — a public lookup of such text finds nothing instead of failing,
// and a signed event whose JSON spells \u0000 is stored, not refused.
func (d dialect) args(args []any) []any {
	if d != postgres {
		return args
	}
	copied := false
	set := func(i int, v any) {
		if !copied { // never write to the caller's slice
			args, copied = append([]any(nil), args...), true
		}
		args[i] = v
	}
	for i, a := range args {
		switch v := a.(type) {
		case bool:
			set(i, boolInt(v))
		case string:
			if !utf8.ValidString(v) || strings.IndexByte(v, 0) >= 0 {
				set(i, strings.ReplaceAll(strings.ToValidUTF8(v, "\uFFFD"), "\x00", "\uFFFD"))
			}
		}
	}
	return args
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// dollarPlaceholders rewrites SQLite's placeholders to PostgreSQL's: ?N
// becomes $N and a bare ? the number after the largest so far (as SQLite
// numbers them), outside string literals, quoted names and comments.
func dollarPlaceholders(q string) string {
	var b strings.Builder
	b.Grow(len(q) + 8)
	largest := 0
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'' || c == '"':
			end := strings.IndexByte(q[i+1:], c)
			if end < 0 {
				b.WriteString(q[i:])
				return b.String()
			}
			b.WriteString(q[i : i+end+2]) // a doubled quote is two literals side by side: same text
			i += end + 1
		case c == '-' && strings.HasPrefix(q[i:], "--"):
			end := strings.IndexByte(q[i:], '\n')
			if end < 0 {
				end = len(q) - i - 1
			}
			b.WriteString(q[i : i+end+1])
			i += end
		case c == '/' && strings.HasPrefix(q[i:], "/*"):
			end := strings.Index(q[i+2:], "*/")
			if end < 0 {
				b.WriteString(q[i:])
				return b.String()
			}
			b.WriteString(q[i : i+end+4])
			i += end + 3
		case c == '?':
			j := i + 1
			for j < len(q) && q[j] >= '0' && q[j] <= '9' {
				j++
			}
			n := largest + 1
			if j > i+1 {
				n, _ = strconv.Atoi(q[i+1 : j])
			}
			largest = max(largest, n)
			b.WriteString("$" + strconv.Itoa(n))
			i = j - 1
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
