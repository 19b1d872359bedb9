package hub

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"lawtrail/evidence"
	"lawtrail/hub/blobstore"
)

// The row and blob copies of Migrate (migrate.go).

// pgTable is a table of the destination's schema.
type pgTable struct {
	name     string
	columns  []pgColumn
	keyed    bool     // has a primary key or unique index: ON CONFLICT can tell a row held
	parents  []string // tables its foreign keys reference
	identity []string // identity columns, whose sequences are set after the copy
}

type pgColumn struct{ name, dataType string }

// pgTables reads the destination's tables (but schema_migrations), their
// columns, keys and foreign keys, in an order that copies a parent before
// its children.
func pgTables(ctx context.Context, db *recordDB) ([]*pgTable, error) {
	byName := map[string]*pgTable{}
	var names []string
	rows, err := db.QueryContext(ctx, `SELECT table_name, column_name, data_type, is_identity FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name IN (SELECT table_name FROM information_schema.tables
			WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations')
		ORDER BY table_name, ordinal_position`)
	if err != nil {
		return nil, fmt.Errorf("migrate: read the destination's schema: %w", err)
	}
	for rows.Next() {
		var table, identity string
		var c pgColumn
		if err := rows.Scan(&table, &c.name, &c.dataType, &identity); err != nil {
			rows.Close()
			return nil, fmt.Errorf("migrate: read the destination's schema: %w", err)
		}
		t := byName[table]
		if t == nil {
			t = &pgTable{name: table}
			byName[table] = t
			names = append(names, table)
		}
		t.columns = append(t.columns, c)
		if identity == "YES" {
			t.identity = append(t.identity, c.name)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("migrate: read the destination's schema: %w", err)
	}
	keys, err := db.QueryContext(ctx, `SELECT DISTINCT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
		JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND i.indisunique`)
	if err != nil {
		return nil, fmt.Errorf("migrate: read the destination's keys: %w", err)
	}
	for keys.Next() {
		var name string
		keys.Scan(&name)
		if t := byName[name]; t != nil {
			t.keyed = true
		}
	}
	keys.Close()
	fks, err := db.QueryContext(ctx, `SELECT ch.relname, pa.relname FROM pg_constraint k
		JOIN pg_class ch ON ch.oid = k.conrelid JOIN pg_class pa ON pa.oid = k.confrelid
		JOIN pg_namespace n ON n.oid = k.connamespace WHERE k.contype = 'f' AND n.nspname = current_schema()`)
	if err != nil {
		return nil, fmt.Errorf("migrate: read the destination's foreign keys: %w", err)
	}
	for fks.Next() {
		var child, parent string
		fks.Scan(&child, &parent)
		if t := byName[child]; t != nil && child != parent {
			t.parents = append(t.parents, parent)
		}
	}
	fks.Close()
	return parentsFirst(names, byName)
}

// parentsFirst orders the tables so that every table comes after the
// tables it references (names sorted otherwise, so the order is stable).
func parentsFirst(names []string, byName map[string]*pgTable) ([]*pgTable, error) {
	slices.Sort(names)
	var out []*pgTable
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(string) error
	visit = func(name string) error {
		switch state[name] {
		case 1:
			return fmt.Errorf("migrate: the destination's foreign keys form a cycle through %s", name)
		case 2:
			return nil
		}
		state[name] = 1
		t := byName[name]
		if t == nil {
			return nil
		}
		for _, p := range t.parents {
			if err := visit(p); err != nil {
				return err
			}
		}
		state[name] = 2
		out = append(out, t)
		return nil
	}
	for _, n := range names {
		if err := visit(n); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// sqliteTables lists the source's tables and their columns.
func sqliteTables(ctx context.Context, tx *recordTx) (map[string][]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p
		WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, p.cid`)
	if err != nil {
		return nil, fmt.Errorf("migrate: read the embedded hub's schema: %w", err)
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var table, column string
		if err := rows.Scan(&table, &column); err != nil {
			return nil, fmt.Errorf("migrate: read the embedded hub's schema: %w", err)
		}
		out[table] = append(out[table], column)
	}
	return out, rows.Err()
}

// copyTables copies every table of the destination's schema from the
// source, after making sure the two schemas hold the same tables and
// columns, and sets the identity columns' sequences.
func (m *migration) copyTables(ctx context.Context) error {
	tables, err := pgTables(ctx, m.dst)
	if err != nil {
		return err
	}
	lite, err := sqliteTables(ctx, m.src)
	if err != nil {
		return err
	}
	if err := sameTables(tables, lite); err != nil {
		return err
	}
	for _, t := range tables {
		if err := m.copyTable(ctx, t); err != nil {
			return err
		}
		for _, col := range t.identity {
			q := fmt.Sprintf(`SELECT setval(pg_get_serial_sequence('%s', '%s'), (SELECT coalesce(max(%s), 0) + 1 FROM %s), false)`,
				quoteName(t.name), col, quoteName(col), quoteName(t.name))
			if _, err := m.dst.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("migrate: set the sequence of %s.%s: %w", t.name, col, err)
			}
		}
	}
	return nil
}

// sameTables fails unless the two schemas have the same tables with the
// same columns, each with a key on PostgreSQL (a resumed copy skips the
// rows held by their keys).
func sameTables(tables []*pgTable, lite map[string][]string) error {
	pg := map[string]bool{}
	for _, t := range tables {
		pg[t.name] = true
		cols, ok := lite[t.name]
		if !ok {
			return fmt.Errorf("migrate: table %s of the PostgreSQL schema is not in the embedded hub (is it older than this program? open it once with this program)", t.name)
		}
		var names []string
		for _, c := range t.columns {
			names = append(names, c.name)
		}
		a, b := slices.Sorted(slices.Values(names)), slices.Sorted(slices.Values(cols))
		if !slices.Equal(a, b) {
			return fmt.Errorf("migrate: table %s has columns %v on PostgreSQL and %v on SQLite", t.name, a, b)
		}
		if !t.keyed {
			return fmt.Errorf("migrate: table %s has no key on PostgreSQL: a resumed copy could copy its rows twice", t.name)
		}
	}
	for name := range lite {
		if !pg[name] && name != "schema_migrations" {
			return fmt.Errorf("migrate: table %s of the embedded hub has no PostgreSQL counterpart: it would be lost", name)
		}
	}
	return nil
}

func quoteName(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func countRows(ctx context.Context, q querier, table string) (int64, error) {
	var n int64
	err := q.QueryRowContext(ctx, "SELECT count(*) FROM "+quoteName(table)).Scan(&n)
	return n, err
}

// copyTable copies t's rows the destination lacks, in batches of one
// transaction each; a table the destination holds whole already is not
// read. After, the destination must hold as many rows as the source.
func (m *migration) copyTable(ctx context.Context, t *pgTable) error {
	want, err := countRows(ctx, m.src, t.name)
	if err != nil {
		return fmt.Errorf("migrate: count %s: %w", t.name, err)
	}
	have, err := countRows(ctx, m.dst, t.name)
	if err != nil {
		return fmt.Errorf("migrate: count %s on PostgreSQL: %w", t.name, err)
	}
	done := MigratedTable{Name: t.name, Rows: want}
	if have > want {
		return fmt.Errorf("migrate: %w: table %s holds %d rows, the embedded hub's %d", ErrAnotherLog, t.name, have, want)
	}
	if have < want {
		if done.Copied, err = m.copyRows(ctx, t); err != nil {
			return err
		}
		if have, err = countRows(ctx, m.dst, t.name); err != nil {
			return fmt.Errorf("migrate: count %s on PostgreSQL: %w", t.name, err)
		}
		if have != want {
			return fmt.Errorf("migrate: table %s holds %d rows after the copy, the embedded hub's %d", t.name, have, want)
		}
	}
	m.rep.Tables = append(m.rep.Tables, done)
	return nil
}

// copyRows streams t from the source and inserts it into the destination
// in batches, returning the rows inserted (not held already).
func (m *migration) copyRows(ctx context.Context, t *pgTable) (int64, error) {
	names := make([]string, len(t.columns))
	for i, c := range t.columns {
		names[i] = quoteName(c.name)
	}
	cols := strings.Join(names, ", ")
	rows, err := m.src.QueryContext(ctx, "SELECT "+cols+" FROM "+quoteName(t.name))
	if err != nil {
		return 0, fmt.Errorf("migrate: read %s: %w", t.name, err)
	}
	defer rows.Close()
	batch := max(1, min(m.opt.BatchRows, 65535/len(t.columns))) // PostgreSQL's limit of parameters
	var args []any
	var inserted int64
	flush := func(n int) error {
		if n == 0 {
			return nil
		}
		got, err := m.insert(ctx, t, cols, n, args)
		if err != nil {
			return err
		}
		inserted += got
		m.progress.Table = t.name
		m.progress.Rows += int64(n)
		m.report()
		args = args[:0]
		return nil
	}
	n := 0
	for rows.Next() {
		row := make([]any, len(t.columns))
		ptrs := make([]any, len(row))
		for i := range row {
			ptrs[i] = &row[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return inserted, fmt.Errorf("migrate: read %s: %w", t.name, err)
		}
		for i, c := range t.columns {
			row[i] = pgValue(row[i], c.dataType)
		}
		args = append(args, row...)
		if n++; n == batch {
			if err := flush(n); err != nil {
				return inserted, err
			}
			n = 0
		}
	}
	if err := rows.Err(); err != nil {
		return inserted, fmt.Errorf("migrate: read %s: %w", t.name, err)
	}
	return inserted, flush(n)
}

// insert writes n rows (args, column by column) into t in one
// transaction under the record's write lock.
func (m *migration) insert(ctx context.Context, t *pgTable, cols string, n int, args []any) (int64, error) {
	var q strings.Builder
	q.WriteString("INSERT INTO " + quoteName(t.name) + " (" + cols + ") VALUES ")
	p := 1
	for r := range n {
		if r > 0 {
			q.WriteString(", ")
		}
		q.WriteByte('(')
		for c := range t.columns {
			if c > 0 {
				q.WriteString(", ")
			}
			q.WriteString("$" + strconv.Itoa(p))
			p++
		}
		q.WriteByte(')')
	}
	q.WriteString(" ON CONFLICT DO NOTHING")
	tx, err := m.dst.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("migrate: copy %s: %w", t.name, err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, q.String(), args...)
	if err != nil {
		return 0, fmt.Errorf("migrate: copy %s: %w", t.name, err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("migrate: copy %s: commit: %w", t.name, err)
	}
	got, _ := res.RowsAffected()
	return got, nil
}

// pgValue is v, as SQLite gave it, in the type PostgreSQL's column of
// dataType takes (text the dialect cleans of what PostgreSQL refuses:
// recorddb.go args).
func pgValue(v any, dataType string) any {
	switch x := v.(type) {
	case string:
		if dataType == "bytea" {
			return []byte(x)
		}
	case []byte:
		if dataType != "bytea" {
			return string(x)
		}
	case int64:
		if dataType == "boolean" {
			return x != 0
		}
	}
	return v
}

// copyBlobs puts every blob src holds into dst, but those dst holds with
// the same size, opt.BlobWorkers at a time.
func (m *migration) copyBlobs(ctx context.Context, src, dst blobstore.Store) error {
	type blob struct {
		d    evidence.Digest
		size int64
	}
	var all []blob
	if err := src.List(ctx, func(d evidence.Digest, size int64) error {
		all = append(all, blob{d, size})
		return nil
	}); err != nil {
		return fmt.Errorf("migrate: list the embedded hub's blobs: %w", err)
	}
	workers := m.opt.BlobWorkers
	if workers <= 0 {
		workers = 4
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	work := make(chan blob)
	var wg sync.WaitGroup
	var firstErr error
	fail := func(err error) {
		m.mu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		m.mu.Unlock()
		cancel()
	}
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range work {
				copied, err := copyBlob(ctx, src, dst, b.d, b.size)
				if err != nil {
					fail(fmt.Errorf("migrate: blob %s: %w", b.d, err))
					continue
				}
				m.mu.Lock()
				m.rep.Blobs++
				m.rep.Bytes += b.size
				if copied {
					m.rep.BlobsCopied++
					m.rep.BytesCopied += b.size
					m.progress.Table = ""
					m.progress.Blobs++
					m.progress.Bytes += b.size
					m.report()
				}
				m.mu.Unlock()
			}
		}()
	}
	for _, b := range all {
		if ctx.Err() != nil {
			break
		}
		work <- b
	}
	close(work)
	wg.Wait()
	if firstErr == nil && ctx.Err() != nil {
		firstErr = fmt.Errorf("migrate: copy blobs: %w", ctx.Err())
	}
	return firstErr
}

// copyBlob puts blob d from src into dst unless dst holds it with its
// size, and reports whether it put it.
func copyBlob(ctx context.Context, src, dst blobstore.Store, d evidence.Digest, size int64) (bool, error) {
	if held, found, err := dst.Stat(ctx, d); err != nil {
		return false, err
	} else if found && held == size {
		return false, nil
	}
	b, err := src.Open(ctx, d)
	if err != nil {
		return false, err
	}
	defer b.Close()
	n, err := dst.Put(ctx, d, b)
	if err != nil {
		return false, err
	}
	if n != size {
		return false, errors.New("its size changed while it was copied")
	}
	return true, nil
}
