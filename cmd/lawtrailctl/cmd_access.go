package main

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"lawtrail/store"
)

func cmdAccessList() *command {
	c := newCommand("access list", "[--officer ID] [--since T] [--json]",
		"every access to the record, oldest first: clips played, footage exported or fetched, documents shown or made PDFs, review papers printed, the ledger exported, case files exported", 0)
	c.detail = `Each access is a signed event (access.footage_played, access.footage_exported,
access.document_viewed, access.review_printed, access.ledger_exported,
footage.fetched, case.exported) naming who, what,
the case and the reason typed by an officer not on the case. --since takes
"2006-01-02 15:04" in China Standard Time or RFC 3339. Reading needs the
passphrase (the record is sealed at rest), no PIN.`
	officer := c.flags.String("officer", "", "only this officer's accesses")
	since := c.flags.String("since", "", "only accesses at or after this time")
	asJSON := c.flags.Bool("json", false, "one JSON object per access per line")
	c.run = func(ctx context.Context, x *call, _ []string) error {
		f := store.AccessFilter{Officer: *officer}
		if f.Officer != "" {
			if err := checkID("--officer", f.Officer); err != nil {
				return err
			}
		}
		if *since != "" {
			t, err := parseTime("since", *since)
			if err != nil {
				return err
			}
			f.Since = t
		}
		t, err := x.open(ctx)
		if err != nil {
			return err
		}
		rows, err := t.Store().Accesses(ctx, f)
		if err != nil {
			return err
		}
		if *asJSON {
			enc := json.NewEncoder(x.e.stdout)
			for _, a := range rows {
				if err := enc.Encode(a); err != nil {
					return err
				}
			}
			return nil
		}
		return printAccesses(x.e, rows)
	}
	return c
}

// printAccesses writes one line per access: when, who, what, the case and
// the reason (control characters in it shown escaped).
func printAccesses(e env, rows []store.Access) error {
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tOFFICER\tTYPE\tWHAT\tCASE\tREASON")
	for _, a := range rows {
		if _, err := tprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", a.Time, a.Officer, a.Type, accessWhat(a), dash(a.Case), dash(a.Reason)); err != nil {
			return err
		}
	}
	return tw.Flush()
}

// accessWhat names what an access touched: a footage digest (short), a
// document version and how, a review round and its paper, the ledger's
// format and rows, or nothing more (a case file: its case).
func accessWhat(a store.Access) string {
	switch {
	case a.Digest != "":
		return short(a.Digest)
	case a.Doc != "":
		return fmt.Sprintf("%s v%d (%s)", a.Doc, a.Version, a.How)
	case a.Review != "":
		return fmt.Sprintf("%s round %d (%s)", a.Review, a.Round, a.Kind)
	case a.Format != "" && a.Rows != nil:
		return fmt.Sprintf("ledger %s, %d cases", a.Format, *a.Rows)
	}
	return "-"
}
