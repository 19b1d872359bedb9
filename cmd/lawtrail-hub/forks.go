package main

import (
	"context"
	"fmt"
	"io"

	"lawtrail/hub"
)

// printForks lists the quarantined forks and the divergences terminals
// reported: they are not damage to the hub's record (check still passes)
// but an operator must see them — a terminal whose data folder was
// restored, copied or cut (docs/OPERATIONS.md).
func printForks(ctx context.Context, h *hub.Hub, w io.Writer) error {
	forks, err := h.Forks(ctx)
	if err != nil {
		return err
	}
	ds, err := h.Divergences(ctx)
	if err != nil {
		return err
	}
	for _, f := range forks {
		fmt.Fprintf(w, "FORK %s#%d %s %s quarantined %s\n", f.Terminal, f.Seq, f.Type, f.Hash, f.ReceivedAt)
	}
	for _, d := range ds {
		fmt.Fprintf(w, "DIVERGENCE %s %s: its folder's head %d, the hub's %d, agreed to %d, %d events quarantined, reported %s\n",
			d.Terminal, d.Kind, d.LocalSeq, d.HubSeq, d.ForkSeq, d.Quarantined, d.ReportedAt)
	}
	return nil
}
