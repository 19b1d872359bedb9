package terminal_test

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"lawtrail/casework"
	"lawtrail/terminal"
)

// The ledger says of each case whether its decision is major under the
// list in force (重大: 是/否) and where its legal review stands (法制审核:
// rounds, conclusion): a major fine agreed in round 2, a major fine
// awaiting a reviewer, a small fine never reviewed. The rounds are a
// number in the workbook.
func TestLedgerMajorAndReview(t *testing.T) {
	ctx := context.Background()
	d := newReviewDesk(t)
	agreed, err := d.officer.SaveDraft(ctx, penaltyDraft(d.caseID, "", "200000"))
	if err != nil {
		t.Fatal(err)
	}
	sub, err := d.officer.SubmitReview(ctx, terminal.Submission{Case: d.caseID, Doc: agreed.Doc})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.head.AssignReview(ctx, sub.Review, "o-003"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.reviewer.GiveOpinion(ctx, sub.Review, terminal.Opinion{Outcome: casework.OutcomeProblems, Problems: "裁量过重",
		Checklist: []casework.ChecklistEntry{{Item: casework.CheckBasis, Finding: casework.FindingProblem, Note: "裁量过重"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.officer.SaveDraft(ctx, penaltyDraft(d.caseID, agreed.Doc, "150000")); err != nil {
		t.Fatal(err)
	}
	if _, err := d.officer.SubmitReview(ctx, terminal.Submission{Case: d.caseID, Doc: agreed.Doc}); err != nil {
		t.Fatal(err)
	}
	if err := d.reviewer.AssignReview(ctx, sub.Review, "o-003"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.reviewer.GiveOpinion(ctx, sub.Review, terminal.Opinion{Outcome: casework.OutcomeAgree}); err != nil {
		t.Fatal(err)
	}
	pending, err := d.officer.OpenCase(ctx, terminal.NewCase{Number: "示市监罚〔2026〕8号", Title: "无证经营"})
	if err != nil {
		t.Fatal(err)
	}
	draft, err := d.officer.SaveDraft(ctx, penaltyDraft(pending.Case, "", "300000"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.officer.SubmitReview(ctx, terminal.Submission{Case: pending.Case, Doc: draft.Doc}); err != nil {
		t.Fatal(err)
	}
	small, err := d.officer.OpenCase(ctx, terminal.NewCase{Number: "示市监罚〔2026〕9号", Title: "未明码标价"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.officer.SaveDraft(ctx, penaltyDraft(small.Case, "", "5000")); err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	path := filepath.Join(dir, "ledger.csv")
	if n, err := d.officer.ExportLedger(ctx, path, ""); err != nil || n != 3 {
		t.Fatalf("ledger: %d cases, %v", n, err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	records, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	header := records[0]
	if got := strings.Join(header[len(header)-3:], ","); got != "重大,法制审核轮次,法制审核结论" {
		t.Fatalf("the last columns are %q", got)
	}
	want := map[string][3]string{
		"示市监罚〔2026〕7号": {"是", "2", "同意"},
		"示市监罚〔2026〕8号": {"是", "1", "待分配审核人员"},
		"示市监罚〔2026〕9号": {"否", "0", ""},
	}
	for _, rec := range records[1:] {
		got := [3]string{rec[12], rec[13], rec[14]}
		if w, ok := want[rec[0]]; !ok || got != w {
			t.Errorf("%s: 重大/轮次/结论 %q, want %q", rec[0], got, w)
		}
		delete(want, rec[0])
	}
	if len(want) != 0 {
		t.Fatalf("cases missing from the ledger: %v", want)
	}

	x := filepath.Join(dir, "ledger.xlsx")
	if _, err := d.officer.ExportLedger(ctx, x, "月度报送"); err != nil {
		t.Fatal(err)
	}
	book, err := excelize.OpenFile(x)
	if err != nil {
		t.Fatal(err)
	}
	defer book.Close()
	rows, err := book.GetRows(terminal.LedgerSheet)
	if err != nil {
		t.Fatal(err)
	}
	for r, row := range rows[1:] {
		if row[0] != "示市监罚〔2026〕7号" {
			continue
		}
		cell := "N" + strconv.Itoa(r+2)
		typ, err := book.GetCellType(terminal.LedgerSheet, cell)
		if err != nil || typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString || row[13] != "2" {
			t.Fatalf("the rounds cell %s is %q of type %v, want the number 2", cell, row[13], typ)
		}
	}
}
