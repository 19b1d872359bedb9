package store

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"lawtrail/casework"
	"lawtrail/evidence"
)

// Foreign events are the events of the other terminals of this terminal's
// agency, brought by the hub's agency feed (sync/client). They are stored
// verbatim under their writer's terminal id and seq, beside — never in —
// this terminal's own chain (whose head, outbox, divergence and re-base only
// ever look at the own terminal's rows), with their place in the hub's log.
// Before one is stored its writer's chain is verified here: gapless from 1,
// each prev the hash of the one before, the first a terminal.initialized of
// the key the hub pinned at enrollment, every event signed by that key and
// every co-signature by an officer key that writer's own chain enrolled.

// ForeignItem is one event of another terminal as the agency feed brought
// it. The caller (sync/client) has verified the hub's part: the checkpoint
// and the inclusion proof (Refused says why not).
type ForeignItem struct {
	Event          evidence.Event
	Terminal       string // the writer, as the hub files it
	Seq            uint64 // the seq, as the hub files it
	LogIndex       uint64
	CheckpointSize uint64
	Inclusion      []byte // JSON list of base64 hashes, as received
	WriterKey      ed25519.PublicKey
	WriterName     string
	// Refused, when not empty, is why the caller refused the item: it is
	// recorded, nothing of it stored, and its writer's later items wait.
	Refused string
}

// ForeignBatch is one page of the agency feed, applied in one transaction.
type ForeignBatch struct {
	Items []ForeignItem // by log index, climbing
	// Next is the agency cursor after this page; 0 leaves it.
	Next uint64
	// Retry is a writer whose chain waits on a refused item, asked for again
	// from that item: it is tried once more (and waits again if it fails).
	Retry string
}

// ForeignResult is what applying a batch did.
type ForeignResult struct {
	Applied    int  // new events stored and applied
	Duplicates int  // held already
	Waiting    int  // of a writer whose chain waits on a refused item
	Refused    int  // refused and recorded
	Conflicts  int  // stored, but the rules object at their place in the log order
	Rebuilt    bool // the projections are to be rebuilt in the log order (FinishForeign)
}

// ErrNotForeign refuses an item of this terminal's own chain.
var ErrNotForeign = errors.New("an event of this terminal's own chain is not taken from the feed")

// ApplyForeign verifies and stores a page of the agency feed, applies it to
// the projections, and moves the agency cursor, in one transaction. A bad
// item is refused and recorded, and its writer's later items wait; the
// other items still apply. The projections end as a replay of every event
// in the log order would leave them (order.go): an item placed before events
// already applied that it does not commute with makes them be rebuilt.
func (s *Store) ApplyForeign(ctx context.Context, b ForeignBatch) (ForeignResult, error) {
	var res ForeignResult
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return res, fmt.Errorf("apply feed: begin: %w", err)
	}
	defer tx.Rollback()
	a, err := s.newForeignApplier(ctx, tx)
	if err != nil {
		return res, err
	}
	if err := tx.QueryRowContext(ctx, "SELECT replay_pending != 0 FROM sync_status WHERE id = 1").Scan(&a.rebuild); err != nil {
		return res, fmt.Errorf("apply feed: %w", err)
	}
	if b.Retry != "" {
		if _, err := tx.ExecContext(ctx, "UPDATE foreign_terminals SET blocked_at = NULL, blocked_reason = '' WHERE id = ?", b.Retry); err != nil {
			return res, fmt.Errorf("apply feed: retry %s: %w", b.Retry, err)
		}
	}
	for _, it := range b.Items {
		if err := a.apply(ctx, it, &res); err != nil {
			return res, err
		}
	}
	if a.rebuild {
		// Rebuilt once, when the caller has taken every page (FinishForeign).
		if _, err := tx.ExecContext(ctx, "UPDATE sync_status SET replay_pending = 1 WHERE id = 1"); err != nil {
			return res, fmt.Errorf("apply feed: %w", err)
		}
		res.Rebuilt = true
	}
	if b.Next > 0 && b.Retry == "" {
		if _, err := tx.ExecContext(ctx, "UPDATE sync_status SET agency_cursor = ? WHERE id = 1 AND agency_cursor < ?", b.Next, b.Next); err != nil {
			return res, fmt.Errorf("apply feed: cursor: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return res, fmt.Errorf("apply feed: commit: %w", err)
	}
	for _, it := range b.Items {
		// A deletion another terminal signed: the bytes go here too, after
		// the event is recorded (retention.go; the type match only narrows).
		if bytes.Contains(it.Event.Body, []byte(`"type":"`+casework.TypeFootageDeleted+`"`)) {
			return res, s.finishDeleting(ctx)
		}
	}
	return res, nil
}

// FinishForeign rebuilds the projections in the log order if a page of the
// feed left that to be done (ApplyForeign defers it, so a pull of many pages
// rebuilds once). The caller calls it when it has taken every page; it is
// safe to call at any time.
func (s *Store) FinishForeign(ctx context.Context) (rebuilt bool, err error) {
	if err := s.db.QueryRowContext(ctx, "SELECT replay_pending != 0 FROM sync_status WHERE id = 1").Scan(&rebuilt); err != nil || !rebuilt {
		return false, err
	}
	// Replayed in a scratch database and swapped in (aside.go): the
	// record's own writes wait only for the swap.
	if err := s.rebuildAside(ctx); err != nil {
		return false, fmt.Errorf("finish feed: %w", err)
	}
	return true, s.finishDeleting(ctx)
}

// foreignApplier applies the items of one batch inside its transaction.
type foreignApplier struct {
	s       *Store
	tx      *sql.Tx
	own     string
	writers map[string]*writerState
	later   *laterSet // what applied events placed after the batch's start touch
	rebuild bool      // the projections are rebuilt at the end instead
	now     string
}

// writerState is a foreign writer's chain as verified so far.
type writerState struct {
	key     ed25519.PublicKey
	known   bool // a foreign_terminals row exists
	blocked bool
	seq     uint64
	hash    evidence.Digest
	ring    *casework.EnrollingKeys
}

func (s *Store) newForeignApplier(ctx context.Context, tx *sql.Tx) (*foreignApplier, error) {
	own, err := ownTerminal(ctx, tx)
	if err != nil {
		return nil, fmt.Errorf("apply feed: %w", err)
	}
	return &foreignApplier{s: s, tx: tx, own: own, writers: map[string]*writerState{},
		now: s.now().UTC().Format(time.RFC3339Nano)}, nil
}

// ownTerminal is the terminal this store belongs to: the writer of its
// first event (terminal.initialized), which is never a foreign one.
func ownTerminal(ctx context.Context, q queryRower) (string, error) {
	var id string
	err := q.QueryRowContext(ctx, "SELECT terminal FROM events ORDER BY id LIMIT 1").Scan(&id)
	if err != nil {
		return "", fmt.Errorf("read this terminal's id: %w", err)
	}
	return id, nil
}

func (a *foreignApplier) apply(ctx context.Context, it ForeignItem, res *ForeignResult) error {
	ws, body, reason, err := a.verify(ctx, it)
	if err != nil {
		return err
	}
	switch {
	case reason == "":
	case reason == waiting:
		res.Waiting++
		return nil
	case reason == duplicate:
		res.Duplicates++
		return nil
	default:
		res.Refused++
		return a.refuse(ctx, it, ws, reason)
	}
	p, err := casework.Decode(body.Type, body.Payload)
	if err != nil {
		res.Refused++
		return a.refuse(ctx, it, ws, err.Error())
	}
	if err := a.store(ctx, it, ws, body, p); err != nil {
		return err
	}
	res.Applied++
	return a.project(ctx, it, body, p, res)
}

// Outcomes of verify that are not refusals.
const (
	waiting   = "\x00waiting"
	duplicate = "\x00duplicate"
)

// verify checks it as the next event of its writer's chain; reason says
// why it is refused ("" when it holds).
func (a *foreignApplier) verify(ctx context.Context, it ForeignItem) (*writerState, evidence.Body, string, error) {
	if it.Terminal == a.own {
		return nil, evidence.Body{}, ErrNotForeign.Error(), nil
	}
	ws, err := a.writer(ctx, it)
	if err != nil {
		return nil, evidence.Body{}, "", err
	}
	switch {
	case ws.blocked:
		return ws, evidence.Body{}, waiting, nil
	case it.Refused != "":
		return ws, evidence.Body{}, it.Refused, nil
	case !ws.key.Equal(it.WriterKey):
		return ws, evidence.Body{}, "the hub gives another key for this terminal than it gave before", nil
	case evidence.KeyID(ws.key) != it.Terminal:
		return ws, evidence.Body{}, fmt.Sprintf("the key the hub gives for %s is the key of %s", it.Terminal, evidence.KeyID(ws.key)), nil
	}
	body, err := evidence.ParseBody(it.Event.Body)
	if err != nil {
		return ws, body, err.Error(), nil
	}
	hash := it.Event.Hash()
	switch {
	case body.Terminal != it.Terminal || body.Seq != it.Seq:
		return ws, body, fmt.Sprintf("filed as %s#%d but the body says %s#%d", it.Terminal, it.Seq, body.Terminal, body.Seq), nil
	case body.Seq <= ws.seq:
		held, _, err := hashAt(ctx, a.tx, body.Terminal, body.Seq)
		if err != nil {
			return ws, body, "", err
		}
		if held == hash {
			return ws, body, duplicate, nil
		}
		return ws, body, fmt.Sprintf("%v: seq %d is held with body %s", evidence.ErrFork, body.Seq, held), nil
	case body.Seq != ws.seq+1:
		return ws, body, fmt.Sprintf("%v: expected seq %d, got %d", evidence.ErrGap, ws.seq+1, body.Seq), nil
	case body.Prev != ws.hash:
		return ws, body, fmt.Sprintf("%v: prev %s, the previous event is %s", evidence.ErrBrokenLink, body.Prev, ws.hash), nil
	}
	if body.Seq == 1 {
		if reason := checkGenesis(body, ws.key); reason != "" {
			return ws, body, reason, nil
		}
	}
	ws.ring.Expect(it.Event.Body)
	_, err = evidence.VerifyEvent(it.Event, ws.ring)
	ws.ring.Settle(err == nil)
	if err != nil {
		return ws, body, err.Error(), nil
	}
	return ws, body, "", nil
}

// checkGenesis: a chain starts with terminal.initialized of the writer's
// own id and the key the hub pinned.
func checkGenesis(body evidence.Body, key ed25519.PublicKey) string {
	p, err := casework.Decode(body.Type, body.Payload)
	init, ok := p.(*casework.TerminalInitialized)
	switch {
	case err != nil || !ok:
		return fmt.Sprintf("the first event of %s is %s, not %s", body.Terminal, body.Type, casework.TypeTerminalInitialized)
	case init.Terminal != body.Terminal || !key.Equal(ed25519.PublicKey(init.PublicKey)):
		return fmt.Sprintf("the first event of %s initializes %s with another key than the hub pinned", body.Terminal, init.Terminal)
	}
	return ""
}

// writer loads (once per batch) what is known of it's writer.
func (a *foreignApplier) writer(ctx context.Context, it ForeignItem) (*writerState, error) {
	if ws, ok := a.writers[it.Terminal]; ok {
		return ws, nil
	}
	ws := &writerState{key: it.WriterKey}
	var key []byte
	var blocked sql.NullInt64
	err := a.tx.QueryRowContext(ctx, "SELECT public_key, blocked_at FROM foreign_terminals WHERE id = ?", it.Terminal).Scan(&key, &blocked)
	switch {
	case err == nil:
		ws.known, ws.blocked = true, blocked.Valid
		if len(key) > 0 { // a writer refused before any key held is pinned on its first good item
			ws.key = key
		}
	case !errors.Is(err, sql.ErrNoRows):
		return nil, fmt.Errorf("apply feed: terminal %s: %w", it.Terminal, err)
	}
	if ws.seq, ws.hash, err = chainHead(ctx, a.tx, it.Terminal); err != nil {
		return nil, err
	}
	ring := &evidence.Keys{}
	ring.AddTerminal(it.Terminal, ws.key)
	rows, err := a.tx.QueryContext(ctx, "SELECT officer, public_key FROM foreign_officer_keys WHERE terminal = ?", it.Terminal)
	if err != nil {
		return nil, fmt.Errorf("apply feed: officer keys of %s: %w", it.Terminal, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var pub []byte
		if err := rows.Scan(&id, &pub); err != nil {
			return nil, err
		}
		ring.AddOfficer(id, pub)
	}
	ws.ring = casework.NewEnrollingKeys(ring)
	a.writers[it.Terminal] = ws
	return ws, rows.Err()
}

// refuse records a refused item and blocks its writer's chain.
func (a *foreignApplier) refuse(ctx context.Context, it ForeignItem, ws *writerState, reason string) error {
	h := it.Event.Hash()
	if _, err := a.tx.ExecContext(ctx, `INSERT INTO feed_refusals (log_index, terminal, seq, hash, reason, at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT DO NOTHING`, it.LogIndex, it.Terminal, it.Seq, h.String(), reason, a.now); err != nil {
		return fmt.Errorf("apply feed: record refusal: %w", err)
	}
	if ws == nil || it.Terminal == a.own {
		return nil
	}
	ws.blocked = true
	key := []byte{}
	if evidence.KeyID(it.WriterKey) == it.Terminal && len(it.WriterKey) == ed25519.PublicKeySize {
		key = it.WriterKey
	}
	if _, err := a.tx.ExecContext(ctx, `INSERT INTO foreign_terminals (id, public_key, name, blocked_at, blocked_reason) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET blocked_at = excluded.blocked_at, blocked_reason = excluded.blocked_reason`,
		it.Terminal, key, it.WriterName, it.LogIndex, reason); err != nil {
		return fmt.Errorf("apply feed: block %s: %w", it.Terminal, err)
	}
	return nil
}

// store inserts a verified item verbatim with its place in the log.
func (a *foreignApplier) store(ctx context.Context, it ForeignItem, ws *writerState, body evidence.Body, p casework.Payload) error {
	if !ws.known || ws.seq == 0 {
		if _, err := a.tx.ExecContext(ctx, `INSERT INTO foreign_terminals (id, public_key, name) VALUES (?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET public_key = excluded.public_key`, it.Terminal, []byte(ws.key), it.WriterName); err != nil {
			return fmt.Errorf("apply feed: record terminal %s: %w", it.Terminal, err)
		}
		ws.known = true
	}
	if err := insertEvent(ctx, a.tx, it.Event, body); err != nil {
		return fmt.Errorf("apply feed: %w", err)
	}
	if _, err := a.tx.ExecContext(ctx, "INSERT INTO foreign_events (terminal, seq, log_index, checkpoint_size, proof) VALUES (?, ?, ?, ?, ?)",
		body.Terminal, body.Seq, it.LogIndex, it.CheckpointSize, string(it.Inclusion)); err != nil {
		return fmt.Errorf("apply feed: place of %s#%d: %w", body.Terminal, body.Seq, err)
	}
	if inner, _, ok := casework.Effective(p); ok {
		if e, ok := inner.(*casework.OfficerEnrolled); ok {
			if _, err := a.tx.ExecContext(ctx, "INSERT INTO foreign_officer_keys (terminal, officer, public_key) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
				body.Terminal, e.Officer, e.PublicKey); err != nil {
				return fmt.Errorf("apply feed: officer key of %s on %s: %w", e.Officer, body.Terminal, err)
			}
		}
	}
	ws.seq, ws.hash = body.Seq, it.Event.Hash()
	return nil
}

// project applies a stored item to the projections, unless they are to be
// rebuilt: when events already applied sit after it in the log order and
// do not commute with it, they will be.
func (a *foreignApplier) project(ctx context.Context, it ForeignItem, body evidence.Body, p casework.Payload, res *ForeignResult) error {
	if a.rebuild {
		return nil
	}
	if a.later == nil {
		later, err := laterThan(ctx, a.tx, a.own, it.LogIndex)
		if err != nil {
			return fmt.Errorf("apply feed: %w", err)
		}
		a.later = later
	}
	if a.later.clashes(it.LogIndex, touchesOf(body, p)) {
		a.rebuild = true
		return nil
	}
	conflict, err := a.s.replayOne(ctx, a.tx, it.Event, body, p)
	if conflict != "" {
		res.Conflicts++
	}
	return err
}
