package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"

	"lawtrail/casework"
	"lawtrail/evidence"
)

// Problem is one thing Check found wrong, named so a person can find it:
// "event k1a2b…#17", "blob 9f86…", "sqlite".
type Problem struct {
	Item string
	Err  error
}

func (p Problem) String() string { return p.Item + ": " + p.Err.Error() }

// Report is the outcome of Check. It is clean only when Problems is empty.
type Report struct {
	Events   int
	Blobs    int
	Problems []Problem
	// TablesCompared says the derived tables were compared row by row with
	// ones rebuilt from the verified events (only done when the events and
	// blobs themselves hold).
	TablesCompared bool
}

// OK reports whether everything held.
func (r Report) OK() bool { return len(r.Problems) == 0 }

func (r *Report) add(item string, err error) {
	var ee *evidence.EventError
	if errors.As(err, &ee) {
		err = ee.Err // the item already names the event
	}
	r.Problems = append(r.Problems, Problem{item, err})
}

// Check verifies the whole record: SQLite's own integrity, every event
// (signature, co-signatures, chain, the position it is filed under, its
// payload) and every blob (its content re-hashed against its name, and
// every blob an event names is present) and every derived table, row by
// row, against one rebuilt from the verified events (an edit made in SQLite
// without an event is named by table and row). trusted holds the terminal keys;
// officers' keys are learnt from verified enrollment events as the log is
// replayed. Each damaged item is reported once, by name.
func (s *Store) Check(ctx context.Context, trusted *evidence.Keys) (Report, error) {
	var r Report
	if err := s.checkSQLite(ctx, &r); err != nil {
		return r, err
	}
	// A sync pass cut after storing feed pages leaves their rebuild in the
	// log order pending (foreign.go): derived state only, done first.
	if _, err := s.FinishForeign(ctx); err != nil {
		return r, err
	}
	// One pass verifies every event and rebuilds the derived tables from
	// the ones that hold, in a replica the tables are then compared with.
	removeStaleReplicas(s.dir)
	rep, err := newReplica(ctx, s.dir)
	if err != nil {
		return r, err
	}
	defer rep.Close()
	rep.cfg = s.cfg
	if trusted, rep.places, err = s.foreignSetup(ctx, trusted); err != nil { // chains.go
		return r, err
	}
	rp, err := rep.fill(ctx, trusted, s.eventsInOrder)
	if err != nil {
		return r, err
	}
	r.Events = rp.events
	r.Problems = append(r.Problems, rp.damaged.Problems...)
	freed, err := s.freedHere(ctx) // retention.go: legitimately absent
	if err != nil {
		return r, err
	}
	for d := range freed {
		delete(rp.referenced, d)
	}
	deleted, err := s.deletedFiles(ctx) // retention.go: legitimately absent
	if err != nil {
		return r, err
	}
	for d := range deleted {
		delete(rp.referenced, d)
	}
	if err := s.checkBlobs(ctx, rp.referenced, &r); err != nil {
		return r, err
	}
	if err := s.checkFreed(ctx, freed, &r); err != nil {
		return r, err
	}
	if len(r.Problems) > 0 {
		// Tables rebuilt from a damaged log differ from the live ones for
		// that reason alone, and the rules refuse what follows from it; the
		// damage is already named once.
		return r, nil
	}
	r.Problems = append(r.Problems, rp.refused...)
	if err := s.compareProjections(ctx, rep, &r); err != nil {
		return r, err
	}
	r.TablesCompared = true
	return r, nil
}

func (s *Store) checkSQLite(ctx context.Context, r *Report) error {
	rows, err := s.db.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		r.add("sqlite", err)
		return nil
	}
	defer rows.Close()
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return fmt.Errorf("integrity check: %w", err)
		}
		if line != "ok" {
			r.add("sqlite", errors.New(line))
		}
	}
	return rows.Err()
}

func checkOneEvent(v *evidence.ChainVerifier, keys *casework.EnrollingKeys, se StoredEvent, referenced map[evidence.Digest]string, item string) error {
	sum := se.Event.Hash()
	if !bytes.Equal(se.Hash, sum[:]) {
		v.MarkDamaged(se.Terminal)
		return fmt.Errorf("body does not match its stored hash (body altered)")
	}
	body, err := keys.AddChain(v, se.Event)
	if err != nil {
		return err
	}
	if body.Terminal != se.Terminal || body.Seq != se.Seq {
		return fmt.Errorf("filed as %s#%d but the body says %s#%d", se.Terminal, se.Seq, body.Terminal, body.Seq)
	}
	if _, err := casework.Decode(body.Type, body.Payload); err != nil {
		return err
	}
	for _, d := range body.Blobs {
		if _, seen := referenced[d]; !seen {
			referenced[d] = item
		}
	}
	return nil
}

func (s *Store) checkBlobs(ctx context.Context, referenced map[evidence.Digest]string, r *Report) error {
	present := map[evidence.Digest]bool{}
	err := s.blobs.Walk(ctx, func(bf BlobFile) error {
		r.Blobs++
		if !bf.Named {
			r.add("blob file "+bf.Path, errors.New("name is not a SHA-256 digest path"))
			return nil
		}
		present[bf.Digest] = true
		if err := s.blobs.Verify(ctx, bf.Digest); err != nil {
			r.add("blob "+bf.Digest.String(), unwrapBlobErr(err))
		}
		return nil
	})
	if err != nil {
		return err
	}
	var missing []evidence.Digest
	for d := range referenced {
		if !present[d] {
			missing = append(missing, d)
		}
	}
	slices.SortFunc(missing, func(a, b evidence.Digest) int { return bytes.Compare(a[:], b[:]) })
	for _, d := range missing {
		r.add("blob "+d.String(), fmt.Errorf("%w (named by %s)", ErrBlobMissing, referenced[d]))
	}
	return nil
}

// unwrapBlobErr drops the "blob <digest>:" prefix the item name already has.
func unwrapBlobErr(err error) error {
	if u := errors.Unwrap(err); u != nil {
		return u
	}
	return err
}
