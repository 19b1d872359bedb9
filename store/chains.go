package store

import (
	"context"
	"database/sql"
	"fmt"

	"lawtrail/casework"
	"lawtrail/evidence"
)

// chainSet verifies the chains of several terminals side by side, each with
// its own key ring: its terminal key and the officer keys its own chain
// enrolled (an officer enrolled on two terminals has a key on each, and a
// co-signature is checked against the key of the chain it is in).
type chainSet struct {
	trusted *evidence.Keys
	chains  map[string]chainOf
}

type chainOf struct {
	v    *evidence.ChainVerifier
	keys *casework.EnrollingKeys
}

func newChainSet(trusted *evidence.Keys) *chainSet {
	if trusted == nil {
		trusted = &evidence.Keys{}
	}
	return &chainSet{trusted: trusted, chains: map[string]chainOf{}}
}

// of is the verifier and key ring of terminal's chain.
func (cs *chainSet) of(terminal string) (*evidence.ChainVerifier, *casework.EnrollingKeys) {
	c, ok := cs.chains[terminal]
	if !ok {
		ring := &evidence.Keys{}
		if pub, ok := cs.trusted.TerminalKey(terminal); ok {
			ring.AddTerminal(terminal, pub)
		}
		keys := casework.NewEnrollingKeys(ring)
		c = chainOf{v: evidence.NewChainVerifier(keys), keys: keys}
		cs.chains[terminal] = c
	}
	return c.v, c.keys
}

// LogPlace is an event's place in the hub's log.
type LogPlace struct {
	Terminal string `json:"terminal"`
	Seq      uint64 `json:"seq"`
	LogIndex uint64 `json:"log_index"`
}

// logPlaces is what a replica needs to replay a store's events in the log
// order: the places of its events (foreign events' log indexes, the own
// events' acknowledged ones). Nil for a store without foreign events.
type logPlaces struct {
	places  []LogPlace
	writers map[string]bool // foreign terminals: their footage is not expected here
}

// LogPlaces lists the hub's log place of every event that has one known,
// by log index: other terminals' events as the feed brought them and this
// terminal's as the hub acknowledged them.
func (s *Store) LogPlaces(ctx context.Context) ([]LogPlace, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("read log places: %w", err)
	}
	defer tx.Rollback()
	own, err := ownTerminal(ctx, tx)
	if err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT terminal, seq, log_index FROM foreign_events
		UNION ALL SELECT ?, seq, log_index FROM sync_acks ORDER BY 3`, own)
	if err != nil {
		return nil, fmt.Errorf("read log places: %w", err)
	}
	defer rows.Close()
	var out []LogPlace
	for rows.Next() {
		var lp LogPlace
		if err := rows.Scan(&lp.Terminal, &lp.Seq, &lp.LogIndex); err != nil {
			return nil, fmt.Errorf("read log places: %w", err)
		}
		out = append(out, lp)
	}
	return out, rows.Err()
}

// logPlaces reads the store's places, or nil when it holds no foreign event.
func (s *Store) logPlaces(ctx context.Context) (*logPlaces, error) {
	var foreign int
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM foreign_events").Scan(&foreign); err != nil || foreign == 0 {
		return nil, err
	}
	places, err := s.LogPlaces(ctx)
	if err != nil {
		return nil, err
	}
	own, err := ownTerminal(ctx, s.db)
	if err != nil {
		return nil, err
	}
	return newLogPlaces(places, own), nil
}

// newLogPlaces keeps places; writers are their terminals other than own
// ("": the first place's terminal is not known to be own, all are kept).
func newLogPlaces(places []LogPlace, own string) *logPlaces {
	lp := &logPlaces{places: places, writers: map[string]bool{}}
	for _, p := range places {
		if p.Terminal != own {
			lp.writers[p.Terminal] = true
		}
	}
	return lp
}

// record writes the places into a replica's tables (inside its fill, after
// the events): the own terminal's as acknowledgments, the others' as
// foreign events' places. A place of an event the replica does not hold
// (it did not verify) is left out.
func (lp *logPlaces) record(ctx context.Context, tx *sql.Tx) error {
	own, err := ownTerminal(ctx, tx)
	if err != nil {
		return fmt.Errorf("replica: %w", err)
	}
	delete(lp.writers, own)
	for _, p := range lp.places {
		q := "INSERT INTO foreign_events (terminal, seq, log_index, checkpoint_size, proof) SELECT ?, ?, ?, 0, '[]' WHERE EXISTS (SELECT 1 FROM events WHERE terminal = ?1 AND seq = ?2)"
		args := []any{p.Terminal, p.Seq, p.LogIndex}
		if p.Terminal == own {
			q = "INSERT INTO sync_acks (seq, log_index, checkpoint_size, proof) SELECT ?2, ?3, 0, '[]' WHERE EXISTS (SELECT 1 FROM events WHERE terminal = ?1 AND seq = ?2)"
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("replica: log place of %s#%d: %w", p.Terminal, p.Seq, err)
		}
	}
	return nil
}

// withForeignKeys is trusted plus the keys of the other terminals whose
// events the store holds, as the hub pinned them when the feed brought
// them.
func (s *Store) withForeignKeys(ctx context.Context, trusted *evidence.Keys) (*evidence.Keys, error) {
	foreign, err := s.ForeignTerminalKeys(ctx)
	if err != nil || len(foreign) == 0 {
		return trusted, err
	}
	out := &evidence.Keys{}
	if trusted != nil {
		for _, id := range trusted.TerminalIDs() {
			pub, _ := trusted.TerminalKey(id)
			out.AddTerminal(id, pub)
		}
	}
	for id, pub := range foreign {
		if _, own := out.TerminalKey(id); !own {
			out.AddTerminal(id, pub)
		}
	}
	return out, nil
}

// OtherTerminal is a terminal, other than this one, whose events the record
// holds: its id, name, agency and key as its own terminal.initialized says.
type OtherTerminal struct {
	ID        string
	Name      string
	Agency    string
	PublicKey []byte
}

// OtherTerminals lists the other terminals in the record, by id.
func (s *Store) OtherTerminals(ctx context.Context) ([]OtherTerminal, error) {
	own, err := ownTerminal(ctx, s.db)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, "SELECT id, name, agency, public_key FROM terminals WHERE id != ? ORDER BY id", own)
	if err != nil {
		return nil, fmt.Errorf("read other terminals: %w", err)
	}
	defer rows.Close()
	var out []OtherTerminal
	for rows.Next() {
		var t OtherTerminal
		if err := rows.Scan(&t.ID, &t.Name, &t.Agency, &t.PublicKey); err != nil {
			return nil, fmt.Errorf("read other terminals: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}
