package terminal_test

import (
	"context"
	"image"
	_ "image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"lawtrail/casework"
	"lawtrail/terminal"
)

// pdfText is the PDF's text as pdftotext reads it (docpdf's tests use the
// same extractor), with the layout's runs of spaces made one.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "paper.pdf")
	if err := os.WriteFile(p, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", p, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return regexp.MustCompile(`[ \t]+`).ReplaceAllString(string(out), " ")
}

// firstPageQR decodes the QR code of the PDF's first page.
func firstPageQR(t *testing.T, pdf []byte) string {
	t.Helper()
	dir := t.TempDir()
	p := filepath.Join(dir, "paper.pdf")
	os.WriteFile(p, pdf, 0o600)
	if err := exec.Command("pdftoppm", "-r", "150", "-f", "1", "-l", "1", "-png", p, filepath.Join(dir, "page")).Run(); err != nil {
		t.Fatalf("pdftoppm: %v", err)
	}
	pngs, _ := filepath.Glob(filepath.Join(dir, "page*.png"))
	if len(pngs) != 1 {
		t.Fatalf("%d images of page 1", len(pngs))
	}
	f, err := os.Open(pngs[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	bmp, _ := gozxing.NewBinaryBitmapFromImage(img)
	res, err := qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]interface{}{gozxing.DecodeHintType_TRY_HARDER: true})
	if err != nil {
		t.Fatalf("page 1 has no QR code: %v", err)
	}
	return res.GetText()
}

func wantText(t *testing.T, what, text string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
	if t.Failed() {
		t.Fatalf("%s reads:\n%s", what, text)
	}
}

// The 法制审核意见书 of a round prints the case, the decision submitted, the
// round, the seven checklist items with their findings and notes, the
// opinion, the problems and changes, the reviewer and the date; its QR code
// names the round and the footer's content hash. A round still without an
// opinion has no 意见书; a round whose dispute was not resolved after a
// collective discussion has no 集体讨论记录.
func TestReviewOpinionPDF(t *testing.T) {
	ctx := context.Background()
	d := newReviewDesk(t)
	draft, err := d.officer.SaveDraft(ctx, penaltyDraft(d.caseID, "", "200000"))
	if err != nil {
		t.Fatal(err)
	}
	sub, err := d.officer.SubmitReview(ctx, terminal.Submission{Case: d.caseID, Doc: draft.Doc})
	if err != nil {
		t.Fatal(err)
	}
	_, err = d.f.Terminal.ReviewOpinionPDF(ctx, sub.Review, 1)
	wantCode(t, "the 意见书 of a round awaiting its opinion", err, terminal.CodeBadInput)
	if err := d.head.AssignReview(ctx, sub.Review, "o-003"); err != nil {
		t.Fatal(err)
	}
	_, err = d.reviewer.GiveOpinion(ctx, sub.Review, terminal.Opinion{Outcome: casework.OutcomeProblems,
		Checklist: []casework.ChecklistEntry{
			{Item: casework.CheckBasis, Finding: casework.FindingProblem, Note: "裁量过重，未说明从重理由"},
			{Item: casework.CheckCrimeTrans, Finding: casework.FindingNA},
		},
		Problems: "罚款数额与裁量基准不符", Changes: "按基准调整为十五万元"})
	if err != nil {
		t.Fatal(err)
	}
	pdf, err := d.f.Terminal.ReviewOpinionPDF(ctx, sub.Review, 1)
	if err != nil {
		t.Fatal(err)
	}
	text := pdfText(t, pdf)
	wantText(t, "the 意见书", text, "法制审核意见书", "示市监罚〔2026〕7号", "销售过期食品", "第 1 轮",
		"行政处罚；当事人：法人或者其他组织；罚款 200000 元", "李四（o-002）",
		casework.CheckSubject.Label()+"：符合", casework.CheckBasis.Label()+"：存在问题", "说明：裁量过重，未说明从重理由",
		casework.CheckCrimeTrans.Label()+"：不适用", "审核结论：存在问题", "存在的问题：罚款数额与裁量基准不符",
		"修改意见：按基准调整为十五万元", "审核人员：王五（o-003）")
	if n := strings.Count(text, "：符合"); n != 5 {
		t.Errorf("%d items read 符合, want 5 of the 7", n)
	}
	qr := firstPageQR(t, pdf)
	m := regexp.MustCompile(`^lawtrail:doc\?id=` + regexp.QuoteMeta(sub.Review) + `-r1&v=1&sha256=([0-9a-f]{64})$`).FindStringSubmatch(qr)
	if m == nil || !strings.Contains(text, "SHA-256 "+m[1]) {
		t.Fatalf("QR %q does not name round 1 and the content hash the footer prints", qr)
	}
	_, err = d.f.Terminal.CollectiveDiscussionPDF(ctx, sub.Review, 1)
	wantCode(t, "the 集体讨论记录 of a round never disputed", err, terminal.CodeBadInput)
	_, err = d.f.Terminal.ReviewOpinionPDF(ctx, sub.Review, 2)
	wantCode(t, "a round the review does not have", err, terminal.CodeBadInput)
	_, err = d.f.Terminal.ReviewOpinionPDF(ctx, "r-none", 1)
	wantCode(t, "a review the record does not hold", err, terminal.CodeBadInput)

	// Resubmitted: round 2 awaits its opinion, round 1's 意见书 stays the same bytes.
	if _, err := d.officer.SaveDraft(ctx, penaltyDraft(d.caseID, draft.Doc, "150000")); err != nil {
		t.Fatal(err)
	}
	if _, err := d.officer.SubmitReview(ctx, terminal.Submission{Case: d.caseID, Doc: draft.Doc}); err != nil {
		t.Fatal(err)
	}
	_, err = d.f.Terminal.ReviewOpinionPDF(ctx, sub.Review, 2)
	wantCode(t, "the 意见书 of round 2 before its opinion", err, terminal.CodeBadInput)
	again, err := d.f.Terminal.ReviewOpinionPDF(ctx, sub.Review, 1)
	if err != nil || string(again) != string(pdf) {
		t.Fatalf("round 1's 意见书 changed after a resubmission (%v)", err)
	}
}

// The 集体讨论记录 of a disputed round prints the case, the opinion and the
// dispute, the date, attendees and conclusion of the discussion, and the
// head's resolution and decision.
func TestCollectiveDiscussionPDF(t *testing.T) {
	ctx := context.Background()
	d := newReviewDesk(t)
	_, sub := d.submitAssigned(t, "200000")
	if _, err := d.reviewer.GiveOpinion(ctx, sub.Review, terminal.Opinion{Outcome: casework.OutcomeProblems, Problems: "证据不足",
		Checklist: []casework.ChecklistEntry{{Item: casework.CheckFacts, Finding: casework.FindingProblem, Note: "缺少检验报告"}}}); err != nil {
		t.Fatal(err)
	}
	if err := d.officer.DisputeReview(ctx, sub.Review, "检验报告已在卷，审核人员漏看"); err != nil {
		t.Fatal(err)
	}
	_, err := d.f.Terminal.CollectiveDiscussionPDF(ctx, sub.Review, 1)
	wantCode(t, "the 集体讨论记录 before the head resolved", err, terminal.CodeBadInput)
	col := &casework.Collective{Held: "2026-11-26", Attendees: []string{"赵六", "王五", "李四"}, Conclusion: "检验报告在卷，证据充分，按原决定执行。"}
	if err := d.head.ResolveReview(ctx, sub.Review, casework.ResolutionProceed, "经集体讨论，按原决定执行", col); err != nil {
		t.Fatal(err)
	}
	pdf, err := d.f.Terminal.CollectiveDiscussionPDF(ctx, sub.Review, 1)
	if err != nil {
		t.Fatal(err)
	}
	wantText(t, "the 集体讨论记录", pdfText(t, pdf), "集体讨论记录", "示市监罚〔2026〕7号", "审核结论：存在问题",
		"证据不足", "承办机构的异议：检验报告已在卷，审核人员漏看", "讨论日期：2026-11-26", "参加人员：赵六、王五、李四",
		"讨论结论：检验报告在卷，证据充分，按原决定执行。", "处理结果：按审核通过的决定执行", "负责人决定：经集体讨论，按原决定执行",
		"负责人：赵六（o-004）")
	if qr := firstPageQR(t, pdf); !strings.HasPrefix(qr, "lawtrail:doc?id="+sub.Review+"-r1-collective&v=1&sha256=") {
		t.Fatalf("QR %q", qr)
	}
	// The round's 意见书 is there too: the opinion was given before the dispute.
	if _, err := d.f.Terminal.ReviewOpinionPDF(ctx, sub.Review, 1); err != nil {
		t.Fatal(err)
	}
}
