package hub

import (
	"context"
	"fmt"
	"strings"
	"time"

	"lawtrail/casework"
	"lawtrail/evidence"
	"lawtrail/store"
)

// Retention at the hub (docs/EVENTS.md "footage.deleted"): the read model
// keeps every legal hold (rm_holds) and every deletion (rm_deletions) of a
// hub agency's terminals. A footage.deleted is signed by a terminal and
// co-signed by the admin or head who orders it; the hub signs nothing of
// the agency's record. Accepting one, the hub re-checks it against what it
// holds — no step links the file, no hold is in force on it — and, when
// that holds, removes the blob's file after the accepting transaction
// commits (finished at the next Open or by Check when a crash cut it
// short). When the re-check fails, the deletion stays in the log (it is
// signed) but the bytes are kept, and rm_deletions and Check name why.
// Receipts, log leaves and checkpoints stay either way.

// applyRetention applies a hold, its release or a deletion.
func applyRetention(ctx context.Context, tx *recordTx, e loggedEvent, p casework.Payload, at time.Time, actor string) error {
	var err error
	switch v := p.(type) {
	case *casework.FootageHeld:
		_, err = tx.ExecContext(ctx, "INSERT INTO rm_holds (hub_agency, hold, digest) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
			e.hubAgency, v.Hold, v.Digest.String())
	case *casework.FootageReleased:
		_, err = tx.ExecContext(ctx, "UPDATE rm_holds SET released = 1 WHERE hub_agency = ? AND hold = ? AND digest = ?",
			e.hubAgency, v.Hold, v.Digest.String())
	case *casework.FootageDeleted:
		var refused string
		if refused, err = deletionRefused(ctx, tx, e.hubAgency, v.Digest); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO rm_deletions (hub_agency, log_index, digest, terminal, officer, reason, policy_version,
			order_no, authority, at, refused) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, e.hubAgency, e.logIndex,
			v.Digest.String(), e.body.Terminal, actor, string(v.Reason), v.PolicyVersion, v.Order, v.Authority, rmTimeOf(at), refused)
	}
	return err
}

// deletionRefused is why the hub keeps the bytes a deletion names: "held:
// HOLD…" while a hold of the agency is in force on the file, "linked: step
// STEP…" while a step of the agency links it; "" when nothing it holds
// keeps the file.
func deletionRefused(ctx context.Context, tx *recordTx, hubAgency string, d evidence.Digest) (string, error) {
	holds, err := store.QueryStrings(ctx, tx, "SELECT hold FROM rm_holds WHERE hub_agency = ? AND digest = ? AND released = 0 ORDER BY hold",
		hubAgency, d.String())
	if err != nil {
		return "", fmt.Errorf("holds on %s: %w", d, err)
	}
	if len(holds) > 0 {
		return "held: " + strings.Join(holds, ","), nil
	}
	steps, err := store.QueryStrings(ctx, tx, "SELECT step FROM rm_step_footage WHERE hub_agency = ? AND digest = ? ORDER BY step", hubAgency, d.String())
	if err != nil {
		return "", fmt.Errorf("steps linking %s: %w", d, err)
	}
	if len(steps) > 0 {
		return "linked: step " + strings.Join(steps, ","), nil
	}
	return "", nil
}

// deletedHere: a deletion in effect names the blob, and every agency whose
// terminals hold a receipt for it has one in effect (bytes two agencies
// docked go only when both deleted them).
const deletedHere = `EXISTS (SELECT 1 FROM rm_deletions d WHERE d.digest = b.digest AND d.refused = '')
	AND NOT EXISTS (SELECT 1 FROM receipts r JOIN terminals t ON t.id = r.terminal WHERE r.digest = b.digest
		AND NOT EXISTS (SELECT 1 FROM rm_deletions d2 WHERE d2.digest = b.digest AND d2.hub_agency = t.agency AND d2.refused = ''))`

// deletedBlobs lists the blobs whose bytes are to be gone (only of, when
// given).
func deletedBlobs(ctx context.Context, q rowsQuerier, only []evidence.Digest) ([]evidence.Digest, error) {
	query, args := "SELECT b.digest FROM blobs b WHERE "+deletedHere, []any{}
	if len(only) > 0 {
		query += " AND b.digest IN (?" + strings.Repeat(", ?", len(only)-1) + ")"
		for _, d := range only {
			args = append(args, d.String())
		}
	}
	names, err := store.QueryStrings(ctx, q, query+" ORDER BY b.digest", args...)
	if err != nil {
		return nil, fmt.Errorf("deleted blobs: %w", err)
	}
	out := make([]evidence.Digest, 0, len(names))
	for _, n := range names {
		d, err := evidence.ParseDigest(n)
		if err != nil {
			return nil, fmt.Errorf("deleted blobs: %w", err)
		}
		out = append(out, d)
	}
	return out, nil
}

// finishDeletions removes the files of deleted blobs that are still there
// (of only, when given): after the accepting transaction commits, and at
// Open and Check for a removal a crash cut short. It says how many it
// removed.
func (h *Hub) finishDeletions(ctx context.Context, only []evidence.Digest) (int, error) {
	gone, err := deletedBlobs(ctx, h.db, only)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, d := range gone {
		_, has, err := h.blobs.Stat(ctx, d)
		if err != nil {
			return n, fmt.Errorf("deleted blob %s: %w", d, err)
		}
		if !has {
			continue
		}
		if err := h.blobs.Remove(ctx, d); err != nil {
			return n, fmt.Errorf("deleted blob %s: %w", d, err)
		}
		n++
	}
	return n, nil
}

// blobDeleted reports whether terminal's agency deleted d (a deletion in
// effect: the hub re-checked it and removed, or will remove, the bytes).
func blobDeleted(ctx context.Context, q querier, terminal string, d evidence.Digest) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT count(*) FROM rm_deletions d JOIN terminals me ON me.agency = d.hub_agency
		WHERE me.id = ? AND d.digest = ? AND d.refused = ''`, terminal, d.String()).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("deletion of %s: %w", d, err)
	}
	return n > 0, nil
}

// checkDeletions names each deletion the hub refused (the bytes kept) for
// a file its agency has not deleted since.
func (h *Hub) checkDeletions(ctx context.Context, add func(string, error)) error {
	rows, err := h.db.QueryContext(ctx, `SELECT d.digest, d.terminal, d.officer, d.log_index, d.refused FROM rm_deletions d
		WHERE d.refused != '' AND NOT EXISTS (SELECT 1 FROM rm_deletions e WHERE e.hub_agency = d.hub_agency AND e.digest = d.digest
		AND e.refused = '') ORDER BY d.log_index`)
	if err != nil {
		return fmt.Errorf("deletions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var digest, terminal, officer, refused string
		var idx uint64
		if err := rows.Scan(&digest, &terminal, &officer, &idx, &refused); err != nil {
			return fmt.Errorf("deletions: %w", err)
		}
		add("blob "+digest, fmt.Errorf("deletion refused: %s (footage.deleted by %s on %s, log leaf %d); the bytes are kept", refused, officer, terminal, idx))
	}
	return rows.Err()
}
