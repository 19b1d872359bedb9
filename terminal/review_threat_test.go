package terminal_test

import (
	"context"
	"errors"
	"testing"

	"lawtrail/casework"
	"lawtrail/store"
	"lawtrail/terminal"
)

// A forged 同意: whoever holds the unlocked terminal (its key, not the
// reviewer's PIN) appends an opinion of 同意 in the assigned reviewer's
// name. Every act of review is co-signed by the person who makes it (L8:
// each act signed by its maker), so the opinion without the reviewer's own
// key is refused at append, nothing is stored, and the decision stays held
// by the gate (L1: no major decision without a passed review).
func TestForgedAgreeWithoutTheReviewersKeyIsRefused(t *testing.T) {
	ctx := context.Background()
	d := newReviewDesk(t)
	draft, sub := d.submitAssigned(t, "200000")
	st := d.f.Terminal.Store()
	before, err := st.EventCount(ctx)
	if err != nil {
		t.Fatal(err)
	}
	forged := &casework.ReviewOpinion{Review: sub.Review, Round: 1, Outcome: casework.OutcomeAgree, Checklist: terminal.FullChecklist(nil)}
	_, err = st.Append(ctx, d.f.Desk.Key(), store.Draft{Actor: "o-003", Payload: forged})
	if !errors.Is(err, casework.ErrNotCoSigned) {
		t.Fatalf("an opinion in the reviewer's name without the reviewer's key: %v, want refused as not co-signed", err)
	}
	if after, _ := st.EventCount(ctx); after != before {
		t.Fatalf("%d events stored by a refused opinion", after-before)
	}
	_, err = d.officer.FinalizeLatestDraft(ctx, draft.Doc, nil)
	wantCode(t, "finalizing after the forged 同意 was refused", err, terminal.CodeReviewRequired)
}
