package main

import (
	"context"

	"lawtrail/sync/protocol"
)

func cmdHubJoin() *command {
	c := newCommand("hub join", "CODE", "enroll this terminal with a hub (the one-time code from lawtrail-hub enroll)", 1)
	c.detail = "Needs only the terminal passphrase. The hub knows the terminal by its name."
	c.run = func(ctx context.Context, x *call, args []string) error {
		if _, err := protocol.ParseEnrollCode(args[0]); err != nil {
			return usagef("CODE: %v", err)
		}
		d, err := x.desk(ctx)
		if err != nil {
			return err
		}
		resp, err := d.JoinHub(ctx, args[0])
		if err != nil {
			return err
		}
		tprintf(x.e.stdout, "joined hub for agency %s as terminal %s (log size %d)\n", resp.Agency, resp.Terminal, resp.Checkpoint.Size)
		return nil
	}
	return c
}
