package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"lawtrail/store"
	"lawtrail/sync/protocol"
	"lawtrail/tsa"
)

// pullTimestamps reads the hub's RFC 3161 tokens after the last one read,
// up to the newest checkpoint this terminal holds, and keeps each token of
// a checkpoint it holds once the token verifies over that checkpoint's
// signed note. Tokens of checkpoints it never held are passed over (it will
// not hold them later: every checkpoint it takes is newer). Problems come
// back as errors of the pass; nothing else of the pass depends on them.
func (c *Client) pullTimestamps(ctx context.Context) []error {
	after, err := c.st.TimestampsRead(ctx)
	if err != nil {
		return []error{err}
	}
	newest, err := c.knownCheckpoint(ctx)
	if err != nil {
		return []error{err}
	}
	var errs []error
	for after < newest.Size {
		page, err := c.timestampsAfter(ctx, after)
		if err != nil {
			return append(errs, err)
		}
		read := after
		for _, t := range page.Timestamps {
			if t.Size > newest.Size {
				break // not held yet: read again once it is
			}
			if err := c.keepTimestamp(ctx, t); err != nil {
				errs = append(errs, err) // said once: the cursor moves past it
			}
			read = t.Size
		}
		if read == after {
			break
		}
		if err := c.st.SetTimestampsRead(ctx, read); err != nil {
			return append(errs, err)
		}
		after = read
		if len(page.Timestamps) < protocol.MaxTimestampsPage {
			break
		}
	}
	return errs
}

// timestampsAfter fetches one page and refuses it whole unless it is at
// most a page of tokens of distinct sizes after after, in order.
func (c *Client) timestampsAfter(ctx context.Context, after uint64) (protocol.Timestamps, error) {
	var page protocol.Timestamps
	if err := c.call(ctx, http.MethodGet, fmt.Sprintf("%s?after=%d", protocol.PathTimestamps, after), nil, &page); err != nil {
		return page, fmt.Errorf("timestamps: %w", err)
	}
	if len(page.Timestamps) > protocol.MaxTimestampsPage {
		return page, fmt.Errorf("timestamps: %d in one answer, more than %d (refused)", len(page.Timestamps), protocol.MaxTimestampsPage)
	}
	last := after
	for _, t := range page.Timestamps {
		if t.Size <= last {
			return page, fmt.Errorf("timestamps: size %d after %d is not in order (refused)", t.Size, last)
		}
		last = t.Size
	}
	return page, nil
}

// keepTimestamp keeps a token of a checkpoint this terminal holds, once it
// verifies over that checkpoint's signed note.
func (c *Client) keepTimestamp(ctx context.Context, t protocol.Timestamp) error {
	raw, err := c.st.Checkpoint(ctx, t.Size)
	if err != nil || raw == nil {
		return err
	}
	var cp protocol.Checkpoint
	if err := json.Unmarshal(raw, &cp); err != nil {
		return fmt.Errorf("kept checkpoint %d: %w", t.Size, err)
	}
	if cp.Note == "" {
		return nil // kept before notes existed: no token can name it
	}
	tok, err := tsa.Verify(t.Token, []byte(cp.Note), nil)
	if err != nil {
		return fmt.Errorf("the hub's timestamp of checkpoint %d, not kept: %w", t.Size, err)
	}
	return c.st.SaveTimestamp(ctx, store.CheckpointTimestamp{Size: t.Size, Token: tok.DER, GenTime: tok.GenTime, TSA: tok.TSA})
}
