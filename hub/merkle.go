package hub

import (
	"context"
	"database/sql"
	"fmt"
	"lawtrail/sync/protocol"
	"slices"
	"strings"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
)

// The transparency log: an append-only Merkle tree (RFC 6962 hashing) over
// every accepted event and every receipt. Leaves and all complete nodes are
// rows, so appending, roots and proofs need no tree in memory. A leaf's
// hash, the tree's level 0, is its log_leaves row's: log_nodes holds the
// levels above (storing level 0 twice was a row an event more to write).

var hasher = rfc6962.DefaultHasher

var rangeFactory = &compact.RangeFactory{Hash: hasher.HashChildren}

// logSize returns the number of leaves (indexes are 0, 1, 2 … without gaps).
func logSize(ctx context.Context, q querier) (uint64, error) {
	var n uint64
	if err := q.QueryRowContext(ctx, "SELECT coalesce(max(idx) + 1, 0) FROM log_leaves").Scan(&n); err != nil {
		return 0, fmt.Errorf("log size: %w", err)
	}
	return n, nil
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// frontier loads the compact range [0, size): the roots of the perfect
// subtrees that cover the log, left to right.
func frontier(ctx context.Context, q querier, size uint64) (*compact.Range, error) {
	r, _, err := frontierNodes(ctx, q, size)
	return r, err
}

// frontierNodes is frontier, also returning the loaded nodes by id. It
// reads them in one query where q can (one a node was a round trip each
// on PostgreSQL, twice in every group's commit).
func frontierNodes(ctx context.Context, q querier, size uint64) (*compact.Range, map[compact.NodeID][]byte, error) {
	ids := compact.RangeNodes(0, size, nil)
	hashes := make([][]byte, len(ids))
	found := map[compact.NodeID][]byte{}
	if rq, ok := q.(rowsQuerier); ok && len(ids) > 0 {
		var err error
		if found, err = readNodes(ctx, rq, ids); err != nil {
			return nil, nil, fmt.Errorf("log frontier at %d: %w", size, err)
		}
	}
	for i, id := range ids {
		h, ok := found[id]
		if !ok {
			var err error
			if h, err = nodeHash(ctx, q, id.Level, id.Index); err != nil {
				return nil, nil, err
			}
		}
		hashes[i] = h
	}
	nodes := make(map[compact.NodeID][]byte, len(ids))
	for i, id := range ids {
		nodes[id] = hashes[i]
	}
	r, err := rangeFactory.NewRange(0, size, hashes)
	return r, nodes, err
}

// nodeHash reads one node of the log: a leaf's hash from log_leaves, a
// node above from log_nodes.
func nodeHash(ctx context.Context, q querier, level uint, index uint64) ([]byte, error) {
	var row *sql.Row
	if level == 0 {
		row = q.QueryRowContext(ctx, "SELECT leaf_hash FROM log_leaves WHERE idx = ?", index)
	} else {
		row = q.QueryRowContext(ctx, "SELECT hash FROM log_nodes WHERE level = ? AND idx = ?", level, index)
	}
	var h []byte
	if err := row.Scan(&h); err != nil {
		return nil, fmt.Errorf("log node %d/%d: %w", level, index, err)
	}
	return h, nil
}

// appendLeaf adds a leaf inside tx and returns its index.
func appendLeaf(ctx context.Context, tx querier, leaf []byte, kind, ref string) (uint64, error) {
	a, err := newAppender(ctx, tx)
	if err != nil {
		return 0, err
	}
	defer a.close()
	idx, err := a.add(ctx, leaf, kind, ref)
	if err == nil {
		err = a.flush(ctx)
	}
	return idx, err
}

// appender adds leaves within one transaction, keeping the frontier in
// memory between them, and every node it loaded or wrote: the inclusion
// proofs of a batch's own leaves are then built almost entirely from memory
// (proof), instead of one SQL read per node.
type appender struct {
	tx    querier
	size  uint64
	r     *compact.Range
	nodes map[compact.NodeID][]byte
	added []compact.NodeID     // nodes add wrote, in order (rollback forgets them)
	stmts map[string]*sql.Stmt // statements prepared in tx, by text (stmt)
	// leafRows and nodeRows are the rows add made and flush has not
	// written yet (recordqueue.go).
	leafRows, nodeRows laterRows
}

// The log's rows go to the database many to a statement: a leaf and its
// nodes are three or so rows an event, and one statement a row cost more
// than the rows themselves. flush writes them; until it has, the log's
// tables in tx lack them, so whoever reads them in tx flushes first.
const rowsPerInsert = 128 // rows of one INSERT; the appender flushes at most every this many leaves

// preparer is a transaction that can prepare statements (recordTx).
type preparer interface {
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
}

func newAppender(ctx context.Context, tx querier) (*appender, error) {
	size, err := logSize(ctx, tx)
	if err != nil {
		return nil, err
	}
	r, nodes, err := frontierNodes(ctx, tx, size)
	if err != nil {
		return nil, err
	}
	return &appender{tx: tx, size: size, r: r, nodes: nodes, stmts: map[string]*sql.Stmt{},
		leafRows: laterRows{table: "log_leaves (idx, leaf_hash, kind, ref)", columns: 4},
		nodeRows: laterRows{table: "log_nodes (level, idx, hash)", columns: 3}}, nil
}

// exec runs a statement the appender runs once per leaf or node: queued
// on PostgreSQL, prepared once in its transaction on SQLite.
func (a *appender) exec(ctx context.Context, query string, args ...any) error {
	if tx, ok := a.tx.(*recordTx); ok && tx.dialect == postgres {
		return tx.Queue(ctx, query, args...) // one round trip for many (recordqueue.go)
	}
	if _, ok := a.tx.(preparer); !ok {
		_, err := a.tx.ExecContext(ctx, query, args...)
		return err
	}
	st, err := a.stmt(ctx, query)
	if err == nil {
		_, err = st.ExecContext(ctx, args...)
	}
	return err
}

// stmt returns query prepared in the appender's transaction, which must be
// a preparer; the statements are closed with close.
func (a *appender) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if tx, ok := a.tx.(*recordTx); ok && tx.cached() {
		return tx.stmt(ctx, query) // the pool's, kept by tx (stmtcache.go)
	}
	if st, ok := a.stmts[query]; ok {
		return st, nil
	}
	p, ok := a.tx.(preparer)
	if !ok {
		return nil, fmt.Errorf("prepare: %T cannot prepare statements", a.tx)
	}
	st, err := p.PrepareContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("prepare: %w", err)
	}
	a.stmts[query] = st
	return st, nil
}

// close closes the prepared statements.
func (a *appender) close() {
	for q, st := range a.stmts {
		st.Close()
		delete(a.stmts, q)
	}
}

// appenderMark is where an appender stood, to go back to when the
// savepoint of a refused batch is rolled back.
type appenderMark struct {
	size   uint64
	hashes [][]byte
	added  int
}

// mark notes where the appender stands. Take it right after a savepoint
// set with no row pending (flush before the savepoint): rollback drops the
// rows still pending, and the savepoint's rollback those written since.
func (a *appender) mark() appenderMark {
	return appenderMark{size: a.size, hashes: slices.Clone(a.r.Hashes()), added: len(a.added)}
}

// rollback forgets the leaves and nodes added since m.
func (a *appender) rollback(m appenderMark) error {
	r, err := rangeFactory.NewRange(0, m.size, m.hashes)
	if err != nil {
		return fmt.Errorf("roll the log back to %d: %w", m.size, err)
	}
	for _, id := range a.added[m.added:] {
		delete(a.nodes, id)
	}
	a.size, a.r, a.added = m.size, r, a.added[:m.added]
	// Rows written since the mark are undone by the caller's savepoint.
	a.leafRows.drop()
	a.nodeRows.drop()
	return nil
}

// flush writes the pending rows of the log, rowsPerInsert to a statement.
func (a *appender) flush(ctx context.Context) error {
	if tx, ok := a.tx.(*recordTx); ok && tx.copies(&a.leafRows) {
		// PostgreSQL: with the transaction's kept rows, by COPY at its next
		// statement (recordqueue.go).
		tx.keep(&a.leafRows)
		tx.keep(&a.nodeRows)
		return nil
	}
	exec := func(query string, args []any) error { return a.exec(ctx, query, args...) }
	if err := a.leafRows.write(exec); err != nil {
		return fmt.Errorf("append log leaves: %w", err)
	}
	if err := a.nodeRows.write(exec); err != nil {
		return fmt.Errorf("store log nodes: %w", err)
	}
	return nil
}

// consistency proves the log of size2 extends the log of size1, reading
// from the database only the nodes this appender has not seen.
func (a *appender) consistency(ctx context.Context, size1, size2 uint64) ([][]byte, error) {
	if size1 == 0 || size1 == size2 {
		return [][]byte{}, nil
	}
	nodes, err := proof.Consistency(size1, size2)
	if err != nil {
		return nil, fmt.Errorf("consistency proof %d→%d: %w", size1, size2, err)
	}
	return a.fetch(ctx, nodes)
}

// proof proves leaf index is in the log of size, reading from the database
// only the nodes this appender has not seen.
func (a *appender) proof(ctx context.Context, index, size uint64) ([][]byte, error) {
	nodes, err := proof.Inclusion(index, size)
	if err != nil {
		return nil, fmt.Errorf("inclusion proof %d/%d: %w", index, size, err)
	}
	return a.fetch(ctx, nodes)
}

// batchRange proves the leaves [begin, end) of the log of size together
// (protocol.BatchRange): the compact ranges left and right of them.
func (a *appender) batchRange(ctx context.Context, begin, end, size uint64) (*protocol.BatchRange, error) {
	left, err := a.hashes(ctx, compact.RangeNodes(0, begin, nil))
	if err != nil {
		return nil, err
	}
	right, err := a.hashes(ctx, compact.RangeNodes(end, size, nil))
	if err != nil {
		return nil, err
	}
	return &protocol.BatchRange{Begin: begin, End: end, Left: left, Right: right}, nil
}

// fetch turns the node list of a proof into hashes, from memory where it
// can.
func (a *appender) fetch(ctx context.Context, nodes proof.Nodes) ([][]byte, error) {
	hashes, err := a.hashes(ctx, nodes.IDs)
	if err != nil {
		return nil, err
	}
	return nodes.Rehash(hashes, hasher.HashChildren)
}

// hashes returns the nodes' hashes, from memory where it can.
func (a *appender) hashes(ctx context.Context, ids []compact.NodeID) ([][]byte, error) {
	var err error
	hashes := make([][]byte, len(ids))
	for i, id := range ids {
		h, ok := a.nodes[id]
		if !ok {
			if h, err = nodeHash(ctx, a.tx, id.Level, id.Index); err != nil {
				return nil, err
			}
			a.nodes[id] = h
		}
		hashes[i] = h
	}
	return hashes, nil
}

func (a *appender) add(ctx context.Context, leaf []byte, kind, ref string) (uint64, error) {
	size, r := a.size, a.r
	leafHash := hasher.HashLeaf(leaf)
	a.leafRows.args = append(a.leafRows.args, size, leafHash, kind, ref)
	err := r.Append(leafHash, func(id compact.NodeID, hash []byte) {
		a.nodes[id] = hash
		a.added = append(a.added, id)
		if id.Level > 0 { // level 0 is the leaf's row
			a.nodeRows.args = append(a.nodeRows.args, id.Level, id.Index, hash)
		}
	})
	if err != nil {
		return 0, fmt.Errorf("append log leaf %d: %w", size, err)
	}
	a.size++
	if len(a.leafRows.args) >= rowsPerInsert*a.leafRows.columns {
		return size, a.flush(ctx)
	}
	return size, nil
}

// root is the root hash of the log as the appender has it.
func (a *appender) root() []byte {
	if a.size == 0 {
		return hasher.EmptyRoot()
	}
	r, _ := a.r.GetRootHash(nil) // fails only for an empty range
	return r
}

// rootAt returns the root hash of the log's first size leaves.
func rootAt(ctx context.Context, q querier, size uint64) ([]byte, error) {
	if size == 0 {
		return hasher.EmptyRoot(), nil
	}
	r, err := frontier(ctx, q, size)
	if err != nil {
		return nil, err
	}
	return r.GetRootHash(nil)
}

// fetchProof turns the node list of a proof into hashes, reading the nodes
// in one query where q can (a proof has up to 64 of them; one query per
// node made proofs the slow part of serving held events and receipts).
func fetchProof(ctx context.Context, q querier, nodes proof.Nodes) ([][]byte, error) {
	hashes := make([][]byte, len(nodes.IDs))
	rq, ok := q.(rowsQuerier)
	if !ok || len(nodes.IDs) == 0 {
		for i, id := range nodes.IDs {
			h, err := nodeHash(ctx, q, id.Level, id.Index)
			if err != nil {
				return nil, err
			}
			hashes[i] = h
		}
		return nodes.Rehash(hashes, hasher.HashChildren)
	}
	found, err := readNodes(ctx, rq, nodes.IDs)
	if err != nil {
		return nil, fmt.Errorf("log nodes of a proof: %w", err)
	}
	for i, id := range nodes.IDs {
		h, ok := found[id]
		if !ok {
			return nil, fmt.Errorf("log node %d/%d: %w", id.Level, id.Index, sql.ErrNoRows)
		}
		hashes[i] = h
	}
	return nodes.Rehash(hashes, hasher.HashChildren)
}

// readNodes reads the nodes ids names in one query: those of level 0
// from log_leaves, the others from log_nodes.
func readNodes(ctx context.Context, rq rowsQuerier, ids []compact.NodeID) (map[compact.NodeID][]byte, error) {
	var leaves, above strings.Builder
	var leafArgs, args []any
	for _, id := range ids {
		if id.Level == 0 {
			if len(leafArgs) > 0 {
				leaves.WriteString(", ")
			}
			leaves.WriteString("?")
			leafArgs = append(leafArgs, id.Index)
			continue
		}
		if len(args) > 0 {
			above.WriteString(" OR ")
		}
		above.WriteString("(level = ? AND idx = ?)")
		args = append(args, id.Level, id.Index)
	}
	var parts []string
	if len(args) > 0 {
		parts = append(parts, "SELECT level, idx, hash FROM log_nodes WHERE "+above.String())
	}
	if len(leafArgs) > 0 {
		parts = append(parts, "SELECT 0, idx, leaf_hash FROM log_leaves WHERE idx IN ("+leaves.String()+")")
		args = append(args, leafArgs...)
	}
	rows, err := rq.QueryContext(ctx, strings.Join(parts, " UNION ALL "), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	found := make(map[compact.NodeID][]byte, len(ids))
	for rows.Next() {
		var level uint
		var idx uint64
		var h []byte
		if err := rows.Scan(&level, &idx, &h); err != nil {
			return nil, err
		}
		found[compact.NewNodeID(level, idx)] = h
	}
	return found, rows.Err()
}

// inclusionProof proves leaf index is in the log of the given size.
func inclusionProof(ctx context.Context, q querier, index, size uint64) ([][]byte, error) {
	nodes, err := proof.Inclusion(index, size)
	if err != nil {
		return nil, fmt.Errorf("inclusion proof %d/%d: %w", index, size, err)
	}
	return fetchProof(ctx, q, nodes)
}

// consistencyProof proves the log of size2 extends the log of size1.
func consistencyProof(ctx context.Context, q querier, size1, size2 uint64) ([][]byte, error) {
	if size1 == 0 || size1 == size2 {
		return [][]byte{}, nil
	}
	nodes, err := proof.Consistency(size1, size2)
	if err != nil {
		return nil, fmt.Errorf("consistency proof %d→%d: %w", size1, size2, err)
	}
	return fetchProof(ctx, q, nodes)
}
