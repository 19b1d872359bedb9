// Package client is the terminal's end of sync. It joins a hub with a
// one-time code (pinning the hub's certificate and key), then, whenever a
// network is there: asks the hub what it holds, sends the missing events in
// gapless batches (checking every inclusion proof and that each new
// checkpoint is consistent with the last one kept), uploads missing
// footage by tus — resuming from the offset the hub confirms, smallest
// first, within a rate cap, not at all on a metered link — and learns each
// upload's outcome only from the hub's signed receipt, queried
// idempotently. Every failure is kept with its reason.
package client
