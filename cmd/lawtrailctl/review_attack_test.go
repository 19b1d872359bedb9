package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lawtrail/terminal/terminaltest"
)

// Attacks on legal review from outside the rules, as processes: an insider
// editing the database, hand-edited input files, the wrong person giving
// the opinion.

// insiderSQL edits a terminal's sealed database as an insider with the
// data folder and the passphrase would (the sqlite3 program reads no
// sealed file).
func insiderSQL(t *testing.T, dir, sql string) {
	t.Helper()
	terminaltest.InsiderSQL(t, dir, pass["LAWTRAIL_PASSPHRASE"], sql)
}

// An assigned review is attacked from inside the agency: the handling
// officer tries to give the opinion himself, a reviewer who attended the
// case's step tries to take it, the reviewer agrees while his own
// checklist marks a problem — each refused with nothing stored. Then an
// insider forges 同意 in the officer's database (review_rounds.outcome) and
// finalizes the decision. What happens, as it is: the finalize goes through
// on that terminal (its rules read the edited table); its `check` exits 1
// naming the edited review_rounds row and the act the rules refuse; the hub
// takes the signed event (it keeps the log, not the rules) and its check
// passes; every other terminal, replaying in log order, records the
// finalize as a conflict with the gate's words and keeps the document
// unfinalized, and their checks pass.
func TestReviewAttackedFromInsideCLI(t *testing.T) {
	a := newReviewAgency(t)
	caseID, doc := a.openDecisionCase(t, "示市监罚〔2026〕7号", "200000")
	review := lastWord(mustAgencyCtl(t, asLi, "--data", a.officer, "review", "submit", "--case", caseID, "--doc", doc))
	a.sync(t, a.officer, a.reviewer)
	mustAgencyCtl(t, asWang, "--data", a.reviewer, "review", "assign", review, "--to", "o-003")
	a.sync(t, a.reviewer, a.officer)

	before := eventCount(t, a.officer)
	wantExit(t, "the handling officer giving the opinion", agencyCtl(t, asLi, "--data", a.officer, "review", "opinion", review, "--agree"),
		exitRefused, "review.opinion needs one of [reviewer]")
	asQian := map[string]string{"LAWTRAIL_OFFICER": "o-005", "LAWTRAIL_PIN": qianPIN}
	wantExit(t, "a reviewer not assigned giving the opinion", agencyCtl(t, asQian, "--data", a.officer, "review", "opinion", review, "--agree"),
		exitRefused, "the opinion is the assigned reviewer o-003's, not o-005's")
	wantExit(t, "the handling officer taking the review", agencyCtl(t, asLi, "--data", a.officer, "review", "assign", review, "--to", "o-002"),
		exitRefused, "role")
	wantExit(t, "a reviewer who attended the step taking the review",
		agencyCtl(t, asQian, "--data", a.officer, "review", "assign", review, "--to", "o-005"),
		exitRefused, "回避")
	noteNothingStored(t, a.officer, before, "refused acts on the officer's terminal")

	before = eventCount(t, a.reviewer)
	problem := jsonFile(t, "problem.json", `[{"item":"procedure","finding":"problem","note":"未告知听证权利"}]`)
	wantExit(t, "同意 with a checklist item in problem",
		agencyCtl(t, asWang, "--data", a.reviewer, "review", "opinion", review, "--agree", "--checklist", problem),
		exitUsage, "--agree, but the checklist marks \"procedure\"", "存在问题")
	noteNothingStored(t, a.reviewer, before, "同意 with a problem")
	mustAgencyCtl(t, asWang, "--data", a.reviewer, "review", "opinion", review, "--problems", "未告知听证权利", "--checklist", problem)
	a.sync(t, a.reviewer, a.officer)

	insiderSQL(t, a.officer, "UPDATE review_rounds SET outcome = 'agree' WHERE review = '"+review+"'")
	wantExit(t, "finalizing on the forged 同意 (the edited table lets it through here)",
		agencyCtl(t, asLi, "--data", a.officer, "doc", "finalize", doc), 0, "version 1 finalized")
	wantExit(t, "check on the forger's terminal", agencyCtl(t, nil, "--data", a.officer, "check"), exitProblems,
		"BROKEN table review_rounds", "review="+review, "legal review required", "table document_versions")
	a.sync(t, a.officer)
	if out, code := a.hub.run(t, "check"); code != 0 {
		t.Errorf("lawtrail-hub check: %d (the hub keeps the signed log; it does not apply the review rules)\n%s", code, out)
	}
	for name, dir := range map[string]string{"reviewer": a.reviewer, "head": a.head} {
		wantExit(t, "sync on the "+name+"'s terminal", agencyCtl(t, nil, "--data", dir, "sync", "--once"), 0, "conflicts 1")
		wantExit(t, "case show on the "+name+"'s terminal", agencyCtl(t, nil, "--data", dir, "case", "show", caseID), 0,
			"doc.finalized  CONFLICT: refused by rule: legal review required", "found problems", "0 finalized version(s)")
		if s := caseShownJSON(t, dir, caseID); len(s.Documents) != 1 || s.Documents[0].Versions != 0 || s.Review.Passed {
			t.Errorf("the %s's terminal took the forged finalize: documents %+v, review %+v", name, s.Documents, s.Review)
		}
		wantExit(t, "review stats on the "+name+"'s terminal", agencyCtl(t, nil, "--data", dir, "review", "stats"), 0,
			"major decisions finalized 0")
		wantExit(t, "check on the "+name+"'s terminal", agencyCtl(t, nil, "--data", dir, "check"), 0)
	}
	wantExit(t, "check on the forger's terminal after sync", agencyCtl(t, nil, "--data", a.officer, "check"), exitProblems,
		"BROKEN table review_rounds")
}

// A hand-edited decision file is refused as bad input (exit 2) and nothing
// is stored: an unknown field, an amount in exponent form (as a number and
// as a string), a negative amount, three decimals, a file of 10 MB.
func TestDecisionFileAttacksCLI(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	mustAgencyCtl(t, asZhang, "--data", dir, "init", "--agency", "某区市场监督管理局", "--officer-id", "o-001", "--officer-name", "张三",
		"--credential", "35010000001")
	caseID := strings.TrimSpace(mustAgencyCtl(t, asZhang, "--data", dir, "case", "new", "--number", "示市监罚〔2026〕7号", "--title", "销售过期食品"))
	const head = `{"act":"penalty","party_kind":"organisation","penalties":[{"kind":"fine","amount_yuan":`
	huge := filepath.Join(t.TempDir(), "huge.json")
	if err := os.WriteFile(huge, []byte(head+"200000}]"+strings.Repeat(" ", 10<<20)+"}"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, path, says string }{
		{"unknown field", jsonFile(t, "unknown.json", head+`200000}],"approved":true}`), `unknown field "approved"`},
		{"exponent", jsonFile(t, "exp.json", head+`2e5}]}`), `amount_yuan "2e5"`},
		{"exponent as a string", jsonFile(t, "exps.json", head+`"2e5"}]}`), `amount_yuan "2e5"`},
		{"negative", jsonFile(t, "neg.json", head+`-200000}]}`), `amount_yuan "-200000"`},
		{"three decimals", jsonFile(t, "dec.json", head+`200000.125}]}`), "at most two decimals"},
		{"10 MB", huge, "larger than"},
	} {
		before := eventCount(t, dir)
		wantExit(t, "decision file: "+c.name, agencyCtl(t, asZhang, "--data", dir, "case", "decision", caseID, "--file", c.path), exitUsage, c.says)
		noteNothingStored(t, dir, before, "decision file: "+c.name)
	}
	if s := caseShownJSON(t, dir, caseID); s.Decision != nil || s.Major {
		t.Errorf("a refused decision file left a decision: %+v", s.Decision)
	}
	wantExit(t, "a well-formed decision file", agencyCtl(t, asZhang, "--data", dir, "case", "decision", caseID, "--file",
		jsonFile(t, "ok.json", head+`200000.50}]}`)), 0, "罚款 200000.50 元", "major: yes")
}
