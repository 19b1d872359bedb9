package hub

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"lawtrail/casework"
	"lawtrail/evidence"
	"lawtrail/sync/protocol"
	"lawtrail/sync/server"
)

// Group commit. A hub serves many terminals at once; committing each batch
// alone costs a transaction, a signed checkpoint and an fsync per batch,
// and the batches queue behind each other on the log lock anyway. So a
// batch that arrives while the log is busy joins a group; the first of the
// group to get the lock commits every batch waiting then, in arrival
// order, each in its own savepoint (a batch that fails rolls back alone:
// the others are stored), signs one checkpoint for all, proves each batch
// against it and commits once.

// appendRequest is one terminal's verified batch waiting to be committed.
type appendRequest struct {
	terminal   string
	events     []server.Verified
	payloads   []casework.Payload // events' payloads the read model applies, decoded before the group (nil: decode there)
	knownSize  uint64
	rangeProof bool // one protocol.BatchRange for the new events instead of a proof each

	res     protocol.BatchResult
	deleted []evidence.Digest // blobs a footage.deleted of the batch names (retention.go)
	err     error
	done    chan struct{} // closed when res and err are final
}

// appendGroup collects the requests waiting for the log.
type appendGroup struct {
	mu      sync.Mutex
	waiting []*appendRequest
	whole   atomic.Int64 // groups stored at once (storeGroupWhole)
	retried atomic.Int64 // groups stored again batch by batch, a batch having been refused
	direct  atomic.Int64 // groups stored batch by batch without trying at once (savepointsAhead)
	// savepointsAhead is how many of the next groups are stored batch by
	// batch straight away; set after a retried group, under the hub's mu.
	savepointsAhead int
}

// groupsInSavepointsAfterRetry is how many groups after one stored again
// go straight to savepoints: a terminal whose batches keep being refused
// (or that keeps opening a case again) makes the groups it joins cost at
// most 1 + 1/(n+1) times the savepoint path, not twice.
const groupsInSavepointsAfterRetry = 8

// groupTimeout bounds one group's transaction: it runs on behalf of every
// batch in it, so it does not end with the request that happened to lead.
const groupTimeout = 2 * time.Minute

// append commits req, in a group with whatever else is waiting.
func (g *appendGroup) append(ctx context.Context, h *Hub, req *appendRequest) (protocol.BatchResult, error) {
	req.done = make(chan struct{})
	g.mu.Lock()
	g.waiting = append(g.waiting, req)
	g.mu.Unlock()

	h.mu.Lock()
	select {
	case <-req.done: // an earlier leader committed it
		h.mu.Unlock()
		return req.res, req.err
	default:
	}
	g.mu.Lock()
	group := g.waiting
	g.waiting = nil
	g.mu.Unlock()
	gctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), groupTimeout)
	if deleted := h.commitGroup(gctx, group); len(deleted) > 0 {
		// The events are stored: a removal that fails here is finished at
		// the next Open or by Check, so no batch is refused for it.
		_, _ = h.finishDeletions(gctx, deleted) // retention.go
	}
	cancel()
	h.mu.Unlock()
	<-req.done
	return req.res, req.err
}

// commitGroup commits the group's batches in one transaction, sets each
// request's result, closes each done, and returns the blobs that committed
// deletions name. The caller holds h.mu.
func (h *Hub) commitGroup(ctx context.Context, group []*appendRequest) (deleted []evidence.Digest) {
	err := h.commitGroupTx(ctx, group)
	for _, req := range group {
		if err != nil && req.err == nil {
			req.err = err
		}
		if req.err != nil {
			req.res = protocol.BatchResult{}
		} else {
			deleted = append(deleted, req.deleted...)
		}
		close(req.done)
	}
	return deleted
}

// commitGroupTx stores the group at once (storeGroupWhole) and, when any
// of its batches is refused or the database refuses one of its
// statements, rolls that back and
// stores it again batch by batch in savepoints (storeGroupInSavepoints),
// where the refused batch is found and the others are kept; the next
// groupsInSavepointsAfterRetry groups then go to savepoints straight away.
func (h *Hub) commitGroupTx(ctx context.Context, group []*appendRequest) error {
	if h.group.savepointsAhead > 0 {
		h.group.savepointsAhead--
		h.group.direct.Add(1)
		return h.storeGroupInSavepoints(ctx, group)
	}
	err := h.storeGroupWhole(ctx, group)
	if !errors.Is(err, errStoreInSavepoints) {
		return err
	}
	h.group.retried.Add(1)
	h.group.savepointsAhead = groupsInSavepointsAfterRetry
	for _, req := range group {
		req.res, req.deleted, req.err = protocol.BatchResult{}, nil, nil
	}
	return h.storeGroupInSavepoints(ctx, group)
}

// errStoreInSavepoints is storeGroupWhole's answer when the group has to
// be stored again batch by batch.
var errStoreInSavepoints = errors.New("a batch of the group was refused: stored again in savepoints")

// storeGroupWhole stores every batch of the group in one transaction
// without a savepoint each: their rows go to the server together, table
// by table, when the group is signed — on PostgreSQL a handful of round
// trips for the group instead of eight or so a batch, and no
// subtransactions; and rows that skip a conflict (a case opened again)
// go by COPY too, where a conflict fails. Any batch refused, or any statement the
// database refuses, before the commit returns errStoreInSavepoints
// (wrapping why) with nothing stored; a lost connection fails the group.
func (h *Hub) storeGroupWhole(ctx context.Context, group []*appendRequest) error {
	tx, log, err := h.beginGroup(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	defer log.close()
	tx.copyConflicts = true         // a case opened again: stored again in savepoints, where it is skipped
	agencies := map[string]string{} // read before any row is kept, so no read sends them early
	for _, req := range group {
		if _, ok := agencies[req.terminal]; !ok {
			if agencies[req.terminal], err = hubAgencyOf(ctx, tx, req.terminal); err != nil {
				return inSavepointsIfRefused(err)
			}
		}
	}
	now := h.now().UTC().Format(time.RFC3339Nano)
	for _, req := range group {
		if err := h.appendBatch(ctx, tx, log, now, req, agencies[req.terminal]); err != nil {
			return inSavepointsIfRefused(err)
		}
	}
	if err := flushRows(ctx, tx, log); err != nil {
		return inSavepointsIfRefused(err)
	}
	if err := h.signAndCommit(ctx, tx, log, group); err != nil {
		return err
	}
	h.group.whole.Add(1)
	return nil
}

// inSavepointsIfRefused wraps in errStoreInSavepoints a batch's refusal
// or a statement the database refused, which storing batch by batch
// answers; a lost connection or an ended context is returned as it is,
// and fails the group as it did before.
func inSavepointsIfRefused(err error) error {
	var pe *protocol.Error
	if errors.As(err, &pe) || isStatementRefused(err) {
		return fmt.Errorf("%w: %w", errStoreInSavepoints, err)
	}
	return err
}

// storeGroupInSavepoints stores the group's batches one by one, each in
// its own savepoint: a refused batch is rolled back alone and the others
// are stored.
func (h *Hub) storeGroupInSavepoints(ctx context.Context, group []*appendRequest) error {
	tx, log, err := h.beginGroup(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	defer log.close()
	now := h.now().UTC().Format(time.RFC3339Nano)
	stored := 0
	for _, req := range group {
		if req.err, err = h.appendInSavepoint(ctx, tx, log, now, req); err != nil {
			return err
		}
		if req.err == nil {
			stored++
		}
	}
	if stored == 0 {
		return nil // every batch refused: nothing to sign or commit
	}
	return h.signAndCommit(ctx, tx, log, group)
}

// beginGroup begins a group's transaction and its appender on the log as
// the transaction sees it; the caller rolls back and closes both.
func (h *Hub) beginGroup(ctx context.Context) (*recordTx, *appender, error) {
	tx, err := h.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("append: %w", err)
	}
	log, err := newAppender(ctx, tx)
	if err != nil {
		tx.Rollback()
		return nil, nil, err
	}
	return tx, log, nil
}

// signAndCommit signs one checkpoint for the stored batches of the group,
// proves each against it and commits.
func (h *Hub) signAndCommit(ctx context.Context, tx *recordTx, log *appender, group []*appendRequest) error {
	if err := log.flush(ctx); err != nil { // every leaf in tx before its root is signed
		return fmt.Errorf("append: %w", err)
	}
	cp, err := h.signCheckpointOf(ctx, tx, log.size, log.root())
	if err != nil {
		return err
	}
	for _, req := range group {
		if req.err == nil {
			req.err = proveBatch(ctx, log, cp, req)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("append: commit: %w", err)
	}
	return nil
}

// flushRows sends the log's rows and the transaction's kept and queued
// ones; a refused row is a race lost (raceLost).
func flushRows(ctx context.Context, tx *recordTx, log *appender) error {
	if err := log.flush(ctx); err != nil { // the log's rows, many to a statement (merkle.go)
		return raceLost(err)
	}
	return raceLost(tx.Flush(ctx))
}

// appendInSavepoint stores one batch; when it is refused (refused), its
// rows and its leaves in the appender are rolled back and the group goes
// on. An error from the savepoints themselves (failed) ends the group.
func (h *Hub) appendInSavepoint(ctx context.Context, tx *recordTx, log *appender, now string, req *appendRequest) (refused, failed error) {
	// No row of the batch before may be pending at the savepoint: rolling
	// this batch back would take it along.
	if err := log.flush(ctx); err != nil {
		return nil, fmt.Errorf("append: %w", err)
	}
	if err := tx.Savepoint(ctx, "batch"); err != nil {
		return nil, fmt.Errorf("append: savepoint: %w", err)
	}
	m := log.mark()
	refused = h.appendBatchAlone(ctx, tx, log, now, req)
	if refused != nil {
		req.res, req.deleted = protocol.BatchResult{}, nil
		if err := tx.RollbackTo(ctx, "batch"); err != nil {
			return refused, fmt.Errorf("append: roll back a refused batch (%v): %w", refused, err)
		}
		if err := log.rollback(m); err != nil {
			return refused, err
		}
	}
	if err := tx.Release(ctx, "batch"); err != nil {
		return refused, fmt.Errorf("append: release savepoint: %w", err)
	}
	return refused, nil
}
