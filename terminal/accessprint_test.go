package terminal_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"lawtrail/casework"
	"lawtrail/store"
	"lawtrail/terminal"
)

// R6: printing a review round's 法制审核意见书 is an access — recorded
// (access.review_printed, co-signed) before the PDF is handed over; the
// case's officer and its reviewer need no reason, a supervisor off the case
// does, and without one gets no PDF and leaves no event; a paper the round
// does not hold is refused before anything is recorded.
func TestReviewPrintIsAnAccess(t *testing.T) {
	ctx := context.Background()
	d := newReviewDesk(t)
	_, sub := d.submitAssigned(t, "200000")
	if _, err := d.reviewer.GiveOpinion(ctx, sub.Review, terminal.Opinion{Outcome: casework.OutcomeAgree}); err != nil {
		t.Fatal(err)
	}
	d.f.Enroll(t, "o-009", "孙九", "", "975319", casework.RoleSupervisor)
	sup := d.f.Login(t, "o-009", "975319")

	pdf, err := d.officer.PrintReviewOpinion(ctx, sub.Review, 1, "")
	if err != nil || !bytes.HasPrefix(pdf, []byte("%PDF")) {
		t.Fatalf("the case's officer prints: %v", err)
	}
	if _, err := d.reviewer.PrintReviewOpinion(ctx, sub.Review, 1, ""); err != nil {
		t.Fatalf("the round's reviewer prints: %v", err)
	}
	if need, err := sup.ReviewNeedsReason(ctx, sub.Review); err != nil || !need {
		t.Fatalf("a supervisor off the case needs a reason: %v %v", need, err)
	}
	if need, _ := d.officer.ReviewNeedsReason(ctx, sub.Review); need {
		t.Fatal("the case's officer asked for a reason")
	}
	before := eventCount(t, d.f)
	if pdf, err := sup.PrintReviewOpinion(ctx, sub.Review, 1, "  "); !errors.Is(err, casework.ErrReasonRequired) || pdf != nil {
		t.Fatalf("printed off the case without a reason: %v", err)
	}
	_, err = sup.PrintCollectiveDiscussion(ctx, sub.Review, 1, "督查")
	wantCode(t, "a discussion record the round does not hold", err, terminal.CodeBadInput)
	_, err = sup.PrintReviewOpinion(ctx, sub.Review, 2, "督查")
	wantCode(t, "a round the review does not hold", err, terminal.CodeBadInput)
	_, err = sup.PrintReviewOpinion(ctx, sub.Review, 1, "督查\n抽查")
	wantCode(t, "a reason of two lines", err, terminal.CodeBadInput)
	if eventCount(t, d.f) != before {
		t.Fatal("a refused print left an event")
	}
	if _, err := sup.PrintReviewOpinion(ctx, sub.Review, 1, " 执法监督检查 "); err != nil {
		t.Fatal(err)
	}
	acc, err := d.f.Terminal.Store().Accesses(ctx, store.AccessFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(acc) != 3 {
		t.Fatalf("%d accesses, want 3: %+v", len(acc), acc)
	}
	for i, who := range []string{"o-002", "o-003", "o-009"} {
		a := acc[i]
		if a.Type != casework.TypeReviewPrinted || a.Officer != who || a.Review != sub.Review || a.Round != 1 || a.Kind != "opinion" ||
			a.Case != d.caseID || a.Rows != nil {
			t.Errorf("access %d: %+v", i, a)
		}
	}
	if acc[0].Reason != "" || acc[2].Reason != "执法监督检查" {
		t.Fatalf("reasons %q, %q", acc[0].Reason, acc[2].Reason)
	}
}

// R6: the ledger (every case's row, party names included) leaves the
// terminal only as an access: access.ledger_exported names the format and
// the rows written, is recorded before the file gets its name, and a
// refused export leaves neither the file nor a temporary one. A reason is
// optional (the ledger is of no one case) and kept when given.
func TestLedgerExportIsAnAccess(t *testing.T) {
	ctx := context.Background()
	d := newReviewDesk(t)
	d.f.Enroll(t, "o-009", "孙九", "", "975319", casework.RoleSupervisor)
	sup := d.f.Login(t, "o-009", "975319")
	dir := t.TempDir()

	csvPath := filepath.Join(dir, "台账.csv")
	if err := os.WriteFile(csvPath, nil, 0o600); err != nil { // the app's save dialog makes the file first
		t.Fatal(err)
	}
	if n, err := sup.ExportLedger(ctx, csvPath, ""); err != nil || n != 1 {
		t.Fatalf("export: %d cases, %v", n, err)
	}
	if b, err := os.ReadFile(csvPath); err != nil || !bytes.Contains(b, []byte("示市监罚〔2026〕7号")) {
		t.Fatalf("the ledger file: %v", err)
	}
	xlsx := filepath.Join(dir, "ledger.xlsx")
	if _, err := d.officer.ExportLedger(ctx, xlsx, "月度报送"); err != nil {
		t.Fatal(err)
	}
	acc, err := d.f.Terminal.Store().Accesses(ctx, store.AccessFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(acc) != 2 {
		t.Fatalf("%d accesses, want 2: %+v", len(acc), acc)
	}
	for i, want := range []struct{ who, format, reason string }{{"o-009", "csv", ""}, {"o-002", "xlsx", "月度报送"}} {
		a := acc[i]
		if a.Type != casework.TypeLedgerExported || a.Officer != want.who || a.Format != want.format || a.Reason != want.reason ||
			a.Rows == nil || *a.Rows != 1 || a.Case != "" {
			t.Errorf("access %d: %+v", i, a)
		}
	}

	// Refused: a revoked officer's session, a name of another kind, a
	// reason of two lines. No file, no temporary file, no event.
	if err := d.f.Admin.RevokeOfficer(ctx, "o-009", "调离"); err != nil {
		t.Fatal(err)
	}
	before := eventCount(t, d.f)
	refusedDir := t.TempDir()
	if _, err := sup.ExportLedger(ctx, filepath.Join(refusedDir, "a.csv"), "督查"); !errors.Is(err, casework.ErrRevoked) {
		t.Fatalf("a revoked officer's export: %v", err)
	}
	_, err = d.officer.ExportLedger(ctx, filepath.Join(refusedDir, "b.txt"), "")
	wantCode(t, "a .txt ledger", err, terminal.CodeBadInput)
	_, err = d.officer.ExportLedger(ctx, filepath.Join(refusedDir, "c.xlsx"), "月度\n报送")
	wantCode(t, "a reason of two lines", err, terminal.CodeBadInput)
	if left, _ := os.ReadDir(refusedDir); len(left) > 0 || eventCount(t, d.f) != before {
		t.Fatalf("a refused export left %d files and %d events", len(left), eventCount(t, d.f)-before)
	}
}
