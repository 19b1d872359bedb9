package main

import (
	"context"
)

func cmdFootageFetch() *command {
	c := newCommand("footage fetch", "DIGEST",
		"bring the bytes of footage another terminal of the agency took in from the hub, verified, and record where they came from (footage.fetched)", 1)
	c.run = func(ctx context.Context, x *call, args []string) error {
		s, err := x.session(ctx, "")
		if err != nil {
			return err
		}
		f, err := s.FetchFootage(ctx, args[0])
		if err != nil {
			return err
		}
		if f.Already {
			_, err = tprintf(x.e.stdout, "%s: held here already (%d bytes, verified); nothing fetched\n", f.Digest, f.Size)
			return err
		}
		_, err = tprintf(x.e.stdout, "%s: %d bytes fetched from hub %s, verified and kept (source terminal %s; footage.fetched recorded by %s)\n",
			f.Digest, f.Size, f.From, f.Source, s.Officer.ID)
		return err
	}
	return c
}
