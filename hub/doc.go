// Package hub is the central server: it keeps what terminals send (storage
// backends), keeps the transparency log, enrolls terminals, and serves
// legal review, publicity and the audit of who accessed what.
//
// The sync issue fills this package; until then it holds only this map.
package hub
