package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"lawtrail/casework"
	"lawtrail/store"
	"lawtrail/terminal"
)

func cmdDocTemplates() *command {
	c := newCommand("doc templates", "", "the document templates in force: id, name, fields, whether on site", 0)
	c.run = func(ctx context.Context, x *call, _ []string) error {
		cfg, err := x.config(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(x.e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tFIELDS\tON SITE")
		for _, t := range cfg.Templates.Sorted() {
			tprintf(tw, "%s\t%s (%s)\t%d\t%v\n", t.ID, t.Name, t.NameEn, len(t.Fields()), t.OnSite)
		}
		return tw.Flush()
	}
	return c
}

// config is the agency configuration in force: the data folder's, or the
// bundled one when there is no data folder yet.
func (x *call) config(ctx context.Context) (*casework.Config, error) {
	t, err := x.open(ctx)
	if errors.Is(err, store.ErrNotInitialized) {
		return terminal.BundledConfig()
	}
	if err != nil {
		return nil, err
	}
	return t.Config(), nil
}

func cmdDocNew() *command {
	c := newCommand("doc new", "--case ID --template NAME --fields FILE.json [--id DOC] [--step STEP]",
		"save a draft of a document (a new one, or the next version of --id); prints its id", 0)
	c.detail = `The fields file is a JSON object of the template's values (see doc
templates). A draft may be incomplete; invalid values are listed as FIELD
lines (exit 4).`
	caseID := c.flags.String("case", "", "case id (required)")
	tplID := c.flags.String("template", "", "template id, see doc templates (required)")
	fieldsFile := c.flags.String("fields", "", "JSON object of field values (required)")
	docID := c.flags.String("id", "", "document id (default: new; give an existing id to save a new draft of it)")
	stepID := c.flags.String("step", "", "the step of the case this document records")
	c.run = func(ctx context.Context, x *call, _ []string) error {
		if err := required("case", *caseID, "template", *tplID, "fields", *fieldsFile); err != nil {
			return err
		}
		raw, err := readCapped(*fieldsFile, "--fields", maxFieldsFile)
		if err != nil {
			return err
		}
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(raw, &fields); err != nil {
			return usagef("--fields %s: not a JSON object: %v", *fieldsFile, err)
		}
		t, err := x.open(ctx)
		if err != nil {
			return err
		}
		if t.Config().Templates[*tplID] == nil {
			return usagef("--template %q: no such template (see lawtrailctl doc templates)", *tplID)
		}
		s, err := x.session(ctx, "")
		if err != nil {
			return err
		}
		d, err := s.SaveDraft(ctx, terminal.DocumentDraft{Doc: *docID, Case: *caseID, Step: *stepID, Template: *tplID, Fields: fields})
		if err != nil {
			return err
		}
		fmt.Fprintln(x.e.stdout, d.Doc)
		return nil
	}
	return c
}

func cmdDocFinalize() *command {
	c := newCommand("doc finalize", "DOC [--pins FILE]", "fix a document's latest draft as its next signed version", 1)
	c.detail = `Signed by the terminal and the acting officer. An on-site document (现场笔录,
询问笔录, …) names the officers present, each with id and credential; each
of them other than the acting officer co-signs with their PIN from --pins
FILE (lines "officer-id PIN", mode 600).`
	pinsFile := c.flags.String("pins", "", "file of the other officers' PINs (mode 600)")
	c.run = func(ctx context.Context, x *call, args []string) error {
		pins, err := readPins(*pinsFile)
		if err != nil {
			return err
		}
		defer wipe(pins)
		t, err := x.open(ctx)
		if err != nil {
			return err
		}
		if len(pins) > 0 {
			named, err := namedInDraft(ctx, t, args[0])
			if err != nil {
				return err
			}
			if pins, err = witnessesOf(pins, named, "document "+args[0]); err != nil {
				return err
			}
		}
		s, err := x.session(ctx, "")
		if err != nil {
			return err
		}
		fin, err := s.FinalizeLatestDraft(ctx, args[0], pins)
		if err != nil {
			return err
		}
		tprintf(x.e.stdout, "%s version %d finalized, content SHA-256 %s\n", fin.Content.Doc, fin.Content.Version, fin.Hash)
		return nil
	}
	return c
}

// namedInDraft lists the officer ids a document's latest draft names present.
func namedInDraft(ctx context.Context, t *terminal.Terminal, doc string) ([]string, error) {
	row, err := t.Store().Document(ctx, doc)
	if err != nil {
		return nil, err
	}
	tpl := t.Config().Templates[row.Template]
	if tpl == nil || row.Draft == nil {
		return nil, nil
	}
	named, err := tpl.NamedOfficers(row.Draft)
	if err != nil {
		return nil, fmt.Errorf("%w: document %s: %w", terminal.ErrBadInput, doc, err)
	}
	ids := make([]string, len(named))
	for i, n := range named {
		ids[i] = n.ID
	}
	return ids, nil
}

func cmdDocShow() *command {
	c := newCommand("doc show", "DOC", "a document's signed versions (and corrections) and its draft", 1)
	c.run = func(ctx context.Context, x *call, args []string) error {
		t, err := x.open(ctx)
		if err != nil {
			return err
		}
		d, err := t.Store().Document(ctx, args[0])
		if err != nil {
			return err
		}
		tprintf(x.e.stdout, "document %s (%s, case %s)\n", d.ID, d.Template, d.Case)
		for _, v := range d.Versions {
			corr := ""
			if v.Corrects != "" {
				corr = " corrects " + shortHash(v.Corrects)
			}
			tprintf(x.e.stdout, "  version %d  %s  signed by %s at %s%s\n", v.Content.Version, v.ContentHash, v.SignedBy, v.At, corr)
		}
		if d.Draft != nil {
			keys := make([]string, 0, len(d.Draft))
			for k := range d.Draft {
				keys = append(keys, k)
			}
			tprintf(x.e.stdout, "  draft: %d fields (%s)\n", len(keys), strings.Join(keys, ", "))
		}
		return nil
	}
	return c
}

func cmdDocPDF() *command {
	c := newCommand("doc pdf", "DOC --out F.pdf [--version N] [--reason TEXT]", "render a finalized version as a PDF with a QR code on every page, recorded as the acting officer's access", 1)
	c.detail = `Making the PDF is an access (access.document_viewed, how "pdf"), signed by
the terminal and co-signed by the acting officer; one who took no part in
the document's case says why with --reason, or the rule refuses (exit 4).`
	out := c.flags.String("out", "", "PDF file to write (required)")
	version := c.flags.Int("version", 0, "version (default: the latest)")
	reason := c.flags.String("reason", "", "why you access it (required when you are not on its case)")
	c.run = func(ctx context.Context, x *call, args []string) error {
		if err := required("out", *out); err != nil {
			return err
		}
		if *version < 0 {
			return usagef("--version %d: versions count from 1", *version)
		}
		id := args[0]
		s, err := x.session(ctx, "")
		if err != nil {
			return err
		}
		pdf, v, err := s.ViewDocument(ctx, id, *version, casework.ViewPDF, *reason)
		if err != nil {
			return err
		}
		if err := os.WriteFile(*out, pdf, 0o644); err != nil {
			return fmt.Errorf("write %s: %w", *out, err)
		}
		tprintf(x.e.stdout, "%s version %d → %s (%d bytes)\n", id, v, *out, len(pdf))
		return nil
	}
	return c
}
