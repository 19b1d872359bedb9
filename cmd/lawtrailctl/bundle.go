package main

import (
	"archive/zip"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"lawtrail/assets"
	"lawtrail/casework"
	"lawtrail/docpdf"
	"lawtrail/evidence"
	"lawtrail/store"
)

func caseExport(ctx context.Context, dir string, args []string, e env) error {
	if len(args) == 0 {
		return errors.New("usage: case export ID --out PATH[.zip] [--with-footage]")
	}
	id := args[0]
	fs := flag.NewFlagSet("case export", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	out := fs.String("out", "", "a new folder, or a .zip file (required)")
	withFootage := fs.Bool("with-footage", false, "include the linked footage files")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("--out is required")
	}
	st, err := store.OpenExisting(ctx, dir, store.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	folder := *out
	if strings.HasSuffix(*out, ".zip") {
		tmp, err := os.MkdirTemp("", "lawtrail-export-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		folder = filepath.Join(tmp, strings.TrimSuffix(filepath.Base(*out), ".zip"))
	}
	matters, err := casework.ParseAVMatters(assets.AVMatters)
	if err != nil {
		return err
	}
	if err := st.ExportCase(ctx, id, folder, *withFootage, matters); err != nil {
		return err
	}
	if err := addPDFs(ctx, st, id, folder); err != nil {
		return err
	}
	if folder != *out {
		if err := zipFolder(folder, *out); err != nil {
			return err
		}
	}
	fmt.Fprintf(e.stdout, "case file of %s written to %s\n", id, *out)
	return nil
}

// zipFolder writes the folder's files into a new zip, paths relative to it.
func zipFolder(folder, out string) error {
	f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	zw := zip.NewWriter(f)
	err = filepath.WalkDir(folder, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(folder, p)
		w, err := zw.Create(filepath.ToSlash(rel))
		if err != nil {
			return err
		}
		src, err := os.Open(p)
		if err != nil {
			return err
		}
		defer src.Close()
		_, err = io.Copy(w, src)
		return err
	})
	if cerr := zw.Close(); err == nil {
		err = cerr
	}
	if serr := f.Sync(); err == nil {
		err = serr
	}
	f.Close()
	return err
}

func cmdVerifyBundle(ctx context.Context, args []string, e env) error {
	if len(args) != 1 {
		return errors.New("usage: verify-bundle DIR|ZIP")
	}
	var fsys fs.FS
	if strings.HasSuffix(args[0], ".zip") {
		zr, err := zip.OpenReader(args[0])
		if err != nil {
			return err
		}
		defer zr.Close()
		fsys = zr
	} else {
		fsys = os.DirFS(args[0])
	}
	r, err := store.VerifyBundle(ctx, fsys)
	if err != nil {
		return err
	}
	for _, p := range r.Problems {
		fmt.Fprintf(e.stdout, "BROKEN %s\n", p)
	}
	if !r.OK() {
		return errProblems
	}
	fmt.Fprintf(e.stdout, "ok: every file matches SHA256SUMS; %d events verify as one chain; documents and footage are fixed by signed events\n", r.Events)
	return nil
}

// addPDFs puts the PDF of every document version (and a PNG of each
// signature drawn on screen) beside its JSON and renews SHA256SUMS.
func addPDFs(ctx context.Context, st *store.Store, caseID, folder string) error {
	templates, err := casework.LoadTemplates(assets.Templates, "templates")
	if err != nil {
		return err
	}
	info, err := st.Terminal(ctx)
	if err != nil {
		return err
	}
	docs, err := st.CaseDocuments(ctx, caseID)
	if err != nil {
		return err
	}
	for _, d := range docs {
		tpl := templates[d.Template]
		if tpl == nil {
			return fmt.Errorf("template %s is not installed", d.Template)
		}
		for _, v := range d.Versions {
			pdf, err := docpdf.Render(tpl, docpdf.Input{Agency: info.AgencyName, Content: v.Content, ContentHash: v.ContentHash, FontTTF: assets.FontRegularTTF})
			if err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(folder, "documents", fmt.Sprintf("%s-v%d.pdf", d.ID, v.Content.Version)), pdf, 0o644); err != nil {
				return err
			}
			for key, strokes := range docpdf.Signatures(tpl, v.Content.Fields) {
				png, err := docpdf.SignaturePNG(strokes, 600, 240)
				if err != nil {
					return err
				}
				name := fmt.Sprintf("%s-v%d-%s.png", d.ID, v.Content.Version, key)
				if err := os.WriteFile(filepath.Join(folder, "documents", name), png, 0o644); err != nil {
					return err
				}
			}
		}
	}
	return evidence.WriteSHA256Sums(folder)
}
