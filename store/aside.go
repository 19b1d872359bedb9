package store

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
)

// A rebuild of the projections in the log order replays every event: with
// 100,000 of them it takes seconds, and a write transaction that long would
// keep the app's own acts waiting (SQLite has one writer). rebuildAside
// replays into a scratch database beside the record instead, from a read
// snapshot of its events, and then swaps the scratch tables in with one short
// write transaction. Events recorded meanwhile (the app kept working) are
// this terminal's own, placed last in the log order: the swap applies them on
// top, as a replay would. Anything else recorded meanwhile makes the swap a
// rebuild in place, as before.
func (s *Store) rebuildAside(ctx context.Context) error {
	removeStaleReplicas(s.dir)
	rep, err := newReplica(ctx, s.dir)
	if err != nil {
		return err
	}
	defer rep.Close()
	rep.cfg, rep.now = s.cfg, s.now
	snapshot, err := rep.replayCopyOf(ctx, filepath.Join(s.dir, DatabaseFile), s.dbKey)
	if err != nil {
		return fmt.Errorf("rebuild aside: %w", err)
	}
	return s.swapIn(ctx, filepath.Join(rep.scratch, DatabaseFile), rep.dbKey, snapshot)
}

// replayCopyOf copies the events of the record at src and their log places
// into the replica, as one read snapshot, and replays them in the log
// order. It returns the last event id copied.
func (r *Replica) replayCopyOf(ctx context.Context, src string, key *[32]byte) (int64, error) {
	conn, err := r.db.Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "ATTACH DATABASE ? AS src", attachName(src, key)); err != nil {
		return 0, fmt.Errorf("attach the record: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "DETACH DATABASE src")
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	var last int64
	if err := tx.QueryRowContext(ctx, "SELECT coalesce(max(id), 0) FROM src.events").Scan(&last); err != nil {
		return 0, err
	}
	for _, t := range []string{"events", "foreign_events", "sync_acks"} {
		if _, err := tx.ExecContext(ctx, "INSERT INTO main."+t+" SELECT * FROM src."+t); err != nil {
			return 0, fmt.Errorf("copy %s: %w", t, err)
		}
	}
	if err := r.replayAll(ctx, tx); err != nil {
		return 0, err
	}
	return last, tx.Commit()
}

// swapIn replaces the record's projections with the replica's at aside, in
// one write transaction, and applies the own events recorded after the
// snapshot (last) on top.
func (s *Store) swapIn(ctx context.Context, aside string, key *[32]byte, last int64) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "ATTACH DATABASE ? AS aside", attachName(aside, key)); err != nil {
		return fmt.Errorf("rebuild aside: attach: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "DETACH DATABASE aside")
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	later, onlyOwn, err := recordedAfter(ctx, tx, last)
	if err != nil {
		return err
	}
	if !onlyOwn {
		if err := s.replayAll(ctx, tx); err != nil { // another terminal's events arrived meanwhile
			return fmt.Errorf("rebuild: %w", err)
		}
		return tx.Commit()
	}
	// projectionTables lists children before parents: emptied in that
	// order, filled in the reverse one (foreign keys hold throughout).
	for _, t := range projectionTables {
		if _, err := tx.ExecContext(ctx, "DELETE FROM main."+t); err != nil {
			return fmt.Errorf("rebuild aside: empty %s: %w", t, err)
		}
	}
	for i := len(projectionTables) - 1; i >= 0; i-- {
		t := projectionTables[i]
		if _, err := tx.ExecContext(ctx, "INSERT INTO main."+t+" SELECT * FROM aside."+t); err != nil {
			return fmt.Errorf("rebuild aside: swap %s: %w", t, err)
		}
	}
	for _, pe := range later {
		body, p, err := decodeEvent(pe.ev.Body)
		if err != nil {
			return fmt.Errorf("rebuild aside: %w", err)
		}
		if _, err := s.replayOne(ctx, tx, pe.ev, body, p); err != nil {
			return fmt.Errorf("rebuild aside: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, "UPDATE main.sync_status SET replay_pending = 0 WHERE id = 1"); err != nil {
		return err
	}
	return tx.Commit()
}

// recordedAfter reads the record's events after id last, in arrival order, and
// says whether all are this terminal's own.
func recordedAfter(ctx context.Context, tx *sql.Tx, last int64) ([]positioned, bool, error) {
	own, err := ownTerminal(ctx, tx)
	if err != nil {
		return nil, false, err
	}
	rows, err := tx.QueryContext(ctx, "SELECT id, terminal, body, sig, cosigs FROM main.events WHERE id > ? ORDER BY id", last)
	if err != nil {
		return nil, false, fmt.Errorf("read events after %d: %w", last, err)
	}
	defer rows.Close()
	var out []positioned
	onlyOwn := true
	for rows.Next() {
		var p positioned
		var terminal, cosigs string
		if err := rows.Scan(&p.id, &terminal, &p.ev.Body, &p.ev.Sig, &cosigs); err != nil {
			return nil, false, err
		}
		if err := jsonUnmarshal(cosigs, &p.ev.CoSigs); err != nil {
			return nil, false, err
		}
		onlyOwn = onlyOwn && terminal == own
		out = append(out, p)
	}
	return out, onlyOwn, rows.Err()
}
