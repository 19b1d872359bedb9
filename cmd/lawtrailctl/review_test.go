package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lawtrail/casework"
)

// Legal review (法制审核) as processes: a hub, and the terminals of one
// agency — the handling officer's, the reviewer's, the head's — each
// officer enrolled on their own terminal, the review passing between them
// only by `lawtrailctl sync`.

// The officers of the review tests and their PINs.
var (
	asLi   = map[string]string{"LAWTRAIL_OFFICER": "o-002", "LAWTRAIL_PIN": liPINCLI} // 李四, handling officer
	asWang = map[string]string{"LAWTRAIL_OFFICER": "o-003", "LAWTRAIL_PIN": "246803"} // 王五, legal reviewer
	asZhao = map[string]string{"LAWTRAIL_OFFICER": "o-004", "LAWTRAIL_PIN": "246804"} // 赵六, head
)

const qianPIN = "246805" // 钱七, officer and reviewer, who takes part in cases

// reviewAgency is the hub and the three terminals.
type reviewAgency struct {
	hub                     *hubProcess
	officer, reviewer, head string // data folders
}

func newReviewAgency(t *testing.T) *reviewAgency {
	t.Helper()
	const agency = "某区市场监督管理局"
	h := startHubProcess(t)
	a := &reviewAgency{hub: h, officer: agencyTerminal(t, h, agency), reviewer: agencyTerminal(t, h, agency), head: agencyTerminal(t, h, agency)}
	addOfficer(t, a.officer, "o-002", "李四", "35010000002", liPINCLI, "officer")
	addOfficer(t, a.officer, "o-005", "钱七", "35010000005", qianPIN, "officer,reviewer")
	a.sync(t, a.officer, a.reviewer, a.head)
	addOfficer(t, a.reviewer, "o-003", "王五", "", "246803", "reviewer")
	addOfficer(t, a.head, "o-004", "赵六", "", "246804", "head")
	a.sync(t, a.reviewer, a.head, a.officer, a.reviewer)
	return a
}

// addOfficer enrolls an officer on a terminal, by its admin 张三.
func addOfficer(t *testing.T, dir, id, name, credential, pin, roles string) {
	t.Helper()
	vars := map[string]string{"LAWTRAIL_OFFICER": "o-001", "LAWTRAIL_PIN": zhangPIN, "LAWTRAIL_NEW_PIN": pin}
	args := []string{"--data", dir, "officer", "add", "--id", id, "--name", name, "--roles", roles}
	if credential != "" {
		args = append(args, "--credential", credential)
	}
	mustAgencyCtl(t, vars, args...)
}

// sync runs one sync pass on each terminal, in order.
func (a *reviewAgency) sync(t *testing.T, dirs ...string) {
	t.Helper()
	for _, d := range dirs {
		mustAgencyCtl(t, nil, "--data", d, "sync", "--once")
	}
}

// penaltyFields is a complete 行政处罚决定书 fining an organisation yuan.
func penaltyFields(t *testing.T, yuan string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "decision-"+yuan+".json")
	body := `{"doc_no": "示市监罚〔2026〕7号",
 "party": {"name": "某某食品有限公司", "id_no": "91350100MA00000000", "address": "某路1号", "legal_rep": "王某", "phone": ""},
 "facts": "销售过期食品。", "basis": "《食品安全法》第一百二十四条。", "penalty": "罚款。", "fine": ` + yuan + `,
 "decision": {"act": "penalty", "party_kind": "organisation", "penalties": [{"kind": "fine", "amount_yuan": ` + yuan + `}]},
 "payment": "十五日内缴纳。", "remedies": "六十日内申请行政复议。", "decided_at": "2026-11-25 10:00"}`
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// jsonFile writes body to a new file of mode 0600.
func jsonFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// openDecisionCase opens a case as 李四 on the officer's terminal, with a
// step 钱七 attended (so 钱七 must recuse), and drafts its decision.
func (a *reviewAgency) openDecisionCase(t *testing.T, number, yuan string) (caseID, doc string) {
	t.Helper()
	caseID = strings.TrimSpace(mustAgencyCtl(t, asLi, "--data", a.officer, "case", "new", "--number", number, "--title", "销售过期食品"))
	mustAgencyCtl(t, asLi, "--data", a.officer, "case", "step", caseID, "--kind", "onsite_inspection",
		"--start", "2026-11-20 10:15", "--end", "2026-11-20 10:40", "--officers", "o-002,o-005", "--pins", pinsFile(t, "o-005 "+qianPIN+"\n"))
	doc = strings.TrimSpace(mustAgencyCtl(t, asLi, "--data", a.officer, "doc", "new", "--case", caseID, "--template", "penalty_decision",
		"--fields", penaltyFields(t, yuan)))
	return caseID, doc
}

// lastWord is the last word of a command's output (the id submit prints).
func lastWord(s string) string {
	f := strings.Fields(s)
	if len(f) == 0 {
		return ""
	}
	return f[len(f)-1]
}

// wantExit fails unless r exited with code and its output says each of says.
func wantExit(t *testing.T, what string, r result, code int, says ...string) {
	t.Helper()
	if r.code != code {
		t.Fatalf("%s: exit %d, want %d\n%s%s", what, r.code, code, r.stdout, r.stderr)
	}
	for _, s := range says {
		if !strings.Contains(r.stdout+r.stderr, s) {
			t.Errorf("%s: the output does not say %q:\n%s%s", what, s, r.stdout, r.stderr)
		}
	}
}

// caseShownJSON reads `case show --json`.
func caseShownJSON(t *testing.T, dir, caseID string) caseShown {
	t.Helper()
	var c caseShown
	if err := json.Unmarshal([]byte(mustAgencyCtl(t, nil, "--data", dir, "case", "show", caseID, "--json")), &c); err != nil {
		t.Fatalf("case show --json: %v", err)
	}
	return c
}

// reviewIDs lists the review ids of `review list --json` with the queue.
func reviewIDs(t *testing.T, vars map[string]string, dir, queue string) []string {
	t.Helper()
	var rows []roundShown
	if err := json.Unmarshal([]byte(mustAgencyCtl(t, vars, "--data", dir, "review", "list", "--json", "--queue", queue)), &rows); err != nil {
		t.Fatalf("review list --json: %v", err)
	}
	var ids []string
	for _, r := range rows {
		ids = append(ids, r.Review)
	}
	return ids
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// The acceptance (L1, L4–L8): a draft 行政处罚决定书 fining an
// organisation 200,000 yuan is flagged major, its criterion named
// (fine-organisation, 对法人或者其他组织处以十万元以上罚款); finalizing it is
// refused until a review passes; the review goes to the reviewer's terminal
// by sync, comes back 存在问题 with its checklist, is resubmitted changed
// and agreed; a change after 同意 is held again; the reviewed text is
// finalized. A second case's opinion is disputed, reaches the head's
// terminal and is resolved after a collective discussion. A reviewer who
// took part is refused (回避); a decision that is not major is never held.
// Every terminal's check and the hub's pass; the case file verifies and
// carries the review's forms.
func TestLegalReviewAcrossTerminalsCLI(t *testing.T) {
	a := newReviewAgency(t)
	caseID, doc := a.openDecisionCase(t, "示市监罚〔2026〕7号", "200000")

	shown := caseShownJSON(t, a.officer, caseID)
	if !shown.Major || len(shown.Criteria) != 1 || shown.Criteria[0].ID != "fine-organisation" ||
		shown.Criteria[0].Label != "对法人或者其他组织处以十万元以上罚款" || shown.Decision == nil || shown.Review != nil {
		t.Fatalf("case show --json: major %v, criteria %+v, decision %+v, review %+v", shown.Major, shown.Criteria, shown.Decision, shown.Review)
	}
	wantExit(t, "case decision", agencyCtl(t, nil, "--data", a.officer, "case", "decision", caseID), 0,
		"major: yes", "对法人或者其他组织处以十万元以上罚款", "罚款 200000 元")
	wantExit(t, "finalizing before review", agencyCtl(t, asLi, "--data", a.officer, "doc", "finalize", doc), exitRefused,
		"legal review required", "对法人或者其他组织处以十万元以上罚款")

	review := lastWord(mustAgencyCtl(t, asLi, "--data", a.officer, "review", "submit", "--case", caseID, "--doc", doc, "--note", "请审核"))
	a.sync(t, a.officer, a.reviewer)
	if ids := reviewIDs(t, asWang, a.reviewer, "new"); !contains(ids, review) {
		t.Fatalf("the reviewer's new queue %v lacks %s", ids, review)
	}
	mustAgencyCtl(t, asWang, "--data", a.reviewer, "review", "assign", review, "--to", "o-003")
	if ids := reviewIDs(t, asWang, a.reviewer, "mine"); !contains(ids, review) {
		t.Fatalf("the reviewer's own queue %v lacks %s", ids, review)
	}
	checklist := jsonFile(t, "checklist.json", `[{"item":"basis","finding":"problem","note":"罚款数额与裁量基准不符"}]`)
	mustAgencyCtl(t, asWang, "--data", a.reviewer, "review", "opinion", review, "--problems", "裁量过重",
		"--changes", "按裁量基准调整为十五万元", "--checklist", checklist)
	a.sync(t, a.reviewer, a.officer)

	wantExit(t, "review show on the officer's terminal", agencyCtl(t, nil, "--data", a.officer, "review", "show", review), 0,
		"round 1: 存在问题", "存在问题  适用法律、法规、规章是否准确，裁量基准运用是否适当：罚款数额与裁量基准不符", "符合  执法程序是否合法",
		"按裁量基准调整为十五万元", "王五 (o-003)")
	wantExit(t, "finalizing after 存在问题", agencyCtl(t, asLi, "--data", a.officer, "doc", "finalize", doc), exitRefused, "found problems")
	opinionPDF := filepath.Join(t.TempDir(), "opinion.pdf")
	wantExit(t, "review pdf on the officer's terminal", agencyCtl(t, asLi, "--data", a.officer, "review", "pdf", review, "--out", opinionPDF), 0, "法制审核意见书")
	if text := pdfText(t, opinionPDF); !strings.Contains(text, "罚款数额与裁量基准不符") || !strings.Contains(text, "存在问题") {
		t.Fatalf("the 意见书 PDF lacks the checklist note and the opinion:\n%s", text)
	}
	wantExit(t, "review pdf --collective of a round with none", agencyCtl(t, asLi, "--data", a.officer, "review", "pdf", review,
		"--collective", "--out", opinionPDF+".2"), exitRefused, "no collective discussion")
	a.reviewPrintIsAnAccess(t, review, caseID)
	mustAgencyCtl(t, asLi, "--data", a.officer, "doc", "new", "--id", doc, "--case", caseID, "--template", "penalty_decision",
		"--fields", penaltyFields(t, "150000"))
	wantExit(t, "resubmission", agencyCtl(t, asLi, "--data", a.officer, "review", "resubmit", review, "--doc", doc), 0, "round 2", review)
	a.sync(t, a.officer, a.reviewer)
	mustAgencyCtl(t, asWang, "--data", a.reviewer, "review", "assign", review, "--to", "o-003")
	mustAgencyCtl(t, asWang, "--data", a.reviewer, "review", "opinion", review, "--agree")
	a.sync(t, a.reviewer, a.officer)

	mustAgencyCtl(t, asLi, "--data", a.officer, "doc", "new", "--id", doc, "--case", caseID, "--template", "penalty_decision",
		"--fields", penaltyFields(t, "180000"))
	wantExit(t, "finalizing a decision changed after 同意", agencyCtl(t, asLi, "--data", a.officer, "doc", "finalize", doc), exitRefused,
		"differs from the decision review "+review+" round 2 passed")
	mustAgencyCtl(t, asLi, "--data", a.officer, "doc", "new", "--id", doc, "--case", caseID, "--template", "penalty_decision",
		"--fields", penaltyFields(t, "150000"))
	wantExit(t, "finalizing the reviewed draft", agencyCtl(t, asLi, "--data", a.officer, "doc", "finalize", doc), 0, "version 1 finalized")
	if s := caseShownJSON(t, a.officer, caseID); s.Review == nil || len(s.Review.Rounds) != 2 || !s.Review.Passed ||
		s.Review.Rounds[0].Outcome != "problems" || s.Review.Rounds[1].Outcome != "agree" {
		t.Errorf("case show --json after 同意: review %+v", s.Review)
	}

	disputed := a.disputeResolvedByHead(t)
	a.nonMajorNeverHeld(t)

	a.sync(t, a.officer, a.reviewer, a.head, a.officer, a.reviewer)
	for name, dir := range map[string]string{"officer": a.officer, "reviewer": a.reviewer, "head": a.head} {
		wantExit(t, "check on the "+name+"'s terminal", agencyCtl(t, nil, "--data", dir, "check"), 0)
		wantExit(t, "review stats on the "+name+"'s terminal", agencyCtl(t, nil, "--data", dir, "review", "stats"), 0,
			"major decisions finalized 2, reviewed first 2 (100%)", "reviewers 2")
	}
	if out, code := a.hub.run(t, "check"); code != 0 {
		t.Errorf("lawtrail-hub check: %d\n%s", code, out)
	}
	a.exportVerifies(t, caseID, review+"-r1-opinion.pdf", review+"-r2-opinion.pdf")
	a.exportVerifies(t, disputed.caseID, disputed.review+"-r1-opinion.pdf", disputed.review+"-r1-collective.pdf")
}

type reviewedCase struct{ caseID, review string }

// disputeResolvedByHead: a second case's review — 钱七, who attended its
// step, is refused as reviewer (回避); the head assigns 王五; 存在问题; the
// officer disputes; the dispute reaches the head's terminal, who resolves
// it to proceed after a collective discussion; the decision is finalized.
func (a *reviewAgency) disputeResolvedByHead(t *testing.T) reviewedCase {
	t.Helper()
	caseID, doc := a.openDecisionCase(t, "示市监罚〔2026〕8号", "300000")
	review := lastWord(mustAgencyCtl(t, asLi, "--data", a.officer, "review", "submit", "--case", caseID, "--doc", doc))
	a.sync(t, a.officer, a.head)
	wantExit(t, "assigning a reviewer who took part", agencyCtl(t, asZhao, "--data", a.head, "review", "assign", review, "--to", "o-005"),
		exitRefused, "回避", "took part in case "+caseID)
	mustAgencyCtl(t, asZhao, "--data", a.head, "review", "assign", review, "--to", "o-003")
	a.extendedByHead(t, review)
	a.sync(t, a.head, a.reviewer)
	if ids := reviewIDs(t, asWang, a.reviewer, "mine"); !contains(ids, review) {
		t.Fatalf("the head's assignment did not reach the reviewer's queue: %v", ids)
	}
	checklist := jsonFile(t, "facts.json", `[{"item":"facts","finding":"存在问题","note":"缺少检验报告"}]`)
	mustAgencyCtl(t, asWang, "--data", a.reviewer, "review", "opinion", review, "--problems", "证据不足", "--checklist", checklist)
	a.sync(t, a.reviewer, a.officer)
	mustAgencyCtl(t, asLi, "--data", a.officer, "review", "dispute", review, "--reason", "检验报告已在卷，审核人员漏看")
	a.sync(t, a.officer, a.head)
	if ids := reviewIDs(t, asZhao, a.head, "disputed"); !contains(ids, review) {
		t.Fatalf("the head's disputed queue %v lacks %s", ids, review)
	}
	collective := jsonFile(t, "collective.json",
		`{"held":"2026-11-26","attendees":["赵六","王五","李四"],"conclusion":"检验报告在卷，证据充分，按原决定执行。"}`)
	mustAgencyCtl(t, asZhao, "--data", a.head, "review", "resolve", review, "--proceed", "--decision", "经集体讨论，按原决定执行",
		"--collective", collective)
	a.sync(t, a.head, a.officer)
	wantExit(t, "review show after the resolution", agencyCtl(t, nil, "--data", a.officer, "review", "show", review), 0,
		"dispute (异议) by 李四 (o-002)", "resolution by 赵六 (o-004): 按审核通过的决定执行", "集体讨论", "赵六、王五、李四")
	wantExit(t, "finalizing after the head's resolution", agencyCtl(t, asLi, "--data", a.officer, "doc", "finalize", doc), 0, "finalized")
	return reviewedCase{caseID, review}
}

// nonMajorNeverHeld: a 5,000 yuan fine is finalized with no review.
func (a *reviewAgency) nonMajorNeverHeld(t *testing.T) {
	t.Helper()
	caseID, doc := a.openDecisionCase(t, "示市监罚〔2026〕9号", "5000")
	wantExit(t, "case decision of a minor fine", agencyCtl(t, nil, "--data", a.officer, "case", "decision", caseID), 0, "major: no")
	wantExit(t, "finalizing a decision that is not major", agencyCtl(t, asLi, "--data", a.officer, "doc", "finalize", doc), 0, "finalized")
}

// exportVerifies exports a case on the officer's terminal and verifies the
// file; it must carry reviews.json and the review forms named.
func (a *reviewAgency) exportVerifies(t *testing.T, caseID string, forms ...string) {
	t.Helper()
	out := filepath.Join(t.TempDir(), caseID+".zip")
	mustAgencyCtl(t, asLi, "--data", a.officer, "case", "export", caseID, "--out", out)
	wantExit(t, "verify-bundle of "+caseID, agencyCtl(t, nil, "verify-bundle", out), 0)
	if r := unzipEntry(t, out, "reviews.json"); !strings.Contains(string(r), caseID) {
		t.Errorf("reviews.json of %s does not name the case: %s", caseID, r)
	}
	for _, f := range forms {
		if pdf := unzipEntry(t, out, "reviews/"+f); !strings.HasPrefix(string(pdf), "%PDF") {
			t.Errorf("%s in the case file of %s is no PDF", f, caseID)
		}
	}
}

// extendedByHead: the head moves the due day one working day on; a move
// past the working days the policy allows is refused.
func (a *reviewAgency) extendedByHead(t *testing.T, review string) {
	t.Helper()
	var shown struct {
		Rounds []roundShown `json:"rounds"`
	}
	if err := json.Unmarshal([]byte(mustAgencyCtl(t, nil, "--data", a.head, "review", "show", review, "--json")), &shown); err != nil {
		t.Fatal(err)
	}
	due, err := time.ParseInLocation(time.DateOnly, shown.Rounds[0].Due, casework.Shanghai)
	if err != nil {
		t.Fatal(err)
	}
	next := casework.Calendar{}.AddWorkdays(due, 1).Format(time.DateOnly)
	wantExit(t, "an extension past the policy", agencyCtl(t, asZhao, "--data", a.head, "review", "extend", review,
		"--due", due.AddDate(0, 1, 0).Format(time.DateOnly), "--reason", "案情复杂"), exitRefused, "an extension moves the due day")
	wantExit(t, "an extension by a working day", agencyCtl(t, asZhao, "--data", a.head, "review", "extend", review,
		"--due", next, "--reason", "案情复杂"), 0, "due "+next)
	wantExit(t, "review show after the extension", agencyCtl(t, nil, "--data", a.head, "review", "show", review), 0,
		"due "+next, "extended: 案情复杂")
}

// A submission approved by a head: the head co-signs with the PIN from
// LAWTRAIL_APPROVER_PIN; a wrong PIN is a failed log-in (exit 5) and
// nothing is stored; an approver who is no head is refused (exit 4).
func TestReviewSubmitApprovedByHeadCLI(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	mustAgencyCtl(t, asZhang, "--data", dir, "init", "--agency", "某区市场监督管理局", "--officer-id", "o-001", "--officer-name", "张三",
		"--credential", "35010000001")
	addOfficer(t, dir, "o-004", "赵六", "", "246804", "head")
	addOfficer(t, dir, "o-003", "王五", "", "246803", "reviewer")
	caseID := strings.TrimSpace(mustAgencyCtl(t, asZhang, "--data", dir, "case", "new", "--number", "示市监罚〔2026〕7号", "--title", "销售过期食品"))
	mustAgencyCtl(t, asZhang, "--data", dir, "case", "decision", caseID, "--file",
		jsonFile(t, "d.json", `{"act":"penalty","party_kind":"individual","penalties":[{"kind":"revoke_licence","object":"食品经营许可证"}]}`))
	with := func(pin string) map[string]string { // 张三 submits; the approver's PIN
		return map[string]string{"LAWTRAIL_OFFICER": "o-001", "LAWTRAIL_PIN": zhangPIN, "LAWTRAIL_APPROVER_PIN": pin}
	}
	before := eventCount(t, dir)
	wantExit(t, "a wrong approver PIN", agencyCtl(t, with("999999"), "--data", dir, "review", "submit", "--case", caseID,
		"--approver", "o-004"), exitSecret, "wrong PIN")
	wantExit(t, "an approver who is no head", agencyCtl(t, with("246803"), "--data", dir, "review", "submit", "--case", caseID,
		"--approver", "o-003"), exitRefused, "is not a head who may approve")
	noteNothingStored(t, dir, before, "refused submissions")
	review := lastWord(mustAgencyCtl(t, with("246804"), "--data", dir, "review", "submit", "--case", caseID, "--approver", "o-004"))
	wantExit(t, "review show", agencyCtl(t, nil, "--data", dir, "review", "show", review), 0,
		"approved by 赵六 (o-004)", "吊销许可证件（食品经营许可证）", "major criteria: revoke-licence", "awaiting a reviewer (待分配)")
}

// pdfText is a PDF's text as pdftotext (poppler-utils, in make deps) reads it.
func pdfText(t *testing.T, path string) string {
	t.Helper()
	out, err := exec.Command("pdftotext", "-layout", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext %s: %v", path, err)
	}
	return string(out)
}

// reviewPrintIsAnAccess: printing the 意见书 is an access (R6) — 张三, the
// admin, took no part in the case: without --reason he is refused and no
// file is written; with one the PDF is written, and log --json and access
// list --json show access.review_printed with the round, the paper and
// the reason; 李四's print (on the case) shows no reason.
func (a *reviewAgency) reviewPrintIsAnAccess(t *testing.T, review, caseID string) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "by-zhang.pdf")
	wantExit(t, "review pdf off the case without a reason", agencyCtl(t, asZhang, "--data", a.officer, "review", "pdf", review, "--out", out),
		exitRefused, "reason")
	if _, err := os.Stat(out); err == nil {
		t.Fatal("a refused review pdf wrote the file")
	}
	wantExit(t, "review pdf off the case with a reason", agencyCtl(t, asZhang, "--data", a.officer, "review", "pdf", review, "--round", "1",
		"--out", out, "--reason", "执法监督检查"), 0, "法制审核意见书")
	log := mustAgencyCtl(t, nil, "--data", a.officer, "log", "--json")
	if strings.Count(log, `"type":"access.review_printed"`) != 2 ||
		!strings.Contains(log, `"review":"`+review+`","round":1,"kind":"opinion","case":"`+caseID+`","reason":"执法监督检查"`) {
		t.Fatalf("log --json lacks the prints:\n%s", log)
	}
	list := mustAgencyCtl(t, nil, "--data", a.officer, "access", "list", "--json")
	var li, zhang bool
	for _, line := range strings.Split(strings.TrimSpace(list), "\n") {
		var acc struct {
			Type, Officer, Review, Kind, Case, Reason string
			Round                                     int
		}
		if err := json.Unmarshal([]byte(line), &acc); err != nil {
			t.Fatalf("access list --json line %q: %v", line, err)
		}
		if acc.Type != "access.review_printed" || acc.Review != review || acc.Round != 1 || acc.Kind != "opinion" || acc.Case != caseID {
			continue
		}
		li = li || acc.Officer == "o-002" && acc.Reason == ""
		zhang = zhang || acc.Officer == "o-001" && acc.Reason == "执法监督检查"
	}
	if !li || !zhang {
		t.Fatalf("access list --json lacks a print (李四 %v, 张三 %v):\n%s", li, zhang, list)
	}
	if text := mustAgencyCtl(t, nil, "--data", a.officer, "access", "list"); !strings.Contains(text, "access.review_printed") ||
		!strings.Contains(text, review) {
		t.Fatalf("access list lacks the print:\n%s", text)
	}
}
