package main

import (
	"context"
	"errors"
	"fmt"
)

// cmdRebuild empties the hub's read model and applies every stored event
// to it again (`lawtrail-hub rebuild`); the events themselves are not
// touched.
func cmdRebuild(ctx context.Context, dir string, args []string, e env) error {
	if len(args) > 0 {
		return errors.New("rebuild takes no argument")
	}
	h, err := openHub(ctx, dir, e)
	if err != nil {
		return err
	}
	defer h.Close()
	r, err := h.Rebuild(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "read model rebuilt from %d events: %d agencies, %d officers, %d terminals, %d cases, %d steps, %d footage files, "+
		"%d decisions, %d review rounds, %d publications, %d accesses\n", r.Events, r.Agencies, r.Officers, r.Terminals, r.Cases, r.Steps, r.Footage,
		r.Decisions, r.Reviews, r.Publications, r.Accesses)
	return nil
}
