package client

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"lawtrail/sync/protocol"
)

// rangeWatch rewrites a real hub's handshake and event answers: off hides
// the range-proof feature (a hub from before it), lie damages every range
// sent, and ranges counts the answers that carried one.
type rangeWatch struct {
	off, lie atomic.Bool
	ranges   atomic.Int64
}

func (rw *rangeWatch) start(t *testing.T) *testHub {
	t.Helper()
	match := func(r *http.Request) bool {
		return (r.Method == http.MethodGet && r.URL.Path == protocol.PathState) ||
			(r.Method == http.MethodPost && r.URL.Path == protocol.PathEvents)
	}
	return startHubRewritingWhere(t, match, func(r *http.Request, b []byte) []byte {
		if r.URL.Path == protocol.PathState {
			if !rw.off.Load() {
				return b
			}
			var st protocol.State
			if err := json.Unmarshal(b, &st); err != nil {
				t.Errorf("state: %v", err)
			}
			st.Features = nil
			out, _ := json.Marshal(st)
			return out
		}
		var res protocol.BatchResult
		if json.Unmarshal(b, &res) != nil || res.Range == nil {
			return b // a refusal, or per-event proofs
		}
		rw.ranges.Add(1)
		if !rw.lie.Load() {
			return b
		}
		if len(res.Range.Left) == 0 {
			t.Error("a range with no leaves left of it to lie about")
		} else {
			res.Range.Left[0][0] ^= 1
		}
		out, _ := json.Marshal(res)
		return out
	})
}

// storedProofsVerify checks every acknowledgment the terminal kept against
// the checkpoint it names, as the case file's export does.
func storedProofsVerify(t *testing.T, tm *terminal, want int) {
	t.Helper()
	ctx := context.Background()
	acks, err := tm.store.Acks(ctx)
	if err != nil || len(acks) != want {
		t.Fatalf("%d acknowledgments kept (%v), want %d", len(acks), err, want)
	}
	evs, err := tm.store.EventsFrom(ctx, tm.key.ID(), 1, want)
	if err != nil {
		t.Fatal(err)
	}
	for i, a := range acks {
		raw, err := tm.store.Checkpoint(ctx, a.CheckpointSize)
		if err != nil || raw == nil {
			t.Fatalf("seq %d: checkpoint %d not kept (%v)", a.Seq, a.CheckpointSize, err)
		}
		var cp protocol.Checkpoint
		var proof [][]byte
		if err := json.Unmarshal(raw, &cp); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(a.Proof, &proof); err != nil {
			t.Fatal(err)
		}
		h := evs[i].Hash()
		if err := protocol.VerifyInclusion(protocol.EventLeaf(h[:]), a.LogIndex, cp.Size, proof, cp.Root); err != nil {
			t.Fatalf("seq %d's kept proof: %v", a.Seq, err)
		}
	}
}

// A hub that offers range proofs gets asked for them: each batch's answer
// carries one range instead of a proof an event, and the terminal keeps
// for every event the inclusion proof it derived, which verifies on its
// own against the checkpoint kept. A hub from before (no feature in the
// handshake) is not asked — it would refuse the unknown field — and
// answers with a proof an event, kept the same way.
func TestRangeProofsAskedOfAHubThatOffersThem(t *testing.T) {
	ctx := context.Background()
	rw := &rangeWatch{}
	th := rw.start(t)
	tm, _ := joined(t, th)
	c, err := New(ctx, tm.store, tm.key, Options{BatchSize: 7})
	if err != nil {
		t.Fatal(err)
	}
	tm.cases(t, 20)
	if _, err := c.Once(ctx); err != nil {
		t.Fatal(err)
	}
	sent := head(t, tm) // the cases and what joining recorded
	batches := int64(sent+6) / 7
	if n := rw.ranges.Load(); n != batches {
		t.Fatalf("%d answers carried a range proof, want one for each of %d batches", n, batches)
	}
	storedProofsVerify(t, tm, int(sent))

	rw.off.Store(true)
	tm.cases(t, 10)
	if _, err := c.Once(ctx); err != nil {
		t.Fatal(err)
	}
	if n := rw.ranges.Load(); n != batches {
		t.Fatalf("a hub that did not offer range proofs was asked for one (%d answers with a range)", n-batches)
	}
	storedProofsVerify(t, tm, int(sent)+10)
}

// A hub whose range proof does not verify has its answer refused: nothing
// of the batch is taken as acknowledged, and with the hub honest again the
// terminal learns the events are held (sent again, accepted as
// duplicates) with proofs that verify.
func TestRangeProofThatDoesNotVerifyIsRefused(t *testing.T) {
	ctx := context.Background()
	rw := &rangeWatch{}
	th := rw.start(t)
	tm, c := joined(t, th)
	tm.cases(t, 5)
	if _, err := c.Once(ctx); err != nil {
		t.Fatal(err)
	}
	before := head(t, tm)
	tm.cases(t, 5) // a batch with leaves left of it: the lie flips one of their hashes
	rw.lie.Store(true)
	_, err := c.Once(ctx)
	if err == nil || !strings.Contains(err.Error(), "range proof does not verify: the root") {
		t.Fatalf("got %v, want the range proof's root refused", err)
	}
	acks, err := tm.store.Acks(ctx)
	if err != nil || uint64(len(acks)) != before {
		t.Fatalf("%d acknowledgments kept (%v), want the %d from before the lying answer", len(acks), err, before)
	}
	rw.lie.Store(false)
	if _, err := c.Once(ctx); err != nil {
		t.Fatal(err)
	}
	storedProofsVerify(t, tm, int(head(t, tm)))
}
