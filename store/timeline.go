package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"lawtrail/evidence"
)

// TimelineEntry is one event of a case, from whichever terminal wrote it.
type TimelineEntry struct {
	Terminal     string  `json:"terminal"`
	TerminalName string  `json:"terminal_name"`
	Own          bool    `json:"own"` // written by this terminal
	Seq          uint64  `json:"seq"`
	LogIndex     *uint64 `json:"log_index,omitempty"` // nil: not logged by the hub (yet)
	Actor        string  `json:"actor"`
	ActorName    string  `json:"actor_name"`
	// CoSigners are the officers whose own keys co-sign it (everyone
	// present at a step, the signers of a document), with their names.
	CoSigners     []string  `json:"cosigners"`
	CoSignerNames []string  `json:"cosigner_names"`
	Type          string    `json:"type"`
	Time          time.Time `json:"time"` // the writing terminal's clock
	Conflict      string    `json:"conflict,omitempty"`
}

// Timeline lists every event of a case from every terminal, in the hub's
// log order (this terminal's events the hub has not logged last, by seq),
// with the conflict the rules found at its place, if any.
func (s *Store) Timeline(ctx context.Context, caseID string) ([]TimelineEntry, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("timeline of %s: %w", caseID, err)
	}
	defer tx.Rollback()
	own, err := ownTerminal(ctx, tx)
	if err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT e.id, e.terminal, e.seq, e.body, e.cosigs, coalesce(f.log_index, a.log_index, -1),
		coalesce(t.name, ft.name, ''), coalesce(c.reason, '')
		FROM case_events ce JOIN events e ON e.terminal = ce.terminal AND e.seq = ce.seq
		LEFT JOIN foreign_events f ON f.terminal = e.terminal AND f.seq = e.seq
		LEFT JOIN sync_acks a ON e.terminal = ? AND a.seq = e.seq
		LEFT JOIN terminals t ON t.id = e.terminal LEFT JOIN foreign_terminals ft ON ft.id = e.terminal
		LEFT JOIN event_conflicts c ON c.terminal = e.terminal AND c.seq = e.seq
		WHERE ce.case_id = ? ORDER BY e.id`, own, caseID)
	if err != nil {
		return nil, fmt.Errorf("timeline of %s: %w", caseID, err)
	}
	defer rows.Close()
	type placed struct {
		TimelineEntry
		id  int64
		pos uint64
	}
	var out []placed
	for rows.Next() {
		var p placed
		var raw []byte
		var cosigs string
		var pos int64
		if err := rows.Scan(&p.id, &p.Terminal, &p.Seq, &raw, &cosigs, &pos, &p.TerminalName, &p.Conflict); err != nil {
			return nil, fmt.Errorf("timeline of %s: %w", caseID, err)
		}
		var cs []evidence.CoSignature
		if err := jsonUnmarshal(cosigs, &cs); err != nil {
			return nil, fmt.Errorf("timeline of %s: %s#%d: co-signatures: %w", caseID, p.Terminal, p.Seq, err)
		}
		p.CoSigners = []string{}
		for _, c := range cs {
			if c.Officer != "" && !slices.Contains(p.CoSigners, c.Officer) {
				p.CoSigners = append(p.CoSigners, c.Officer)
			}
		}
		body, _, err := decodeEvent(raw)
		if err != nil {
			return nil, fmt.Errorf("timeline of %s: %w", caseID, err)
		}
		p.Own, p.Actor, p.Type, p.Time, p.pos = p.Terminal == own, body.Actor, body.Type, body.Time, unlogged
		if pos >= 0 {
			p.pos = uint64(pos)
			li := uint64(pos)
			p.LogIndex = &li
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// Own events keep their seq order (a lost acknowledgment: see eventsInLogOrder).
	low := uint64(unlogged)
	for i := len(out) - 1; i >= 0; i-- {
		if out[i].Own {
			low = min(low, out[i].pos)
			out[i].pos = low
		}
	}
	slices.SortStableFunc(out, func(a, b placed) int {
		if a.pos != b.pos {
			if a.pos < b.pos {
				return -1
			}
			return 1
		}
		return int(a.id - b.id)
	})
	entries := make([]TimelineEntry, len(out))
	names := map[string]string{}
	nameOf := func(id string) (string, error) {
		if name, ok := names[id]; ok {
			return name, nil
		}
		var name string
		err := notFoundIsNil(tx.QueryRowContext(ctx, "SELECT name FROM officers WHERE id = ?", id).Scan(&name))
		names[id] = name
		return name, err
	}
	for i, p := range out {
		var err error
		if p.Actor != "" {
			if p.ActorName, err = nameOf(p.Actor); err != nil {
				return nil, fmt.Errorf("timeline of %s: %w", caseID, err)
			}
		}
		p.CoSignerNames = make([]string, len(p.CoSigners))
		for j, id := range p.CoSigners {
			if p.CoSignerNames[j], err = nameOf(id); err != nil {
				return nil, fmt.Errorf("timeline of %s: %w", caseID, err)
			}
		}
		entries[i] = p.TimelineEntry
	}
	return entries, nil
}

// TerminalRef names a terminal.
type TerminalRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// CaseTerminals lists, for every case, the terminals that wrote its events
// (this terminal first if it did, then by id).
func (s *Store) CaseTerminals(ctx context.Context) (map[string][]TerminalRef, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("terminals of cases: %w", err)
	}
	defer tx.Rollback()
	own, err := ownTerminal(ctx, tx)
	if err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT ce.case_id, ce.terminal, coalesce(t.name, ft.name, '')
		FROM case_events ce LEFT JOIN terminals t ON t.id = ce.terminal LEFT JOIN foreign_terminals ft ON ft.id = ce.terminal
		ORDER BY ce.case_id, ce.terminal != ?, ce.terminal`, own)
	if err != nil {
		return nil, fmt.Errorf("terminals of cases: %w", err)
	}
	defer rows.Close()
	out := map[string][]TerminalRef{}
	for rows.Next() {
		var c string
		var t TerminalRef
		if err := rows.Scan(&c, &t.ID, &t.Name); err != nil {
			return nil, fmt.Errorf("terminals of cases: %w", err)
		}
		out[c] = append(out[c], t)
	}
	return out, rows.Err()
}

// FeedRefusal is an item of the agency feed that was refused.
type FeedRefusal struct {
	LogIndex uint64 `json:"log_index"`
	Terminal string `json:"terminal"`
	Seq      uint64 `json:"seq"`
	Hash     string `json:"hash"`
	Reason   string `json:"reason"`
	At       string `json:"at"`
}

// FeedRefusals lists the refused feed items, the latest first, at most limit.
func (s *Store) FeedRefusals(ctx context.Context, limit int) ([]FeedRefusal, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT log_index, terminal, seq, hash, reason, at FROM feed_refusals ORDER BY id DESC LIMIT ?", limit)
	if err != nil {
		return nil, fmt.Errorf("read feed refusals: %w", err)
	}
	defer rows.Close()
	var out []FeedRefusal
	for rows.Next() {
		var r FeedRefusal
		if err := rows.Scan(&r.LogIndex, &r.Terminal, &r.Seq, &r.Hash, &r.Reason, &r.At); err != nil {
			return nil, fmt.Errorf("read feed refusals: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// BlockedWriter is another terminal whose chain waits on a refused item.
type BlockedWriter struct {
	Terminal string `json:"terminal"`
	Name     string `json:"name"`
	At       uint64 `json:"log_index"` // the refused item's log index
	Reason   string `json:"reason"`
	// From is where its chain is asked for again: after the log index of
	// its last event held (an event the hub left out sits before At).
	From uint64 `json:"retry_from"`
}

// BlockedWriters lists the other terminals whose chains wait, by id.
func (s *Store) BlockedWriters(ctx context.Context) ([]BlockedWriter, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, name, blocked_at, blocked_reason,
		coalesce((SELECT max(log_index) + 1 FROM foreign_events f WHERE f.terminal = t.id), 0)
		FROM foreign_terminals t WHERE blocked_at IS NOT NULL ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("read blocked terminals: %w", err)
	}
	defer rows.Close()
	var out []BlockedWriter
	for rows.Next() {
		var b BlockedWriter
		if err := rows.Scan(&b.Terminal, &b.Name, &b.At, &b.Reason, &b.From); err != nil {
			return nil, fmt.Errorf("read blocked terminals: %w", err)
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// AgencyCursor is where the next agency feed request starts: every log
// index below it has been applied, refused, or waits with its writer.
func (s *Store) AgencyCursor(ctx context.Context) (uint64, error) {
	var c uint64
	if err := s.db.QueryRowContext(ctx, "SELECT agency_cursor FROM sync_status WHERE id = 1").Scan(&c); err != nil {
		return 0, fmt.Errorf("read agency cursor: %w", err)
	}
	return c, nil
}

// ForeignTerminalKeys returns the keys of the other terminals whose events
// this store holds, as the hub pinned them.
func (s *Store) ForeignTerminalKeys(ctx context.Context) (map[string][]byte, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT id, public_key FROM foreign_terminals WHERE length(public_key) = 32")
	if err != nil {
		return nil, fmt.Errorf("read foreign terminal keys: %w", err)
	}
	defer rows.Close()
	out := map[string][]byte{}
	for rows.Next() {
		var id string
		var key []byte
		if err := rows.Scan(&id, &key); err != nil {
			return nil, err
		}
		out[id] = key
	}
	return out, rows.Err()
}

// UnackedSeqs lists, by seq, up to limit of terminal's events at or below
// upTo that hold no acknowledgment of their place in the hub's log (one
// whose answer was lost: the hub holds it, the terminal never heard where).
func (s *Store) UnackedSeqs(ctx context.Context, terminal string, upTo uint64, limit int) ([]uint64, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT e.seq FROM events e LEFT JOIN sync_acks a ON a.seq = e.seq
		WHERE e.terminal = ? AND e.seq <= ? AND a.seq IS NULL ORDER BY e.seq LIMIT ?`, terminal, upTo, limit)
	if err != nil {
		return nil, fmt.Errorf("read unacknowledged events: %w", err)
	}
	defer rows.Close()
	var out []uint64
	for rows.Next() {
		var seq uint64
		if err := rows.Scan(&seq); err != nil {
			return nil, fmt.Errorf("read unacknowledged events: %w", err)
		}
		out = append(out, seq)
	}
	return out, rows.Err()
}
