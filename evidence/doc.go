// Package evidence owns what makes a record trustworthy on its own: SHA-256
// digests, Ed25519 keys for terminals, officers and the hub, the sealing of
// private keys at rest (argon2id + XChaCha20-Poly1305), the signed event
// envelope whose body bytes are kept verbatim, and the verification of one
// event and of a hash-chained sequence of events. A verifier needs only the
// stored bytes, the public keys and SHA-256; nothing here touches a database,
// a file system or the network.
package evidence
