package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"lawtrail/terminal"
)

// retention run: free this terminal's copies of footage the hub holds a
// receipt for, as the retention policy in force says; delete the footage
// past its retention period from the agency's record (an admin or head).

func cmdRetentionRun() *command {
	c := newCommand("retention run", "[--dry-run] [--json]",
		"free this terminal's copies of footage the hub holds (receipt kept), except held or linked to an open case; delete expired footage", 0)
	c.detail = `A copy is freed free_after_days after docking (the retention policy's
terminal part, bundled: 30), or sooner, oldest first, while free disk space
is below min_free_mib. Footage under a legal hold, or linked to a case not
yet in 送达执行, is kept and listed with why. Each freed file is a signed
footage.freed by the acting officer (LAWTRAIL_OFFICER); its custody record,
digest and the hub's receipt stay. Footage linked to no case and past its
retention period (unlinked_footage_months from recording, bundled: 6) is
expired: when the acting officer is an admin or head, the run deletes it
from the agency's record — one signed footage.deleted each (reason expired,
the policy's version and authority), co-signed by the officer, after which
this terminal's copy and the hub's go, and every terminal of the agency
shows it as deleted; otherwise it is listed for an admin or head. Expired
footage under a legal hold is kept and listed with the hold. --dry-run
lists exactly what a run does, signing and removing nothing.`
	dry := c.flags.Bool("dry-run", false, "list what a run would do; sign and remove nothing")
	asJSON := c.flags.Bool("json", false, "print the plan as one JSON object")
	c.run = func(ctx context.Context, x *call, _ []string) error {
		s, err := x.session(ctx, "")
		if err != nil {
			return err
		}
		plan, err := s.RetentionRun(ctx, *dry)
		if *asJSON && err == nil {
			return json.NewEncoder(x.e.stdout).Encode(plan)
		}
		if perr := printRetentionPlan(x.e.stdout, plan); err == nil {
			err = perr
		}
		return err
	}
	return c
}

// printRetentionPlan writes one line per file: FREE, KEEP, EXPIRED or
// DELETED.
func printRetentionPlan(w io.Writer, p terminal.RetentionPlan) error {
	verb := "freed"
	if p.DryRun {
		verb = "would free"
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ACTION\tDIGEST\tSIZE\tRECORDED\tWHY")
	for _, e := range p.Free {
		tprintf(tw, "FREE\t%s\t%d\t%s\t%s\n", e.Digest, e.Size, day(e.Recorded), e.Cause)
	}
	for _, e := range p.Kept {
		tprintf(tw, "KEEP\t%s\t%d\t%s\t%s\n", e.Digest, e.Size, day(e.Recorded), e.Why)
	}
	deleted := map[string]bool{}
	for _, e := range p.Deleted {
		deleted[e.Digest.String()] = true
		tprintf(tw, "DELETED\t%s\t%d\t%s\tpast retention since %s, deleted from the agency's record\n", e.Digest, e.Size, day(e.Recorded),
			day(e.Expired))
	}
	for _, e := range p.Expired {
		if deleted[e.Digest.String()] {
			continue
		}
		to := "for an admin or head to delete"
		if p.MayDelete {
			to = "to delete"
		}
		tprintf(tw, "EXPIRED\t%s\t%d\t%s\tpast retention since %s, %s (%s)\n", e.Digest, e.Size, day(e.Recorded), day(e.Expired), to, e.Location)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var bytes int64
	for _, e := range p.Free {
		bytes += e.Size
	}
	_, err := tprintf(w, "%s %d files (%d bytes), kept %d, expired %d, deleted %d; free space %d MiB (threshold %d MiB)\n", verb, len(p.Free),
		bytes, len(p.Kept), len(p.Expired), len(p.Deleted), p.FreeBytes>>20, p.Policy.Terminal.MinFreeMiB)
	return err
}

func day(t time.Time) string { return t.Format(time.DateOnly) }
