package protocol

import (
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
)

// EventLeaf is the hub log's leaf for an accepted event: its body hash.
func EventLeaf(bodyHash []byte) []byte {
	return append([]byte("lawtrail-event/v1\n"), bodyHash...)
}

// ReceiptLeaf is the hub log's leaf for a receipt: its signed bytes (the
// log index inside is the index the leaf itself takes).
func ReceiptLeaf(r Receipt) []byte { return r.SignedBytes() }

// VerifyInclusion checks that leaf is at index in the log whose first size
// leaves hash to root (RFC 6962/9162).
func VerifyInclusion(leaf []byte, index, size uint64, p [][]byte, root []byte) error {
	h := rfc6962.DefaultHasher
	return proof.VerifyInclusion(h, index, size, h.HashLeaf(leaf), p, root)
}

// VerifyConsistency checks that the log of size2 and root2 extends the log
// of size1 and root1 — that the hub did not rewrite history in between.
func VerifyConsistency(size1, size2 uint64, p [][]byte, root1, root2 []byte) error {
	if size1 == 0 {
		return nil
	}
	return proof.VerifyConsistency(rfc6962.DefaultHasher, size1, size2, p, root1, root2)
}
