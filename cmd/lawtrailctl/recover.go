package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"

	"lawtrail/sync/client"
)

// syncRecover is `sync recover`: a data folder whose record diverges from
// the hub's (restored from a backup, copied, or its tail cut) takes back
// its own events from the hub and re-records its diverging ones as
// event.rebased; nothing is lost (docs/OPERATIONS.md, "A restored or copied
// terminal").
func syncRecover(ctx context.Context, dir string, args []string, e env) error {
	fs := flag.NewFlagSet("sync recover", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("sync recover: unexpected argument %q", fs.Arg(0))
	}
	st, key, err := openForWriting(ctx, dir, e)
	if err != nil {
		return err
	}
	defer st.Close()
	c, err := client.New(ctx, st, key, client.Options{})
	if err != nil {
		return err
	}
	rec, err := c.Recover(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(e.stdout).Encode(rec)
	}
	if !rec.Diverged {
		fmt.Fprintln(e.stdout, "this data folder's record continues the hub's: nothing to recover")
		return nil
	}
	r := rec.Rebase
	fmt.Fprintf(e.stdout, "this folder's record agreed with the hub's up to event %d; its head was %d, the hub's %d\n", r.Fork, r.LocalHeadSeq, r.HubSeq)
	fmt.Fprintf(e.stdout, "took back %d events from the hub (%d..%d), verified against this terminal's key, its chain and the hub's log\n",
		r.Fetched, r.Fork+1, r.HubSeq)
	if len(r.Rebased) > 0 {
		fmt.Fprintf(e.stdout, "kept %d events of this folder in quarantine (verbatim) and re-recorded each as event.rebased:\n", len(r.Rebased))
	}
	for _, rb := range r.Rebased {
		fmt.Fprintf(e.stdout, "  %d %s → %d", rb.OriginalSeq, rb.OriginalType, rb.Seq)
		if rb.Conflict != "" {
			fmt.Fprintf(e.stdout, " (kept without effect: %s)", rb.Conflict)
		}
		fmt.Fprintln(e.stdout)
	}
	fmt.Fprintf(e.stdout, "the hub recorded the divergence (%s, %d events quarantined as a fork); run lawtrailctl sync to send the re-recorded events\n",
		rec.Reported.Kind, rec.Reported.Quarantined)
	return nil
}
