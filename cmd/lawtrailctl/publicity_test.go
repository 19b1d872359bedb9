package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// Publicity (事后公开, P3) as processes on one terminal: 李四 finalizes a
// fine on an individual; 孙八, the publisher, publishes it — the party's
// name masked, the ID-card number in no output of publicity list — and
// withdraws it with a reason; an officer who is no publisher is refused
// (exit 4), as is a text that still carries the ID-card number.
func TestPublicityCLI(t *testing.T) {
	const idNo = "35010219900101123X"
	dir := filepath.Join(t.TempDir(), "data")
	mustAgencyCtl(t, asZhang, "--data", dir, "init", "--agency", "某区市场监督管理局", "--officer-id", "o-001", "--officer-name", "张三",
		"--credential", "35010000001")
	addOfficer(t, dir, "o-002", "李四", "35010000002", liPINCLI, "officer")
	addOfficer(t, dir, "o-006", "孙八", "", "246806", "publisher")
	asSun := map[string]string{"LAWTRAIL_OFFICER": "o-006", "LAWTRAIL_PIN": "246806"}

	caseID := strings.TrimSpace(mustAgencyCtl(t, asLi, "--data", dir, "case", "new", "--number", "示市监罚〔2026〕11号", "--title", "销售过期食品"))
	fields := jsonFile(t, "fine.json", `{"doc_no": "示市监罚〔2026〕11号",
 "party": {"name": "王小明", "id_no": "`+idNo+`", "address": "福建省福州市鼓楼区五四路128号", "legal_rep": "", "phone": "13800001111"},
 "facts": "当事人王小明（身份证号`+idNo+`，电话13800001111）销售过期食品。", "basis": "《食品安全法》第一百二十四条。",
 "penalty": "罚款5000元。", "fine": 5000,
 "decision": {"act": "penalty", "party_kind": "individual", "penalties": [{"kind": "fine", "amount_yuan": 5000}]},
 "payment": "十五日内缴纳。", "remedies": "六十日内申请行政复议。", "decided_at": "2026-11-25 10:00"}`)
	doc := strings.TrimSpace(mustAgencyCtl(t, asLi, "--data", dir, "doc", "new", "--case", caseID, "--template", "penalty_decision", "--fields", fields))
	mustAgencyCtl(t, asLi, "--data", dir, "doc", "finalize", doc)

	list := func() []publicationShown {
		t.Helper()
		out := mustAgencyCtl(t, nil, "--data", dir, "publicity", "list", "--json")
		if strings.Contains(out, idNo) || strings.Contains(out, "王小明") || strings.Contains(out, "13800001111") {
			t.Fatalf("publicity list --json carries personal information:\n%s", out)
		}
		var rows []publicationShown
		if err := json.Unmarshal([]byte(out), &rows); err != nil {
			t.Fatal(err)
		}
		return rows
	}
	if rows := list(); len(rows) != 1 || rows[0].State != "pending" || rows[0].Doc != doc || rows[0].Due != "2026-12-04" {
		t.Fatalf("before publishing: %+v", rows)
	}

	before := eventCount(t, dir)
	if r := agencyCtl(t, asLi, "--data", dir, "publicity", "publish", "--doc", doc); r.code != exitRefused || !strings.Contains(r.stderr, "publisher") {
		t.Fatalf("an officer publishing: exit %d, %s", r.code, r.stderr)
	}
	leaky := jsonFile(t, "leaky.json", `{"title": "行政处罚决定书", "party": "王某", "facts": "身份证号 350102 19900101 123X"}`)
	if r := agencyCtl(t, asSun, "--data", dir, "publicity", "publish", "--doc", doc, "--text", leaky); r.code != exitRefused || !strings.Contains(r.stderr, "not masked") {
		t.Fatalf("a text carrying the ID-card number: exit %d, %s", r.code, r.stderr)
	}
	if r := agencyCtl(t, asSun, "--data", dir, "publicity", "publish"); r.code != exitUsage {
		t.Fatalf("publish without --doc: exit %d", r.code)
	}
	noteNothingStored(t, dir, before, "refused publications")

	out := mustAgencyCtl(t, asSun, "--data", dir, "publicity", "publish", "--doc", doc)
	id := lastWord(out)
	if !strings.HasPrefix(id, "p-") || !strings.Contains(out, "王某") || strings.Contains(out, idNo) {
		t.Fatalf("publish printed:\n%s", out)
	}
	if rows := list(); len(rows) != 1 || rows[0].State != "published" || rows[0].Publication != id || rows[0].Text.Party != "王某" {
		t.Fatalf("after publishing: %+v", rows)
	}

	if r := agencyCtl(t, asSun, "--data", dir, "publicity", "withdraw", id); r.code != exitUsage {
		t.Fatalf("withdraw without --reason: exit %d", r.code)
	}
	if r := agencyCtl(t, asSun, "--data", dir, "publicity", "withdraw", id, "--reason", "x", "--code", "gone"); r.code != exitUsage {
		t.Fatalf("withdraw with an unknown code: exit %d", r.code)
	}
	mustAgencyCtl(t, asSun, "--data", dir, "publicity", "withdraw", id, "--code", "revoked", "--reason", "行政复议决定撤销原处罚决定")
	rows := list()
	if len(rows) != 1 || rows[0].State != "withdrawn" || rows[0].WithdrawnCode != "revoked" || rows[0].WithdrawReason != "行政复议决定撤销原处罚决定" {
		t.Fatalf("after withdrawal: %+v", rows)
	}
	if r := agencyCtl(t, asSun, "--data", dir, "publicity", "withdraw", id, "--reason", "again"); r.code != exitRefused {
		t.Fatalf("a second withdrawal: exit %d", r.code)
	}
	text := mustAgencyCtl(t, nil, "--data", dir, "publicity", "list")
	if !strings.Contains(text, "withdrawn") || !strings.Contains(text, "revoked") || strings.Contains(text, idNo) {
		t.Fatalf("publicity list:\n%s", text)
	}
	// The projection rebuilt from the events equals the one kept.
	mustAgencyCtl(t, nil, "--data", dir, "check")
}
