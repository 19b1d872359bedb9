package hub

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"testing"
	"time"
)

// The web's read pool holds at most 8 connections. With every one of them
// in a read transaction that runs a text not prepared before, preparing it
// for the pool needed a ninth connection: every transaction waited for
// another's, until its deadline. Each must run at once.
func TestReadTransactionsFillingThePool(t *testing.T) {
	h := openTestHub(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	const n = 8 // openReadDB's SetMaxOpenConns
	var began, wg sync.WaitGroup
	began.Add(n)
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tx, err := h.rdb.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
			began.Done()
			if err != nil {
				errs <- err
				return
			}
			defer tx.Rollback()
			began.Wait() // every connection of the pool is in a transaction
			var v int
			if err := tx.QueryRowContext(ctx, fmt.Sprintf("SELECT %d FROM log_leaves WHERE idx >= 0 UNION ALL SELECT %d LIMIT 1", i, i)).Scan(&v); err != nil {
				errs <- fmt.Errorf("transaction %d: %w", i, err)
				return
			}
			rows, err := tx.QueryContext(ctx, fmt.Sprintf("SELECT %d + idx FROM log_leaves", i))
			if err != nil {
				errs <- fmt.Errorf("transaction %d: %w", i, err)
				return
			}
			rows.Close()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
