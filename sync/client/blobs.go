package client

import (
	"context"
	"errors"
	"sync"

	"lawtrail/store"
	"lawtrail/sync/protocol"
)

// DefaultUploads is how many blobs a pass sends at once unless
// Options.Uploads says otherwise.
const DefaultUploads = 3

// sendBlobs fetches the receipt of every pending blob and uploads those the
// hub does not hold yet (not on a metered link), Options.Uploads at a time
// in the order given: while one upload waits on the hub's answers (creating
// it, each chunk's, the receipt after it — on an object store each is a
// few round trips more), the next keeps the link busy. Counts go into rep;
// it returns what went wrong, blob by blob.
func (c *Client) sendBlobs(ctx context.Context, pending []store.PendingBlob, rep *Report) []error {
	var (
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
	)
	next := make(chan store.PendingBlob)
	for range min(c.opt.Uploads, len(pending)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range next {
				out, err := c.sendBlob(ctx, b)
				mu.Lock()
				rep.BytesSent += out.bytes
				rep.BlobsSent += out.sent
				rep.Receipts += out.receipts
				rep.BlobsWaiting += out.waiting
				errs = append(errs, err...)
				mu.Unlock()
			}
		}()
	}
	for _, b := range pending {
		if ctx.Err() != nil {
			break
		}
		next <- b
	}
	close(next)
	wg.Wait()
	return errs
}

// uploadTries is how many times a pass tries an upload whose link broke.
const uploadTries = 3

// retryable tells an upload that failed on the way (a cut, a reset, a
// stall) from one the hub refused or the caller ended.
func retryable(ctx context.Context, err error) bool {
	var pe *protocol.Error
	return err != nil && ctx.Err() == nil && !errors.As(err, &pe) && !heldAlready(err)
}

// blobOutcome is what sending one blob added to a pass's report.
type blobOutcome struct {
	bytes                   int64
	sent, receipts, waiting int
}

// sendBlob settles one pending blob: a receipt the hub already signed, an
// upload and then its receipt, or — on a metered link — nothing yet. The
// outcome comes from the receipt, never from the upload's answer.
func (c *Client) sendBlob(ctx context.Context, b store.PendingBlob) (blobOutcome, []error) {
	var out blobOutcome
	ok, err := c.fetchReceipt(ctx, b.Digest)
	if err != nil {
		return out, []error{err}
	}
	if ok {
		out.receipts = 1
		return out, nil
	}
	if c.opt.Metered || ctx.Err() != nil {
		out.waiting = 1
		return out, nil
	}
	n, err := c.uploadBlob(ctx, b)
	out.bytes = n
	for try := 1; try < uploadTries && retryable(ctx, err); try++ {
		// The link broke under this upload: resume it now from what the
		// hub holds, rather than leave it to the next pass after the
		// others.
		n, err = c.uploadBlob(ctx, b)
		out.bytes += n
	}
	held := heldAlready(err)
	if held {
		err = nil // the hub holds these bytes from another terminal: the receipt is ours
	}
	if err != nil {
		out.waiting = 1
		return out, []error{err}
	}
	if !held {
		out.sent = 1
	}
	if ok, err := c.fetchReceipt(ctx, b.Digest); err != nil || !ok {
		out.waiting = 1
		if err != nil {
			return out, []error{err}
		}
		return out, nil
	}
	out.receipts = 1
	return out, nil
}
