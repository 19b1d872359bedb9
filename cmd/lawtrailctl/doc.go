package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"lawtrail/assets"
	"lawtrail/casefile"
	"lawtrail/casework"
	"lawtrail/docpdf"
	"lawtrail/evidence"
	"lawtrail/store"
)

func cmdDoc(ctx context.Context, dir string, args []string, e env) error {
	if len(args) == 0 {
		return errors.New("doc needs a subcommand: templates, new, finalize, show")
	}
	templates, err := casework.LoadTemplates(assets.Templates, "templates")
	if err != nil {
		return err
	}
	switch args[0] {
	case "templates":
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tFIELDS\tON SITE")
		for _, t := range templates.Sorted() {
			tprintf(tw, "%s\t%s (%s)\t%d\t%v\n", t.ID, t.Name, t.NameEn, len(t.Fields()), t.OnSite)
		}
		return tw.Flush()
	case "new":
		return docNew(ctx, dir, args[1:], e, templates)
	case "finalize":
		return docFinalize(ctx, dir, args[1:], e, templates)
	case "show":
		return docShow(ctx, dir, args[1:], e)
	case "pdf":
		return docPDF(ctx, dir, args[1:], e)
	}
	return fmt.Errorf("unknown doc subcommand %q", args[0])
}

func docNew(ctx context.Context, dir string, args []string, e env, templates casework.Templates) error {
	fs := flag.NewFlagSet("doc new", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	caseID := fs.String("case", "", "case id (required)")
	tplID := fs.String("template", "", "template id, see doc templates (required)")
	fieldsFile := fs.String("fields", "", "JSON object of field values (required)")
	docID := fs.String("id", "", "document id (default: new; give an existing id to save a new draft of it)")
	stepID := fs.String("step", "", "the step of the case this document records")
	if err := fs.Parse(args); err != nil {
		return err
	}
	tpl := templates[*tplID]
	if *caseID == "" || tpl == nil || *fieldsFile == "" {
		return errors.New("--case, --template (a known one) and --fields are required")
	}
	raw, err := readCapped(*fieldsFile, "--fields", maxFieldsFile)
	if err != nil {
		return err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return fmt.Errorf("%s: %w", *fieldsFile, err)
	}
	if errs := tpl.Check(fields, true); len(errs) > 0 {
		return fieldErrors(e, errs)
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
	version := 1
	if *docID == "" {
		b := make([]byte, 6)
		rand.Read(b)
		*docID = "d-" + hex.EncodeToString(b)
	} else if d, err := st.Document(ctx, *docID); err == nil {
		version = d.Finalized + 1
	}
	p := &casework.DocDrafted{DocumentContent: casework.DocumentContent{Doc: *docID, Case: *caseID, Step: *stepID, Template: tpl.ID,
		TemplateVersion: tpl.Version, Version: version, Fields: fields}}
	if _, err := st.Append(ctx, key, store.Draft{Actor: officer, Payload: p}); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, *docID)
	return nil
}

func fieldErrors(e env, errs []casework.FieldError) error {
	for _, fe := range errs {
		tprintf(e.stdout, "FIELD %s\n", fe)
	}
	return errProblems
}

// docFinalize fixes the latest draft as a version, signed by the terminal
// and co-signed by the acting officer (LAWTRAIL_OFFICER, LAWTRAIL_PIN).
func docFinalize(ctx context.Context, dir string, args []string, e env, templates casework.Templates) error {
	if len(args) != 1 {
		return errors.New("usage: doc finalize DOC")
	}
	st, key, err := openForWriting(ctx, dir, e)
	if err != nil {
		return err
	}
	defer st.Close()
	d, err := st.Document(ctx, args[0])
	if err != nil {
		return err
	}
	if d.Draft == nil {
		return fmt.Errorf("document %s has no draft since its last version", d.ID)
	}
	tpl := templates[d.Template]
	if tpl == nil {
		return fmt.Errorf("document %s: template %s is not installed", d.ID, d.Template)
	}
	if errs := tpl.Check(d.Draft, false); len(errs) > 0 {
		return fieldErrors(e, errs)
	}
	officer, err := defaultOfficer(ctx, st, e)
	if err != nil {
		return err
	}
	okey, err := unlockOfficer(dir, officer, e)
	if err != nil {
		return err
	}
	content := casework.DocumentContent{Doc: d.ID, Case: d.Case, Template: d.Template, TemplateVersion: d.TemplateVersion,
		Version: d.Finalized + 1, Fields: d.Draft}
	hash, err := content.Hash()
	if err != nil {
		return err
	}
	p := &casework.DocFinalized{DocumentContent: content, ContentHash: hash}
	if d.Finalized > 0 {
		last, err := evidence.ParseDigest(d.LastHash)
		if err != nil {
			return err
		}
		p.Corrects = &last
	}
	if _, err := st.Append(ctx, key, store.Draft{Actor: officer, Payload: p,
		CoSigners: []evidence.OfficerKey{{Officer: officer, Key: okey}}}); err != nil {
		return err
	}
	tprintf(e.stdout, "%s version %d finalized, content SHA-256 %s\n", d.ID, content.Version, hash)
	return nil
}

func unlockOfficer(dir, officer string, e env) (evidence.KeyPair, error) {
	sk, err := store.ReadSealedKey(store.OfficerKeyPath(dir, officer))
	if err != nil {
		return evidence.KeyPair{}, err
	}
	pin, err := secret(e, "LAWTRAIL_PIN", "Officer PIN: ")
	if err != nil {
		return evidence.KeyPair{}, err
	}
	k, err := sk.Unseal(pin)
	if err != nil {
		return evidence.KeyPair{}, fmt.Errorf("officer %s: %w", officer, err)
	}
	return k, nil
}

func docShow(ctx context.Context, dir string, args []string, e env) error {
	if len(args) != 1 {
		return errors.New("usage: doc show DOC")
	}
	st, err := store.OpenExisting(ctx, dir, store.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	d, err := st.Document(ctx, args[0])
	if err != nil {
		return err
	}
	tprintf(e.stdout, "document %s (%s, case %s)\n", d.ID, d.Template, d.Case)
	for _, v := range d.Versions {
		corr := ""
		if v.Corrects != "" {
			corr = " corrects " + v.Corrects[:12]
		}
		tprintf(e.stdout, "  version %d  %s  signed by %s at %s%s\n", v.Content.Version, v.ContentHash, v.SignedBy, v.At, corr)
	}
	if d.Draft != nil {
		keys := make([]string, 0, len(d.Draft))
		for k := range d.Draft {
			keys = append(keys, k)
		}
		tprintf(e.stdout, "  draft: %d fields (%s)\n", len(keys), strings.Join(keys, ", "))
	}
	return nil
}

// docPDF renders a finalized version as a PDF with a QR code on every page.
func docPDF(ctx context.Context, dir string, args []string, e env) error {
	if len(args) == 0 {
		return errors.New("usage: doc pdf DOC --out F.pdf [--version N]")
	}
	id := args[0]
	fs := flag.NewFlagSet("doc pdf", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	out := fs.String("out", "", "PDF file to write (required)")
	version := fs.Int("version", 0, "version (default: the latest)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("--out is required")
	}
	templates, err := casework.LoadTemplates(assets.Templates, "templates")
	if err != nil {
		return err
	}
	st, err := store.OpenExisting(ctx, dir, store.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	d, err := st.Document(ctx, id)
	if err != nil {
		return err
	}
	if len(d.Versions) == 0 {
		return fmt.Errorf("document %s has no finalized version (doc finalize first)", id)
	}
	v := d.Versions[len(d.Versions)-1]
	if *version > 0 {
		if *version > len(d.Versions) {
			return fmt.Errorf("document %s has %d versions", id, len(d.Versions))
		}
		v = d.Versions[*version-1]
	}
	tpl := templates[d.Template]
	if tpl == nil {
		return fmt.Errorf("template %s is not installed", d.Template)
	}
	info, err := st.Terminal(ctx)
	if err != nil {
		return err
	}
	in, err := casefile.PDFInput(info.AgencyName, v, assets.FontRegularTTF)
	if err != nil {
		return err
	}
	pdf, err := docpdf.Render(tpl, in)
	if err != nil {
		return err
	}
	if err := os.WriteFile(*out, pdf, 0o644); err != nil {
		return err
	}
	tprintf(e.stdout, "%s version %d → %s (%d bytes)\n", id, v.Content.Version, *out, len(pdf))
	return nil
}
