package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"text/tabwriter"

	"lawtrail/evidence"
	"lawtrail/store"
	"lawtrail/terminal"
)

func cmdFootageList() *command {
	c := newCommand("footage list", "[--json]", "one line per footage file: digest, size, recorder, officer, times, state, where it lives (here, hub, both, freed, deleted)", 0)
	asJSON := c.flags.Bool("json", false, "one JSON object per footage file per line")
	c.run = func(ctx context.Context, x *call, _ []string) error {
		t, err := x.open(ctx)
		if err != nil {
			return err
		}
		return footageList(ctx, t.Store(), x.e, *asJSON)
	}
	return c
}

func footageList(ctx context.Context, st *store.Store, e env, asJSON bool) error {
	enc := json.NewEncoder(e.stdout)
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	if !asJSON {
		fmt.Fprintln(tw, "DIGEST\tSIZE\tDEVICE\tOFFICER\tSTART\tEND\tINGESTED\tSTATE\tLOCATION\tPATH")
	}
	err := st.Footage(ctx, func(it store.FootageItem) error {
		if asJSON {
			return enc.Encode(it)
		}
		_, err := tprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", short(it.Digest.String()), it.Size, it.DeviceSerial,
			dash(it.Officer), dash(it.Start), dash(it.End), it.IngestedAt, it.State, where(it), it.OriginalPath)
		return err
	})
	if err != nil {
		return err
	}
	if !asJSON {
		return tw.Flush()
	}
	return nil
}

// where is the file's location, marked when a legal hold is in force.
func where(it store.FootageItem) string {
	if it.Held {
		return it.Location + ",held"
	}
	return it.Location
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func cmdFootageVerify() *command {
	c := newCommand("footage verify", "[DIGEST…]", "re-hash footage blobs against their custody records (all, or the digests given); exit 1 if any is broken", 0)
	c.maxArgs = -1
	c.run = func(ctx context.Context, x *call, args []string) error {
		t, err := x.open(ctx)
		if err != nil {
			return err
		}
		return footageVerify(ctx, t.Store(), args, x.e)
	}
	return c
}

// footageVerify re-hashes blobs against their custody records: all footage,
// or the digests given.
func footageVerify(ctx context.Context, st *store.Store, args []string, e env) error {
	known := map[evidence.Digest]store.FootageItem{}
	var order []evidence.Digest
	if err := st.Footage(ctx, func(it store.FootageItem) error {
		known[it.Digest] = it
		order = append(order, it.Digest)
		return nil
	}); err != nil {
		return err
	}
	if len(args) > 0 {
		order = order[:0]
		for _, a := range args {
			d, err := evidence.ParseDigest(a)
			if err != nil {
				return usagef("DIGEST %q: %v", a, err)
			}
			if _, ok := known[d]; !ok {
				return fmt.Errorf("%w: %s: no custody record names this digest", terminal.ErrBadInput, d)
			}
			order = append(order, d)
		}
	}
	broken, freed := 0, 0
	for _, d := range order {
		if l := known[d].Location; l == store.LocationFreed || l == store.LocationDeleted { // retention: freed here, or deleted
			tprintf(e.stdout, "%-6s %s  %s\n", l, d, known[d].OriginalPath)
			freed++
			continue
		}
		if err := st.Blobs().Verify(ctx, d); err != nil {
			broken++
			tprintf(e.stdout, "BROKEN %s  %s: %v\n", d, known[d].OriginalPath, errors.Unwrap(err))
			continue
		}
		tprintf(e.stdout, "ok     %s  %s\n", d, known[d].OriginalPath)
	}
	tprintf(e.stdout, "%d verified, %d broken\n", len(order)-broken-freed, broken)
	if broken > 0 {
		return errProblems
	}
	return nil
}

func cmdFootageCustody() *command {
	c := newCommand("footage custody", "DIGEST [--json]",
		"a footage file's custody trail in each terminal's chain order: docked, linked, fetched, played, exported, with the case and reason of each access", 1)
	asJSON := c.flags.Bool("json", false, "one JSON object per event per line")
	c.run = func(ctx context.Context, x *call, args []string) error {
		d, err := evidence.ParseDigest(args[0])
		if err != nil {
			return usagef("DIGEST %q: %v", args[0], err)
		}
		t, err := x.open(ctx)
		if err != nil {
			return err
		}
		if _, err := t.Store().FootageOrigin(ctx, d); err != nil {
			return err
		}
		trail, err := t.Store().Custody(ctx, d)
		if err != nil {
			return err
		}
		if *asJSON {
			enc := json.NewEncoder(x.e.stdout)
			for _, c := range trail {
				if err := enc.Encode(c); err != nil {
					return err
				}
			}
			return nil
		}
		tw := tabwriter.NewWriter(x.e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "TERMINAL\tSEQ\tTIME\tTYPE\tOFFICER\tCASE\tREASON")
		for _, c := range trail {
			tprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\n", c.Terminal, c.Seq, c.Time, c.Type, dash(c.Actor), dash(c.Case), dash(c.Reason))
		}
		return tw.Flush()
	}
	return c
}
