package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"lawtrail/casework"
	"lawtrail/evidence"
)

// A replica is a scratch copy of the record rebuilt from verified events
// only: every event whose signatures, chain position and payload hold is
// inserted into a fresh database and applied to fresh projections. What a
// replica shows can therefore not have been edited in the derived tables.
// Check compares the live projections with it; the case file is written
// from it (the promise: nothing in an export comes from a table that could
// have been edited without touching the signed events).

// replicaPrefix names the scratch folders replicas live in, inside the data
// folder (the same disk and the same protection as the record itself).
const replicaPrefix = "tmp-replica-"

// Replica is a verified rebuild of a store; Close removes it.
type Replica struct {
	*Store
	scratch string
	// places, when the source holds other terminals' events, make the
	// replica replay in the log order (order.go, chains.go).
	places *logPlaces
}

// Close closes the replica's database and removes its scratch folder.
func (r *Replica) Close() error {
	err := r.Store.db.Close()
	if rerr := os.RemoveAll(r.scratch); err == nil {
		err = rerr
	}
	return err
}

// VerifiedReplica rebuilds the record from the events that verify against
// trusted (terminal keys; officer keys are learnt from verified
// enrollments). Events that fail are left out and reported; the replica
// shares the store's blobs, which verify themselves whenever they are read.
func (s *Store) VerifiedReplica(ctx context.Context, trusted *evidence.Keys) (*Replica, Report, error) {
	removeStaleReplicas(s.dir)
	r, err := newReplica(ctx, s.dir)
	if err != nil {
		return nil, Report{}, err
	}
	r.blobs, r.dir, r.now, r.cfg = s.blobs, s.dir, s.now, s.cfg
	if trusted, r.places, err = s.foreignSetup(ctx, trusted); err != nil {
		r.Close()
		return nil, Report{}, err
	}
	rp, err := r.fill(ctx, trusted, s.eventsInOrder)
	if err != nil {
		r.Close()
		return nil, Report{}, err
	}
	return r, rp.report(), nil
}

// ReplicaOf builds a record from events that come from elsewhere (a case
// file's events.jsonl), in a scratch folder under the system's temporary
// folder, keeping only those that verify against trusted, judged by the
// rules under cfg.
func ReplicaOf(ctx context.Context, trusted *evidence.Keys, cfg *casework.Config, events func(fn func(evidence.Event) error) error) (*Replica, Report, error) {
	return ReplicaOfPlaced(ctx, trusted, cfg, nil, events)
}

// ReplicaOfPlaced is ReplicaOf for events of several terminals (a case
// file holding other terminals' chains, its own first): with their places
// in the hub's log, the replica replays them in the log order and judges
// each at its place, as the store that wrote them did (chains.go, order.go).
// Without places it is ReplicaOf.
func ReplicaOfPlaced(ctx context.Context, trusted *evidence.Keys, cfg *casework.Config, places []LogPlace, events func(fn func(evidence.Event) error) error) (*Replica, Report, error) {
	r, err := newReplica(ctx, os.TempDir())
	if err != nil {
		return nil, Report{}, err
	}
	r.cfg = cfg
	if len(places) > 0 {
		r.places = newLogPlaces(places, "")
	}
	if r.blobs, err = OpenBlobStore(filepath.Join(r.scratch, BlobDir)); err != nil {
		r.Close()
		return nil, Report{}, err
	}
	r.dir = r.scratch
	each := func(ctx context.Context, fn func(StoredEvent) error) error {
		return events(func(ev evidence.Event) error {
			body, err := evidence.ParseBody(ev.Body)
			if err != nil {
				return fn(StoredEvent{Terminal: "?", Event: ev})
			}
			h := ev.Hash()
			return fn(StoredEvent{Terminal: body.Terminal, Seq: body.Seq, Hash: h[:], Event: ev})
		})
	}
	rp, err := r.fill(ctx, trusted, each)
	if err != nil {
		r.Close()
		return nil, Report{}, err
	}
	return r, rp.report(), nil
}

func newReplica(ctx context.Context, parent string) (*Replica, error) {
	scratch, err := os.MkdirTemp(parent, replicaPrefix)
	if err != nil {
		return nil, fmt.Errorf("replica: %w", err)
	}
	// A scratch copy holds the whole record: it is sealed too, under a key
	// that lives only in this process, so one a killed process leaves
	// behind is noise until it is removed.
	var key [32]byte
	if _, err := rand.Read(key[:]); err != nil {
		os.RemoveAll(scratch)
		return nil, fmt.Errorf("replica: %w", err)
	}
	db, err := openTerminalDB(ctx, filepath.Join(scratch, DatabaseFile), &key)
	if err != nil {
		os.RemoveAll(scratch)
		return nil, fmt.Errorf("replica: %w", err)
	}
	r := &Replica{Store: &Store{db: db, now: time.Now, dbKey: &key}, scratch: scratch}
	latest, err := latestVersion()
	if err == nil {
		_, err = migrate(ctx, db, latest)
	}
	if err != nil {
		r.Close()
		return nil, fmt.Errorf("replica: %w", err)
	}
	return r, nil
}

// removeStaleReplicas removes scratch folders a killed process left.
func removeStaleReplicas(dir string) {
	old, _ := filepath.Glob(filepath.Join(dir, replicaPrefix+"*"))
	for _, p := range old {
		os.RemoveAll(p)
	}
}

// replay is what rebuilding a replica found: the events read, the blobs
// they name (first naming event), and two kinds of problem — damage (a
// signature, the chain, the position an event is filed under, a gap) and
// signed events the rules refuse. Refusals are reported only when there is
// no damage: after damage they would follow from it.
type replay struct {
	events     int
	referenced map[evidence.Digest]string
	damaged    Report
	refused    []Problem
}

func (rp *replay) report() Report {
	r := rp.damaged
	r.Events = rp.events
	if len(r.Problems) == 0 {
		r.Problems = append(r.Problems, rp.refused...)
	}
	return r
}

func (r *Replica) fill(ctx context.Context, trusted *evidence.Keys, each func(context.Context, func(StoredEvent) error) error) (*replay, error) {
	rp := &replay{referenced: map[evidence.Digest]string{}}
	tx, err := r.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("replica: begin: %w", err)
	}
	defer tx.Rollback()
	chains := newChainSet(trusted)
	err = each(ctx, func(se StoredEvent) error {
		rp.events++
		item := fmt.Sprintf("event %s#%d", se.Terminal, se.Seq)
		v, keys := chains.of(se.Terminal)
		referenced := rp.referenced
		if r.places != nil && r.places.writers[se.Terminal] {
			referenced = map[evidence.Digest]string{} // another terminal's footage is not kept here
		}
		if v.Next(se.Terminal) < se.Seq {
			// Rows are missing from the log itself; say so once and go on.
			rp.damaged.add(item, fmt.Errorf("%w: events %d..%d are missing", evidence.ErrGap, v.Next(se.Terminal), se.Seq-1))
			for v.Next(se.Terminal) < se.Seq {
				v.MarkDamaged(se.Terminal)
			}
		}
		if err := checkOneEvent(v, keys, se, referenced, item); err != nil {
			rp.damaged.add(item, err)
			return nil
		}
		body, p, err := decodeEvent(se.Event.Body)
		if err != nil {
			rp.damaged.add(item, err)
			return nil
		}
		if r.places != nil { // judged and applied in the log order below
			return insertEvent(ctx, tx, se.Event, body)
		}
		if err := checkLawful(ctx, txState{tx, body.Terminal, r.cfg}, actOf(se.Event, body, p)); err != nil {
			rp.refused = append(rp.refused, Problem{item, fmt.Errorf("signed, but the rules refuse it: %w", err)})
			return nil
		}
		if err := insertEvent(ctx, tx, se.Event, body); err != nil {
			return fmt.Errorf("replica: %w", err)
		}
		return applyProjection(ctx, tx, r.cfg, body, p)
	})
	if err != nil {
		return nil, err
	}
	if r.places != nil {
		if err := r.places.record(ctx, tx); err != nil {
			return nil, err
		}
		if err := r.replayAll(ctx, tx); err != nil {
			return nil, fmt.Errorf("replica: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("replica: commit: %w", err)
	}
	return rp, nil
}

// foreignSetup prepares verifying a store that holds other terminals'
// events: their keys join trusted, and the replica replays in the log order.
func (s *Store) foreignSetup(ctx context.Context, trusted *evidence.Keys) (*evidence.Keys, *logPlaces, error) {
	places, err := s.logPlaces(ctx)
	if err != nil || places == nil {
		return trusted, nil, err
	}
	trusted, err = s.withForeignKeys(ctx, trusted)
	return trusted, places, err
}

// eventsInOrder calls fn for every event in the order the log received
// them (the order projections are applied in).
func (s *Store) eventsInOrder(ctx context.Context, fn func(StoredEvent) error) error {
	return s.eachEvent(ctx, "id", fn)
}

// maxDiffRows bounds how many differing rows Check names per table and
// direction; the count of the rest is still reported.
const maxDiffRows = 20

// compareProjections compares every derived table with the replica's,
// and names each row that differs.
func (s *Store) compareProjections(ctx context.Context, rep *Replica, r *Report) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("check projections: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "ATTACH DATABASE ? AS replica", attachName(filepath.Join(rep.scratch, DatabaseFile), rep.dbKey)); err != nil {
		return fmt.Errorf("check projections: attach: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "DETACH DATABASE replica")
	for _, t := range projectionTables {
		if err := compareTable(ctx, conn, t, r); err != nil {
			return err
		}
	}
	return nil
}

func compareTable(ctx context.Context, conn *sql.Conn, table string, r *Report) error {
	item := "table " + table
	extra, err := exceptRows(ctx, conn, "main."+table+" EXCEPT SELECT * FROM replica."+table)
	if err != nil {
		return fmt.Errorf("check %s: %w", item, err)
	}
	for _, row := range extra {
		r.add(item, fmt.Errorf("row %s is not what the signed events give (edited or added without an event)", row))
	}
	missing, err := exceptRows(ctx, conn, "replica."+table+" EXCEPT SELECT * FROM main."+table)
	if err != nil {
		return fmt.Errorf("check %s: %w", item, err)
	}
	for _, row := range missing {
		r.add(item, fmt.Errorf("row %s that the signed events give is missing or changed", row))
	}
	var live, want int
	q := fmt.Sprintf("SELECT (SELECT count(*) FROM main.%s), (SELECT count(*) FROM replica.%s)", table, table)
	if err := conn.QueryRowContext(ctx, q).Scan(&live, &want); err != nil {
		return fmt.Errorf("check %s: %w", item, err)
	}
	if live != want && len(extra) == 0 && len(missing) == 0 {
		r.add(item, fmt.Errorf("%d rows where the signed events give %d (duplicated rows)", live, want))
	}
	return nil
}

// exceptRows runs SELECT * FROM <from> and renders each row (at most
// maxDiffRows, then a count of the rest).
func exceptRows(ctx context.Context, conn *sql.Conn, from string) ([]string, error) {
	rows, err := conn.QueryContext(ctx, "SELECT * FROM "+from)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out []string
	n := 0
	for rows.Next() {
		n++
		if n > maxDiffRows {
			continue
		}
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		out = append(out, renderRow(cols, vals))
	}
	if n > maxDiffRows {
		out = append(out, fmt.Sprintf("(and %d more rows)", n-maxDiffRows))
	}
	return out, rows.Err()
}

func renderRow(cols []string, vals []any) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		v := vals[i]
		if b, ok := v.([]byte); ok {
			v = fmt.Sprintf("%q", b)
			if len(b) > 64 {
				v = fmt.Sprintf("<%d bytes>", len(b))
			}
		}
		parts[i] = fmt.Sprintf("%s=%v", c, v)
	}
	return "(" + strings.Join(parts, ", ") + ")"
}
