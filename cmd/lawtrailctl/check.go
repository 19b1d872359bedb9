package main

import (
	"context"
	"flag"
	"fmt"

	"lawtrail/store"
)

func cmdCheck(ctx context.Context, dir string, args []string, e env) error {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	s, err := store.OpenExisting(ctx, dir, store.Options{})
	if err != nil {
		return err
	}
	defer s.Close()
	keys, err := store.TrustedKeys(dir)
	if err != nil {
		return err
	}
	r, err := s.Check(ctx, keys)
	if err != nil {
		return err
	}
	for _, p := range r.Problems {
		tprintf(e.stdout, "BROKEN %s\n", p)
	}
	if !r.OK() {
		tprintf(e.stdout, "%d problem(s) in %d events and %d blobs\n", len(r.Problems), r.Events, r.Blobs)
		if !r.TablesCompared {
			fmt.Fprintln(e.stdout, "derived tables were not compared with the events: the events or blobs have problems (fix those first)")
		}
		return errProblems
	}
	tprintf(e.stdout, "ok: %d events, %d blobs, database intact, every derived table equal to one rebuilt from the signed events\n", r.Events, r.Blobs)
	return nil
}
