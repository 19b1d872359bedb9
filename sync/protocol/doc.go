// Package protocol defines the versioned wire types of terminal–hub sync:
// the state handshake, event batches, blob upload (tus) and receipts, the
// hub's feed; docs/SYNC.md is its specification. It is a subpackage of
// lawtrail/sync (which holds no code) so no package shadows the standard
// library's sync.
//
// The sync issue fills this package; until then it holds only this map.
package protocol
