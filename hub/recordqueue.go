package hub

import (
	"context"
	"fmt"
	"math/bits"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// Queued statements. On PostgreSQL every statement is a round trip to the
// server, and storing one event takes several (its row, its log leaf and
// nodes, the read model): a batch of 500 waited on thousands of round
// trips. A statement whose result is not needed can be queued instead
// (recordTx.Queue): the queue goes to the server in one round trip when
// the transaction next reads, writes otherwise, commits, sets a savepoint
// or flushes: on a writing transaction's own connection as one pipelined
// batch of prepared statements, otherwise as one multi-statement text with
// its arguments quoted by pgx (the simple protocol). The statements run in
// the order they were given,
// in the same transaction: only the round trips change. On SQLite (in the
// process, no round trips) Queue runs the statement at once, prepared once
// per transaction (preparing was a third of the cost of a read-model row).
//
// Queued arguments may be quoted as literals, so a []byte must be meant for
// a BYTEA column (pgx writes it as '\x…'), and the result of a queued
// statement (rows affected) is never seen: queue only INSERTs and UPDATEs
// whose outcome the caller does not read.

// queued is one statement waiting in a transaction's queue.
type queued struct {
	query string // in the hub's dialect (? placeholders)
	args  []any
}

// maxQueued bounds a queue: past it, Queue flushes.
const maxQueued = 2000

// Queue runs a statement whose result the caller does not need, now on
// SQLite, with the next round trip on PostgreSQL. An error of a queued
// statement is returned by the call that sends the queue.
func (t *recordTx) Queue(ctx context.Context, query string, args ...any) error {
	if t.dialect != postgres {
		st, err := t.stmt(ctx, query) // stmtcache.go
		if err != nil {
			return err
		}
		_, err = st.ExecContext(ctx, args...)
		return err
	}
	if t.err != nil {
		return t.err
	}
	// The arguments are kept until the send: a copy, so a caller may reuse
	// its slice (the appender's rows do).
	t.pending = append(t.pending, queued{query: query, args: slices.Clone(args)})
	if len(t.pending) >= maxQueued {
		return t.Flush(ctx)
	}
	return nil
}

// Rows inserted later. A row nobody reads before the transaction next
// reads, writes otherwise, sets a savepoint or commits — an accepted
// event's own row, a log leaf — can wait for that moment and go with the
// other rows of its table, many to an INSERT (rowsPerInsert): one
// statement a row cost more than the rows themselves. Queue (on SQLite,
// where it runs at once) does not wait for them, so a queued statement
// must not read a table rows are kept for.

// laterRows are the rows kept for one table: by InsertLater, and by the
// appender for the log's (merkle.go).
type laterRows struct {
	table   string // "name (column, …)"
	tail    string // after the values: "" or "ON CONFLICT DO NOTHING"
	columns int
	args    []any // the rows' values in turn
}

// write sends the rows through exec, rowsPerInsert to a statement, and
// forgets them (on a failure too: the caller's savepoint is rolled back).
func (l *laterRows) write(exec func(query string, args []any) error) error {
	defer l.drop()
	for rows := l.args; len(rows) > 0; {
		n := insertSize(len(rows) / l.columns)
		query := multiRowInsert(l.table, l.columns, n)
		if l.tail != "" {
			query += " " + l.tail
		}
		if err := exec(query, rows[:n*l.columns]); err != nil {
			return fmt.Errorf("insert into %s: %w", l.table, err)
		}
		rows = rows[n*l.columns:]
	}
	return nil
}

// insertSize is how many of rows to write with one INSERT: rowsPerInsert,
// or the largest power of two below rows, so that the statements' texts
// are few and each is prepared once (stmtcache.go).
func insertSize(rows int) int {
	if rows >= rowsPerInsert {
		return rowsPerInsert
	}
	return 1 << (bits.Len(uint(rows)) - 1)
}

// drop forgets the rows.
func (l *laterRows) drop() { l.args = l.args[:0] }

// multiRowInsert is "INSERT INTO table VALUES (?, …), …" for rows rows.
func multiRowInsert(table string, columns, rows int) string {
	one := "(" + strings.Repeat("?, ", columns-1) + "?)"
	var b strings.Builder
	b.WriteString("INSERT INTO " + table + " VALUES ")
	for i := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(one)
	}
	return b.String()
}

// InsertLater keeps a row of table ("name (column, …)", columns values)
// for the transaction's next flush; tail ends the INSERT ("", or "ON
// CONFLICT DO NOTHING"). A failure (a unique row already there) comes back
// from the call that flushes.
func (t *recordTx) InsertLater(table, tail string, columns int, values ...any) {
	for _, l := range t.later {
		if l.table == table && l.tail == tail {
			l.args = append(l.args, values...)
			return
		}
	}
	t.later = append(t.later, &laterRows{table: table, tail: tail, columns: columns, args: values})
}

// insertKept writes the rows InsertLater kept: prepared once per
// connection on SQLite; on PostgreSQL queued as INSERTs (not through Queue,
// which may flush), except those copyKept sends by COPY.
func (t *recordTx) insertKept(ctx context.Context) error {
	exec := func(query string, args []any) error {
		if t.dialect == postgres {
			t.pending = append(t.pending, queued{query: query, args: slices.Clone(args)})
			return nil
		}
		return t.Queue(ctx, query, args...)
	}
	for _, l := range t.later {
		if t.copies(l) {
			continue
		}
		if err := l.write(exec); err != nil {
			t.dropKept()
			return err
		}
	}
	return nil
}

// COPY on PostgreSQL. A kept row went as literals in a statement's text:
// pgx quoted every value (a sixth of the hub's CPU an event) and the
// server parsed it back. COPY in binary (pgx's CopyFrom, on the writing
// transaction's own connection) sends the values as they are. An INSERT
// with a tail (ON CONFLICT DO NOTHING) has no COPY form: it stays a
// queued INSERT, unless the transaction takes a conflict as a failure
// (copyConflicts): a speculative insertion cost twice a copied row.

// onConflictDoNothing is the one tail of kept rows (InsertLater).
const onConflictDoNothing = "ON CONFLICT DO NOTHING"

// copies reports whether l's rows go by COPY.
func (t *recordTx) copies(l *laterRows) bool {
	return t.dialect == postgres && t.conn != nil && (l.tail == "" || t.copyConflicts && l.tail == onConflictDoNothing)
}

// copyKept sends the kept rows that go by COPY, a COPY a table, and
// forgets them (on a failure too: the caller's savepoint is rolled back).
func (t *recordTx) copyKept(ctx context.Context) error {
	for _, l := range t.later {
		if !t.copies(l) || len(l.args) == 0 {
			continue
		}
		if err := t.copyRows(ctx, l); err != nil {
			t.dropKept()
			return fmt.Errorf("copy into %s: %w", l.table, err)
		}
		l.drop()
	}
	return nil
}

// copyRows sends l's rows by one COPY … FROM STDIN (BINARY).
func (t *recordTx) copyRows(ctx context.Context, l *laterRows) error {
	name, columns, err := l.target()
	if err != nil {
		return err
	}
	rows := make([][]any, 0, len(l.args)/l.columns)
	for i := 0; i+l.columns <= len(l.args); i += l.columns {
		rows = append(rows, t.dialect.args(l.args[i:i+l.columns]))
	}
	return t.conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("%T is not a pgx connection", dc)
		}
		_, err := c.Conn().CopyFrom(ctx, pgx.Identifier{name}, columns, pgx.CopyFromRows(rows))
		return err
	})
}

// target splits l's table, "name (column, …)", into the name and columns.
func (l *laterRows) target() (string, []string, error) {
	name, cols, ok := strings.Cut(l.table, " (")
	cols, closed := strings.CutSuffix(cols, ")")
	if !ok || !closed {
		return "", nil, fmt.Errorf("kept rows' table %q is not \"name (column, …)\"", l.table)
	}
	columns := strings.Split(cols, ", ")
	if len(columns) != l.columns {
		return "", nil, fmt.Errorf("kept rows' table %q names %d columns, its rows have %d", l.table, len(columns), l.columns)
	}
	return name, columns, nil
}

// keep takes l's rows into t's kept rows of the same table (the
// appender's log rows, on PostgreSQL, so that they go by COPY) and forgets
// them in l.
func (t *recordTx) keep(l *laterRows) {
	if len(l.args) == 0 {
		return
	}
	for _, k := range t.later {
		if k.table == l.table && k.tail == l.tail {
			k.args = append(k.args, l.args...)
			l.drop()
			return
		}
	}
	t.later = append(t.later, &laterRows{table: l.table, tail: l.tail, columns: l.columns, args: slices.Clone(l.args)})
	l.drop()
}

// dropKept forgets the kept rows.
func (t *recordTx) dropKept() {
	for _, l := range t.later {
		l.drop()
	}
}

// Flush writes the kept rows, sends the queued statements, if any, and
// returns the first error of the transaction's queue so far.
func (t *recordTx) Flush(ctx context.Context) error {
	if t.err == nil {
		if err := t.insertKept(ctx); err != nil {
			t.err = err
		}
	}
	if t.err == nil {
		t.err = t.sendQueued(ctx)
	}
	if t.err == nil {
		t.err = t.copyKept(ctx) // after the queue, as SQLite runs them
	}
	return t.err
}

// sendQueued sends the queued statements, if any, in one round trip: on a
// writing transaction's own connection as a pipelined batch of statements
// in the extended protocol (sendBatch), otherwise as one multi-statement
// text (sendText).
func (t *recordTx) sendQueued(ctx context.Context) error {
	if len(t.pending) == 0 {
		return nil
	}
	n := len(t.pending)
	var err error
	if t.conn != nil {
		err = t.sendBatch(ctx)
	} else {
		err = t.sendText(ctx)
	}
	t.pending = t.pending[:0]
	if err != nil {
		return fmt.Errorf("%d queued statements: %w", n, err)
	}
	return nil
}

// sendBatch sends the queued statements as one pgx batch: each text is
// prepared once on the connection (pgx keeps the prepared statements) and
// its arguments go as values, so the server neither parses nor plans a
// text again at every send, nor reads quoted literals back — a sixth of
// its CPU an event when they went as text. The batch runs in the
// transaction; its first failure is returned, and the transaction is then
// in error until the caller's savepoint is rolled back, as with the text.
func (t *recordTx) sendBatch(ctx context.Context) error {
	b := &pgx.Batch{}
	for _, s := range t.pending {
		b.Queue(t.dialect.query(s.query), t.dialect.args(s.args)...)
	}
	return t.conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("%T is not a pgx connection", dc)
		}
		return c.Conn().SendBatch(ctx, b).Close()
	})
}

// sendText sends the queued statements as one multi-statement text with
// their arguments quoted by pgx (the simple protocol), for a transaction
// without a connection of its own.
func (t *recordTx) sendText(ctx context.Context) error {
	var q strings.Builder
	args := []any{pgx.QueryExecModeSimpleProtocol}
	for i, s := range t.pending {
		if i > 0 {
			q.WriteString(";\n")
		}
		q.WriteString(s.query)
		args = append(args, t.dialect.args(s.args)...)
	}
	// dollarPlaceholders numbers the bare ? of all statements in turn, as
	// the arguments were appended; not d.query, which would keep every
	// combined text in its cache.
	_, err := t.tx.ExecContext(ctx, dollarPlaceholders(q.String()), args...)
	return err
}

// closeStmts closes the transaction's statements (at commit or rollback);
// the pool's cache keeps its own.
func (t *recordTx) closeStmts() {
	for q, st := range t.stmts {
		st.Close()
		delete(t.stmts, q)
	}
}

// Savepoint sets a savepoint after the queued statements.
func (t *recordTx) Savepoint(ctx context.Context, name string) error {
	if err := t.Flush(ctx); err != nil {
		return err
	}
	_, err := t.tx.ExecContext(ctx, "SAVEPOINT "+name)
	return err
}

// RollbackTo drops the queued statements and undoes everything since the
// savepoint, a queued statement's failure included.
func (t *recordTx) RollbackTo(ctx context.Context, name string) error {
	t.pending, t.err = t.pending[:0], nil
	t.dropKept()
	_, err := t.tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT "+name)
	return err
}

// Release releases a savepoint after sending the queued statements.
func (t *recordTx) Release(ctx context.Context, name string) error {
	if err := t.Flush(ctx); err != nil {
		return err
	}
	_, err := t.tx.ExecContext(ctx, "RELEASE SAVEPOINT "+name)
	return err
}
