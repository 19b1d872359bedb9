package hub

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
)

// Prepared statements kept for the life of a SQLite pool. SQLite (in the
// process) has no round trips; what a statement costs beyond its work is
// its parse: a read model's row, a log node's, a 128-row INSERT's text
// parsed again in every transaction was a fifth of the hub's time per
// event outside signature checks. A pool's statements are prepared once
// per connection (database/sql keeps a statement's per-connection copies)
// and a transaction takes its connection's copy (sql.Tx.StmtContext); the
// hub's texts are a few hundred, the multi-row INSERTs among them of a
// few fixed sizes (recordqueue.go), so the cache is bounded by the code.
// Past maxCachedStmts texts (a query built from user input, were there
// one), a text is prepared for its transaction alone, as before.
type stmtCache struct {
	db *sql.DB
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

// maxCachedStmts bounds a pool's cache.
const maxCachedStmts = 1024

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, m: map[string]*sql.Stmt{}}
}

// get returns query prepared on the pool, or nil when the cache is full.
// It prepares on a connection of the pool other than any its caller's
// transaction holds: only for a pool without a limit on its connections
// (the writing pool; the web's read pool has none, readdb.go). The lock is
// not held while preparing, so a caller never waits behind another's
// wait for a connection.
func (c *stmtCache) get(ctx context.Context, query string) (*sql.Stmt, error) {
	c.mu.Lock()
	st, ok := c.m[query]
	full := len(c.m) >= maxCachedStmts
	c.mu.Unlock()
	if ok || full {
		return st, nil
	}
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("prepare: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if kept, ok := c.m[query]; ok { // prepared meanwhile by another caller
		st.Close()
		return kept, nil
	}
	c.m[query] = st
	return st, nil
}

// close closes every kept statement.
func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, st := range c.m {
		st.Close()
		delete(c.m, q)
	}
}

// stmt returns query prepared for t: on SQLite its connection's copy of
// the pool's statement, kept for the transaction's other uses.
func (t *recordTx) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := t.stmts[query]; ok {
		return st, nil
	}
	var st *sql.Stmt
	parent, err := t.cache.get(ctx, query)
	switch {
	case err != nil:
		return nil, err
	case parent != nil:
		st = t.tx.StmtContext(ctx, parent)
	default:
		if st, err = t.tx.PrepareContext(ctx, query); err != nil {
			return nil, fmt.Errorf("prepare: %w", err)
		}
	}
	if t.stmts == nil {
		t.stmts = map[string]*sql.Stmt{}
	}
	t.stmts[query] = st
	return st, nil
}

// cached reports whether t's statements come from a pool's cache (SQLite).
func (t *recordTx) cached() bool { return t.cache != nil }
