package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

const onsiteFields = `{
 "doc_no": "示市监现〔2026〕1号", "start_time": "2026-11-20 10:15", "end_time": "2026-11-20 10:40", "place": "某路1号",
 "party": {"name": "某某食品店", "id_no": "91350100MA00000000", "address": "某路1号"},
 "officers": [{"name": "张三", "id": "o-001", "credential": "35010000001"}, {"name": "王五", "id": "o-002", "credential": "35010000002"}],
 "recorder": "张三", "credential_shown": true, "rights_explained": true, "party_answer": "清楚，不申请回避",
 "findings": "店内存放无标签散装白酒三桶。", "av_note": "执法记录仪 DSJ1234 全程记录",
 "party_signature": {"signer": "李四", "strokes": [[0,0,10,10]]},
 "officer_signatures": {"signer": "张三", "strokes": [[0,0,5,5]]}
}`

// R2: a document is drafted, finalized as a signed version (the officer's
// own co-signature), corrected by a new version naming the old; every
// version stays and check passes.
func TestR2DocumentLifecycleCLI(t *testing.T) {
	dir := initTerminal(t)
	r := ctl(t, pass, "--data", dir, "case", "new", "--number", "示市监罚〔2026〕1号", "--title", "无照经营")
	if r.code != 0 {
		t.Fatalf("case new: %s", r.stderr)
	}
	caseID := strings.TrimSpace(r.stdout)
	enroll(t, dir, "o-002", "王五", "35010000002", wangPIN, "officer")
	pins := pinsFile(t, "o-002 "+wangPIN+"\n")
	if r := ctl(t, pass, "--data", dir, "doc", "templates"); r.code != 0 || !strings.Contains(r.stdout, "onsite_record") {
		t.Fatalf("templates: %s", r.stdout)
	}
	fields := filepath.Join(t.TempDir(), "fields.json")
	os.WriteFile(fields, []byte(onsiteFields), 0o600)
	r = ctl(t, pass, "--data", dir, "doc", "new", "--case", caseID, "--template", "onsite_record", "--fields", fields)
	if r.code != 0 {
		t.Fatalf("doc new: %s %s", r.stdout, r.stderr)
	}
	doc := strings.TrimSpace(r.stdout)
	before := eventCount(t, dir)
	if r := ctl(t, pass, "--data", dir, "doc", "finalize", doc); r.code != exitRefused || !strings.Contains(r.stderr, "did not co-sign") {
		t.Fatalf("finalize without 王五's PIN: %d %s %s", r.code, r.stdout, r.stderr)
	}
	noteNothingStored(t, dir, before, "finalize without 王五's PIN")
	r = ctl(t, pass, "--data", dir, "doc", "finalize", doc, "--pins", pins)
	if r.code != 0 || !strings.Contains(r.stdout, "version 1 finalized") {
		t.Fatalf("finalize: %s %s", r.stdout, r.stderr)
	}
	// A correction: a new draft of the same document, finalized as version 2.
	os.WriteFile(fields, []byte(strings.Replace(onsiteFields, "三桶", "四桶", 1)), 0o600)
	if r := ctl(t, pass, "--data", dir, "doc", "new", "--case", caseID, "--template", "onsite_record", "--fields", fields, "--id", doc); r.code != 0 {
		t.Fatalf("correction draft: %s %s", r.stdout, r.stderr)
	}
	if r := ctl(t, pass, "--data", dir, "doc", "finalize", doc, "--pins", pins); r.code != 0 || !strings.Contains(r.stdout, "version 2") {
		t.Fatalf("correction: %s %s", r.stdout, r.stderr)
	}
	if r := ctl(t, pass, "--data", dir, "case", "show", caseID); r.code != 0 || !strings.Contains(r.stdout, "2 finalized version(s)") ||
		!strings.Contains(r.stdout, "行政处罚法第六十条") {
		t.Fatalf("case show: %s %s", r.stdout, r.stderr)
	}
	r = ctl(t, pass, "--data", dir, "doc", "show", doc)
	if r.code != 0 || strings.Count(r.stdout, "version ") != 2 || !strings.Contains(r.stdout, "corrects") {
		t.Fatalf("show: %s", r.stdout)
	}
	pdf := filepath.Join(t.TempDir(), "doc.pdf")
	if r := ctl(t, pass, "--data", dir, "doc", "pdf", doc, "--out", pdf, "--version", "1"); r.code != 0 {
		t.Fatalf("doc pdf: %s %s", r.stdout, r.stderr)
	}
	if b, _ := os.ReadFile(pdf); !strings.HasPrefix(string(b), "%PDF") {
		t.Fatal("doc pdf wrote no PDF")
	}
	// Making the PDF is an access on the record (R6).
	if r := ctl(t, pass, "--data", dir, "access", "list", "--json"); !strings.Contains(r.stdout, `"type":"access.document_viewed"`) ||
		!strings.Contains(r.stdout, `"doc":"`+doc+`","version":1`) || !strings.Contains(r.stdout, `"how":"pdf"`) {
		t.Fatalf("access list after doc pdf: %s", r.stdout)
	}
	if r := ctl(t, pass, "--data", dir, "check"); r.code != 0 {
		t.Fatalf("check: %s", r.stdout)
	}
}

func TestDocRefusals(t *testing.T) {
	dir := initTerminal(t)
	caseID := strings.TrimSpace(ctl(t, pass, "--data", dir, "case", "new", "--number", "1", "--title", "t").stdout)
	one := strings.Replace(onsiteFields, `, {"name": "王五", "id": "o-002", "credential": "35010000002"}`, "", 1)
	fields := filepath.Join(t.TempDir(), "fields.json")
	os.WriteFile(fields, []byte(one), 0o600)
	doc := strings.TrimSpace(ctl(t, pass, "--data", dir, "doc", "new", "--case", caseID, "--template", "onsite_record", "--fields", fields).stdout)
	before := eventCount(t, dir)
	r := ctl(t, pass, "--data", dir, "doc", "finalize", doc)
	if r.code != exitRefused || !strings.Contains(r.stdout, "at least two officers") {
		t.Fatalf("finalize with one officer on site: %d %s", r.code, r.stdout)
	}
	os.WriteFile(fields, []byte(`{"start_time": "yesterday"}`), 0o600)
	if r := ctl(t, pass, "--data", dir, "doc", "new", "--case", caseID, "--template", "onsite_record", "--fields", fields); r.code != exitRefused ||
		!strings.Contains(r.stdout, "FIELD start_time") {
		t.Fatalf("malformed draft: %d %s", r.code, r.stdout)
	}
	os.WriteFile(fields, []byte(`{}`), 0o600)
	if r := ctl(t, pass, "--data", dir, "doc", "new", "--case", "c-nope", "--template", "onsite_record", "--fields", fields); r.code != exitRefused {
		t.Fatalf("a document for an unknown case: %d %s", r.code, r.stderr)
	}
	os.WriteFile(fields, []byte(`{"start_time": `), 0o600)
	if r := ctl(t, pass, "--data", dir, "doc", "new", "--case", caseID, "--template", "onsite_record", "--fields", fields); r.code != exitUsage {
		t.Fatalf("a fields file that is not JSON: %d %s", r.code, r.stderr)
	}
	if r := ctl(t, pass, "--data", dir, "doc", "new", "--case", caseID, "--template", "no_such", "--fields", fields); r.code != exitUsage {
		t.Fatalf("an unknown template: %d %s", r.code, r.stderr)
	}
	noteNothingStored(t, dir, before, "refused documents")
}

// R5: the ledger exports to XLSX and CSV with a row per case.
func TestR5LedgerXLSXAndCSV(t *testing.T) {
	dir := initTerminal(t)
	for _, n := range []string{"示市监罚〔2026〕1号", "示市监罚〔2026〕2号"} {
		ctl(t, pass, "--data", dir, "case", "new", "--number", n, "--title", "无照经营")
	}
	x := filepath.Join(t.TempDir(), "ledger.xlsx")
	if r := ctl(t, pass, "--data", dir, "ledger", "--out", x); r.code != 0 {
		t.Fatalf("ledger: %s %s", r.stdout, r.stderr)
	}
	f, err := excelize.OpenFile(x)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows("执法台账")
	f.Close()
	if err != nil || len(rows) != 3 || rows[0][0] != "案号" || !strings.HasPrefix(rows[1][0], "示市监罚") || rows[1][9] == "" {
		t.Fatalf("xlsx rows %v %v", rows, err)
	}
	c := filepath.Join(t.TempDir(), "ledger.csv")
	if r := ctl(t, pass, "--data", dir, "ledger", "--out", c); r.code != 0 {
		t.Fatalf("ledger csv: %s", r.stderr)
	}
	b, _ := os.ReadFile(c)
	if lines := strings.Split(strings.TrimSpace(string(b)), "\n"); len(lines) != 3 || !strings.Contains(lines[0], "案号") {
		t.Fatalf("csv %q", b)
	}
	if r := ctl(t, pass, "--data", dir, "ledger", "--out", filepath.Join(t.TempDir(), "ledger.pdf")); r.code != 2 {
		t.Fatal("an unknown ledger format was accepted")
	}
}
