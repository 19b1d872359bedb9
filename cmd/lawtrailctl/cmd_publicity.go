package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"lawtrail/casework"
	"lawtrail/terminal"
)

// Publicity (事后公开): the publisher publishes a finalized decision, its
// personal information masked, and withdraws it with a reason; the list
// shows what is published, withdrawn, and pending with its due day.

// maxPublicTextFile bounds publicity publish --text.
const maxPublicTextFile = 256 << 10

func cmdPublicityPublish() *command {
	c := newCommand("publicity publish", "--doc DOC [--text FILE.json] [--note TEXT] [--dry-run]",
		"publish a finalized decision document (公示), its personal information masked; prints the publication id last", 0)
	c.detail = `The acting officer (LAWTRAIL_OFFICER) holds the publisher role. The text is
produced from the document's latest finalized version by the masking rules
(docs/EVENTS.md "Publicity"); --dry-run prints it as JSON without signing,
and --text FILE gives the text to publish instead (the same JSON object:
title, party, address, facts, basis, outcome), edited. A text that still
carries an ID-card, mobile or landline number, or an individual party's
full name, is refused (exit 4), as is a case already published.`
	doc := c.flags.String("doc", "", "the decision document (required)")
	textFile := c.flags.String("text", "", "the masked text to publish, edited (a JSON object)")
	note := c.flags.String("note", "", "a note kept with the publication")
	dry := c.flags.Bool("dry-run", false, "print the prepared publication as JSON; sign nothing")
	c.run = func(ctx context.Context, x *call, _ []string) error {
		if err := required("doc", *doc); err != nil {
			return err
		}
		if err := checkID("document", *doc); err != nil {
			return err
		}
		var edited *casework.PublicText
		if *textFile != "" {
			t, err := readPublicText(*textFile)
			if err != nil {
				return err
			}
			edited = &t
		}
		s, err := x.session(ctx, "")
		if err != nil {
			return err
		}
		d, err := s.PreparePublication(ctx, *doc)
		if err != nil {
			return err
		}
		if edited != nil {
			d.Text = *edited
		}
		d.Note = *note
		if *dry {
			enc := json.NewEncoder(x.e.stdout)
			enc.SetIndent("", " ")
			return enc.Encode(d.PublicityPublished)
		}
		p, err := s.Publish(ctx, d)
		if err != nil {
			return err
		}
		printPublicText(x.e.stdout, p.Text)
		tprintf(x.e.stdout, "decided %s, due %s; published by %s as %s\n", p.Decided, p.Due, s.Officer.ID, p.Publication)
		return nil
	}
	return c
}

// readPublicText reads --text: one JSON object of casework.PublicText.
func readPublicText(path string) (casework.PublicText, error) {
	var t casework.PublicText
	raw, err := readCapped(path, "--text", maxPublicTextFile)
	if err != nil {
		return t, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&t); err != nil || dec.More() {
		return t, usagef("--text %s: want one JSON object {\"title\",\"party\",\"address\",\"facts\",\"basis\",\"outcome\"}: %v", path, err)
	}
	return t, nil
}

func printPublicText(w io.Writer, t casework.PublicText) {
	for _, l := range [][2]string{{"标题", t.Title}, {"当事人", t.Party}, {"地址", t.Address}, {"违法事实", t.Facts},
		{"依据", t.Basis}, {"处理结果", t.Outcome}} {
		if l[1] != "" {
			tprintf(w, "  %s: %s\n", l[0], l[1])
		}
	}
}

func cmdPublicityWithdraw() *command {
	c := newCommand("publicity withdraw", "ID --reason TEXT [--code revoked|confirmed_unlawful|redo|other]",
		"withdraw a publication (撤回) with the reason: revoked 撤销, confirmed_unlawful 确认违法, redo 责令重做, other", 1)
	reason := c.flags.String("reason", "", "why it is withdrawn, in words (required)")
	code := c.flags.String("code", string(casework.WithdrawOther), "revoked, confirmed_unlawful, redo or other")
	c.run = func(ctx context.Context, x *call, args []string) error {
		if err := required("reason", strings.TrimSpace(*reason)); err != nil {
			return err
		}
		wc := casework.WithdrawCode(*code)
		if !slices.Contains(casework.WithdrawCodes, wc) {
			return usagef("--code %q: one of revoked, confirmed_unlawful, redo, other", *code)
		}
		if err := checkID("publication", args[0]); err != nil {
			return err
		}
		s, err := x.session(ctx, "")
		if err != nil {
			return err
		}
		if err := s.Withdraw(ctx, args[0], wc, *reason); err != nil {
			return err
		}
		tprintf(x.e.stdout, "publication %s: withdrawn by %s (%s)\n", args[0], s.Officer.ID, wc)
		return nil
	}
	return c
}

// publicationShown is one row of publicity list --json.
type publicationShown struct {
	State          terminal.PublicationState `json:"state"`
	Publication    string                    `json:"publication,omitempty"`
	Case           string                    `json:"case"`
	Doc            string                    `json:"doc"`
	DocVersion     int                       `json:"doc_version"`
	Act            casework.ActType          `json:"act"`
	Decided        string                    `json:"decided"`
	Due            string                    `json:"due"`
	Overdue        bool                      `json:"overdue"`
	Text           *casework.PublicText      `json:"text,omitempty"`
	PublishedBy    string                    `json:"published_by,omitempty"`
	PublishedAt    string                    `json:"published_at,omitempty"`
	WithdrawnCode  casework.WithdrawCode     `json:"withdrawn_code,omitempty"`
	WithdrawReason string                    `json:"withdraw_reason,omitempty"`
	WithdrawnBy    string                    `json:"withdrawn_by,omitempty"`
	WithdrawnAt    string                    `json:"withdrawn_at,omitempty"`
}

func showPublication(r terminal.PublicationRow) publicationShown {
	out := publicationShown{State: r.State, Case: r.Case, Doc: r.Doc, DocVersion: r.DocVersion, Act: r.Act, Decided: r.Decided,
		Due: r.Due, Overdue: r.Overdue}
	if p := r.Publication; p != nil {
		text := p.Text
		out.Publication, out.Text, out.PublishedBy = p.Publication, &text, p.PublishedBy
		out.PublishedAt = p.PublishedAt.In(casework.Shanghai).Format(time.RFC3339)
		out.WithdrawnCode, out.WithdrawReason, out.WithdrawnBy = p.WithdrawnCode, p.WithdrawReason, p.WithdrawnBy
		if p.Withdrawn() {
			out.WithdrawnAt = p.WithdrawnAt.In(casework.Shanghai).Format(time.RFC3339)
		}
	}
	return out
}

func cmdPublicityList() *command {
	c := newCommand("publicity list", "[--json]",
		"publications (published, withdrawn) and finalized decisions pending publication, with due days and overdue marks", 0)
	asJSON := c.flags.Bool("json", false, "one JSON array")
	c.run = func(ctx context.Context, x *call, _ []string) error {
		t, err := x.open(ctx)
		if err != nil {
			return err
		}
		rows, err := t.Publications(ctx)
		if err != nil {
			return err
		}
		out := make([]publicationShown, len(rows))
		for i, r := range rows {
			out[i] = showPublication(r)
		}
		if *asJSON {
			return json.NewEncoder(x.e.stdout).Encode(out)
		}
		tw := tabwriter.NewWriter(x.e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "STATE\tPUBLICATION\tCASE\tDOC\tDECIDED\tDUE\tPARTY\tNOTE")
		for _, r := range out {
			id, party, note := "-", "-", ""
			if r.Text != nil {
				id, party = r.Publication, r.Text.Party
			}
			if r.Overdue {
				note = "OVERDUE 逾期"
			}
			if r.WithdrawnCode != "" {
				note = strings.TrimSpace(note + " " + string(r.WithdrawnCode) + ": " + r.WithdrawReason)
			}
			tprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.State, id, r.Case, r.Doc, r.Decided, r.Due, party, note)
		}
		return tw.Flush()
	}
	return c
}
