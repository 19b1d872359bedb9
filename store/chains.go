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

// logPlaces is what a replica needs to replay a store's events in the log
// order: the foreign events' log indexes and the own events'
// acknowledgments. Nil for a store without foreign events.
type logPlaces struct {
	foreign []foreignPlace
	acks    []Ack
	writers map[string]bool // foreign terminals: their footage is not expected here
}

type foreignPlace struct {
	terminal string
	seq      uint64
	logIndex uint64
}

// logPlaces reads the store's places, or nil when it holds no foreign event.
func (s *Store) logPlaces(ctx context.Context) (*logPlaces, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT terminal, seq, log_index FROM foreign_events ORDER BY log_index")
	if err != nil {
		return nil, fmt.Errorf("read log places: %w", err)
	}
	defer rows.Close()
	lp := &logPlaces{writers: map[string]bool{}}
	for rows.Next() {
		var fp foreignPlace
		if err := rows.Scan(&fp.terminal, &fp.seq, &fp.logIndex); err != nil {
			return nil, fmt.Errorf("read log places: %w", err)
		}
		lp.foreign = append(lp.foreign, fp)
		lp.writers[fp.terminal] = true
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(lp.foreign) == 0 {
		return nil, nil
	}
	if lp.acks, err = s.Acks(ctx); err != nil {
		return nil, err
	}
	return lp, nil
}

// record writes the places into a replica's tables (inside its fill).
func (lp *logPlaces) record(ctx context.Context, tx *sql.Tx) error {
	for _, fp := range lp.foreign {
		if _, err := tx.ExecContext(ctx, "INSERT INTO foreign_events (terminal, seq, log_index, checkpoint_size, proof) VALUES (?, ?, ?, 0, '[]')",
			fp.terminal, fp.seq, fp.logIndex); err != nil {
			return fmt.Errorf("replica: log place of %s#%d: %w", fp.terminal, fp.seq, err)
		}
	}
	for _, a := range lp.acks {
		if _, err := tx.ExecContext(ctx, "INSERT INTO sync_acks (seq, log_index, checkpoint_size, proof) VALUES (?, ?, ?, '[]')",
			a.Seq, a.LogIndex, a.CheckpointSize); err != nil {
			return fmt.Errorf("replica: acknowledgment of %d: %w", a.Seq, err)
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
