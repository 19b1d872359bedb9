package main

import (
	"context"
	"os"

	"lawtrail/evidence"
	"lawtrail/terminal"
)

func cmdFootageExport() *command {
	c := newCommand("footage export", "DIGEST --out F [--reason TEXT] [--force]",
		"write a footage file's plaintext to F, recorded as the acting officer's access (access.footage_exported)", 1)
	c.detail = `The access is signed by the terminal and co-signed by the acting officer
before the bytes are written. An officer who neither docked the footage nor
took part in a case that links it must say why with --reason (at most 500
characters, one line); without it the rule refuses (exit 4) and nothing is
written or stored. F must not exist unless --force; the file appears whole,
verified against DIGEST, or not at all.`
	out := c.flags.String("out", "", "file to write (required)")
	reason := c.flags.String("reason", "", "why you access it (required when you are not on its case)")
	force := c.flags.Bool("force", false, "replace F if it exists")
	c.run = func(ctx context.Context, x *call, args []string) error {
		if err := required("out", *out); err != nil {
			return err
		}
		if _, err := evidence.ParseDigest(args[0]); err != nil {
			return usagef("DIGEST %q: %v", args[0], err)
		}
		if _, err := os.Lstat(*out); err == nil && !*force {
			return usagef("--out %s exists already (choose another name, or --force to replace it)", *out)
		}
		s, err := x.session(ctx, "")
		if err != nil {
			return err
		}
		n, err := s.ExportFootage(ctx, terminal.FootageExport{Digest: args[0], Out: *out, Reason: *reason, Force: *force})
		if err != nil {
			return err
		}
		tprintf(x.e.stdout, "%s → %s (%d bytes), access recorded\n", args[0], *out, n)
		return nil
	}
	return c
}
