package hub

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"lawtrail/hub/blobstore"
	"lawtrail/store"
	"lawtrail/sync/protocol"
)

// Migrate moves an embedded hub — its record in hub.db and its footage in
// a folder — to PostgreSQL and, optionally, an S3 bucket
// (`lawtrail-hub migrate`). The hub key, the TLS certificate and hub.json
// stay in the data folder: the migrated hub runs with the same --data
// folder and --db (and --blobs) added.
//
// How:
//
//   - The source is opened as a hub (so its schema and read model are
//     current) and one SQLite write transaction is held on it for the
//     whole copy: the copy is one consistent state, and a hub still
//     serving the folder cannot write meanwhile (its writes wait, then
//     fail). Stop the hub first: anything it accepts after Migrate
//     returns is not in the destination.
//   - The destination database is brought to the latest schema by the
//     hub's own migrations, then every table of that schema is copied
//     from SQLite row by row, every column, in batches (one transaction
//     each, under the record's write lock), parents before children by
//     their foreign keys, each row INSERT … ON CONFLICT DO NOTHING; the
//     identity columns' sequences are set past the largest id after.
//     A SQLite table or column PostgreSQL lacks fails the migration, as
//     does a table without a key (its rows could be copied twice).
//   - Every blob the source store lists is put into the destination store
//     (Put streams and re-hashes), unless the destination holds it with
//     the same size already.
//   - A second run after a kill continues where the first stopped: rows
//     held are skipped by their keys, tables whole already are not read
//     twice, blobs held are skipped by Stat.
//   - A destination that holds another log is refused before anything is
//     written (ErrAnotherLog): its leaves must be a prefix of the source's
//     and its checkpoints the source's own.
//   - At the end every table must hold as many rows as the source's; then
//     the destination is opened as a hub, its Check must pass, and its
//     latest checkpoint must have the source's size and root.
func Migrate(ctx context.Context, dir string, passphrase []byte, opt MigrateOptions) (MigrateReport, error) {
	var rep MigrateReport
	if !IsDatabaseURL(opt.ToDB) {
		return rep, errors.New("migrate: the destination must be a postgres:// or postgresql:// URL")
	}
	if _, err := os.Stat(filepath.Join(dir, dbFile)); err != nil {
		return rep, fmt.Errorf("migrate: no embedded hub in %s: %w", dir, err)
	}
	var dst blobstore.Store
	if opt.ToBlobs != "" { // before anything is opened: a bad spec fails first
		var err error
		if dst, err = blobstore.Open(ctx, opt.ToBlobs, ""); err != nil {
			return rep, fmt.Errorf("migrate: destination %w", err)
		}
	}
	src, err := Open(ctx, dir, passphrase, Options{Blobs: opt.FromBlobs})
	if err != nil {
		return rep, fmt.Errorf("migrate: open the embedded hub: %w", err)
	}
	cp, err := migrateRecordAndBlobs(ctx, src, dst, opt, &rep)
	src.Close()
	if err != nil {
		return rep, err
	}
	to := Options{DB: opt.ToDB, Blobs: opt.ToBlobs}
	if to.Blobs == "" {
		to.Blobs = opt.FromBlobs
	}
	h, err := Open(ctx, dir, passphrase, to)
	if err != nil {
		return rep, fmt.Errorf("migrate: open the migrated hub: %w", err)
	}
	defer h.Close()
	if rep.Check, err = h.Check(ctx); err != nil {
		return rep, fmt.Errorf("migrate: check the migrated hub: %w", err)
	}
	if !rep.Check.OK() {
		return rep, fmt.Errorf("migrate: the migrated hub's check found %d problems, the first: %s", len(rep.Check.Problems), rep.Check.Problems[0])
	}
	got, err := latestCheckpoint(ctx, h.db)
	if err != nil {
		return rep, err
	}
	if got.Size != cp.Size || !bytes.Equal(got.Root, cp.Root) {
		return rep, fmt.Errorf("migrate: the migrated hub's log (size %d) is not the source's (size %d) or has another root", got.Size, cp.Size)
	}
	rep.Size, rep.Root = cp.Size, cp.Root
	return rep, nil
}

// MigrateOptions say where Migrate copies an embedded hub to.
type MigrateOptions struct {
	// FromBlobs is the source hub's footage store ("" for the blobs folder
	// in its data folder, as Options.Blobs).
	FromBlobs string
	// ToDB is the destination PostgreSQL database's URL.
	ToDB string
	// ToBlobs is the destination footage store (an s3:// spec or a
	// folder); "" leaves the footage where it is, uncopied.
	ToBlobs string
	// BatchRows is the most rows one INSERT copies (default 1,000).
	BatchRows int
	// BlobWorkers is how many blobs are copied at once (default 4).
	BlobWorkers int
	// Progress, when set, is told after each batch of rows committed and
	// each blob copied.
	Progress func(MigrateProgress)
}

// MigrateProgress is where a migration stands.
type MigrateProgress struct {
	Table string // the table being copied; "" while blobs are
	Rows  int64  // rows copied in this run so far, all tables
	Blobs int    // blobs copied in this run so far
	Bytes int64  // their bytes
}

// MigrateReport is what Migrate copied and found.
type MigrateReport struct {
	Tables      []MigratedTable // in the order copied
	Blobs       int             // blobs the source holds
	BlobsCopied int             // of which this run put (the others were held)
	Bytes       int64           // the source's blobs' bytes
	BytesCopied int64           // bytes this run put
	RowsTime    time.Duration   // copying rows
	BlobsTime   time.Duration   // copying blobs
	Size        uint64          // the latest checkpoint's size, both sides
	Root        []byte          // and its root
	Check       store.Report    // the migrated hub's check
}

// MigratedTable is one table's copy.
type MigratedTable struct {
	Name   string
	Rows   int64 // the source's rows (the destination holds as many)
	Copied int64 // inserted by this run (the others were held)
}

// ErrAnotherLog: the destination holds a log that is not the beginning
// of the source's (another hub's record, or one that went on without it).
var ErrAnotherLog = errors.New("the destination database holds another log")

// migrateRecordAndBlobs copies src's record into opt.ToDB and its footage
// into dst (when not nil), holding src's write lock, and returns src's
// latest checkpoint.
func migrateRecordAndBlobs(ctx context.Context, src *Hub, dst blobstore.Store, opt MigrateOptions, rep *MigrateReport) (protocol.Checkpoint, error) {
	stx, err := src.db.BeginTx(ctx, nil) // BEGIN IMMEDIATE: SQLite's write lock
	if err != nil {
		return protocol.Checkpoint{}, fmt.Errorf("migrate: lock the embedded hub (is it still serving?): %w", err)
	}
	defer stx.Rollback()
	cp, err := latestCheckpoint(ctx, stx)
	if err != nil {
		return cp, err
	}
	pdb, _, err := openPostgres(ctx, opt.ToDB) // migrates the schema; the read pool is not used
	if err != nil {
		return cp, fmt.Errorf("migrate: %w", err)
	}
	defer pdb.Close()
	m := &migration{src: stx, dst: pdb, opt: opt, rep: rep}
	if m.opt.BatchRows <= 0 {
		m.opt.BatchRows = 1000
	}
	if err := m.refuseAnotherLog(ctx); err != nil {
		return cp, err
	}
	start := time.Now()
	if err := m.copyTables(ctx); err != nil {
		return cp, err
	}
	rep.RowsTime = time.Since(start)
	if dst != nil {
		start = time.Now()
		if err := m.copyBlobs(ctx, src.blobs, dst); err != nil {
			return cp, err
		}
		rep.BlobsTime = time.Since(start)
	}
	return cp, nil
}

// migration is one run of Migrate: the source's locked transaction, the
// destination record.
type migration struct {
	src      *recordTx
	dst      *recordDB
	opt      MigrateOptions
	rep      *MigrateReport
	progress MigrateProgress
	mu       sync.Mutex // progress, while blobs are copied
}

func (m *migration) report() {
	if m.opt.Progress != nil {
		m.opt.Progress(m.progress)
	}
}

// refuseAnotherLog returns ErrAnotherLog unless the destination's log
// leaves are a prefix of the source's and each of its checkpoints is the
// source's checkpoint of that size.
func (m *migration) refuseAnotherLog(ctx context.Context) error {
	var theirs, ours []byte
	rows, err := m.dst.QueryContext(ctx, "SELECT idx, leaf_hash FROM log_leaves ORDER BY idx")
	if err != nil {
		return fmt.Errorf("migrate: read the destination's log: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var idx uint64
		if err := rows.Scan(&idx, &theirs); err != nil {
			return fmt.Errorf("migrate: read the destination's log: %w", err)
		}
		err := m.src.QueryRowContext(ctx, "SELECT leaf_hash FROM log_leaves WHERE idx = ?", idx).Scan(&ours)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && !bytes.Equal(ours, theirs)) {
			return fmt.Errorf("migrate: %w: its leaf %d is not the embedded hub's", ErrAnotherLog, idx)
		}
		if err != nil {
			return fmt.Errorf("migrate: read the embedded hub's log: %w", err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("migrate: read the destination's log: %w", err)
	}
	cps, err := m.dst.QueryContext(ctx, "SELECT size, body FROM checkpoints ORDER BY size")
	if err != nil {
		return fmt.Errorf("migrate: read the destination's checkpoints: %w", err)
	}
	defer cps.Close()
	for cps.Next() {
		var size uint64
		var body, mine string
		if err := cps.Scan(&size, &body); err != nil {
			return fmt.Errorf("migrate: read the destination's checkpoints: %w", err)
		}
		err := m.src.QueryRowContext(ctx, "SELECT body FROM checkpoints WHERE size = ?", size).Scan(&mine)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && mine != body) {
			return fmt.Errorf("migrate: %w: its checkpoint of size %d is not the embedded hub's", ErrAnotherLog, size)
		}
		if err != nil {
			return fmt.Errorf("migrate: read the embedded hub's checkpoints: %w", err)
		}
	}
	return cps.Err()
}
