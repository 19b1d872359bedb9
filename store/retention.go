package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"lawtrail/casework"
	"lawtrail/evidence"
)

// Retention's projection (migrations 0016, 0018): legal holds, the footage
// each terminal freed its copy of, and the footage deleted from the
// agency's record; what the rules of retention read; removing a freed or
// deleted file's bytes after its event commits, and finishing a removal a
// crash cut short when the store is next opened.

// projectRetention applies one event of retention to the projection.
func projectRetention(ctx context.Context, tx *sql.Tx, body evidence.Body, p casework.Payload, at string) error {
	switch p := p.(type) {
	case *casework.FootageHeld:
		_, err := tx.ExecContext(ctx, `INSERT INTO footage_holds (id, digest, reason, held_by, held_at, hold_terminal, hold_seq)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, p.Hold, p.Digest.String(), p.Reason, body.Actor, at, body.Terminal, body.Seq)
		return err
	case *casework.FootageReleased:
		_, err := tx.ExecContext(ctx, `UPDATE footage_holds SET released_reason = ?, released_by = ?, released_at = ?
			WHERE id = ? AND released_at = ''`, p.Reason, body.Actor, at, p.Hold)
		return err
	case *casework.FootageFreed:
		_, err := tx.ExecContext(ctx, `INSERT INTO footage_freed (digest, terminal, seq, cause, freed_by, freed_at)
			VALUES (?, ?, ?, ?, ?, ?)`, p.Digest.String(), body.Terminal, body.Seq, string(p.Cause), body.Actor, at)
		return err
	case *casework.FootageDeleted:
		_, err := tx.ExecContext(ctx, `INSERT INTO footage_deleted (digest, terminal, seq, reason, policy_version, order_no, authority,
			note, deleted_by, deleted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, p.Digest.String(), body.Terminal, body.Seq,
			string(p.Reason), p.PolicyVersion, p.Order, p.Authority, p.Note, body.Actor, at)
		return err
	case *casework.FootageFetched:
		// Fetched back from the hub after it was freed: here again, so the
		// next open must not remove it; a later run may free it again.
		_, err := tx.ExecContext(ctx, "DELETE FROM footage_freed WHERE digest = ? AND terminal = ?", p.Digest.String(), body.Terminal)
		return err
	}
	return nil
}

func (s txState) Hold(ctx context.Context, id string) (casework.HoldRecord, bool, error) {
	return queryHold(ctx, s.tx, id)
}

func queryHold(ctx context.Context, q queryRower, id string) (casework.HoldRecord, bool, error) {
	var h casework.HoldRecord
	var digest, released string
	err := q.QueryRowContext(ctx, "SELECT id, digest, released_at FROM footage_holds WHERE id = ?", id).Scan(&h.ID, &digest, &released)
	if err != nil {
		return h, false, notFoundIsNil(err)
	}
	h.Released = released != ""
	h.Digest, err = evidence.ParseDigest(digest)
	return h, true, err
}

func (s txState) HoldsInForce(ctx context.Context, d evidence.Digest) ([]string, error) {
	return QueryStrings(ctx, s.tx, "SELECT id FROM footage_holds WHERE digest = ? AND released_at = '' ORDER BY held_at, id", d.String())
}

func (s txState) OpenCasesLinking(ctx context.Context, d evidence.Digest) ([]string, error) {
	return QueryStrings(ctx, s.tx, openCasesLinking, d.String(), string(casework.PhaseExecution))
}

// heldHere says, for footage f and this terminal (the parameter), whether
// the terminal took in its bytes: an event of its own chain names them
// (docked, fetched, cleared, played, exported — each needs the bytes here —
// or such an event rebased), other than its freeing. From the record, not
// the disk, so listing 100,000 files stats none; a file taken in and then
// freed is told apart by footage_freed.
const heldHere = `EXISTS (SELECT 1 FROM custody c WHERE c.digest = f.digest AND c.terminal = ?
	AND c.type != '` + casework.TypeFootageFreed + `')`

// openCasesLinking lists the cases not yet in 送达执行 whose steps link a file.
const openCasesLinking = `SELECT DISTINCT c.id FROM step_footage sf JOIN steps st ON st.id = sf.step
	JOIN cases c ON c.id = st.case_id WHERE sf.digest = ? AND c.phase != ? ORDER BY c.id`

func (s txState) CasesLinking(ctx context.Context, d evidence.Digest) ([]string, error) {
	return QueryStrings(ctx, s.tx, `SELECT DISTINCT st.case_id FROM step_footage sf JOIN steps st ON st.id = sf.step
		WHERE sf.digest = ? ORDER BY st.case_id`, d.String())
}

func (s txState) Deleted(ctx context.Context, d evidence.Digest) (bool, error) {
	return exists(ctx, s.tx, "SELECT 1 FROM footage_deleted WHERE digest = ?", d.String())
}

func (s txState) FootageRecorded(ctx context.Context, d evidence.Digest) (time.Time, error) {
	var start, ingested string
	if err := s.tx.QueryRowContext(ctx, "SELECT start_time, ingested_at FROM footage WHERE digest = ?", d.String()).Scan(&start, &ingested); err != nil {
		return time.Time{}, fmt.Errorf("footage %s: %w", d, err)
	}
	return recordedAt(start, ingested), nil
}

// recordedAt is a file's recording time: its start, else its docking.
func recordedAt(start, ingested string) time.Time {
	if t, err := time.Parse(time.RFC3339Nano, start); err == nil {
		return t
	}
	t, _ := time.Parse(time.RFC3339Nano, ingested)
	return t
}

func (s txState) FreedHere(ctx context.Context, d evidence.Digest) (bool, error) {
	return exists(ctx, s.tx, "SELECT 1 FROM footage_freed WHERE digest = ? AND terminal = ?", d.String(), s.terminal)
}

// appendState is the state of an append on this terminal: the record's,
// and the terminal's own sync state (the hub's receipts), which a replay
// elsewhere does not have.
type appendState struct{ txState }

func (s appendState) HubReceipt(ctx context.Context, d evidence.Digest) (bool, error) {
	return exists(ctx, s.tx, "SELECT 1 FROM sync_receipts WHERE digest = ?", d.String())
}

type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// QueryStrings runs query on q (a database or a transaction) and reads its
// one text column; the hub's read model uses it too.
func QueryStrings(ctx context.Context, q queryer, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Where a footage file lives, as `footage list` and the app show it.
const (
	LocationHere  = "here"  // only on this terminal: the hub holds no receipt yet
	LocationBoth  = "both"  // here, and the hub holds its receipt
	LocationHub   = "hub"   // not here: another terminal's, not fetched
	LocationFreed = "freed" // this terminal freed its copy; the hub holds it (receipt kept)
	// LocationDeleted: a footage.deleted names it; its bytes are gone here
	// and at the hub, its custody record and digest stay.
	LocationDeleted = "deleted"
)

// Hold is one legal hold as the record holds it.
type Hold struct {
	ID             string          `json:"id"`
	Digest         evidence.Digest `json:"digest"`
	Reason         string          `json:"reason"`
	HeldBy         string          `json:"held_by"`
	HeldAt         string          `json:"held_at"`
	ReleasedReason string          `json:"released_reason,omitempty"`
	ReleasedBy     string          `json:"released_by,omitempty"`
	ReleasedAt     string          `json:"released_at,omitempty"` // "" while in force
}

// Holds lists the holds on a file (all files: the zero digest), oldest first.
func (s *Store) Holds(ctx context.Context, d evidence.Digest) ([]Hold, error) {
	where, args := "", []any{}
	if !d.IsZero() {
		where, args = "WHERE digest = ?", []any{d.String()}
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, digest, reason, held_by, held_at, released_reason, released_by, released_at
		FROM footage_holds `+where+` ORDER BY held_at, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("holds: %w", err)
	}
	defer rows.Close()
	var out []Hold
	for rows.Next() {
		var h Hold
		var digest string
		if err := rows.Scan(&h.ID, &digest, &h.Reason, &h.HeldBy, &h.HeldAt, &h.ReleasedReason, &h.ReleasedBy, &h.ReleasedAt); err != nil {
			return nil, fmt.Errorf("holds: %w", err)
		}
		if h.Digest, err = evidence.ParseDigest(digest); err != nil {
			return nil, fmt.Errorf("hold %s: %w", h.ID, err)
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// RetentionItem is what a retention run weighs of one footage file.
type RetentionItem struct {
	Digest     evidence.Digest
	Size       int64
	Recorded   time.Time // the recording's start; the docking time when the recorder gave none
	IngestedAt time.Time
	Here       bool     // this terminal took in the bytes (docked or fetched them)
	Receipt    bool     // the hub's receipt is kept
	Freed      bool     // this terminal freed its copy
	Holds      []string // holds in force
	OpenCases  []string // cases not yet in 送达执行 linking it
	Linked     bool     // any case links it
	Deleted    bool     // a footage.deleted names it
}

// RetentionItems lists every footage file with what retention weighs,
// oldest docking first.
func (s *Store) RetentionItems(ctx context.Context) ([]RetentionItem, error) {
	own, err := s.ownTerminal(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT f.digest, f.size, f.start_time, f.ingested_at,
		EXISTS (SELECT 1 FROM sync_receipts r WHERE r.digest = f.digest),
		EXISTS (SELECT 1 FROM footage_freed fr WHERE fr.digest = f.digest AND fr.terminal = ?),
		EXISTS (SELECT 1 FROM step_footage sf WHERE sf.digest = f.digest), `+heldHere+`,
		EXISTS (SELECT 1 FROM footage_deleted fd WHERE fd.digest = f.digest)
		FROM footage f ORDER BY f.ingested_at, f.digest`, own, own)
	if err != nil {
		return nil, fmt.Errorf("retention: list footage: %w", err)
	}
	var out []RetentionItem
	for rows.Next() {
		var it RetentionItem
		var digest, start, ingested string
		if err := rows.Scan(&digest, &it.Size, &start, &ingested, &it.Receipt, &it.Freed, &it.Linked, &it.Here, &it.Deleted); err != nil {
			rows.Close()
			return nil, fmt.Errorf("retention: list footage: %w", err)
		}
		if it.Digest, err = evidence.ParseDigest(digest); err != nil {
			rows.Close()
			return nil, fmt.Errorf("retention: %w", err)
		}
		it.IngestedAt, _ = time.Parse(time.RFC3339Nano, ingested)
		it.Recorded = recordedAt(start, ingested)
		out = append(out, it)
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("retention: list footage: %w", err)
	}
	for i := range out {
		if err := s.fillRetention(ctx, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *Store) fillRetention(ctx context.Context, it *RetentionItem) error {
	var err error
	d := it.Digest.String()
	if it.Holds, err = QueryStrings(ctx, s.db, "SELECT id FROM footage_holds WHERE digest = ? AND released_at = '' ORDER BY held_at, id", d); err != nil {
		return fmt.Errorf("retention %s: holds: %w", d, err)
	}
	if it.OpenCases, err = QueryStrings(ctx, s.db, openCasesLinking, d, string(casework.PhaseExecution)); err != nil {
		return fmt.Errorf("retention %s: cases: %w", d, err)
	}
	return nil
}

// Location says where a file lives: deleted, freed, both, here or hub.
func (it RetentionItem) Location() string {
	switch {
	case it.Deleted:
		return LocationDeleted
	case it.Freed:
		return LocationFreed
	case it.Here && it.Receipt:
		return LocationBoth
	case it.Here:
		return LocationHere
	}
	return LocationHub
}

// ownTerminal is this store's terminal id ("" before it is initialised).
func (s *Store) ownTerminal(ctx context.Context) (string, error) {
	var id string
	err := s.db.QueryRowContext(ctx, "SELECT terminal FROM events WHERE seq = 1 ORDER BY id LIMIT 1").Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read terminal: %w", err)
	}
	return id, nil
}

// freedHere lists the files this terminal freed, with the event that says
// so ("terminal#seq").
func (s *Store) freedHere(ctx context.Context) (map[evidence.Digest]string, error) {
	own, err := s.ownTerminal(ctx)
	if err != nil {
		return nil, err
	}
	return s.digestEvents(ctx, "freed footage", "SELECT digest, terminal, seq FROM footage_freed WHERE terminal = ? ORDER BY seq", own)
}

// ErrNotFreed refuses to remove the bytes of a file no footage.freed of
// this terminal names.
var ErrNotFreed = errors.New("no footage.freed of this terminal names it")

// RemoveFreed removes this terminal's copy of d once its footage.freed is
// committed; removing one already gone is no error.
func (s *Store) RemoveFreed(ctx context.Context, d evidence.Digest) error {
	freed, err := s.freedHere(ctx)
	if err != nil {
		return err
	}
	if _, ok := freed[d]; !ok {
		return fmt.Errorf("remove %s: %w", d, ErrNotFreed)
	}
	return s.blobs.Remove(d)
}

// ErrNotDeleted refuses to remove the bytes of a file no footage.deleted
// names.
var ErrNotDeleted = errors.New("no footage.deleted names it")

// RemoveDeleted removes this terminal's copy of d once a footage.deleted
// naming it is committed (signed here, or taken from the agency feed);
// removing one already gone is no error.
func (s *Store) RemoveDeleted(ctx context.Context, d evidence.Digest) error {
	var n int
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM footage_deleted WHERE digest = ?", d.String()).Scan(&n); err != nil {
		return fmt.Errorf("remove %s: %w", d, err)
	}
	if n == 0 {
		return fmt.Errorf("remove %s: %w", d, ErrNotDeleted)
	}
	return s.blobs.Remove(d)
}

// deletedFiles lists the files a footage.deleted names, with the event
// that says so ("terminal#seq").
func (s *Store) deletedFiles(ctx context.Context) (map[evidence.Digest]string, error) {
	return s.digestEvents(ctx, "deleted footage", "SELECT digest, terminal, seq FROM footage_deleted ORDER BY terminal, seq")
}

// digestEvents reads rows of (digest, terminal, seq) into each digest's
// first event, "terminal#seq".
func (s *Store) digestEvents(ctx context.Context, what, query string, args ...any) (map[evidence.Digest]string, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	out := map[evidence.Digest]string{}
	for rows.Next() {
		var digest, term string
		var seq uint64
		if err := rows.Scan(&digest, &term, &seq); err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		d, err := evidence.ParseDigest(digest)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		if _, seen := out[d]; !seen {
			out[d] = fmt.Sprintf("%s#%d", term, seq)
		}
	}
	return out, rows.Err()
}

// finishDeleting removes the bytes of deleted files still here: a removal
// a crash cut short, or a deletion that came by the agency feed.
func (s *Store) finishDeleting(ctx context.Context) error {
	gone, err := s.deletedFiles(ctx)
	if err != nil {
		return err
	}
	for d := range gone {
		if err := s.blobs.Remove(d); err != nil {
			return fmt.Errorf("finish deleting: %w", err)
		}
	}
	return nil
}

// Remove deletes a blob's file and syncs its folder; one already gone is
// no error. Only what a signed event says may go is removed: a terminal's
// freed or deleted copies, the hub's deleted blobs.
func (s *BlobStore) Remove(d evidence.Digest) error {
	p := s.Path(d)
	err := os.Remove(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("remove blob %s: %w", d, err)
	}
	if err := syncDir(filepath.Dir(p)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove blob %s: %w", d, err)
	}
	return nil
}

// finishFreeing removes the bytes of files this terminal freed that are
// still here: a removal a crash cut short after its event committed. The
// event is always first, so a file is never gone without one.
func (s *Store) finishFreeing(ctx context.Context) error {
	freed, err := s.freedHere(ctx)
	if err != nil {
		return err
	}
	for d := range freed {
		if err := s.blobs.Remove(d); err != nil {
			return fmt.Errorf("finish freeing: %w", err)
		}
	}
	return s.finishDeleting(ctx)
}

// checkFreed names each file this terminal freed without a receipt of the
// hub kept for it (the receipts table edited, or the rules bypassed).
func (s *Store) checkFreed(ctx context.Context, freed map[evidence.Digest]string, r *Report) error {
	for d, ev := range freed {
		has, err := s.HasReceipt(ctx, d)
		if err != nil {
			return err
		}
		if !has {
			r.add("footage "+d.String(), fmt.Errorf("freed here by %s, but no receipt of the hub is kept for it: the hub may not hold it", ev))
		}
	}
	return nil
}
