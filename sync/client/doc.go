// Package client is the terminal's end of sync: the outbox of events and
// blobs, the resumable tus upload, receipt queries and the hub's feed.
//
// The sync issue fills this package; until then it holds only this map.
package client
