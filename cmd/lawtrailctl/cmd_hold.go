package main

import (
	"context"
	"strings"

	"lawtrail/evidence"
)

// hold add / hold release: a legal hold on a footage file (footage.held,
// footage.released) by an admin or head, who co-signs, with a reason.

// maxHoldReasonArg bounds --reason before it reaches the rules (which
// allow casework.MaxHoldReason characters).
const maxHoldReasonArg = 64 << 10

func cmdHoldAdd() *command {
	c := newCommand("hold add", "DIGEST --reason TEXT",
		"put a legal hold on a footage file: no retention run frees it, no deletion takes it; prints the hold's id", 1)
	c.detail = `The acting officer (LAWTRAIL_OFFICER) is an admin or head and co-signs the
hold. A file may carry several holds; it is kept while any is in force.`
	reason := c.flags.String("reason", "", "why it is held, in words (required)")
	c.run = func(ctx context.Context, x *call, args []string) error {
		d, err := holdArgs(args[0], *reason)
		if err != nil {
			return err
		}
		s, err := x.session(ctx, "")
		if err != nil {
			return err
		}
		hold, err := s.HoldFootage(ctx, d.String(), *reason)
		if err != nil {
			return err
		}
		tprintf(x.e.stdout, "footage %s: held by %s as %s\n", d, s.Officer.ID, hold)
		return nil
	}
	return c
}

func cmdHoldRelease() *command {
	c := newCommand("hold release", "DIGEST --reason TEXT [--hold ID]",
		"release a legal hold on a footage file, with the reason (--hold names it when the file has several)", 1)
	reason := c.flags.String("reason", "", "why it is released, in words (required)")
	hold := c.flags.String("hold", "", "the hold to release; needed when several are in force")
	c.run = func(ctx context.Context, x *call, args []string) error {
		d, err := holdArgs(args[0], *reason)
		if err != nil {
			return err
		}
		if *hold != "" {
			if err := checkID("hold", *hold); err != nil {
				return err
			}
		}
		s, err := x.session(ctx, "")
		if err != nil {
			return err
		}
		released, err := s.ReleaseHold(ctx, d.String(), *hold, *reason)
		if err != nil {
			return err
		}
		tprintf(x.e.stdout, "footage %s: hold %s released by %s\n", d, released, s.Officer.ID)
		return nil
	}
	return c
}

// holdArgs checks DIGEST and --reason before anything is unlocked.
func holdArgs(digest, reason string) (evidence.Digest, error) {
	if err := required("reason", strings.TrimSpace(reason)); err != nil {
		return evidence.Digest{}, err
	}
	if len(reason) > maxHoldReasonArg {
		return evidence.Digest{}, usagef("--reason: %d bytes, at most %d", len(reason), maxHoldReasonArg)
	}
	d, err := evidence.ParseDigest(digest)
	if err != nil {
		return d, usagef("DIGEST %q: %v", digest, err)
	}
	return d, nil
}
