// Package protocol defines the wire types of terminal–hub sync, version 1
// (every path starts with /v1): enrollment, the state handshake, event
// batches with their log proofs, receipts, checkpoints and the hub's feed.
// Blobs travel by the tus resumable-upload protocol under /v1/blobs/.
// docs/SYNC.md is the specification; this package is its Go form. It is a
// subpackage of lawtrail/sync (which holds no code) so that no package
// shadows the standard library's sync.
package protocol
