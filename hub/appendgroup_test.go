package hub

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"lawtrail/casework"
	"lawtrail/evidence"
	"lawtrail/hub/postgrestest"
	"lawtrail/sync/protocol"
	"lawtrail/sync/server"
)

// One group of three batches where the middle one is refused (its seq was
// stored before, as when two batches of one terminal race): the other two
// are stored and proved against
// the group's one checkpoint, the refused one leaves no row and no leaf,
// and the log has no gap and no duplicate leaf.
func TestGroupCommitRefusesOneBatchAndKeepsTheOthers(t *testing.T) {
	ctx := context.Background()
	h := openTestHub(t)
	a, b := registerTerminal(t, h, "a1"), registerTerminal(t, h, "a1")
	a.send(t, h, 2)
	stale := *a // a copy that signs seq 3 again, as a racing batch of a would
	a.send(t, h, 1)
	sizeBefore, err := logSize(ctx, h.db)
	if err != nil {
		t.Fatal(err)
	}
	var first, second []server.Verified
	for range 4 {
		first = append(first, b.event(t))
	}
	for range 5 {
		second = append(second, a.event(t))
	}
	raced := []server.Verified{stale.event(t)}
	reqs := []*appendRequest{
		{terminal: b.key.ID(), events: first, done: make(chan struct{})},
		{terminal: a.key.ID(), events: raced, done: make(chan struct{})},
		{terminal: a.key.ID(), events: second, done: make(chan struct{})},
	}
	h.mu.Lock()
	h.commitGroup(ctx, reqs)
	h.mu.Unlock()
	reqs[1], reqs[2] = reqs[2], reqs[1] // the stored ones first
	for i, r := range reqs[:2] {
		if r.err != nil {
			t.Fatalf("batch %d refused: %v", i, r.err)
		}
	}
	var pe *protocol.Error
	if !errors.As(reqs[2].err, &pe) || pe.Code != protocol.CodeGap {
		t.Fatalf("the raced batch: %v, want a gap refusal", reqs[2].err)
	}
	if w, r := h.group.whole.Load(), h.group.retried.Load(); r != 1 {
		t.Fatalf("%d groups stored at once, %d again in savepoints: the group with a refused batch is stored again once", w, r)
	}
	cp := reqs[0].res.Checkpoint
	if cp.Size != sizeBefore+9 || reqs[1].res.Checkpoint.Size != cp.Size {
		t.Fatalf("checkpoints %d and %d, want one of size %d", cp.Size, reqs[1].res.Checkpoint.Size, sizeBefore+9)
	}
	seen := map[uint64]bool{}
	for i, r := range reqs[:2] {
		for j, acc := range r.res.Accepted {
			ev := r.events[j].Event
			hash := ev.Hash()
			if err := protocol.VerifyInclusion(protocol.EventLeaf(hash[:]), acc.LogIndex, cp.Size, acc.Inclusion, cp.Root); err != nil {
				t.Fatalf("batch %d event %d: %v", i, j, err)
			}
			if seen[acc.LogIndex] {
				t.Fatalf("leaf %d given twice", acc.LogIndex)
			}
			seen[acc.LogIndex] = true
		}
	}
	for idx := sizeBefore; idx < cp.Size; idx++ {
		if !seen[idx] {
			t.Fatalf("leaf %d of the group belongs to no stored event", idx)
		}
	}
	if got, _ := logSize(ctx, h.db); got != cp.Size {
		t.Fatalf("log size %d after the group, checkpoint says %d", got, cp.Size)
	}
	var n int
	if err := h.db.QueryRowContext(ctx, "SELECT count(*) FROM events WHERE terminal = ?", a.key.ID()).Scan(&n); err != nil || n != 8 {
		t.Fatalf("terminal a has %d events stored (%v), want 8", n, err)
	}
	if rep, err := h.Check(ctx); err != nil || !rep.OK() {
		t.Fatalf("check after the group: %+v %v", rep.Problems, err)
	}
	// A batch claiming to know a log larger than the hub's is refused and
	// stores nothing.
	over := &appendRequest{terminal: b.key.ID(), events: []server.Verified{b.event(t)}, knownSize: cp.Size + 100, done: make(chan struct{})}
	h.mu.Lock()
	h.commitGroup(ctx, []*appendRequest{over})
	h.mu.Unlock()
	if !errors.As(over.err, &pe) || pe.Code != protocol.CodeMalformed {
		t.Fatalf("known_size beyond the log: %v", over.err)
	}
	if got, _ := logSize(ctx, h.db); got != cp.Size {
		t.Fatalf("a refused batch grew the log to %d", got)
	}
}

// Concurrent Appends from many terminals all end stored and proved, each
// exactly once, whether or not they were grouped: small batches, and
// batches of 300 case openings, whose event, log and read-model rows take
// several multi-row INSERTs each (rowsPerInsert) — the read model and the
// log check against a rebuild and the stored leaves.
func TestConcurrentAppendsAllStoredOnce(t *testing.T) {
	for _, per := range []int{20, 300} {
		t.Run(fmt.Sprint(per), func(t *testing.T) { concurrentAppends(t, per, per > rowsPerInsert) })
	}
}

func concurrentAppends(t *testing.T, per int, cases bool) {
	ctx := context.Background()
	h := openTestHub(t)
	const terminals, batches = 6, 5
	ts := make([]*feedTerminal, terminals)
	for i := range ts {
		ts[i] = registerTerminal(t, h, "a1")
	}
	errs := make(chan error, terminals)
	for i, ft := range ts {
		ranged := i%2 == 0 // half ask for one range proof a batch: groups mix both answers
		var all [][]server.Verified
		if cases {
			all = caseBatches(t, ft, batches, per)
		} else {
			all = signedBatches(t, ft, batches, per)
		}
		go func() {
			for _, vs := range all {
				res, err := h.Append(ctx, ft.key.ID(), vs, 0, ranged)
				if err == nil {
					err = checkAccepted(vs, res, ranged)
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range terminals {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	var events, leaves int
	h.db.QueryRowContext(ctx, "SELECT count(*) FROM events").Scan(&events)
	h.db.QueryRowContext(ctx, "SELECT count(*) FROM log_leaves WHERE kind = 'event'").Scan(&leaves)
	if events != terminals*batches*per || leaves != events {
		t.Fatalf("%d events and %d event leaves stored, want %d each", events, leaves, terminals*batches*per)
	}
	// No batch was refused: every group went at once, none again in
	// savepoints.
	if w, r := h.group.whole.Load(), h.group.retried.Load(); w == 0 || r != 0 {
		t.Fatalf("%d groups stored at once, %d again in savepoints; want every group at once", w, r)
	}
	if cases {
		var opened int
		h.db.QueryRowContext(ctx, "SELECT count(*) FROM rm_cases").Scan(&opened)
		if opened != events {
			t.Fatalf("%d cases in the read model, want %d", opened, events)
		}
	}
	if rep, err := h.Check(ctx); err != nil || !rep.OK() {
		t.Fatalf("check: %+v %v", rep.Problems, err)
	}
}

// caseBatches signs batches × per case openings of ft.
func caseBatches(t *testing.T, ft *feedTerminal, batches, per int) [][]server.Verified {
	all := make([][]server.Verified, batches)
	for i := range all {
		for range per {
			id := fmt.Sprintf("c-%s-%d", ft.key.ID()[:8], ft.seq+1)
			all[i] = append(all[i], ft.signed(t, &casework.CaseOpened{Case: id, Number: id, Title: "无照经营", ActType: casework.ActPenalty, Agency: "a1"}))
		}
	}
	return all
}

// An appender rolled back to a mark proves exactly what the stored log
// proves: the nodes of the forgotten leaves are not used.
func TestAppenderRollbackForgetsItsLeaves(t *testing.T) {
	ctx := context.Background()
	h := openTestHub(t)
	tx, err := h.db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	log, err := newAppender(ctx, tx)
	if err != nil {
		t.Fatal(err)
	}
	defer log.close()
	add := func(from, to int) {
		for i := from; i < to; i++ {
			if _, err := log.add(ctx, leaf(i), "test", fmt.Sprint(i)); err != nil {
				t.Fatal(err)
			}
		}
	}
	flush := func() {
		if err := log.flush(ctx); err != nil {
			t.Fatal(err)
		}
	}
	add(0, 21)
	flush() // as appendInSavepoint does before its savepoint
	if _, err := tx.ExecContext(ctx, "SAVEPOINT batch"); err != nil {
		t.Fatal(err)
	}
	m := log.mark()
	add(1000, 1011) // forgotten: written, then undone by the savepoint
	flush()
	add(2000, 2003) // forgotten: still pending
	if _, err := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT batch"); err != nil {
		t.Fatal(err)
	}
	if err := log.rollback(m); err != nil {
		t.Fatal(err)
	}
	add(21, 40)
	flush()
	const size = 40
	r := rangeFactory.NewEmptyRange(0)
	for i := range size {
		r.Append(hasher.HashLeaf(leaf(i)), nil)
	}
	root, _ := r.GetRootHash(nil)
	for i := uint64(0); i < size; i++ {
		mem, err := log.proof(ctx, i, size)
		if err != nil {
			t.Fatal(err)
		}
		if err := protocol.VerifyInclusion(leaf(int(i)), i, size, mem, root); err != nil {
			t.Fatalf("leaf %d after the rollback: %v", i, err)
		}
		stored, err := inclusionProof(ctx, tx, i, size)
		if err != nil || fmt.Sprint(stored) != fmt.Sprint(mem) {
			t.Fatalf("leaf %d: the appender's proof differs from the stored log's (%v)", i, err)
		}
	}
	for s1 := uint64(1); s1 < size; s1 += 7 {
		p, err := log.consistency(ctx, s1, size)
		if err != nil {
			t.Fatal(err)
		}
		stored, _ := consistencyProof(ctx, tx, s1, size)
		if fmt.Sprint(p) != fmt.Sprint(stored) {
			t.Fatalf("consistency %d→%d differs from the stored log's", s1, size)
		}
	}
}

// Two hubs open on one record (as two hub processes behind a load
// balancer are) append at once: the log gets every event once, with no gap
// and no duplicate leaf, each checkpoint is signed once for its size, and
// every answer's proofs verify — on SQLite (one file) and on PostgreSQL
// (the write lock).
func TestTwoHubsShareOneLog(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			db := ""
			if engine == "postgres" {
				db = postgrestest.Start(t)
			}
			open := func() *Hub {
				h, err := Open(ctx, dir, []byte("pw"), Options{KDF: evidence.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}, DB: db})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { h.Close() })
				return h
			}
			hubs := []*Hub{open(), open()}
			const terminals, batches, per = 6, 6, 15
			errs := make(chan error, terminals)
			for i := range terminals {
				ft := registerTerminal(t, hubs[0], "a1")
				all := signedBatches(t, ft, batches, per)
				go func() {
					for j, vs := range all {
						h := hubs[(i+j)%2] // each batch to either hub, as a balancer would
						ranged := i%2 == 0
						res, err := h.Append(ctx, ft.key.ID(), vs, 0, ranged)
						if err == nil {
							err = checkAccepted(vs, res, ranged)
						}
						if err != nil {
							errs <- fmt.Errorf("terminal %d batch %d: %w", i, j, err)
							return
						}
					}
					errs <- nil
				}()
			}
			for range terminals {
				if err := <-errs; err != nil {
					t.Fatal(err)
				}
			}
			var events, leaves, maxIdx, checkpoints, sizes int
			h := hubs[1]
			h.db.QueryRowContext(ctx, "SELECT count(*) FROM events").Scan(&events)
			h.db.QueryRowContext(ctx, "SELECT count(*), max(idx) FROM log_leaves").Scan(&leaves, &maxIdx)
			h.db.QueryRowContext(ctx, "SELECT count(*), count(DISTINCT size) FROM checkpoints").Scan(&checkpoints, &sizes)
			if events != terminals*batches*per || leaves != maxIdx+1 || checkpoints != sizes {
				t.Fatalf("%d events (want %d), %d leaves up to index %d, %d checkpoints of %d sizes", events, terminals*batches*per, leaves, maxIdx, checkpoints, sizes)
			}
			for _, h := range hubs {
				if rep, err := h.Check(ctx); err != nil || !rep.OK() {
					t.Fatalf("check: %+v %v", rep.Problems, err)
				}
			}
		})
	}
}

// signedBatches signs batches × per events of ft.
func signedBatches(t *testing.T, ft *feedTerminal, batches, per int) [][]server.Verified {
	all := make([][]server.Verified, batches)
	for i := range all {
		for range per {
			all[i] = append(all[i], ft.event(t))
		}
	}
	return all
}

// checkAccepted checks an answer as a terminal does: every event accepted,
// each inclusion proof against the answer's checkpoint.
// checkAccepted checks an answer as a terminal does: one range proof for
// the batch when it asked (ranged), else an inclusion proof an event.
func checkAccepted(vs []server.Verified, res protocol.BatchResult, ranged bool) error {
	if len(res.Accepted) != len(vs) {
		return fmt.Errorf("%d of %d accepted", len(res.Accepted), len(vs))
	}
	if ranged != (res.Range != nil) {
		return fmt.Errorf("asked for a range proof: %v, got one: %v", ranged, res.Range != nil)
	}
	first := vs[0].Body.Seq
	proven, err := protocol.RangeInclusion(res, func(seq uint64) ([]byte, bool) {
		if seq < first || seq-first >= uint64(len(vs)) {
			return nil, false
		}
		hash := vs[seq-first].Event.Hash()
		return protocol.EventLeaf(hash[:]), true
	})
	if err != nil {
		return err
	}
	for i, acc := range res.Accepted {
		p := acc.Inclusion
		if ranged {
			if len(p) > 0 {
				return fmt.Errorf("seq %d: an inclusion proof beside the range", acc.Seq)
			}
			p = proven[acc.Seq]
		}
		hash := vs[i].Event.Hash()
		if err := protocol.VerifyInclusion(protocol.EventLeaf(hash[:]), acc.LogIndex, res.Checkpoint.Size, p, res.Checkpoint.Root); err != nil {
			return fmt.Errorf("seq %d: %w", acc.Seq, err)
		}
	}
	return nil
}

// A case id opened again — twice in one batch, in a later batch, by
// another terminal of the agency — keeps its first opening in the read
// model (INSERT … ON CONFLICT DO NOTHING), on both engines; the batches
// are stored, not refused.
func TestCaseOpenedAgainKeepsTheFirst(t *testing.T) {
	ctx := context.Background()
	h := openTestHub(t)
	a, b := registerTerminal(t, h, "a1"), registerTerminal(t, h, "a1")
	open := func(ft *feedTerminal, id, title string) server.Verified {
		return ft.signed(t, &casework.CaseOpened{Case: id, Number: id, Title: title, ActType: casework.ActPenalty, Agency: "a1"})
	}
	batches := []struct {
		ft *feedTerminal
		vs []server.Verified
	}{
		{a, []server.Verified{open(a, "c-1", "first"), open(a, "c-2", "two"), open(a, "c-1", "again in the batch")}},
		{a, []server.Verified{open(a, "c-1", "a later batch"), open(a, "c-3", "three")}},
		{b, []server.Verified{open(b, "c-1", "another terminal"), open(b, "c-3", "another three"), open(b, "c-4", "four")}},
	}
	for i, batch := range batches {
		res, err := h.Append(ctx, batch.ft.key.ID(), batch.vs, 0, false)
		if err == nil {
			err = checkAccepted(batch.vs, res, false)
		}
		if err != nil {
			t.Fatalf("batch %d: %v", i, err)
		}
	}
	rows, err := h.db.QueryContext(ctx, "SELECT case_id, title FROM rm_cases ORDER BY case_id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[string]string{}
	for rows.Next() {
		var id, title string
		rows.Scan(&id, &title)
		got[id] = title
	}
	want := map[string]string{"c-1": "first", "c-2": "two", "c-3": "three", "c-4": "four"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("rm_cases: %v, want %v", got, want)
	}
	// On PostgreSQL a group stored at once copies case openings, so the
	// first batch's opening again failed there and the batch was stored
	// again in a savepoint, where it is skipped, and the next batches went
	// to savepoints straight away; SQLite skips it at once.
	wantGroups := [3]int64{int64(len(batches)), 0, 0} // at once, again, straight to savepoints
	if h.db.dialect == postgres {
		wantGroups = [3]int64{0, 1, int64(len(batches) - 1)}
	}
	if got := h.groupCounts(); got != wantGroups {
		t.Fatalf("groups stored at once, again and straight in savepoints: %v, want %v", got, wantGroups)
	}
	if rep, err := h.Check(ctx); err != nil || !rep.OK() {
		t.Fatalf("check: %+v %v", rep.Problems, err)
	}
}

// groupCounts is how many groups were stored at once, stored again in
// savepoints after a refusal, and stored straight in savepoints.
func (h *Hub) groupCounts() [3]int64 {
	return [3]int64{h.group.whole.Load(), h.group.retried.Load(), h.group.direct.Load()}
}

// After a group stored again because a batch was refused, the next
// groupsInSavepointsAfterRetry groups go straight to savepoints (a
// terminal whose batches keep being refused does not make every group
// cost twice), and the group after them is tried at once again.
func TestGroupsAfterARefusalGoToSavepointsForAWhile(t *testing.T) {
	ctx := context.Background()
	h := openTestHub(t)
	a := registerTerminal(t, h, "a1")
	a.send(t, h, 1)
	size, err := logSize(ctx, h.db)
	if err != nil {
		t.Fatal(err)
	}
	commit := func(reqs ...*appendRequest) {
		h.mu.Lock()
		h.commitGroup(ctx, reqs)
		h.mu.Unlock()
	}
	before := *a // the refused event's seq is signed again below
	over := &appendRequest{terminal: a.key.ID(), events: []server.Verified{a.event(t)}, knownSize: size + 100, done: make(chan struct{})}
	*a = before
	commit(over)
	var pe *protocol.Error
	if !errors.As(over.err, &pe) || pe.Code != protocol.CodeMalformed {
		t.Fatalf("known_size beyond the log: %v", over.err)
	}
	if got, want := h.groupCounts(), [3]int64{1, 1, 0}; got != want { // the first send, at once; the refused batch
		t.Fatalf("after the refused batch: %v, want %v", got, want)
	}
	for i := range groupsInSavepointsAfterRetry + 1 {
		req := &appendRequest{terminal: a.key.ID(), events: []server.Verified{a.event(t)}, done: make(chan struct{})}
		commit(req)
		if req.err != nil {
			t.Fatalf("group %d: %v", i, req.err)
		}
	}
	if got, want := h.groupCounts(), [3]int64{2, 1, groupsInSavepointsAfterRetry}; got != want {
		t.Fatalf("after %d clean groups: %v, want %v", groupsInSavepointsAfterRetry+1, got, want)
	}
	if rep, err := h.Check(ctx); err != nil || !rep.OK() {
		t.Fatalf("check: %+v %v", rep.Problems, err)
	}
}
