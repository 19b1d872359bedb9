package client

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"lawtrail/evidence"
	"lawtrail/sync/protocol"
)

// Report is what one sync pass did.
type Report struct {
	EventsSent   int      `json:"events_sent"`
	HubLastSeq   uint64   `json:"hub_last_seq"`
	BlobsSent    int      `json:"blobs_sent"`
	BytesSent    int64    `json:"bytes_sent"`
	Receipts     int      `json:"receipts_new"`
	BlobsWaiting int      `json:"blobs_waiting"` // still without a receipt
	Checkpoint   uint64   `json:"checkpoint_size"`
	FeedItems    int      `json:"feed_items"`
	Errors       []string `json:"errors,omitempty"`

	// Agency is what the agency feed brought: other terminals' events.
	Agency AgencyReport `json:"agency"`
}

// Once runs one sync pass: handshake, events, footage (unless metered),
// receipts. Events go first and footage smallest first, so what is cheap
// and most valuable arrives before the link drops.
func (c *Client) Once(ctx context.Context) (Report, error) {
	rep, err := c.once(ctx)
	if rerr := c.st.RecordSyncResult(context.WithoutCancel(ctx), rep.HubLastSeq, err); rerr != nil && err == nil {
		err = rerr
	}
	return rep, err
}

func (c *Client) once(ctx context.Context) (Report, error) {
	var rep Report
	st, err := c.state(ctx)
	if err != nil {
		return rep, err
	}
	if err := c.catchUp(ctx, st.Checkpoint); err != nil {
		return rep, err
	}
	// Never send on top of a chain that is not this folder's (a restored
	// backup, a copy, a cut tail): stop and say so.
	if err := c.checkDivergence(ctx, st); err != nil {
		return rep, err
	}
	rep.HubLastSeq, rep.EventsSent, err = c.pushEvents(ctx, st.LastSeq, st.Offers(protocol.FeatureRangeProof))
	if err != nil {
		return rep, err
	}
	if rep.FeedItems, err = c.pullFeed(ctx); err != nil {
		return rep, err
	}
	var errs []error
	if rep.Agency, err = c.pullAgency(ctx, rep.HubLastSeq); err != nil { // agencyfeed.go
		errs = append(errs, err)
	}
	pending, err := c.st.PendingBlobs(ctx)
	if err != nil {
		return rep, err
	}
	errs = append(errs, c.sendBlobs(ctx, pending, &rep)...) // blobs.go
	if _, err := c.proveReceipts(ctx); err != nil {         // receiptproof.go
		errs = append(errs, err)
	}
	errs = append(errs, c.pullTimestamps(ctx)...) // timestamps.go
	if cp, err := c.knownCheckpoint(ctx); err == nil {
		rep.Checkpoint = cp.Size
	}
	for _, e := range errs {
		rep.Errors = append(rep.Errors, e.Error())
	}
	return rep, errors.Join(errs...)
}

func (c *Client) fetchReceipt(ctx context.Context, d evidence.Digest) (bool, error) {
	if ok, err := c.st.HasReceipt(ctx, d); err != nil || ok {
		return ok, err
	}
	rc, ok, err := c.receipt(ctx, d)
	if err != nil || !ok {
		return false, err
	}
	raw, err := jsonMarshal(rc)
	if err != nil {
		return false, err
	}
	return true, c.st.SaveReceipt(ctx, d, raw)
}

// catchUpCheckpoint fetches the hub's newest checkpoint with a
// consistency proof from the last one kept.
// catchUp brings the kept checkpoint up to the hub's current one: a log
// shorter than one the hub signed before is refused (ErrHistoryRewritten),
// a longer one is kept only with a consistency proof from the kept one.
func (c *Client) catchUp(ctx context.Context, current protocol.Checkpoint) error {
	known, err := c.knownCheckpoint(ctx)
	if err != nil {
		return err
	}
	if current.Size < known.Size {
		return c.shorterLog(known, current)
	}
	if current.Size != known.Size || len(known.Root) == 0 {
		return c.catchUpCheckpoint(ctx, known)
	}
	return nil
}

func (c *Client) catchUpCheckpoint(ctx context.Context, known protocol.Checkpoint) error {
	var ans protocol.ConsistencyAnswer
	if err := c.call(ctx, "GET", fmt.Sprintf("%s?from=%d", protocol.PathCheckpoint, known.Size), nil, &ans); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	return c.acceptCheckpoint(ctx, known, ans.Checkpoint, ans.Consistency)
}

// Run syncs until ctx ends: a pass, then a pause — short after success,
// growing with jitter after failures (capped at five minutes), so a
// terminal back from days offline catches up at once and a dead link is
// not hammered. A divergence ends the loop: passes would only find it again.
func (c *Client) Run(ctx context.Context, every time.Duration, report func(Report, error)) error {
	backoff := time.Second
	for {
		rep, err := c.Once(ctx)
		if report != nil {
			report(rep, err)
		}
		if errors.Is(err, ErrDiverged) {
			return err // not transient: it waits for sync recover
		}
		wait := every
		if err != nil {
			wait = backoff + time.Duration(rand.Int64N(int64(backoff)/2+1))
			backoff = min(backoff*2, 5*time.Minute)
		} else {
			backoff = time.Second
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
}

// heldAlready reports an upload the hub refused because it holds the bytes
// already (another terminal of the agency docked the same clip); the hub has
// then given this terminal its own receipt.
func heldAlready(err error) bool {
	var pe *protocol.Error
	return errors.As(err, &pe) && pe.Code == protocol.CodeAlreadyReceived
}
