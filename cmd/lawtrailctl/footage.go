package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"text/tabwriter"

	"lawtrail/evidence"
	"lawtrail/store"
)

func cmdFootage(ctx context.Context, dir string, args []string, e env) error {
	if len(args) == 0 {
		return errors.New("footage needs a subcommand: list [--json] or verify [DIGEST…]")
	}
	switch args[0] {
	case "list":
		return footageList(ctx, dir, args[1:], e)
	case "verify":
		return footageVerify(ctx, dir, args[1:], e)
	}
	return fmt.Errorf("unknown footage subcommand %q (want list or verify)", args[0])
}

func footageList(ctx context.Context, dir string, args []string, e env) error {
	fs := flag.NewFlagSet("footage list", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	asJSON := fs.Bool("json", false, "one JSON object per footage file per line")
	if err := fs.Parse(args); err != nil {
		return err
	}
	st, err := store.OpenExisting(ctx, dir, store.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	enc := json.NewEncoder(e.stdout)
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	if !*asJSON {
		fmt.Fprintln(tw, "DIGEST\tSIZE\tDEVICE\tOFFICER\tSTART\tEND\tINGESTED\tSTATE\tPATH")
	}
	err = st.Footage(ctx, func(it store.FootageItem) error {
		if *asJSON {
			return enc.Encode(it)
		}
		_, err := tprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", short(it.Digest.String()), it.Size, it.DeviceSerial,
			dash(it.Officer), dash(it.Start), dash(it.End), it.IngestedAt, it.State, it.OriginalPath)
		return err
	})
	if err != nil {
		return err
	}
	if !*asJSON {
		return tw.Flush()
	}
	return nil
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// footageVerify re-hashes blobs against their custody records: all footage,
// or the digests given.
func footageVerify(ctx context.Context, dir string, args []string, e env) error {
	st, err := store.OpenExisting(ctx, dir, store.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
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
				return err
			}
			if _, ok := known[d]; !ok {
				return fmt.Errorf("%s: no custody record names this digest", d)
			}
			order = append(order, d)
		}
	}
	broken := 0
	for _, d := range order {
		if err := st.Blobs().Verify(ctx, d); err != nil {
			broken++
			tprintf(e.stdout, "BROKEN %s  %s: %v\n", d, known[d].OriginalPath, errors.Unwrap(err))
			continue
		}
		tprintf(e.stdout, "ok     %s  %s\n", d, known[d].OriginalPath)
	}
	tprintf(e.stdout, "%d verified, %d broken\n", len(order)-broken, broken)
	if broken > 0 {
		return errProblems
	}
	return nil
}
