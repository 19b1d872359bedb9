package main

import (
	"context"
	"strings"
)

func cmdLedger() *command {
	c := newCommand("ledger", "--out F.xlsx|F.csv [--reason TEXT]",
		"the enforcement ledger (执法台账): cases, documents, footage, AV gaps, deadlines; recorded as the acting officer's access", 0)
	c.detail = `Writing the ledger out is an access (access.ledger_exported: the format
and how many cases' rows), signed by the terminal and co-signed by the
acting officer (LAWTRAIL_OFFICER, else the first admin; LAWTRAIL_PIN). It
names no one case, so --reason is optional; one given is recorded. The
file is written beside --out and given its name only once the access is
recorded (an existing --out is replaced).`
	out := c.flags.String("out", "", "F.xlsx or F.csv (required)")
	reason := c.flags.String("reason", "", "why you export it (optional)")
	c.run = func(ctx context.Context, x *call, _ []string) error {
		if !strings.HasSuffix(*out, ".xlsx") && !strings.HasSuffix(*out, ".csv") {
			return usagef("--out F.xlsx or F.csv is required")
		}
		s, err := x.session(ctx, "")
		if err != nil {
			return err
		}
		n, err := s.ExportLedger(ctx, *out, *reason)
		if err != nil {
			return err
		}
		tprintf(x.e.stdout, "ledger of %d cases written to %s\n", n, *out)
		return nil
	}
	return c
}
