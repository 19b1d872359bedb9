package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"lawtrail/casework"
	"lawtrail/evidence"
	"lawtrail/terminal"
)

func cmdCaseNew() *command {
	c := newCommand("case new", "--number N --title T [--act penalty]", "open a case (立案); prints its id", 0)
	c.detail = "The acting officer must be an enforcement officer with a valid credential."
	number := c.flags.String("number", "", "the agency's case number, e.g. 示市监罚〔2026〕1号 (required)")
	title := c.flags.String("title", "", "what the case is about (required)")
	act := c.flags.String("act", "penalty", "penalty, coercion, inspection, levy or licensing")
	c.run = func(ctx context.Context, x *call, _ []string) error {
		if err := required("number", *number, "title", *title); err != nil {
			return err
		}
		s, err := x.session(ctx, "")
		if err != nil {
			return err
		}
		p, err := s.OpenCase(ctx, terminal.NewCase{Number: *number, Title: *title, Act: casework.ActType(*act)})
		if err != nil {
			return err
		}
		fmt.Fprintln(x.e.stdout, p.Case)
		return nil
	}
	return c
}

func cmdCaseList() *command {
	c := newCommand("case list", "[--json]", "every case this terminal holds, its own and the agency's other terminals'", 0)
	asJSON := c.flags.Bool("json", false, "one JSON array, each case with the terminals that wrote its events")
	c.run = func(ctx context.Context, x *call, _ []string) error {
		t, err := x.open(ctx)
		if err != nil {
			return err
		}
		st := t.Store()
		if *asJSON {
			return printCasesJSON(ctx, st, x.e.stdout) // case_agency.go
		}
		cases, err := st.Cases(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(x.e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNUMBER\tTITLE\tACT\tPHASE")
		for _, c := range cases {
			tprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c.ID, c.Number, c.Title, c.ActType, c.Phase)
		}
		return tw.Flush()
	}
	return c
}

func cmdCaseShow() *command {
	c := newCommand("case show", "CASE [--json]",
		"a case: steps with AV coverage and gaps, documents, deadlines, its decision and legal review, its timeline across terminals", 1)
	asJSON := c.flags.Bool("json", false, "one JSON object: the case, its documents, its decision (major, criteria) and review rounds")
	c.run = func(ctx context.Context, x *call, args []string) error {
		t, err := x.open(ctx)
		if err != nil {
			return err
		}
		if *asJSON {
			return printCaseJSON(ctx, t, args[0], x.e.stdout) // case_agency.go
		}
		return printCase(ctx, t, args[0], x.e)
	}
	return c
}

func cmdCaseDecision() *command {
	c := newCommand("case decision", "CASE [--file F.json]",
		"set a case's proposed decision (拟作出的决定) from a JSON file; says whether it is major and by which criteria", 1)
	c.detail = `The file is one JSON object, e.g.
  {"act":"penalty","party_kind":"organisation","penalties":[{"kind":"fine","amount_yuan":200000}]}
fields: act, party_kind (individual, organisation), penalties (kind, amount_yuan
in yuan with at most two decimals, object), hearing (requested, held),
crime_transfer, flags (public_interest, social_impact, complex), summary.
Unknown fields or malformed amounts are refused (exit 2). Without --file the
decision as it stands (the case's, or its draft decision document's) is
shown. A drafted decision document states the decision from then on.`
	file := c.flags.String("file", "", "the proposed decision, a JSON object")
	c.run = func(ctx context.Context, x *call, args []string) error {
		if err := checkID("case", args[0]); err != nil {
			return err
		}
		if *file != "" {
			raw, err := readCapped(*file, "--file", maxDecisionFile)
			if err != nil {
				return err
			}
			d, err := casework.ParseDecision(raw)
			if err != nil {
				return usagef("--file %s: %v", *file, err)
			}
			s, err := x.session(ctx, "")
			if err != nil {
				return err
			}
			if err := s.ProposeDecision(ctx, args[0], d); err != nil {
				return err
			}
		}
		t, err := x.open(ctx)
		if err != nil {
			return err
		}
		cr, err := caseReviewOf(ctx, t, args[0])
		if err != nil {
			return err
		}
		if cr.Decision == nil {
			return fmt.Errorf("%w: case %s states no proposed decision yet (give --file, or draft the decision document)", terminal.ErrBadInput, args[0])
		}
		tprintf(x.e.stdout, "case %s:\n", args[0])
		printCaseReview(x.e.stdout, cr)
		return nil
	}
	return c
}

// printCase prints a case: steps with AV coverage and gaps, documents with
// their versions, deadlines (overdue ones marked), the timeline.
func printCase(ctx context.Context, t *terminal.Terminal, id string, e env) error {
	st := t.Store()
	r, err := st.Report(ctx, id, t.Config().AVMatters)
	if err != nil {
		return fmt.Errorf("case %s: %w", id, err)
	}
	tprintf(e.stdout, "%s  %s  (%s, %s)\n", r.Case.Number, r.Case.Title, r.Case.ActType, r.Case.Phase)
	for _, s := range r.Steps {
		tprintf(e.stdout, "  step %s %s %s–%s, %d footage linked", s.ID, s.Kind, s.Start.In(casework.Shanghai).Format(shanghaiLayout),
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
	now := t.Now()
	for _, d := range r.Deadlines {
		mark := "due"
		if d.Overdue(now) {
			mark = "OVERDUE"
		}
		tprintf(e.stdout, "  %s %s: %s (%s)\n", mark, d.Due.Format("2006-01-02"), d.What, d.Rule)
	}
	cr, err := caseReviewOf(ctx, t, id)
	if err != nil {
		return err
	}
	printCaseReview(e.stdout, cr)
	return printTimeline(ctx, st, id, e.stdout) // case_agency.go
}

func cmdCaseStep() *command {
	c := newCommand("case step", "CASE --kind K --start T --end T [--note N] [--officers o-001,o-002] [--pins FILE]",
		"record a step of a case, co-signed by every officer present; prints its id", 1)
	c.detail = `Times are "2006-01-02 15:04" in China Standard Time, or RFC 3339.
--officers names everyone present (default: the acting officer and those in
--pins); each of them other than the acting officer co-signs with their PIN
from --pins FILE (lines "officer-id PIN", mode 600).
Kinds: ` + stepKinds()
	kind := c.flags.String("kind", "", "what was done, e.g. onsite_inspection, interview, seizure (required)")
	start := c.flags.String("start", "", "when it began (required)")
	end := c.flags.String("end", "", "when it ended (required)")
	note := c.flags.String("note", "", "a short note")
	officers := c.flags.String("officers", "", "everyone present, comma-separated ids")
	pinsFile := c.flags.String("pins", "", "file of the other officers' PINs (mode 600)")
	c.run = func(ctx context.Context, x *call, args []string) error {
		if err := required("kind", *kind); err != nil {
			return err
		}
		from, err := parseTime("start", *start)
		if err != nil {
			return err
		}
		to, err := parseTime("end", *end)
		if err != nil {
			return err
		}
		named, err := officerIDs(*officers)
		if err != nil {
			return err
		}
		pins, err := readPins(*pinsFile)
		if err != nil {
			return err
		}
		defer wipe(pins)
		if len(named) > 0 {
			if pins, err = witnessesOf(pins, named, "this step"); err != nil {
				return err
			}
		}
		s, err := x.session(ctx, "")
		if err != nil {
			return err
		}
		p, err := s.RecordStep(ctx, terminal.NewStep{Case: args[0], Kind: casework.StepKind(*kind), Start: from, End: to,
			Note: *note, Officers: named, Witnesses: pins})
		if err != nil {
			return err
		}
		fmt.Fprintln(x.e.stdout, p.Step)
		return nil
	}
	return c
}

// officerIDs reads a comma-separated list of officer ids.
func officerIDs(s string) ([]string, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []string
	for _, id := range strings.Split(s, ",") {
		id = strings.TrimSpace(id)
		if err := checkID("officer", id); err != nil {
			return nil, usagef("--officers: %v", err)
		}
		out = append(out, id)
	}
	return out, nil
}

func stepKinds() string {
	var s []string
	for _, k := range []casework.StepKind{casework.StepOnSiteInspection, casework.StepInterview, casework.StepSampling,
		casework.StepPreservation, casework.StepSeizure, casework.StepForcedDemolition, casework.StepHearing, casework.StepDecision,
		casework.StepService, casework.StepExecution} {
		s = append(s, string(k))
	}
	return strings.Join(s, ", ") + "."
}

func cmdCaseAdvance() *command {
	c := newCommand("case advance", "CASE PHASE", "move a case forward to a phase", 2)
	c.detail = "Phases, in order: " + phases()
	c.run = func(ctx context.Context, x *call, args []string) error {
		s, err := x.session(ctx, "")
		if err != nil {
			return err
		}
		if err := s.AdvanceCase(ctx, args[0], casework.Phase(args[1])); err != nil {
			return err
		}
		tprintf(x.e.stdout, "case %s: %s\n", args[0], args[1])
		return nil
	}
	return c
}

func phases() string {
	var s []string
	for _, p := range casework.Phases {
		s = append(s, string(p))
	}
	return strings.Join(s, ", ") + "."
}

func cmdCaseLink() *command {
	c := newCommand("case link", "STEP DIGEST", "link a footage file (its SHA-256, see footage list) to a step", 2)
	c.run = func(ctx context.Context, x *call, args []string) error {
		d, err := evidence.ParseDigest(args[1])
		if err != nil {
			return usagef("DIGEST %q: %v", args[1], err)
		}
		s, err := x.session(ctx, "")
		if err != nil {
			return err
		}
		if err := s.LinkFootage(ctx, args[0], d); err != nil {
			return err
		}
		tprintf(x.e.stdout, "footage %s linked to step %s\n", d, args[0])
		return nil
	}
	return c
}

func cmdCaseTextOnly() *command {
	c := newCommand("case text-only", "STEP --reason R", "record that a step is fully recorded in text, and why (refused for matters that must be filmed)", 1)
	reason := c.flags.String("reason", "", "why there is no audio/video (required)")
	c.run = func(ctx context.Context, x *call, args []string) error {
		if err := required("reason", strings.TrimSpace(*reason)); err != nil {
			return err
		}
		s, err := x.session(ctx, "")
		if err != nil {
			return err
		}
		if err := s.MarkTextOnly(ctx, args[0], *reason); err != nil {
			return err
		}
		tprintf(x.e.stdout, "step %s: text only (%s)\n", args[0], *reason)
		return nil
	}
	return c
}

func cmdCaseExport() *command {
	c := newCommand("case export", "CASE --out DIR|F.zip [--with-footage]",
		"write the case file (卷宗) from the verified events, fixed by a signed case.exported", 1)
	out := c.flags.String("out", "", "a new folder, or a .zip file (required)")
	withFootage := c.flags.Bool("with-footage", false, "include the linked footage files")
	c.run = func(ctx context.Context, x *call, args []string) error {
		if err := required("out", *out); err != nil {
			return err
		}
		s, err := x.session(ctx, "")
		if err != nil {
			return err
		}
		res, err := s.ExportCase(ctx, terminal.CaseExport{Case: args[0], Out: *out, WithFootage: *withFootage})
		if err != nil {
			return err
		}
		tprintf(x.e.stdout, "case file of %s written to %s: %d files, SHA256SUMS %s, fixed by signed event case.exported\n",
			args[0], *out, res.Files, res.Sums)
		return nil
	}
	return c
}
