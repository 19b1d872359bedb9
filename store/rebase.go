package store

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"lawtrail/casework"
	"lawtrail/evidence"
)

// Rebase is what `lawtrailctl sync recover` asks of the store: this
// folder's chain and the hub's agree up to Fork; the hub's events
// Fork+1..HubSeq (verified by the caller against this terminal's key, the
// chain and the hub's log) become the chain, and this folder's own events
// after Fork are set aside and re-recorded after them.
type Rebase struct {
	Fork      uint64
	HubSeq    uint64
	HubHash   evidence.Digest
	HubEvents []evidence.Event
}

// RebasedEvent is one local event re-recorded as event.rebased.
type RebasedEvent struct {
	OriginalSeq  uint64          `json:"original_seq"`
	OriginalHash evidence.Digest `json:"original_hash"`
	OriginalType string          `json:"original_type"`
	Seq          uint64          `json:"seq"`
	Conflict     string          `json:"conflict,omitempty"`
}

// RebaseResult is what a re-base did.
type RebaseResult struct {
	ID            int64           `json:"rebase"`
	Fork          uint64          `json:"fork_seq"`
	LocalHeadSeq  uint64          `json:"local_head_seq"`
	LocalHeadHash evidence.Digest `json:"local_head_hash"`
	HubSeq        uint64          `json:"hub_seq"`
	HubHash       evidence.Digest `json:"hub_hash"`
	Fetched       int             `json:"fetched"`
	Rebased       []RebasedEvent  `json:"rebased"`
}

// ErrRebase marks a re-base refused because its input does not fit this
// folder's chain; nothing was changed.
var ErrRebase = errors.New("re-base refused")

// The statements that keep events append-only (store/migrations/0001).
const (
	dropEventsNoDelete   = "DROP TRIGGER events_no_delete"
	createEventsNoDelete = "CREATE TRIGGER events_no_delete BEFORE DELETE ON events\nBEGIN SELECT RAISE(ABORT, 'events are append-only'); END"
)

// RebaseOnto re-bases the terminal's chain onto the hub's, in one
// transaction: the local events after r.Fork are copied verbatim into
// events_quarantine, then removed from events (the delete trigger is
// dropped and re-created inside the same transaction, so no other writer
// ever sees events unguarded, and a failure restores it with everything
// else); the hub's events are inserted; the projections are rebuilt; each
// set-aside event is re-recorded as a new signed event.rebased carrying it
// verbatim; and the re-base itself is recorded in rebases. Either all of
// it happens or none of it.
func (s *Store) RebaseOnto(ctx context.Context, terminal evidence.KeyPair, r Rebase) (RebaseResult, error) {
	res := RebaseResult{Fork: r.Fork, HubSeq: r.HubSeq, HubHash: r.HubHash, Fetched: len(r.HubEvents)}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return res, fmt.Errorf("re-base: begin: %w", err)
	}
	defer tx.Rollback()
	id := terminal.ID()
	if err := checkTerminalKey(ctx, tx, terminal, nil); err != nil {
		return res, fmt.Errorf("re-base: %w", err)
	}
	if res.LocalHeadSeq, res.LocalHeadHash, err = chainHead(ctx, tx, id); err != nil {
		return res, err
	}
	if err := checkRebaseInput(ctx, tx, id, r); err != nil {
		return res, err
	}
	locals, err := eventsAfter(ctx, tx, id, r.Fork)
	if err != nil {
		return res, err
	}
	if err := removeAfter(ctx, tx, id, r.Fork, len(locals)); err != nil {
		return res, err
	}
	for _, ev := range r.HubEvents {
		body, _ := evidence.ParseBody(ev.Body) // checked by checkRebaseInput
		if err := insertEvent(ctx, tx, ev, body); err != nil {
			return res, fmt.Errorf("re-base: %w", err)
		}
	}
	if err := s.rebuildProjectionsTx(ctx, tx); err != nil {
		return res, fmt.Errorf("re-base: %w", err)
	}
	if res.Rebased, err = s.reappend(ctx, tx, terminal, r, locals); err != nil {
		return res, err
	}
	if res.ID, err = recordRebase(ctx, tx, s.now(), id, res, locals); err != nil {
		return res, err
	}
	if _, err := tx.ExecContext(ctx, "UPDATE sync_status SET diverged = '', hub_last_seq = ? WHERE id = 1", r.HubSeq); err != nil {
		return res, fmt.Errorf("re-base: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return res, fmt.Errorf("re-base: commit: %w", err)
	}
	return res, nil
}

// checkRebaseInput: the local event at Fork is the one the hub's events
// continue from; they run Fork+1..HubSeq, each linking to the one before,
// and end at HubHash. (The caller verified signatures and the hub's log;
// this guards the chain the store is about to hold.)
func checkRebaseInput(ctx context.Context, tx *sql.Tx, terminal string, r Rebase) error {
	prev, found, err := hashAt(ctx, tx, terminal, r.Fork)
	if err != nil {
		return err
	}
	if !found && r.Fork > 0 {
		return fmt.Errorf("%w: this folder holds no event %d (the fork point)", ErrRebase, r.Fork)
	}
	if uint64(len(r.HubEvents)) != r.HubSeq-r.Fork || r.HubSeq < r.Fork {
		return fmt.Errorf("%w: %d hub events for seq %d..%d", ErrRebase, len(r.HubEvents), r.Fork+1, r.HubSeq)
	}
	for i, ev := range r.HubEvents {
		body, err := evidence.ParseBody(ev.Body)
		if err != nil {
			return fmt.Errorf("%w: hub event %d: %v", ErrRebase, i, err)
		}
		if body.Terminal != terminal || body.Seq != r.Fork+uint64(i)+1 || body.Prev != prev {
			return fmt.Errorf("%w: hub event %s#%d does not continue the chain at %d", ErrRebase, body.Terminal, body.Seq, r.Fork+uint64(i)+1)
		}
		prev = ev.Hash()
	}
	if prev != r.HubHash {
		return fmt.Errorf("%w: the chain ends at %s, the hub's head is %s", ErrRebase, prev, r.HubHash)
	}
	return nil
}

func hashAt(ctx context.Context, q queryRower, terminal string, seq uint64) (evidence.Digest, bool, error) {
	var d evidence.Digest
	if seq == 0 {
		return d, true, nil // the zero hash before event 1
	}
	var h []byte
	err := q.QueryRowContext(ctx, "SELECT hash FROM events WHERE terminal = ? AND seq = ?", terminal, seq).Scan(&h)
	if errors.Is(err, sql.ErrNoRows) {
		return d, false, nil
	}
	if err != nil {
		return d, false, fmt.Errorf("read event %s#%d: %w", terminal, seq, err)
	}
	copy(d[:], h)
	return d, true, nil
}

func eventsAfter(ctx context.Context, tx *sql.Tx, terminal string, seq uint64) ([]evidence.Event, error) {
	rows, err := tx.QueryContext(ctx, "SELECT body, sig, cosigs FROM events WHERE terminal = ? AND seq > ? ORDER BY seq", terminal, seq)
	if err != nil {
		return nil, fmt.Errorf("re-base: read events after %d: %w", seq, err)
	}
	out, err := scanEvents(rows)
	if err != nil {
		return nil, fmt.Errorf("re-base: read events after %d: %w", seq, err)
	}
	return out, nil
}

// removeAfter takes the terminal's events after seq out of events. The
// delete trigger exists again before the transaction can commit.
func removeAfter(ctx context.Context, tx *sql.Tx, terminal string, seq uint64, want int) error {
	if want == 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, dropEventsNoDelete); err != nil {
		return fmt.Errorf("re-base: %w", err)
	}
	res, err := tx.ExecContext(ctx, "DELETE FROM events WHERE terminal = ? AND seq > ?", terminal, seq)
	if err != nil {
		return fmt.Errorf("re-base: set aside events after %d: %w", seq, err)
	}
	if n, _ := res.RowsAffected(); n != int64(want) {
		return fmt.Errorf("re-base: %d events after %d changed meanwhile (%d copied)", n, seq, want)
	}
	if _, err := tx.ExecContext(ctx, createEventsNoDelete); err != nil {
		return fmt.Errorf("re-base: %w", err)
	}
	return nil
}

// reappend records each set-aside event as event.rebased after the hub's
// head, in the original order. An original that no longer fits the record
// (a rule refuses it, or a co-signing officer's key is not the record's) is
// recorded with the reason as its conflict, so it is kept and sent but
// takes no effect.
func (s *Store) reappend(ctx context.Context, tx *sql.Tx, terminal evidence.KeyPair, r Rebase, locals []evidence.Event) ([]RebasedEvent, error) {
	seq, prev := r.HubSeq, r.HubHash
	var out []RebasedEvent
	for _, ev := range locals {
		body, err := evidence.ParseBody(ev.Body)
		if err != nil {
			return nil, fmt.Errorf("re-base: local event: %w", err)
		}
		p := &casework.EventRebased{OriginalSeq: body.Seq, OriginalHash: ev.Hash(), OriginalBody: ev.Body, OriginalSig: ev.Sig,
			OriginalCoSigs: ev.CoSigs, ForkSeq: r.Fork, HubSeq: r.HubSeq, HubHash: r.HubHash}
		if p.OriginalCoSigs == nil {
			p.OriginalCoSigs = []evidence.CoSignature{}
		}
		if p.Conflict, err = s.conflictOf(ctx, tx, terminal, ev, body); err != nil {
			return nil, err
		}
		seq++
		rebased, err := s.appendOne(ctx, tx, terminal, seq, prev, Draft{Actor: body.Actor, Payload: p, Blobs: body.Blobs})
		if err != nil {
			return nil, fmt.Errorf("re-base: re-record %s#%d: %w", body.Terminal, body.Seq, err)
		}
		prev = rebased.Hash()
		out = append(out, RebasedEvent{OriginalSeq: body.Seq, OriginalHash: ev.Hash(), OriginalType: body.Type, Seq: seq, Conflict: p.Conflict})
	}
	return out, nil
}

// conflictOf says in words why an original would not take effect at its
// new place, or "" when it does.
func (s *Store) conflictOf(ctx context.Context, tx *sql.Tx, terminal evidence.KeyPair, ev evidence.Event, body evidence.Body) (string, error) {
	keys, err := officerKeysTx(ctx, tx, terminal.ID())
	if err != nil {
		return "", err
	}
	keys.AddTerminal(terminal.ID(), terminal.Public)
	if !ed25519.Verify(terminal.Public, ev.Body, ev.Sig) {
		return "", fmt.Errorf("re-base: local event %d: %w: this folder's own record is damaged (lawtrailctl check)", body.Seq, evidence.ErrBadSignature)
	}
	ring := casework.NewEnrollingKeys(keys)
	ring.Expect(ev.Body)
	if _, err := evidence.VerifyEvent(ev, ring); err != nil {
		return fmt.Sprintf("a co-signature does not verify against the record's officer keys: %v", err), nil
	}
	p, err := casework.Decode(body.Type, body.Payload)
	if err != nil {
		return "", fmt.Errorf("re-base: local event %d: %w", body.Seq, err)
	}
	err = checkLawful(ctx, txState{tx, terminal.ID(), s.cfg}, actOf(ev, body, p))
	switch {
	case errors.Is(err, casework.ErrRule):
		return err.Error(), nil
	case err != nil:
		return "", fmt.Errorf("re-base: local event %d: %w", body.Seq, err)
	}
	return "", nil
}

// cosignerIDs lists the officers who co-signed an event.
func cosignerIDs(ev evidence.Event) []string {
	ids := make([]string, len(ev.CoSigs))
	for i, cs := range ev.CoSigs {
		ids[i] = cs.Officer
	}
	return ids
}

// officerKeysTx is the ring of officer keys enrolled on terminal.
func officerKeysTx(ctx context.Context, tx *sql.Tx, terminal string) (*evidence.Keys, error) {
	rows, err := tx.QueryContext(ctx, "SELECT officer, public_key FROM officer_keys WHERE terminal = ?", terminal)
	if err != nil {
		return nil, fmt.Errorf("re-base: read officer keys: %w", err)
	}
	defer rows.Close()
	keys := &evidence.Keys{}
	for rows.Next() {
		var id string
		var pub []byte
		if err := rows.Scan(&id, &pub); err != nil {
			return nil, err
		}
		keys.AddOfficer(id, ed25519.PublicKey(pub))
	}
	return keys, rows.Err()
}

func recordRebase(ctx context.Context, tx *sql.Tx, now time.Time, terminal string, res RebaseResult, locals []evidence.Event) (int64, error) {
	conflicts := 0
	for _, rb := range res.Rebased {
		if rb.Conflict != "" {
			conflicts++
		}
	}
	out, err := tx.ExecContext(ctx, `INSERT INTO rebases (at, terminal, fork_seq, local_head_seq, local_head_hash, hub_seq, hub_hash,
		fetched, quarantined, rebased, conflicts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		now.UTC().Format(time.RFC3339Nano), terminal, res.Fork, res.LocalHeadSeq, res.LocalHeadHash[:], res.HubSeq,
		res.HubHash[:], res.Fetched, len(locals), len(res.Rebased), conflicts)
	if err != nil {
		return 0, fmt.Errorf("re-base: record: %w", err)
	}
	id, err := out.LastInsertId()
	if err != nil {
		return 0, err
	}
	for _, ev := range locals {
		body, _ := evidence.ParseBody(ev.Body)
		cosigs, _ := json.Marshal(ev.CoSigs)
		if ev.CoSigs == nil {
			cosigs = []byte("[]")
		}
		h := ev.Hash()
		if _, err := tx.ExecContext(ctx, `INSERT INTO events_quarantine (rebase, terminal, seq, hash, type, body, sig, cosigs)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, id, body.Terminal, body.Seq, h[:], body.Type, ev.Body, ev.Sig, string(cosigs)); err != nil {
			return 0, fmt.Errorf("re-base: quarantine %s#%d: %w", body.Terminal, body.Seq, err)
		}
	}
	return id, nil
}
