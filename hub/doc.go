// Package hub is the central server's store and authority: it keeps what
// terminals send (SQLite and a content-addressed blob folder, the embedded
// default; or the record on PostgreSQL, Options.DB, the same SQL through
// recorddb.go's dialect), keeps the transparency log (an RFC 6962 Merkle tree over every
// accepted event and receipt, with signed checkpoints), enrolls terminals
// with one-time codes and pins their keys at the TLS handshake, and
// implements the Backend the sync handler serves.
package hub
