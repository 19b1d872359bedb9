// Package server is the hub's end of sync: the HTTP handler the hub mounts.
// It identifies the terminal by its TLS client key, verifies event batches
// (signatures, chain, contiguity, forks) before anything is stored, receives
// blobs through the tus protocol (github.com/tus/tusd/v2) and has each one
// re-hashed against the digest an accepted event names before a receipt is
// signed. Storage, the log and enrollment are the hub's, behind Backend.
package server
