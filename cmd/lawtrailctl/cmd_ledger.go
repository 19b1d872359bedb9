package main

import (
	"context"
	"strings"
)

func cmdLedger() *command {
	c := newCommand("ledger", "--out F.xlsx|F.csv", "the enforcement ledger (执法台账): cases, documents, footage, AV gaps, deadlines", 0)
	out := c.flags.String("out", "", "F.xlsx or F.csv (required)")
	c.run = func(ctx context.Context, x *call, _ []string) error {
		if !strings.HasSuffix(*out, ".xlsx") && !strings.HasSuffix(*out, ".csv") {
			return usagef("--out F.xlsx or F.csv is required")
		}
		t, err := x.open(ctx)
		if err != nil {
			return err
		}
		n, err := t.WriteLedger(ctx, *out)
		if err != nil {
			return err
		}
		tprintf(x.e.stdout, "ledger of %d cases written to %s\n", n, *out)
		return nil
	}
	return c
}
