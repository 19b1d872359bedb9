package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"lawtrail/casework"
	"lawtrail/evidence"
)

// The log order: once a store holds events of other terminals, its
// projections are what replaying every event in the hub's log order gives —
// foreign events at their log index, this terminal's own at the log index
// the hub acknowledged, and own events the hub has not logged (yet) last, by
// seq. Every terminal that has seen the same events therefore ends with the
// same projections, whatever order it received them in. In that replay
// every event is judged by the rules at its place; one they object to (two
// terminals advancing a case to the same phase, a document version
// finalized on both) is a conflict: kept, shown with the reason, applied
// only to custody. A store with no foreign event replays in arrival order
// without judging, as it always has.

// positioned is an event with its place in the log order.
type positioned struct {
	pos uint64 // log index; unlogged for own events the hub has not logged
	id  int64  // arrival order in this store: own events by seq
	ev  evidence.Event
}

// eventsInLogOrder reads every event in the log order. An own event whose
// acknowledgment was lost is placed just before the next own event the hub
// acknowledged (the hub logs a terminal's events in seq order), so own
// events keep their seq order.
func eventsInLogOrder(ctx context.Context, q *sql.Tx, own string) ([]positioned, error) {
	rows, err := q.QueryContext(ctx, `SELECT e.id, e.terminal, e.body, e.sig, e.cosigs, coalesce(f.log_index, a.log_index, -1)
		FROM events e LEFT JOIN foreign_events f ON f.terminal = e.terminal AND f.seq = e.seq
		LEFT JOIN sync_acks a ON e.terminal = ? AND a.seq = e.seq ORDER BY e.id`, own)
	if err != nil {
		return nil, fmt.Errorf("read events in log order: %w", err)
	}
	defer rows.Close()
	var out []positioned
	var ownAt []int // indexes in out of own events, by arrival (= seq) order
	for rows.Next() {
		var p positioned
		var terminal, cosigs string
		var pos int64
		if err := rows.Scan(&p.id, &terminal, &p.ev.Body, &p.ev.Sig, &cosigs, &pos); err != nil {
			return nil, fmt.Errorf("read events in log order: %w", err)
		}
		if err := jsonUnmarshal(cosigs, &p.ev.CoSigs); err != nil {
			return nil, fmt.Errorf("read event %d: co-signatures: %w", p.id, err)
		}
		p.pos = unlogged
		if pos >= 0 {
			p.pos = uint64(pos)
		}
		if terminal == own {
			ownAt = append(ownAt, len(out))
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	low := uint64(unlogged)
	for i := len(ownAt) - 1; i >= 0; i-- {
		p := &out[ownAt[i]]
		low = min(low, p.pos)
		p.pos = low
	}
	slices.SortStableFunc(out, func(a, b positioned) int {
		if a.pos != b.pos {
			if a.pos < b.pos {
				return -1
			}
			return 1
		}
		return int(a.id - b.id)
	})
	return out, nil
}

// laterThan gathers what the applied events placed after log index from
// touch: foreign events logged after it and own events placed after it.
func laterThan(ctx context.Context, tx *sql.Tx, own string, from uint64) (*laterSet, error) {
	l := newLaterSet()
	var lastLow sql.NullInt64
	if err := tx.QueryRowContext(ctx, "SELECT max(seq) FROM sync_acks WHERE log_index <= ?", from).Scan(&lastLow); err != nil {
		return nil, fmt.Errorf("read acknowledgments: %w", err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT e.body, coalesce(a.log_index, -1) FROM events e LEFT JOIN sync_acks a ON a.seq = e.seq
		WHERE e.terminal = ? AND e.seq > ?
		UNION ALL SELECT e.body, f.log_index FROM foreign_events f JOIN events e ON e.terminal = f.terminal AND e.seq = f.seq
		WHERE f.log_index > ?`, own, lastLow.Int64, from)
	if err != nil {
		return nil, fmt.Errorf("read events placed after %d: %w", from, err)
	}
	defer rows.Close()
	for rows.Next() {
		var raw []byte
		var pos int64
		if err := rows.Scan(&raw, &pos); err != nil {
			return nil, err
		}
		body, p, err := decodeEvent(raw)
		if err != nil {
			return nil, err
		}
		at := uint64(unlogged)
		if pos >= 0 {
			at = uint64(pos)
		}
		l.add(max(at, from+1), touchesOf(body, p))
	}
	return l, rows.Err()
}

// replayAll empties the projections and replays every event into them:
// in the log order, judged, when the store holds foreign events; else in
// arrival order as recorded.
func (s *Store) replayAll(ctx context.Context, tx *sql.Tx) error {
	for _, t := range projectionTables {
		if _, err := tx.ExecContext(ctx, "DELETE FROM "+t); err != nil {
			return fmt.Errorf("rebuild: empty %s: %w", t, err)
		}
	}
	if _, err := tx.ExecContext(ctx, "UPDATE sync_status SET replay_pending = 0 WHERE id = 1"); err != nil {
		return fmt.Errorf("rebuild: %w", err)
	}
	var foreign int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM foreign_events").Scan(&foreign); err != nil {
		return fmt.Errorf("rebuild: %w", err)
	}
	if foreign == 0 {
		return replayArrival(ctx, tx, s.cfg)
	}
	own, err := ownTerminal(ctx, tx)
	if err != nil {
		return fmt.Errorf("rebuild: %w", err)
	}
	evs, err := eventsInLogOrder(ctx, tx, own)
	if err != nil {
		return fmt.Errorf("rebuild: %w", err)
	}
	for _, pe := range evs {
		body, p, err := decodeEvent(pe.ev.Body)
		if err != nil {
			return fmt.Errorf("rebuild: %w", err)
		}
		if _, err := s.replayOne(ctx, tx, pe.ev, body, p); err != nil {
			return fmt.Errorf("rebuild: %w", err)
		}
	}
	return nil
}

// replayArrival applies every event in the order the log received them.
func replayArrival(ctx context.Context, tx *sql.Tx, cfg *casework.Config) error {
	rows, err := tx.QueryContext(ctx, "SELECT body FROM events ORDER BY id")
	if err != nil {
		return fmt.Errorf("rebuild: read events: %w", err)
	}
	var bodies [][]byte
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			rows.Close()
			return fmt.Errorf("rebuild: read event: %w", err)
		}
		bodies = append(bodies, b)
	}
	if err := rows.Close(); err != nil {
		return fmt.Errorf("rebuild: read events: %w", err)
	}
	for _, raw := range bodies {
		body, p, err := decodeEvent(raw)
		if err != nil {
			return fmt.Errorf("rebuild: %w", err)
		}
		if err := applyProjection(ctx, tx, cfg, body, p); err != nil {
			return fmt.Errorf("rebuild: %w", err)
		}
	}
	return nil
}

// replayOne judges an event at its place and applies it; an event the
// rules object to, or that the projections cannot take (a unique key), is
// a conflict: recorded with the reason, applied only to custody, and never
// a failure of the transaction.
func (s *Store) replayOne(ctx context.Context, tx *sql.Tx, ev evidence.Event, body evidence.Body, p casework.Payload) (string, error) {
	err := checkLawful(ctx, txState{tx, body.Terminal, s.cfg}, actOf(ev, body, p))
	if err != nil && !errors.Is(err, casework.ErrRule) {
		return "", fmt.Errorf("judge %s#%d: %w", body.Terminal, body.Seq, err)
	}
	if err == nil {
		perr := inSavepoint(ctx, tx, func() error { return applyProjection(ctx, tx, s.cfg, body, p) })
		if perr == nil {
			return "", nil
		}
		if ctx.Err() != nil {
			return "", perr
		}
		err = fmt.Errorf("the record cannot take it: %w", perr)
	}
	reason := err.Error()
	if _, err := tx.ExecContext(ctx, "INSERT INTO event_conflicts (terminal, seq, reason) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
		body.Terminal, body.Seq, reason); err != nil {
		return "", fmt.Errorf("record conflict of %s#%d: %w", body.Terminal, body.Seq, err)
	}
	if err := indexCase(ctx, tx, body, p); err != nil {
		return "", err
	}
	return reason, projectCustody(ctx, tx, body)
}

// inSavepoint runs fn so that a failure undoes only what fn did.
func inSavepoint(ctx context.Context, tx *sql.Tx, fn func() error) error {
	if _, err := tx.ExecContext(ctx, "SAVEPOINT replay_one"); err != nil {
		return err
	}
	if err := fn(); err != nil {
		if _, rerr := tx.ExecContext(ctx, "ROLLBACK TO replay_one"); rerr != nil {
			return errors.Join(err, rerr)
		}
		_, rerr := tx.ExecContext(ctx, "RELEASE replay_one")
		return errors.Join(err, rerr)
	}
	_, err := tx.ExecContext(ctx, "RELEASE replay_one")
	return err
}

// projectCustody records the custody rows of an event that takes no other
// effect.
func projectCustody(ctx context.Context, tx *sql.Tx, body evidence.Body) error {
	at := body.Time.Format(time.RFC3339Nano)
	for _, d := range body.Blobs {
		if _, err := tx.ExecContext(ctx, "INSERT INTO custody (digest, terminal, seq, type, actor, time) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
			d.String(), body.Terminal, body.Seq, body.Type, body.Actor, at); err != nil {
			return fmt.Errorf("project custody of %s at %s#%d: %w", d, body.Terminal, body.Seq, err)
		}
	}
	return nil
}

// indexCase records which case an event belongs to (the timeline's index).
func indexCase(ctx context.Context, tx *sql.Tx, body evidence.Body, p casework.Payload) error {
	c, err := caseOf(ctx, tx, p)
	if err != nil || c == "" {
		return err
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO case_events (terminal, seq, case_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
		body.Terminal, body.Seq, c); err != nil {
		return fmt.Errorf("index %s#%d under case %s: %w", body.Terminal, body.Seq, c, err)
	}
	return nil
}

// caseOf is the case an event's act belongs to ("" when none: footage,
// officers, the terminal).
func caseOf(ctx context.Context, q queryRower, p casework.Payload) (string, error) {
	if r, ok := p.(*casework.EventRebased); ok {
		_, inner, err := r.Original()
		if err != nil {
			return "", nil
		}
		p = inner
	}
	step := ""
	switch p := p.(type) {
	case *casework.CaseOpened:
		return p.Case, nil
	case *casework.CasePhaseAdvanced:
		return p.Case, nil
	case *casework.CaseExported:
		return p.Case, nil
	case *casework.DocumentViewed: // access.go: an access shows in its case's timeline
		return p.Case, nil
	case *casework.ReviewPrinted:
		return p.Case, nil
	case *casework.FootagePlayed:
		return p.Case, nil
	case *casework.FootageExported:
		return p.Case, nil
	case *casework.StepRecorded:
		return p.Case, nil
	case *casework.DocDrafted:
		return p.Case, nil
	case *casework.DocFinalized:
		return p.Case, nil
	case *casework.StepTextOnly:
		step = p.Step
	case *casework.StepFootageLinked:
		step = p.Step
	case *casework.DecisionProposed:
		return p.Case, nil
	case *casework.ReviewSubmitted:
		return p.Case, nil
	case *casework.ReviewAssigned:
		return reviewCase(ctx, q, p.Review)
	case *casework.ReviewExtended:
		return reviewCase(ctx, q, p.Review)
	case *casework.ReviewOpinion:
		return reviewCase(ctx, q, p.Review)
	case *casework.ReviewDisputed:
		return reviewCase(ctx, q, p.Review)
	case *casework.ReviewResolved:
		return reviewCase(ctx, q, p.Review)
	case *casework.PublicityPublished:
		return p.Case, nil
	case *casework.PublicityWithdrawn:
		return publicationCase(ctx, q, p.Publication)
	default:
		return "", nil
	}
	var c string
	err := q.QueryRowContext(ctx, "SELECT case_id FROM steps WHERE id = ?", step).Scan(&c)
	return c, notFoundIsNil(err)
}
