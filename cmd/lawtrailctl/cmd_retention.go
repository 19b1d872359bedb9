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
// receipt for, as the retention policy in force says; list the footage past
// its retention period, for the hub to delete.

func cmdRetentionRun() *command {
	c := newCommand("retention run", "[--dry-run] [--json]",
		"free this terminal's copies of footage the hub holds (receipt kept), except held or linked to an open case; list expired footage", 0)
	c.detail = `A copy is freed free_after_days after docking (the retention policy's
terminal part, bundled: 30), or sooner, oldest first, while free disk space
is below min_free_mib. Footage under a legal hold, or linked to a case not
yet in 送达执行, is kept and listed with why. Each freed file is a signed
footage.freed by the acting officer (LAWTRAIL_OFFICER); its custody record,
digest and the hub's receipt stay. Footage linked to no case and past its
retention period (unlinked_footage_months from recording, bundled: 6) is
listed as expired, for the hub to delete; nothing is deleted at the hub.
--dry-run lists exactly what a run does, signing and removing nothing.`
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

// printRetentionPlan writes one line per file: FREE, KEEP or EXPIRED.
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
	for _, e := range p.Expired {
		tprintf(tw, "EXPIRED\t%s\t%d\t%s\tpast retention since %s, for the hub to delete (%s)\n", e.Digest, e.Size, day(e.Recorded),
			day(e.Expired), e.Location)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var bytes int64
	for _, e := range p.Free {
		bytes += e.Size
	}
	_, err := tprintf(w, "%s %d files (%d bytes), kept %d, expired %d; free space %d MiB (threshold %d MiB)\n", verb, len(p.Free),
		bytes, len(p.Kept), len(p.Expired), p.FreeBytes>>20, p.Policy.Terminal.MinFreeMiB)
	return err
}

func day(t time.Time) string { return t.Format(time.DateOnly) }
