package main

import (
	"context"
	"fmt"

	"lawtrail/store"
)

func cmdCheck() *command {
	c := newCommand("check", "", "verify chains, signatures, blobs and database; exit 0 only if all hold", 0)
	c.detail = `Every event is checked against its terminal's key and chain, every rule is
replayed, every blob re-hashed, and every derived table compared with one
rebuilt from the signed events. Problems are printed as BROKEN lines (exit 1).`
	c.run = func(ctx context.Context, x *call, _ []string) error {
		t, err := x.open(ctx)
		if err != nil {
			return err
		}
		keys, err := store.TrustedKeys(t.Dir())
		if err != nil {
			return err
		}
		r, err := t.Store().Check(ctx, keys)
		if err != nil {
			return err
		}
		for _, p := range r.Problems {
			tprintf(x.e.stdout, "BROKEN %s\n", p)
		}
		if !r.OK() {
			tprintf(x.e.stdout, "%d problem(s) in %d events and %d blobs\n", len(r.Problems), r.Events, r.Blobs)
			if !r.TablesCompared {
				fmt.Fprintln(x.e.stdout, "derived tables were not compared with the events: the events or blobs have problems (fix those first)")
			}
			return errProblems
		}
		tprintf(x.e.stdout, "ok: %d events, %d blobs, database intact, every derived table equal to one rebuilt from the signed events\n", r.Events, r.Blobs)
		return nil
	}
	return c
}
