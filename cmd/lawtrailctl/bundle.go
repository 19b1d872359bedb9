package main

import (
	"context"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"lawtrail/assets"
	"lawtrail/casefile"
	"lawtrail/casework"
	"lawtrail/tsa"
)

func caseExport(ctx context.Context, dir string, args []string, e env) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
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
	if *out == "" || fs.NArg() > 0 {
		return errors.New("usage: case export ID --out PATH[.zip] [--with-footage]")
	}
	cfEnv, err := caseFileEnv()
	if err != nil {
		return err
	}
	st, key, err := openForWriting(ctx, dir, e)
	if err != nil {
		return err
	}
	defer st.Close()
	actor, err := defaultOfficer(ctx, st, e)
	if err != nil {
		return err
	}
	res, err := casefile.Export(ctx, st, casefile.ExportOptions{Case: id, Out: *out, WithFootage: *withFootage,
		Actor: actor, Terminal: key, Env: cfEnv})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "case file of %s written to %s: %d files, SHA256SUMS %s, fixed by signed event case.exported\n",
		id, *out, res.Files, res.Sums)
	return nil
}

// caseFileEnv is what the case file is derived with: the installed AV list,
// templates and font (the same on the exporting terminal and the verifier).
func caseFileEnv() (casefile.Env, error) {
	matters, err := casework.ParseAVMatters(assets.AVMatters)
	if err != nil {
		return casefile.Env{}, err
	}
	templates, err := casework.LoadTemplates(assets.Templates, "templates")
	if err != nil {
		return casefile.Env{}, err
	}
	return casefile.Env{Matters: matters, Templates: templates, Font: assets.FontRegularTTF}, nil
}

func cmdVerifyBundle(ctx context.Context, args []string, e env) error {
	fs := flag.NewFlagSet("verify-bundle", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	termKey := fs.String("terminal-key", "", "the terminal's public key from the hub's register (base64, hex, or a PEM file)")
	hubKey := fs.String("hub-key", "", "the hub's public key as the district publishes it (base64, hex, or a PEM file)")
	tsaCert := fs.String("tsa-cert", "", "the time-stamping authority's root certificate(s) as it publishes them (PEM file)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: verify-bundle [--terminal-key K] [--hub-key K] [--tsa-cert PEM] DIR|ZIP")
	}
	var opt casefile.VerifyOptions
	var err error
	if opt.TerminalKey, err = parsePublicKey(*termKey); err != nil {
		return fmt.Errorf("--terminal-key: %w", err)
	}
	if opt.HubKey, err = parsePublicKey(*hubKey); err != nil {
		return fmt.Errorf("--hub-key: %w", err)
	}
	if *tsaCert != "" {
		raw, err := readCapped(*tsaCert, "--tsa-cert", 1<<20)
		if err != nil {
			return err
		}
		if opt.TSARoots, err = tsa.ParseCertificates(raw); err != nil {
			return fmt.Errorf("--tsa-cert %s: %w", *tsaCert, err)
		}
	}
	if opt.Env, err = caseFileEnv(); err != nil {
		return err
	}
	b, err := casefile.OpenBundle(fs.Arg(0))
	if err != nil {
		return err
	}
	defer b.Close()
	r, err := casefile.Verify(ctx, b, opt)
	if err != nil {
		return err
	}
	for _, c := range r.Claims {
		fmt.Fprintf(e.stdout, "ok: %s\n", termSafe(c))
	}
	for _, n := range r.Notes {
		fmt.Fprintf(e.stdout, "note: %s\n", termSafe(n))
	}
	for _, p := range r.Problems {
		fmt.Fprintf(e.stdout, "BROKEN %s\n", termSafe(p))
	}
	if !r.OK() {
		fmt.Fprintf(e.stdout, "%d problem(s): this case file is not as it was exported\n", len(r.Problems))
		return errProblems
	}
	return nil
}

// parsePublicKey reads an Ed25519 public key given as base64 or hex of the
// raw 32 bytes, or as a PEM file; empty gives nil.
func parsePublicKey(s string) (ed25519.PublicKey, error) {
	if s == "" {
		return nil, nil
	}
	if b, err := base64.StdEncoding.DecodeString(s); err == nil && len(b) == ed25519.PublicKeySize {
		return b, nil
	}
	if b, err := hex.DecodeString(s); err == nil && len(b) == ed25519.PublicKeySize {
		return b, nil
	}
	raw, err := os.ReadFile(s)
	if err != nil {
		return nil, errors.New("not a 32-byte key in base64 or hex, nor a readable PEM file")
	}
	blk, _ := pem.Decode(raw)
	if blk == nil {
		return nil, fmt.Errorf("%s: no PEM block", s)
	}
	k, err := x509.ParsePKIXPublicKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s, err)
	}
	pub, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("%s: not an Ed25519 key", s)
	}
	return pub, nil
}
