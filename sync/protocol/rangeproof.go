package protocol

import (
	"bytes"
	"errors"
	"fmt"
	"slices"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
)

// One proof for a batch. A batch's new events take consecutive leaves of
// the hub's log, so instead of an inclusion proof for each (about
// log2(size) hashes an event, the bulk of an answer), the hub can send the
// hashes around them once: the compact range left of the batch and the
// one right of it. The terminal knows the leaves in between — its own
// events — so it can rebuild the root from the three and, from the same
// nodes, each event's inclusion proof, which it keeps as it keeps one the
// hub sent. A hub offers it in the handshake (State.Features) and gives it
// to a batch that asks (EventBatch.RangeProof); otherwise each Accepted
// carries its own proof, as before.

// FeatureRangeProof, in State.Features, says the hub answers an
// EventBatch with RangeProof set with one BatchRange.
const FeatureRangeProof = "range_proof"

// BatchRange proves that the leaves [Begin, End) of the log of the
// answer's checkpoint are the batch's new events, in order. Left holds the
// hashes of the compact range [0, Begin) and Right those of [End, size):
// the perfect subtrees that cover each, left to right, as
// compact.RangeNodes lists them (RFC 6962 hashing).
type BatchRange struct {
	Begin uint64   `json:"begin"`
	End   uint64   `json:"end"`
	Left  [][]byte `json:"left"`
	Right [][]byte `json:"right"`
}

// ErrBadRange is returned for a range proof that does not prove its
// leaves in the log.
var ErrBadRange = errors.New("range proof does not verify")

// Offers reports whether the hub lists feature in the handshake.
func (s State) Offers(feature string) bool {
	for _, f := range s.Features {
		if f == feature {
			return true
		}
	}
	return false
}

// VerifyRange checks that leaves (each leaf's data, as VerifyInclusion
// takes it, in log order) are the leaves [r.Begin, r.End) of the log whose
// first size leaves hash to root, and returns each one's inclusion proof
// in that log.
func VerifyRange(leaves [][]byte, r BatchRange, size uint64, root []byte) ([][][]byte, error) {
	if len(leaves) == 0 || r.Begin >= r.End || r.End > size || r.End-r.Begin != uint64(len(leaves)) {
		return nil, fmt.Errorf("%w: leaves [%d, %d) of a log of %d for %d events", ErrBadRange, r.Begin, r.End, size, len(leaves))
	}
	leftIDs := compact.RangeNodes(0, r.Begin, nil)
	rightIDs := compact.RangeNodes(r.End, size, nil)
	if len(r.Left) != len(leftIDs) || len(r.Right) != len(rightIDs) {
		return nil, fmt.Errorf("%w: %d hashes left and %d right, want %d and %d", ErrBadRange, len(r.Left), len(r.Right), len(leftIDs), len(rightIDs))
	}
	nodes := make(map[compact.NodeID][]byte, 2*len(leaves)+len(leftIDs)+len(rightIDs))
	for i, id := range leftIDs {
		nodes[id] = r.Left[i]
	}
	for i, id := range rightIDs {
		nodes[id] = r.Right[i]
	}
	for _, h := range slices.Concat(r.Left, r.Right, [][]byte{root}) {
		if len(h) != rfc6962.DefaultHasher.Size() {
			return nil, fmt.Errorf("%w: a hash of %d bytes", ErrBadRange, len(h))
		}
	}
	got, err := rangeRoot(leaves, r, size, nodes)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadRange, err)
	}
	if !bytes.Equal(got, root) {
		return nil, fmt.Errorf("%w: the root it gives is not the checkpoint's", ErrBadRange)
	}
	return rangeInclusions(r, size, nodes)
}

// rangeRoot merges the compact range [0, Begin), the leaves and the
// compact range [End, size) into the root, noting in nodes every node the
// merge makes.
func rangeRoot(leaves [][]byte, r BatchRange, size uint64, nodes map[compact.NodeID][]byte) ([]byte, error) {
	h := rfc6962.DefaultHasher
	rf := &compact.RangeFactory{Hash: h.HashChildren}
	visit := func(id compact.NodeID, hash []byte) { nodes[id] = hash }
	// A compact.Range appends to and rewrites the slice it is given: each
	// gets a copy, so the caller's range stays as it was (and Left's
	// spare capacity, were it shared with Right, is not Right's first
	// hashes overwritten — FuzzVerifyRange found that).
	acc, err := rf.NewRange(0, r.Begin, slices.Clone(r.Left))
	if err != nil {
		return nil, err
	}
	for _, l := range leaves {
		if err := acc.Append(h.HashLeaf(l), visit); err != nil {
			return nil, err
		}
	}
	right, err := rf.NewRange(r.End, size, slices.Clone(r.Right))
	if err != nil {
		return nil, err
	}
	if err := acc.AppendRange(right, visit); err != nil {
		return nil, err
	}
	return acc.GetRootHash(nil)
}

// rangeInclusions derives each leaf's inclusion proof from nodes.
func rangeInclusions(r BatchRange, size uint64, nodes map[compact.NodeID][]byte) ([][][]byte, error) {
	out := make([][][]byte, 0, r.End-r.Begin)
	for idx := r.Begin; idx < r.End; idx++ {
		pn, err := proof.Inclusion(idx, size)
		if err != nil {
			return nil, err
		}
		hashes := make([][]byte, len(pn.IDs))
		for i, id := range pn.IDs {
			h, ok := nodes[id]
			if !ok {
				return nil, fmt.Errorf("%w: node %d/%d of leaf %d's proof is not in it", ErrBadRange, id.Level, id.Index, idx)
			}
			hashes[i] = h
		}
		p, err := pn.Rehash(hashes, rfc6962.DefaultHasher.HashChildren)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// RangeInclusion checks res.Range, when the hub sent one, and derives from
// it the inclusion proof of each newly accepted event it covers, by seq;
// without a range it returns nil, and each Accepted carries its own proof.
// leaf returns the log leaf of the event sent with seq (false: none was).
func RangeInclusion(res BatchResult, leaf func(seq uint64) ([]byte, bool)) (map[uint64][][]byte, error) {
	r := res.Range
	if r == nil {
		return nil, nil
	}
	var leaves [][]byte
	var seqs []uint64
	for _, a := range res.Accepted {
		if a.Duplicate || a.LogIndex < r.Begin || a.LogIndex >= r.End {
			continue
		}
		if want := r.Begin + uint64(len(leaves)); a.LogIndex != want {
			return nil, fmt.Errorf("%w: seq %d at log index %d, where the range's next is %d", ErrBadRange, a.Seq, a.LogIndex, want)
		}
		l, ok := leaf(a.Seq)
		if !ok {
			return nil, fmt.Errorf("hub acknowledged seq %d, which was not sent", a.Seq)
		}
		leaves = append(leaves, l)
		seqs = append(seqs, a.Seq)
	}
	proofs, err := VerifyRange(leaves, *r, res.Checkpoint.Size, res.Checkpoint.Root)
	if err != nil {
		return nil, err
	}
	out := make(map[uint64][][]byte, len(seqs))
	for i, seq := range seqs {
		out[seq] = proofs[i]
	}
	return out, nil
}
