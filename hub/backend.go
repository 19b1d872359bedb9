package hub

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"lawtrail/casework"
	"lawtrail/evidence"
	"lawtrail/sync/protocol"
	"lawtrail/sync/server"
)

// Head implements server.Backend.
func (h *Hub) Head(ctx context.Context, terminal string) (uint64, evidence.Digest, error) {
	var seq uint64
	var d evidence.Digest
	var hash []byte
	err := h.db.QueryRowContext(ctx, "SELECT seq, hash FROM events WHERE terminal = ? ORDER BY seq DESC LIMIT 1", terminal).Scan(&seq, &hash)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, d, fmt.Errorf("head of %s: %w", terminal, err)
	}
	copy(d[:], hash)
	return seq, d, nil
}

// State implements server.Backend.
func (h *Hub) State(ctx context.Context, terminal string) (protocol.State, error) {
	st := protocol.State{Terminal: terminal, NeedBlobs: []evidence.Digest{}, Features: []string{protocol.FeatureRangeProof}}
	var err error
	if st.LastSeq, st.LastHash, err = h.Head(ctx, terminal); err != nil {
		return st, err
	}
	rows, err := h.db.QueryContext(ctx, `SELECT n.digest FROM named_blobs n LEFT JOIN blobs b ON b.digest = n.digest
		WHERE n.terminal = ? AND b.digest IS NULL ORDER BY n.seq`, terminal)
	if err != nil {
		return st, fmt.Errorf("state of %s: %w", terminal, err)
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return st, err
		}
		d, err := evidence.ParseDigest(s)
		if err != nil {
			return st, err
		}
		st.NeedBlobs = append(st.NeedBlobs, d)
	}
	if st.Checkpoint, err = latestCheckpoint(ctx, h.db); err != nil {
		return st, err
	}
	return st, rows.Err()
}

// OfficerKeys implements server.Backend from the terminal's accepted
// officer.enrolled events.
func (h *Hub) OfficerKeys(ctx context.Context, terminal string) (map[string]ed25519.PublicKey, error) {
	rows, err := h.db.QueryContext(ctx, "SELECT officer, public_key FROM officer_keys WHERE terminal = ?", terminal)
	if err != nil {
		return nil, fmt.Errorf("officer keys of %s: %w", terminal, err)
	}
	defer rows.Close()
	keys := map[string]ed25519.PublicKey{}
	for rows.Next() {
		var id string
		var pub []byte
		if err := rows.Scan(&id, &pub); err != nil {
			return nil, err
		}
		keys[id] = pub
	}
	return keys, rows.Err()
}

func recordOfficerKey(ctx context.Context, tx querier, terminal string, body evidence.Body) error {
	if body.Type != casework.TypeOfficerEnrolled && body.Type != casework.TypeEventRebased {
		return nil
	}
	p, err := casework.Decode(body.Type, body.Payload)
	if err != nil {
		return err
	}
	// A rebased enrollment that takes effect enrolls its officer too.
	inner, _, _ := casework.Effective(p)
	e, ok := inner.(*casework.OfficerEnrolled)
	if !ok {
		return nil
	}
	_, err = tx.ExecContext(ctx, "INSERT INTO officer_keys (terminal, officer, public_key) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
		terminal, e.Officer, []byte(e.PublicKey))
	return err
}

// EventHash implements server.Backend.
func (h *Hub) EventHash(ctx context.Context, terminal string, seq uint64) (evidence.Digest, bool, error) {
	var d evidence.Digest
	var hash []byte
	err := h.db.QueryRowContext(ctx, "SELECT hash FROM events WHERE terminal = ? AND seq = ?", terminal, seq).Scan(&hash)
	if errors.Is(err, sql.ErrNoRows) {
		return d, false, nil
	}
	if err != nil {
		return d, false, err
	}
	copy(d[:], hash)
	return d, true, nil
}

// Quarantine implements server.Backend.
func (h *Hub) Quarantine(ctx context.Context, terminal string, ev evidence.Event, body evidence.Body) error {
	hash := ev.Hash()
	_, err := h.db.ExecContext(ctx, `INSERT INTO forks (terminal, seq, hash, body, sig, received_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT DO NOTHING`, terminal, body.Seq, hash[:], ev.Body, ev.Sig, h.now().UTC().Format(time.RFC3339Nano))
	return err
}

// Append implements server.Backend. Batches that arrive while another is
// being committed wait and are then committed together (appendgroup.go):
// one transaction, one signed checkpoint and one fsync for all of them,
// each batch inside its own savepoint so one refused batch leaves the
// others whole.
func (h *Hub) Append(ctx context.Context, terminal string, events []server.Verified, knownSize uint64, rangeProof bool) (protocol.BatchResult, error) {
	return h.group.append(ctx, h, &appendRequest{terminal: terminal, events: events, payloads: readModelPayloads(events),
		knownSize: knownSize, rangeProof: rangeProof})
}

// readModelPayloads decodes the payloads the read model will apply, here
// in the request's own goroutine: the group's transaction runs one at a
// time, and decoding was a tenth of its time. A payload that does not
// decode is left nil, for the transaction to decode again and refuse.
func readModelPayloads(events []server.Verified) []casework.Payload {
	out := make([]casework.Payload, len(events))
	for i, v := range events {
		if slices.Contains(readModelTypes, v.Body.Type) {
			out[i], _ = casework.Decode(v.Body.Type, v.Body.Payload)
		}
	}
	return out
}

// appendBatchAlone stores one batch in its own savepoint: appendBatch,
// then its rows sent, so that a refused row is this batch's.
func (h *Hub) appendBatchAlone(ctx context.Context, tx *recordTx, log *appender, now string, req *appendRequest) error {
	hubAgency, err := hubAgencyOf(ctx, tx, req.terminal)
	if err != nil {
		return err
	}
	if err := h.appendBatch(ctx, tx, log, now, req, hubAgency); err != nil {
		return err
	}
	return flushRows(ctx, tx, log)
}

// appendBatch stores one batch of a terminal of hubAgency inside the
// group's transaction: the events, the blobs they name, the officer keys
// they enroll, the read model, and their log leaves. It fills
// req.res.Accepted and LastSeq. Rows that can wait are kept for the
// transaction's next flush (recordqueue.go): a refused one may come back
// from there.
func (h *Hub) appendBatch(ctx context.Context, tx *recordTx, log *appender, now string, req *appendRequest, hubAgency string) error {
	res := &req.res
	if req.knownSize > log.size {
		return &protocol.Error{Code: protocol.CodeMalformed, Message: fmt.Sprintf("known_size %d is beyond the log (%d)", req.knownSize, log.size)}
	}
	for i, v := range req.events {
		hash := v.Event.Hash()
		idx, err := log.add(ctx, protocol.EventLeaf(hash[:]), "event", fmt.Sprintf("%s#%d", req.terminal, v.Body.Seq))
		if err != nil {
			return err
		}
		cosigs, _ := json.Marshal(v.Event.CoSigs)
		// The row is written with the next statement (recordqueue.go), many
		// events' to one INSERT; a seq stored meanwhile fails there.
		tx.InsertLater(eventsTable, "", 8, req.terminal, v.Body.Seq, hash[:], v.Event.Body, v.Event.Sig, string(cosigs), now, idx)
		if err := recordOfficerKey(ctx, tx, req.terminal, v.Body); err != nil {
			return raceLost(err)
		}
		logged := loggedEvent{hubAgency: hubAgency, body: v.Body, digest: hash, logIndex: idx}
		if i < len(req.payloads) {
			logged.payload = req.payloads[i]
		}
		if err := applyReadModel(ctx, tx, logged); err != nil { // readmodel.go
			return raceLost(err)
		}
		if v.Body.Type == casework.TypeFootageDeleted {
			req.deleted = append(req.deleted, v.Body.Blobs...)
		}
		for _, d := range v.Body.Blobs {
			if err := tx.Queue(ctx, "INSERT INTO named_blobs (terminal, digest, seq) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
				req.terminal, d.String(), v.Body.Seq); err != nil {
				return raceLost(err)
			}
		}
		res.Accepted = append(res.Accepted, protocol.Accepted{Seq: v.Body.Seq, LogIndex: idx})
		res.LastSeq = v.Body.Seq
	}
	if len(req.events) == 0 {
		var hash []byte
		if err := tx.QueryRowContext(ctx, "SELECT seq, hash FROM events WHERE terminal = ? ORDER BY seq DESC LIMIT 1", req.terminal).Scan(&res.LastSeq, &hash); err != nil && !errors.Is(err, sql.ErrNoRows) { // a replay: the head is unchanged
			return raceLost(err)
		}
	}
	return nil
}

// eventsTable is the events table as InsertLater writes its rows.
const eventsTable = "events (terminal, seq, hash, body, sig, cosigs, received_at, log_index)"

// raceLost turns the refusal of an event row that is there already —
// another batch of the same terminal won the race for its seq; the row
// is written with a later statement, so the refusal may come from any —
// into the gap a terminal answers by asking for the state again. Any
// other error is returned as it is: a lost connection is not a race lost.
func raceLost(err error) error {
	if isUniqueViolation(err) { // recorddb.go
		return &protocol.Error{Code: protocol.CodeGap, Message: "an event of this batch was stored meanwhile; ask for the state again"}
	}
	return err
}

// proveBatch adds to a stored batch its inclusion proofs and the
// consistency proof from the size the terminal knows, against cp.
func proveBatch(ctx context.Context, log *appender, cp protocol.Checkpoint, req *appendRequest) error {
	res := &req.res
	res.Checkpoint = cp
	var err error
	if req.rangeProof && consecutive(res.Accepted) {
		if res.Range, err = log.batchRange(ctx, res.Accepted[0].LogIndex, res.Accepted[len(res.Accepted)-1].LogIndex+1, cp.Size); err != nil {
			return err
		}
	}
	for i := range res.Accepted {
		if res.Range != nil {
			break
		}
		if res.Accepted[i].Inclusion, err = log.proof(ctx, res.Accepted[i].LogIndex, cp.Size); err != nil {
			return err
		}
	}
	if req.knownSize > cp.Size {
		return &protocol.Error{Code: protocol.CodeMalformed, Message: fmt.Sprintf("known_size %d is beyond the log (%d)", req.knownSize, cp.Size)}
	}
	res.Consistency, err = log.consistency(ctx, req.knownSize, cp.Size)
	return err
}

// consecutive reports whether the accepted events, at least one, took
// consecutive leaves in order (a range proof covers them all).
func consecutive(acc []protocol.Accepted) bool {
	for i := range acc {
		if acc[i].Duplicate || acc[i].LogIndex != acc[0].LogIndex+uint64(i) {
			return false
		}
	}
	return len(acc) > 0
}

// Receipt implements server.Backend.
func (h *Hub) Receipt(ctx context.Context, terminal string, d evidence.Digest) (protocol.Receipt, bool, error) {
	return receiptIn(ctx, h.db, terminal, d)
}

func receiptIn(ctx context.Context, q querier, terminal string, d evidence.Digest) (protocol.Receipt, bool, error) {
	var raw string
	err := q.QueryRowContext(ctx, "SELECT receipt FROM receipts WHERE terminal = ? AND digest = ?", terminal, d.String()).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return protocol.Receipt{}, false, nil
	}
	if err != nil {
		return protocol.Receipt{}, false, err
	}
	var rc protocol.Receipt
	return rc, true, json.Unmarshal([]byte(raw), &rc)
}

// Consistency implements server.Backend.
func (h *Hub) Consistency(ctx context.Context, from uint64) (protocol.ConsistencyAnswer, error) {
	cp, err := latestCheckpoint(ctx, h.db)
	if err != nil {
		return protocol.ConsistencyAnswer{}, err
	}
	if from > cp.Size {
		return protocol.ConsistencyAnswer{}, &protocol.Error{Code: protocol.CodeMalformed, Message: fmt.Sprintf("from %d is beyond the log (%d)", from, cp.Size)}
	}
	p, err := consistencyProof(ctx, h.db, from, cp.Size)
	return protocol.ConsistencyAnswer{Checkpoint: cp, Consistency: p}, err
}

// Feed implements server.Backend.
func (h *Hub) Feed(ctx context.Context, terminal string, after uint64, limit int) (protocol.Feed, error) {
	f := protocol.Feed{Items: []protocol.FeedItem{}, Next: after}
	rows, err := h.db.QueryContext(ctx, "SELECT cursor, item FROM feed WHERE cursor > ? AND terminal IN (?, '*') ORDER BY cursor LIMIT ?", after, terminal, limit)
	if err != nil {
		return f, err
	}
	defer rows.Close()
	for rows.Next() {
		var cur uint64
		var raw string
		if err := rows.Scan(&cur, &raw); err != nil {
			return f, err
		}
		var it protocol.FeedItem
		if err := json.Unmarshal([]byte(raw), &it); err != nil {
			return f, err
		}
		f.Items = append(f.Items, it)
		f.Next = cur
	}
	return f, rows.Err()
}

// Publish adds a hub-originated item to the feed of terminal ("*" for all).
func (h *Hub) Publish(ctx context.Context, terminal, typ string, body any) error {
	raw, err := json.Marshal(body)
	if err != nil {
		return err
	}
	tx, err := h.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var cur uint64
	tx.QueryRowContext(ctx, "SELECT coalesce(max(cursor), 0) + 1 FROM feed").Scan(&cur)
	it := protocol.FeedItem{Cursor: cur, Type: typ, Time: h.now().UTC(), Body: raw, Sig: h.key.Sign(raw)}
	b, _ := json.Marshal(it)
	if _, err := tx.ExecContext(ctx, "INSERT INTO feed (cursor, terminal, item) VALUES (?, ?, ?)", cur, terminal, string(b)); err != nil {
		return err
	}
	return tx.Commit()
}
