// Package server is the hub's end of sync: the HTTP handler the hub mounts,
// which verifies event batches, receives blobs and issues signed receipts.
//
// The sync issue fills this package; until then it holds only this map.
package server
