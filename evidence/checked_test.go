package evidence

import (
	"context"
	"errors"
	"testing"
)

func checksOf(c *testChain, evs []Event) []SignatureCheck {
	var checks []SignatureCheck
	for _, ev := range evs {
		checks = append(checks, SignatureCheck{Pub: c.terminal.Public, Msg: ev.Body, Sig: ev.Sig})
		for _, cs := range ev.CoSigs {
			checks = append(checks, SignatureCheck{Pub: c.officer.Public, Msg: ev.Body, Sig: cs.Sig})
		}
	}
	return checks
}

// The parallel pass finds exactly the good signatures, on any number of
// workers, and the sequential pass gives the same answers with the set as
// without it.
func TestCheckSignaturesFindsExactlyTheGoodOnes(t *testing.T) {
	c := newTestChain(t)
	evs := c.events(t, 60)
	evs[17].Sig = append([]byte(nil), evs[17].Sig...)
	evs[17].Sig[5] ^= 1 // a forged terminal signature
	evs[29].CoSigs = append([]CoSignature(nil), evs[29].CoSigs...)
	evs[29].CoSigs[0].Sig = append([]byte(nil), evs[29].CoSigs[0].Sig...)
	evs[29].CoSigs[0].Sig[0] ^= 1 // a forged co-signature (seq 30 is co-signed)
	for _, workers := range []int{0, 1, 2, 7, 1000} {
		checked := CheckSignatures(context.Background(), checksOf(c, evs), workers)
		if want := len(checksOf(c, evs)) - 2; len(checked.good) != want {
			t.Fatalf("%d workers: %d signatures found good, want %d", workers, len(checked.good), want)
		}
		for i, ev := range evs {
			_, plain := VerifyEvent(ev, c.keys)
			_, withSet := VerifyEventChecked(ev, c.keys, checked)
			if (plain == nil) != (withSet == nil) {
				t.Fatalf("%d workers, event %d: without the set %v, with it %v", workers, i+1, plain, withSet)
			}
			if bad := i == 17 || i == 29; bad != (withSet != nil) || bad && !errors.Is(withSet, ErrBadSignature) {
				t.Fatalf("%d workers, event %d: %v", workers, i+1, withSet)
			}
		}
	}
}

// The set only saves work, it never decides: a signature it holds for
// other bytes or another key does not make an event verify.
func TestCheckedSignaturesNeverVouchForOtherBytesOrKeys(t *testing.T) {
	c := newTestChain(t)
	evs := c.events(t, 3)
	checked := CheckSignatures(context.Background(), checksOf(c, evs), 2)
	// The first event's signature moved onto the second's body.
	moved := Event{Body: evs[1].Body, Sig: evs[0].Sig}
	if _, err := VerifyEventChecked(moved, c.keys, checked); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("a checked signature over other bytes: %v", err)
	}
	// The same bytes and signature, but a ring that trusts another key.
	other := &Keys{}
	other.AddTerminal(c.id, mustKey(t).Public)
	if _, err := VerifyEventChecked(evs[0], other, checked); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("a checked signature under another key: %v", err)
	}
	// Checks with malformed keys or signatures are simply not good.
	bad := CheckSignatures(context.Background(), []SignatureCheck{{Pub: c.terminal.Public[:5], Msg: evs[0].Body, Sig: evs[0].Sig}, {Pub: c.terminal.Public, Msg: evs[0].Body, Sig: evs[0].Sig[:10]}}, 2)
	if len(bad.good) != 0 {
		t.Fatalf("malformed checks found good: %d", len(bad.good))
	}
	// A cancelled context stops the pass; what it did not check is verified later.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	none := CheckSignatures(ctx, checksOf(c, evs), 2)
	if len(none.good) != 0 {
		t.Fatalf("a cancelled pass found %d good", len(none.good))
	}
	if _, err := VerifyEventChecked(evs[0], c.keys, none); err != nil {
		t.Fatalf("an event the pass did not reach: %v", err)
	}
}
