// Package store keeps a terminal's record on disk: a SQLite database
// (modernc.org/sqlite, pure Go) holding the append-only log of signed events
// and the projections derived from it (officers, cases, steps, footage,
// custody), and a content-addressed blob store for footage and other files.
// Appending assigns the next sequence number, links the previous hash, signs
// and applies the projections in one transaction. Check re-verifies
// everything: the chain, every blob's content and SQLite's own integrity.
package store
