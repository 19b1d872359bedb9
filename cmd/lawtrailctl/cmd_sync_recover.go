package main

import (
	"context"
	"encoding/json"
	"fmt"

	"lawtrail/sync/client"
)

// cmdSyncRecover is `sync recover`: a data folder whose record diverges from
// the hub's (restored from a backup, copied, or its tail cut) takes back
// its own events from the hub and re-records its diverging ones as
// event.rebased; nothing is lost (docs/OPERATIONS.md, "A restored or copied
// terminal").
func cmdSyncRecover() *command {
	c := newCommand("sync recover", "[--json]", "re-base a restored or copied data folder onto the hub's chain, losing nothing", 0)
	c.detail = "Needs only the terminal passphrase. See docs/OPERATIONS.md, \"A restored or copied terminal\"."
	asJSON := c.flags.Bool("json", false, "print JSON")
	c.run = func(ctx context.Context, x *call, _ []string) error {
		d, err := x.desk(ctx)
		if err != nil {
			return err
		}
		rec, err := d.RecoverSync(ctx)
		if err != nil {
			return err
		}
		return printRecovery(rec, x.e, *asJSON)
	}
	return c
}

func printRecovery(rec client.Recovery, e env, asJSON bool) error {
	if asJSON {
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
