package casefile_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lawtrail/casefile"
	"lawtrail/casefile/casefiletest"
	"lawtrail/casework"
	"lawtrail/terminal"
	"lawtrail/terminal/terminaltest"
)

// reviewedCase is a terminal whose case went through legal review the way
// officers do it at a terminal: a major fine submitted with its draft, an
// opinion of 存在问题, a dispute, a head's resolution after a collective
// discussion, then the decision finalized.
func reviewedCase(t *testing.T) (*terminaltest.Fixture, *terminal.Session, string, string) {
	t.Helper()
	ctx := context.Background()
	f := terminaltest.New(t)
	f.Enroll(t, "o-002", "李四", "35010000002", "246802", casework.RoleOfficer)
	f.Enroll(t, "o-003", "王五", "", "246803", casework.RoleReviewer)
	f.Enroll(t, "o-004", "赵六", "", "246804", casework.RoleHead)
	officer, reviewer, head := f.Login(t, "o-002", "246802"), f.Login(t, "o-003", "246803"), f.Login(t, "o-004", "246804")
	c, err := officer.OpenCase(ctx, terminal.NewCase{Number: "示市监罚〔2026〕7号", Title: "销售过期食品"})
	if err != nil {
		t.Fatal(err)
	}
	draft, err := officer.SaveDraft(ctx, terminal.DocumentDraft{Case: c.Case, Template: "penalty_decision", Fields: map[string]json.RawMessage{
		"doc_no":     json.RawMessage(`"示市监罚〔2026〕7号"`),
		"party":      json.RawMessage(`{"name":"某某食品有限公司","id_no":"91350100MA00000000","address":"某路1号","legal_rep":"李四","phone":""}`),
		"facts":      json.RawMessage(`"销售过期食品。"`),
		"basis":      json.RawMessage(`"《食品安全法》第一百二十四条。"`),
		"penalty":    json.RawMessage(`"罚款。"`),
		"fine":       json.RawMessage(`200000`),
		"decision":   json.RawMessage(`{"act":"penalty","party_kind":"organisation","penalties":[{"kind":"fine","amount_yuan":200000}]}`),
		"payment":    json.RawMessage(`"十五日内缴纳。"`),
		"remedies":   json.RawMessage(`"六十日内申请行政复议。"`),
		"decided_at": json.RawMessage(`"2026-11-25 10:00"`),
	}})
	if err != nil {
		t.Fatal(err)
	}
	sub, err := officer.SubmitReview(ctx, terminal.Submission{Case: c.Case, Doc: draft.Doc})
	if err != nil {
		t.Fatal(err)
	}
	if err := head.AssignReview(ctx, sub.Review, "o-003"); err != nil {
		t.Fatal(err)
	}
	if _, err := reviewer.GiveOpinion(ctx, sub.Review, terminal.Opinion{Outcome: casework.OutcomeProblems, Problems: "证据不足",
		Checklist: []casework.ChecklistEntry{{Item: casework.CheckFacts, Finding: casework.FindingProblem, Note: "缺少检验报告"}}}); err != nil {
		t.Fatal(err)
	}
	if err := officer.DisputeReview(ctx, sub.Review, "检验报告已在卷"); err != nil {
		t.Fatal(err)
	}
	if err := head.ResolveReview(ctx, sub.Review, casework.ResolutionProceed, "经集体讨论，按原决定执行",
		&casework.Collective{Held: "2026-11-26", Attendees: []string{"赵六", "王五", "李四"}, Conclusion: "证据充分，按原决定执行。"}); err != nil {
		t.Fatal(err)
	}
	if _, err := officer.FinalizeLatestDraft(ctx, draft.Doc, nil); err != nil {
		t.Fatal(err)
	}
	return f, officer, c.Case, sub.Review
}

func verifyDir(t *testing.T, env casefile.Env, dir string) *casefile.Verified {
	t.Helper()
	b, err := casefile.OpenBundle(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	v, err := casefile.Verify(context.Background(), b, casefile.VerifyOptions{Env: env})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// copyCaseFile is a fresh copy of an exported case file folder to tamper with.
func copyCaseFile(t *testing.T, dir string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "copy")
	if err := os.CopyFS(out, os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
	return out
}

// A case file carries reviews.json (every round as the signed events give
// it) and the round's 意见书 and 集体讨论记录; verify-bundle derives them
// again. Hand-edited — a 存在问题 turned into 同意 in reviews.json, a PDF
// altered or swapped, a form for a round that has none, reviews.json
// dropped — each is named as what the signed events do not give; with
// SHA256SUMS rewritten over the edit (as a forger who read the README
// would) the signed export no longer names the files.
func TestCaseFileCarriesReviewAndCatchesEdits(t *testing.T) {
	ctx := context.Background()
	f, officer, caseID, review := reviewedCase(t)
	out := filepath.Join(t.TempDir(), "case")
	if _, err := officer.ExportCase(ctx, terminal.CaseExport{Case: caseID, Out: out}); err != nil {
		t.Fatal(err)
	}
	env := f.Terminal.CaseFileEnv()
	v := verifyDir(t, env, out)
	if !v.OK() || !strings.Contains(strings.Join(v.Claims, "\n"), "3 files of legal review") {
		t.Fatalf("verify: %v\nclaims: %v", v.Problems, v.Claims)
	}
	var rounds []struct {
		Review  string `json:"review"`
		Round   int    `json:"round"`
		Passed  bool   `json:"passed"`
		Opinion struct {
			Outcome   string                    `json:"outcome"`
			Checklist []casework.ChecklistEntry `json:"checklist"`
			By        string                    `json:"by"`
			PDF       string                    `json:"pdf"`
		} `json:"opinion"`
		Resolution struct {
			Resolution string               `json:"resolution"`
			Collective *casework.Collective `json:"collective"`
			PDF        string               `json:"pdf"`
		} `json:"resolution"`
	}
	raw, err := os.ReadFile(filepath.Join(out, casefile.ReviewsFile))
	if err != nil || json.Unmarshal(raw, &rounds) != nil || len(rounds) != 1 {
		t.Fatalf("reviews.json: %v\n%s", err, raw)
	}
	r := rounds[0]
	opinionPDF, collectivePDF := review+"-r1-opinion.pdf", review+"-r1-collective.pdf"
	if r.Review != review || r.Round != 1 || !r.Passed || r.Opinion.Outcome != "problems" || r.Opinion.By != "o-003" ||
		len(r.Opinion.Checklist) != 7 || r.Opinion.Checklist[2].Finding != casework.FindingProblem ||
		r.Opinion.PDF != "reviews/"+opinionPDF || r.Resolution.Resolution != "proceed" || r.Resolution.Collective == nil ||
		r.Resolution.PDF != "reviews/"+collectivePDF {
		t.Fatalf("reviews.json round %+v", r)
	}
	terminalPDF, err := f.Terminal.ReviewOpinionPDF(ctx, review, 1)
	if err != nil {
		t.Fatal(err)
	}
	if inFile, _ := os.ReadFile(filepath.Join(out, "reviews", opinionPDF)); !bytes.Equal(inFile, terminalPDF) {
		t.Fatal("the case file's 意见书 is not the terminal's")
	}

	for _, tc := range []struct {
		name, want string
		edit       func(dir string) error
	}{
		{"a forged 同意 in reviews.json", casefile.ReviewsFile + ": differs from what the signed events give", func(dir string) error {
			p := filepath.Join(dir, casefile.ReviewsFile)
			b, _ := os.ReadFile(p)
			return os.WriteFile(p, bytes.Replace(b, []byte(`"outcome": "problems"`), []byte(`"outcome": "agree"`), 1), 0o600)
		}},
		{"a byte of the 意见书 changed", "reviews/" + opinionPDF + ": differs from what the signed events give", func(dir string) error {
			p := filepath.Join(dir, "reviews", opinionPDF)
			b, _ := os.ReadFile(p)
			b[len(b)/2] ^= 1
			return os.WriteFile(p, b, 0o600)
		}},
		{"the 集体讨论记录 put in place of the 意见书", "reviews/" + opinionPDF + ": differs from what the signed events give", func(dir string) error {
			b, _ := os.ReadFile(filepath.Join(dir, "reviews", collectivePDF))
			return os.WriteFile(filepath.Join(dir, "reviews", opinionPDF), b, 0o600)
		}},
		{"an 意见书 for a round that has none", "reviews/" + review + "-r2-opinion.pdf: no signed review event gives this file", func(dir string) error {
			b, _ := os.ReadFile(filepath.Join(dir, "reviews", opinionPDF))
			return os.WriteFile(filepath.Join(dir, "reviews", review+"-r2-opinion.pdf"), b, 0o600)
		}},
		{"reviews.json dropped", casefile.ReviewsFile + ": open", func(dir string) error {
			return os.Remove(filepath.Join(dir, casefile.ReviewsFile))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyCaseFile(t, out)
			if err := tc.edit(dir); err != nil {
				t.Fatal(err)
			}
			// As edited: the signed export still names the files, and
			// the review files derived again differ.
			v := verifyDir(t, env, dir)
			problems := strings.Join(v.Problems, "\n")
			if v.OK() || !strings.Contains(problems, tc.want) {
				t.Fatalf("problems:\n%s\nwant one with %q", problems, tc.want)
			}
			// SHA256SUMS rewritten over the edit: the signed export no
			// longer names it.
			casefiletest.Resum(t, dir)
			v = verifyDir(t, env, dir)
			if v.OK() || !strings.Contains(strings.Join(v.Problems, "\n"), "export.json: the signed export names SHA256SUMS") {
				t.Fatalf("with SHA256SUMS rewritten: %v", v.Problems)
			}
		})
	}
}

// A case never submitted for review has no review files, and a
// reviews.json planted in its case file is named.
func TestCaseFileWithoutReviewHasNoReviewFiles(t *testing.T) {
	ctx := context.Background()
	f := terminaltest.New(t)
	c, err := f.Admin.OpenCase(ctx, terminal.NewCase{Number: "示市监罚〔2026〕8号", Title: "无照经营"})
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "case")
	if _, err := f.Admin.ExportCase(ctx, terminal.CaseExport{Case: c.Case, Out: out}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(out, casefile.ReviewsFile)); !os.IsNotExist(err) {
		t.Fatalf("reviews.json in the file of a case never reviewed: %v", err)
	}
	if v := verifyDir(t, f.Terminal.CaseFileEnv(), out); !v.OK() {
		t.Fatalf("verify: %v", v.Problems)
	}
	os.WriteFile(filepath.Join(out, casefile.ReviewsFile), []byte("[]\n"), 0o600)
	v := verifyDir(t, f.Terminal.CaseFileEnv(), out)
	if v.OK() || !strings.Contains(strings.Join(v.Problems, "\n"), casefile.ReviewsFile+": no signed review event gives this file") {
		t.Fatalf("a planted reviews.json: %v", v.Problems)
	}
}
