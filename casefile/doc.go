// Package casefile writes and checks the case file (执法案卷, R5: a case is
// archived as one exportable file): the terminal's signed events, the case,
// its documents (JSON, PDF, signature PNGs), its footage with custody, the
// hub's signed checkpoints with inclusion proofs, a README with a procedure
// a court clerk can follow with sha256sum and openssl, SHA256SUMS, and a
// signed case.exported event that names SHA256SUMS by digest.
//
// Every file is bound to something a verifier checks: SHA256SUMS to the
// signed export event; events to their signatures and chain (and, where
// they reached the hub, to its log); every derived file (case.json,
// footage.json, terminal.json, each document's JSON, PDF and PNG) is
// derived again from the verified events and compared byte for byte;
// footage files by their names, which are their SHA-256.
package casefile
