package protocol

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
)

// testLog is a log of size leaves with every node kept, as the hub keeps
// them: the reference the range proofs are checked against.
type testLog struct {
	size   uint64
	leaves [][]byte
	nodes  map[compact.NodeID][]byte
	root   []byte
}

func newTestLog(t testing.TB, size uint64) *testLog {
	t.Helper()
	h := rfc6962.DefaultHasher
	l := &testLog{size: size, nodes: map[compact.NodeID][]byte{}}
	r := (&compact.RangeFactory{Hash: h.HashChildren}).NewEmptyRange(0)
	for i := range size {
		leaf := []byte(fmt.Sprintf("leaf %d", i))
		l.leaves = append(l.leaves, leaf)
		if err := r.Append(h.HashLeaf(leaf), func(id compact.NodeID, hash []byte) { l.nodes[id] = hash }); err != nil {
			t.Fatal(err)
		}
	}
	var err error
	if l.root, err = r.GetRootHash(nil); err != nil {
		t.Fatal(err)
	}
	return l
}

// rangeOf is what a hub sends for the leaves [begin, end).
func (l *testLog) rangeOf(begin, end uint64) BatchRange {
	r := BatchRange{Begin: begin, End: end, Left: [][]byte{}, Right: [][]byte{}}
	for _, id := range compact.RangeNodes(0, begin, nil) {
		r.Left = append(r.Left, l.nodes[id])
	}
	for _, id := range compact.RangeNodes(end, l.size, nil) {
		r.Right = append(r.Right, l.nodes[id])
	}
	return r
}

// inclusion is the hub's inclusion proof of leaf idx, from every node.
func (l *testLog) inclusion(t testing.TB, idx uint64) [][]byte {
	t.Helper()
	pn, err := proof.Inclusion(idx, l.size)
	if err != nil {
		t.Fatal(err)
	}
	hashes := make([][]byte, len(pn.IDs))
	for i, id := range pn.IDs {
		hashes[i] = l.nodes[id]
	}
	p, err := pn.Rehash(hashes, rfc6962.DefaultHasher.HashChildren)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// For every range of every log up to 40 leaves, the range proof verifies
// and the inclusion proofs the terminal derives from it are the ones the
// hub would have sent, each verifying on its own.
func TestRangeProofDerivesTheHubsInclusionProofs(t *testing.T) {
	for size := uint64(1); size <= 40; size++ {
		l := newTestLog(t, size)
		for begin := range size {
			for end := begin + 1; end <= size; end++ {
				got, err := VerifyRange(l.leaves[begin:end], l.rangeOf(begin, end), size, l.root)
				if err != nil {
					t.Fatalf("[%d, %d) of %d: %v", begin, end, size, err)
				}
				for i, p := range got {
					idx := begin + uint64(i)
					if want := l.inclusion(t, idx); !equalProofs(p, want) {
						t.Fatalf("[%d, %d) of %d: leaf %d's proof differs from the hub's", begin, end, size, idx)
					}
					if err := VerifyInclusion(l.leaves[idx], idx, size, p, l.root); err != nil {
						t.Fatalf("[%d, %d) of %d: leaf %d: %v", begin, end, size, idx, err)
					}
				}
			}
		}
	}
}

func equalProofs(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

// A hub that lies — a hash changed, one left out or added, the range
// moved, an event not in the log, another log's root — is caught.
func TestRangeProofRefusesWhatALyingHubSends(t *testing.T) {
	const size = 37
	l := newTestLog(t, size)
	begin, end := uint64(13), uint64(29)
	good := l.rangeOf(begin, end)
	if _, err := VerifyRange(l.leaves[begin:end], good, size, l.root); err != nil {
		t.Fatal(err)
	}
	clone := func() BatchRange {
		r := good
		r.Left, r.Right = nil, nil
		for _, h := range good.Left {
			r.Left = append(r.Left, bytes.Clone(h))
		}
		for _, h := range good.Right {
			r.Right = append(r.Right, bytes.Clone(h))
		}
		return r
	}
	type lie struct {
		name   string
		r      BatchRange
		leaves [][]byte
		size   uint64
		root   []byte
	}
	var lies []lie
	for i := range good.Left {
		r := clone()
		r.Left[i][0] ^= 1
		lies = append(lies, lie{name: fmt.Sprintf("left hash %d flipped", i), r: r})
	}
	for i := range good.Right {
		r := clone()
		r.Right[i][31] ^= 0x80
		lies = append(lies, lie{name: fmt.Sprintf("right hash %d flipped", i), r: r})
	}
	r := clone()
	r.Left = r.Left[1:]
	lies = append(lies, lie{name: "a left hash left out", r: r})
	r = clone()
	r.Right = append(r.Right, l.root)
	lies = append(lies, lie{name: "a right hash added", r: r})
	r = clone()
	r.Left[0] = r.Left[0][:31]
	lies = append(lies, lie{name: "a short hash", r: r})
	r = l.rangeOf(begin+1, end+1)
	lies = append(lies, lie{name: "the range moved by one", r: r})
	other := [][]byte{}
	for i := begin; i < end; i++ {
		other = append(other, []byte(fmt.Sprintf("not leaf %d", i)))
	}
	lies = append(lies, lie{name: "events that are not in the log", r: clone(), leaves: other})
	swapped := append([][]byte{}, l.leaves[begin:end]...)
	swapped[0], swapped[1] = swapped[1], swapped[0]
	lies = append(lies, lie{name: "two events swapped", r: clone(), leaves: swapped})
	lies = append(lies, lie{name: "one event fewer", r: clone(), leaves: l.leaves[begin : end-1]})
	smaller := newTestLog(t, size-1)
	lies = append(lies, lie{name: "another size's root", r: clone(), size: size - 1, root: smaller.root})
	lies = append(lies, lie{name: "a range past the log", r: BatchRange{Begin: size, End: size + 1}, leaves: l.leaves[:1]})
	lies = append(lies, lie{name: "an empty range", r: BatchRange{Begin: 5, End: 5}, leaves: [][]byte{}})
	for _, c := range lies {
		leaves, sz, root := c.leaves, c.size, c.root
		if leaves == nil {
			leaves = l.leaves[begin:end]
		}
		if sz == 0 {
			sz = size
		}
		if root == nil {
			root = l.root
		}
		if _, err := VerifyRange(leaves, c.r, sz, root); !errors.Is(err, ErrBadRange) {
			t.Errorf("%s: got %v, want ErrBadRange", c.name, err)
		}
	}
}

// RangeInclusion pairs the range with the acknowledgments: by seq, the
// duplicates left out; an acknowledgment out of the range's order or of
// an event not sent is refused.
func TestRangeInclusionPairsAcknowledgments(t *testing.T) {
	const size = 20
	l := newTestLog(t, size)
	// Seqs 7–11 were sent; 7 was held already, 8–11 are leaves 15–18.
	sent := map[uint64][]byte{7: []byte("held"), 8: l.leaves[15], 9: l.leaves[16], 10: l.leaves[17], 11: l.leaves[18]}
	leaf := func(seq uint64) ([]byte, bool) { b, ok := sent[seq]; return b, ok }
	rng := l.rangeOf(15, 19)
	res := BatchResult{Checkpoint: Checkpoint{Size: size, Root: l.root}, Range: &rng,
		Accepted: []Accepted{{Seq: 7, Duplicate: true}, {Seq: 8, LogIndex: 15}, {Seq: 9, LogIndex: 16}, {Seq: 10, LogIndex: 17}, {Seq: 11, LogIndex: 18}}}
	proofs, err := RangeInclusion(res, leaf)
	if err != nil || len(proofs) != 4 {
		t.Fatalf("got %d proofs, %v", len(proofs), err)
	}
	for seq, idx := range map[uint64]uint64{8: 15, 9: 16, 10: 17, 11: 18} {
		if !equalProofs(proofs[seq], l.inclusion(t, idx)) {
			t.Fatalf("seq %d's proof is not leaf %d's", seq, idx)
		}
	}
	if p, err := RangeInclusion(BatchResult{}, leaf); p != nil || err != nil {
		t.Fatalf("no range: got %v, %v", p, err)
	}
	res.Accepted[2], res.Accepted[3] = res.Accepted[3], res.Accepted[2]
	if _, err := RangeInclusion(res, leaf); !errors.Is(err, ErrBadRange) {
		t.Fatalf("acknowledgments out of order: got %v", err)
	}
	res.Accepted[2], res.Accepted[3] = res.Accepted[3], res.Accepted[2]
	delete(sent, 10)
	if _, err := RangeInclusion(res, leaf); err == nil {
		t.Fatal("an acknowledgment of an event not sent was taken")
	}
}

// Whatever a hub sends as a range — any bounds, any number of hashes of
// any length, any bytes — VerifyRange never panics; for the log's size it
// accepts only the honest range of the honest leaves; and what it accepts
// for any size gives proofs that the RFC 6962 inclusion check of that
// size takes: a range proves no more than inclusion proofs would.
func FuzzVerifyRange(f *testing.F) {
	const size = 23
	l := newTestLog(f, size)
	f.Add(uint64(5), uint64(9), uint64(size), []byte{}, 0, 0)
	f.Add(uint64(0), uint64(23), uint64(size), []byte{1}, 1, 0)
	f.Add(uint64(22), uint64(23), uint64(size), []byte{7, 7}, 0, 2)
	f.Add(uint64(3), uint64(3), uint64(size), []byte{}, 0, 0)
	f.Fuzz(func(t *testing.T, begin, end, sz uint64, flip []byte, dropLeft, addRight int) {
		if begin > size || end > size || begin >= end {
			// Bounds outside the log: refused before anything is hashed.
			r := BatchRange{Begin: begin, End: end}
			if _, err := VerifyRange(l.leaves[:1], r, sz, l.root); err == nil {
				t.Fatalf("[%d, %d) of %d accepted", begin, end, sz)
			}
			return
		}
		r := l.rangeOf(begin, end)
		all := append(append([][]byte{}, r.Left...), r.Right...)
		for i, b := range flip {
			if len(all) > 0 && b != 0 {
				h := bytes.Clone(all[i%len(all)])
				h[int(b)%len(h)] ^= b
				all[i%len(all)] = h
			}
		}
		r.Left, r.Right = all[:len(r.Left)], all[len(r.Left):]
		if dropLeft > 0 && dropLeft <= len(r.Left) {
			r.Left = r.Left[dropLeft:]
		}
		added := int(uint(addRight) % 4)
		for range added {
			r.Right = append(r.Right, bytes.Repeat([]byte{byte(addRight)}, 1+int(uint(addRight)%40)))
		}
		want := l.rangeOf(begin, end)
		changed := !slices.EqualFunc(r.Left, want.Left, bytes.Equal) || !slices.EqualFunc(r.Right, want.Right, bytes.Equal)
		proofs, err := VerifyRange(l.leaves[begin:end], r, sz, l.root)
		if sz == size && changed && err == nil {
			t.Fatalf("a changed range of [%d, %d) accepted", begin, end)
		}
		if sz == size && !changed && err != nil {
			t.Fatalf("the honest range of [%d, %d) refused: %v", begin, end, err)
		}
		// Another size may take the same hashes to the same root (the
		// right edge's subtrees fold alike): what is accepted then must
		// still be what inclusion proofs of that size prove, no more.
		for i, p := range proofs {
			if err := VerifyInclusion(l.leaves[begin+uint64(i)], begin+uint64(i), sz, p, l.root); err != nil {
				t.Fatalf("an accepted range gave leaf %d a proof that does not verify: %v", begin+uint64(i), err)
			}
		}
	})
}
