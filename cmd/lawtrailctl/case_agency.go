package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"lawtrail/casework"
	"lawtrail/store"
	"lawtrail/sync/client"
	"lawtrail/terminal"
)

// caseListed is one case of `case list --json`: cases from every terminal
// of the agency whose events this terminal holds, with the terminals that
// wrote their events (this terminal first when it did).
type caseListed struct {
	ID            string   `json:"id"`
	Number        string   `json:"number"`
	Title         string   `json:"title"`
	ActType       string   `json:"act_type"`
	Phase         string   `json:"phase"`
	OpenedBy      string   `json:"opened_by"`
	OpenedAt      string   `json:"opened_at"`
	Terminals     []string `json:"terminals"`
	TerminalNames []string `json:"terminal_names"`
}

// printCasesJSON writes the case list as one JSON array on one line.
func printCasesJSON(ctx context.Context, st *store.Store, w io.Writer) error {
	cases, err := st.Cases(ctx)
	if err != nil {
		return err
	}
	terminals, err := st.CaseTerminals(ctx)
	if err != nil {
		return err
	}
	out := make([]caseListed, 0, len(cases))
	for _, c := range cases {
		lc := caseListed{ID: c.ID, Number: c.Number, Title: c.Title, ActType: string(c.ActType), Phase: string(c.Phase),
			OpenedBy: c.OpenedBy, OpenedAt: c.OpenedAt.Format("2006-01-02T15:04:05Z07:00"), Terminals: []string{}, TerminalNames: []string{}}
		for _, t := range terminals[c.ID] {
			lc.Terminals = append(lc.Terminals, t.ID)
			lc.TerminalNames = append(lc.TerminalNames, t.Name)
		}
		out = append(out, lc)
	}
	return json.NewEncoder(w).Encode(out)
}

// printTimeline writes a case's events from every terminal in the hub's
// log order: log index (or "-" when the hub has not logged it yet), time,
// terminal, officer, type, and the conflict the rules found, if any.
func printTimeline(ctx context.Context, st *store.Store, caseID string, w io.Writer) error {
	tl, err := st.Timeline(ctx, caseID)
	if err != nil {
		return err
	}
	if len(tl) == 0 {
		return nil
	}
	fmt.Fprintln(w, "  timeline (hub log order; this terminal's unlogged events last):")
	for _, e := range tl {
		at := "-"
		if e.LogIndex != nil {
			at = fmt.Sprint(*e.LogIndex)
		}
		officer := e.Actor
		if e.ActorName != "" {
			officer = e.ActorName + " (" + e.Actor + ")"
		}
		tprintf(w, "    %6s  %s  %s [%s]  %s  %s", at, e.Time.In(casework.Shanghai).Format("2006-01-02 15:04:05"),
			e.TerminalName, e.Terminal, officer, e.Type)
		var with []string
		for i, id := range e.CoSigners {
			if id != e.Actor {
				with = append(with, e.CoSignerNames[i]+" ("+id+")")
			}
		}
		if len(with) > 0 {
			tprintf(w, "  co-signed by %s", strings.Join(with, ", "))
		}
		if e.Conflict != "" {
			tprintf(w, "  CONFLICT: %s", e.Conflict)
		}
		fmt.Fprintln(w)
	}
	return nil
}

// printAgencyStatus writes what `sync status` says of the agency feed.
func printAgencyStatus(s client.Status, w io.Writer) {
	tprintf(w, "agency feed at log index %d\n", s.AgencyCursor)
	for _, b := range s.Blocked {
		tprintf(w, "WAITING: terminal %s (%s) from log index %d: %s\n", b.Terminal, b.Name, b.At, b.Reason)
	}
	for _, r := range s.FeedRefusals {
		tprintf(w, "REFUSED feed item %s#%d at log index %d (%s): %s\n", r.Terminal, r.Seq, r.LogIndex, r.At, r.Reason)
	}
}

// printAgencyPass adds what a pass took from the agency feed to its line.
func printAgencyPass(a client.AgencyReport, w io.Writer) {
	if a.Applied+a.Refused+a.Waiting+a.Conflicts == 0 {
		return
	}
	tprintf(w, ", other terminals' events %d (refused %d, waiting %d, conflicts %d)", a.Applied, a.Refused, a.Waiting, a.Conflicts)
	if a.RebuildMillis > 0 {
		tprintf(w, ", rebuilt in log order in %.1f s", float64(a.RebuildMillis)/1000)
	}
}

// caseShown is `case show --json`: the case, its steps and documents in
// short, and what legal review knows of it (its proposed decision, major or
// not and by which criteria, the review's rounds).
type caseShown struct {
	ID        string      `json:"id"`
	Number    string      `json:"number"`
	Title     string      `json:"title"`
	ActType   string      `json:"act_type"`
	Phase     string      `json:"phase"`
	Steps     []stepShown `json:"steps"`
	Documents []docShown  `json:"documents"`
	caseReview
}

type stepShown struct {
	ID      string `json:"id"`
	Kind    string `json:"kind"`
	Footage int    `json:"footage"`
}

type docShown struct {
	ID       string `json:"id"`
	Template string `json:"template"`
	Versions int    `json:"versions"`
	Draft    bool   `json:"draft"`
}

// printCaseJSON writes caseShown as one JSON object.
func printCaseJSON(ctx context.Context, t *terminal.Terminal, id string, w io.Writer) error {
	r, err := t.Store().Report(ctx, id, t.Config().AVMatters)
	if err != nil {
		return fmt.Errorf("case %s: %w", id, err)
	}
	cr, err := caseReviewOf(ctx, t, id) // cmd_review.go
	if err != nil {
		return err
	}
	out := caseShown{ID: r.Case.ID, Number: r.Case.Number, Title: r.Case.Title, ActType: string(r.Case.ActType), Phase: string(r.Case.Phase),
		Steps: []stepShown{}, Documents: []docShown{}, caseReview: cr}
	for _, s := range r.Steps {
		out.Steps = append(out.Steps, stepShown{ID: s.ID, Kind: string(s.Kind), Footage: len(s.Footage)})
	}
	for _, d := range r.Documents {
		out.Documents = append(out.Documents, docShown{ID: d.ID, Template: d.Template, Versions: len(d.Versions), Draft: d.Draft != nil})
	}
	return json.NewEncoder(w).Encode(out)
}
