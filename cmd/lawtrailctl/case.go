package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"text/tabwriter"
	"time"

	"lawtrail/assets"
	"lawtrail/casework"
	"lawtrail/store"
)

func cmdCase(ctx context.Context, dir string, args []string, e env) error {
	if len(args) == 0 {
		return errors.New("case needs a subcommand: new or list")
	}
	switch args[0] {
	case "new":
		return caseNew(ctx, dir, args[1:], e)
	case "export":
		return caseExport(ctx, dir, args[1:], e)
	case "show":
		return caseShow(ctx, dir, args[1:], e)
	case "list":
		st, err := store.OpenExisting(ctx, dir, store.Options{})
		if err != nil {
			return err
		}
		defer st.Close()
		if len(args) == 2 && args[1] == "--json" {
			return printCasesJSON(ctx, st, e.stdout) // case_agency.go
		}
		cases, err := st.Cases(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNUMBER\tTITLE\tACT\tPHASE")
		for _, c := range cases {
			tprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c.ID, c.Number, c.Title, c.ActType, c.Phase)
		}
		return tw.Flush()
	}
	return fmt.Errorf("unknown case subcommand %q", args[0])
}

func caseNew(ctx context.Context, dir string, args []string, e env) error {
	fs := flag.NewFlagSet("case new", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	number := fs.String("number", "", "the agency's case number (required)")
	title := fs.String("title", "", "what the case is about (required)")
	act := fs.String("act", "penalty", "penalty, coercion, inspection, levy or licensing")
	if err := fs.Parse(args); err != nil {
		return err
	}
	st, key, err := openForWriting(ctx, dir, e)
	if err != nil {
		return err
	}
	defer st.Close()
	officer, err := defaultOfficer(ctx, st, e)
	if err != nil {
		return err
	}
	info, err := st.Terminal(ctx)
	if err != nil {
		return err
	}
	b := make([]byte, 6)
	rand.Read(b)
	p := &casework.CaseOpened{Case: "c-" + hex.EncodeToString(b), Number: *number, Title: *title,
		ActType: casework.ActType(*act), Agency: info.Agency}
	if err := p.Validate(); err != nil {
		return err
	}
	if _, err := st.Append(ctx, key, store.Draft{Actor: officer, Payload: p}); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, p.Case)
	return nil
}

// caseShow prints a case: steps with AV coverage and gaps, documents with
// their versions, deadlines (overdue ones marked).
func caseShow(ctx context.Context, dir string, args []string, e env) error {
	if len(args) != 1 {
		return errors.New("usage: case show ID")
	}
	matters, err := casework.ParseAVMatters(assets.AVMatters)
	if err != nil {
		return err
	}
	st, err := store.OpenExisting(ctx, dir, store.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	r, err := st.Report(ctx, args[0], matters)
	if err != nil {
		return fmt.Errorf("case %s: %w", args[0], err)
	}
	tprintf(e.stdout, "%s  %s  (%s, %s)\n", r.Case.Number, r.Case.Title, r.Case.ActType, r.Case.Phase)
	for _, s := range r.Steps {
		tprintf(e.stdout, "  step %s %s %s–%s, %d footage linked", s.ID, s.Kind, s.Start.In(casework.Shanghai).Format("2006-01-02 15:04"),
			s.End.In(casework.Shanghai).Format("15:04"), len(s.Footage))
		switch {
		case s.TextOnly != "":
			tprintf(e.stdout, ", text only: %s", s.TextOnly)
		case s.Coverage != nil && s.Coverage.Complete():
			tprintf(e.stdout, ", AV %s: covered", s.AV)
		case s.Coverage != nil:
			tprintf(e.stdout, ", AV %s: %d gap(s)", s.AV, len(s.Coverage.Gaps))
			for _, g := range s.Coverage.Gaps {
				tprintf(e.stdout, " [%s–%s %s]", g.Start.In(casework.Shanghai).Format("15:04"), g.End.In(casework.Shanghai).Format("15:04"), g.Length())
			}
		}
		fmt.Fprintln(e.stdout)
	}
	for _, d := range r.Documents {
		tprintf(e.stdout, "  document %s %s: %d finalized version(s)\n", d.ID, d.Template, len(d.Versions))
	}
	now := time.Now()
	for _, d := range r.Deadlines {
		mark := "due"
		if d.Overdue(now) {
			mark = "OVERDUE"
		}
		tprintf(e.stdout, "  %s %s: %s (%s)\n", mark, d.Due.Format("2006-01-02"), d.What, d.Rule)
	}
	return printTimeline(ctx, st, args[0], e.stdout) // case_agency.go
}
