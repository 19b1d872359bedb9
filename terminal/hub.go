package terminal

import (
	"context"
	"fmt"

	"lawtrail/sync/client"
	"lawtrail/sync/protocol"
)

// Syncing is the terminal's own business, not an officer's act: joining a
// hub, sending events and footage, and re-basing a restored data folder
// need the terminal unlocked (its key speaks to the hub) but no officer
// logged in, so a background sync runs without anyone's PIN.

// JoinHub enrolls this terminal with its hub using a one-time code from
// `lawtrail-hub enroll`, pins the hub and records it. The hub knows the
// terminal by the terminal's name. A terminal joins one hub.
// A code that is not one (mistyped, truncated) is ErrBadInput.
func (d *Desk) JoinHub(ctx context.Context, code string) (protocol.EnrollResponse, error) {
	if _, err := protocol.ParseEnrollCode(code); err != nil {
		return protocol.EnrollResponse{}, fmt.Errorf("%w: %w", ErrBadInput, err)
	}
	resp, err := client.Join(ctx, d.st, d.key, code, d.Info.Name)
	if err != nil {
		return resp, fmt.Errorf("join hub: %w", err)
	}
	return resp, nil
}

// SyncClient returns the client that syncs this terminal with the hub it
// joined: Once for one pass, Run to keep syncing. An error wrapping
// client.ErrDiverged from either means the data folder's record diverges
// from the hub's; RecoverSync re-bases it.
func (d *Desk) SyncClient(ctx context.Context, opt client.Options) (*client.Client, error) {
	c, err := client.New(ctx, d.st, d.key, opt)
	if err != nil {
		return nil, fmt.Errorf("sync: %w", err)
	}
	return c, nil
}

// RecoverSync re-bases a data folder whose record diverges from the hub's
// (restored from a backup, copied, or its tail cut): it takes back its own
// events from the hub and re-records its diverging ones as event.rebased,
// losing nothing (docs/OPERATIONS.md, "A restored or copied terminal").
func (d *Desk) RecoverSync(ctx context.Context) (client.Recovery, error) {
	c, err := d.SyncClient(ctx, client.Options{})
	if err != nil {
		return client.Recovery{}, err
	}
	rec, err := c.Recover(ctx)
	if err != nil {
		return rec, fmt.Errorf("sync recover: %w", err)
	}
	return rec, nil
}

// SyncStatus is what waits to be sent, what the hub confirmed and the last
// error, read from the record (no secret needed).
func (t *Terminal) SyncStatus(ctx context.Context) (client.Status, error) {
	info, err := t.st.Terminal(ctx)
	if err != nil {
		return client.Status{}, err
	}
	s, err := client.ReadStatus(ctx, t.st, info.ID)
	if err != nil {
		return s, fmt.Errorf("sync status: %w", err)
	}
	return s, nil
}
