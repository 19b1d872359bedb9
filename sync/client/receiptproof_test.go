package client

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"lawtrail/sync/protocol"
)

// Receipts get inclusion proofs like events ("Trust, checked from outside":
// receipts are leaves of the hub's log, and a case file must be able to
// show a receipt is in it): after a pass every kept receipt carries a proof
// against a checkpoint the terminal verified.
func TestReceiptsAreProvenInTheLog(t *testing.T) {
	ctx := context.Background()
	th := startHub(t, t.TempDir())
	tm, c := joined(t, th)
	tm.cases(t, 2)
	digests := tm.addFootage(t, 100, 2000, 30000)
	if rep, err := c.Once(ctx); err != nil {
		t.Fatalf("sync: %v %+v", err, rep)
	}
	kept, err := tm.store.Receipts(ctx)
	if err != nil || len(kept) != len(digests) {
		t.Fatalf("receipts %d %v", len(kept), err)
	}
	for d, raw := range kept {
		var rc protocol.Receipt
		json.Unmarshal(raw, &rc)
		cpRaw, err := tm.store.Checkpoint(ctx, rc.CheckpointSize)
		if err != nil || cpRaw == nil {
			t.Fatalf("receipt %s: proof against checkpoint %d the terminal does not hold", d, rc.CheckpointSize)
		}
		var cp protocol.Checkpoint
		json.Unmarshal(cpRaw, &cp)
		if err := protocol.VerifyInclusion(protocol.ReceiptLeaf(rc), rc.LogIndex, cp.Size, rc.Inclusion, cp.Root); err != nil {
			t.Fatalf("receipt %s: %v", d, err)
		}
		// The proof is of this receipt's leaf only.
		other := rc
		other.Size++
		if protocol.VerifyInclusion(protocol.ReceiptLeaf(other), rc.LogIndex, cp.Size, rc.Inclusion, cp.Root) == nil {
			t.Fatal("a changed receipt verified with the proof")
		}
	}
	// The hub refuses proofs of sizes it does not have.
	var rc protocol.Receipt
	err = c.call(ctx, "GET", protocol.PathReceipt+digests[0].String()+"?size=99999999", nil, &rc)
	var pe *protocol.Error
	if !errors.As(err, &pe) || pe.Code != protocol.CodeMalformed {
		t.Fatalf("a proof for a log size the hub never had: %v", err)
	}
}
