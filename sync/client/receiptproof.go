package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"lawtrail/sync/protocol"
)

// proveReceipts asks for the inclusion proof of every kept receipt that
// has none, against the newest checkpoint this terminal verified (catching
// up first when a receipt is newer than it), checks it and keeps it with the
// receipt: receipts are then provable in the hub's log like events.
func (c *Client) proveReceipts(ctx context.Context) (int, error) {
	all, err := c.st.Receipts(ctx)
	if err != nil {
		return 0, err
	}
	var todo []protocol.Receipt
	var newest uint64
	for _, raw := range all {
		var rc protocol.Receipt
		if err := json.Unmarshal(raw, &rc); err != nil {
			return 0, fmt.Errorf("kept receipt: %w", err)
		}
		if len(rc.Inclusion) == 0 && rc.CheckpointSize == 0 {
			todo = append(todo, rc)
			newest = max(newest, rc.LogIndex+1)
		}
	}
	if len(todo) == 0 {
		return 0, nil
	}
	known, err := c.knownCheckpoint(ctx)
	if err != nil {
		return 0, err
	}
	if known.Size < newest {
		if err := c.catchUpCheckpoint(ctx, known); err != nil {
			return 0, err
		}
		if known, err = c.knownCheckpoint(ctx); err != nil {
			return 0, err
		}
	}
	n := 0
	for _, rc := range todo {
		if rc.LogIndex >= known.Size {
			continue
		}
		if err := c.proveReceipt(ctx, rc, known); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

func (c *Client) proveReceipt(ctx context.Context, kept protocol.Receipt, cp protocol.Checkpoint) error {
	var rc protocol.Receipt
	path := fmt.Sprintf("%s%s?size=%d", protocol.PathReceipt, kept.Digest, cp.Size)
	if err := c.call(ctx, http.MethodGet, path, nil, &rc); err != nil {
		return fmt.Errorf("proof of receipt %s: %w", kept.Digest, err)
	}
	if !bytes.Equal(rc.SignedBytes(), kept.SignedBytes()) || !bytes.Equal(rc.Sig, kept.Sig) || rc.CheckpointSize != cp.Size {
		return fmt.Errorf("proof of receipt %s: the hub answered with another receipt", kept.Digest)
	}
	if err := protocol.VerifyInclusion(protocol.ReceiptLeaf(rc), rc.LogIndex, cp.Size, rc.Inclusion, cp.Root); err != nil {
		return fmt.Errorf("proof of receipt %s: %w", kept.Digest, err)
	}
	raw, err := json.Marshal(rc)
	if err != nil {
		return err
	}
	return c.st.ReplaceReceipt(ctx, rc.Digest, raw)
}
