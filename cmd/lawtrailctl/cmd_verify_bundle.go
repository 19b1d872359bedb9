package main

import (
	"context"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"os"

	"lawtrail/casefile"
	"lawtrail/terminal"
	"lawtrail/tsa"
)

func cmdVerifyBundle() *command {
	c := newCommand("verify-bundle", "[--terminal-key K] [--hub-key K] [--tsa-cert F] DIR|ZIP",
		"check a case file: files, signed export, chains, derived files, hub proofs, timestamps; exit 0 only if all hold", 1)
	c.detail = "Needs no data folder: a court or a party runs it on the case file alone."
	fs := c.flags
	termKey := fs.String("terminal-key", "", "the terminal's public key from the hub's register (base64, hex, or a PEM file)")
	hubKey := fs.String("hub-key", "", "the hub's public key as the district publishes it (base64, hex, or a PEM file)")
	tsaCert := fs.String("tsa-cert", "", "the time-stamping authority's root certificate(s) as it publishes them (PEM file)")
	c.run = func(ctx context.Context, x *call, args []string) error {
		return verifyBundle(ctx, args[0], x.e, *termKey, *hubKey, *tsaCert)
	}
	return c
}

// errBadCaseFile is a case file that could not even be read through (a
// hostile archive, an endless line): a problem of the case file, exit 1.
var errBadCaseFile = errors.New("case file cannot be verified")

func verifyBundle(ctx context.Context, path string, e env, termKey, hubKey, tsaCert string) error {
	var opt casefile.VerifyOptions
	var err error
	if opt.TerminalKey, err = parsePublicKey(termKey); err != nil {
		return usagef("--terminal-key: %v", err)
	}
	if opt.HubKey, err = parsePublicKey(hubKey); err != nil {
		return usagef("--hub-key: %v", err)
	}
	if tsaCert != "" {
		raw, err := readCapped(tsaCert, "--tsa-cert", 1<<20)
		if err != nil {
			return err
		}
		if opt.TSARoots, err = tsa.ParseCertificates(raw); err != nil {
			return usagef("--tsa-cert %s: %v", tsaCert, err)
		}
	}
	if opt.Env, err = terminal.BundledCaseFileEnv(); err != nil {
		return err
	}
	b, err := casefile.OpenBundle(path)
	if err != nil {
		return fmt.Errorf("%w: %w", errBadCaseFile, err)
	}
	defer b.Close()
	r, err := casefile.Verify(ctx, b, opt)
	if err != nil {
		return fmt.Errorf("%w: %w", errBadCaseFile, err)
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
