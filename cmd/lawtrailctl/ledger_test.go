package main

import (
	"archive/zip"
	"encoding/csv"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"lawtrail/store"
	"lawtrail/terminal"
)

// ledgerCases opens three cases of different act types and returns the
// data folder.
func ledgerCases(t *testing.T) string {
	t.Helper()
	dir := initTerminal(t)
	for i, act := range []string{"penalty", "inspection", "licensing"} {
		n := "示市监〔2026〕" + strconv.Itoa(i+1) + "号"
		if r := ctl(t, pass, "--data", dir, "case", "new", "--number", n, "--title", "无照经营<食品>&饮料", "--act", act); r.code != 0 {
			t.Fatalf("case new: %s %s", r.stdout, r.stderr)
		}
	}
	return dir
}

// R5: the ledger (执法台账) is a spreadsheet a clerk can sort and sum: dates
// are dates, counts are numbers, codes are Chinese names, and the sheet's
// stored dimension is the range of its cells.
func TestR5LedgerCellsAreTyped(t *testing.T) {
	dir := ledgerCases(t)
	x := filepath.Join(t.TempDir(), "ledger.xlsx")
	if r := ctl(t, pass, "--data", dir, "ledger", "--out", x); r.code != 0 {
		t.Fatalf("ledger: %s %s", r.stdout, r.stderr)
	}
	c := filepath.Join(t.TempDir(), "ledger.csv")
	if r := ctl(t, pass, "--data", dir, "ledger", "--out", c); r.code != 0 {
		t.Fatalf("ledger csv: %s %s", r.stdout, r.stderr)
	}
	records := readLedgerCSV(t, c)
	if len(records) != 4 {
		t.Fatalf("csv has %d records, want a header and 3 cases", len(records))
	}
	if got := sheetDimension(t, x); got != "A1:O4" {
		t.Fatalf("sheet1.xml stores dimension %q, want A1:O4", got)
	}
	f, err := excelize.OpenFile(x)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	acts := map[string]bool{}
	for r := 2; r <= 4; r++ {
		row := records[r-1]
		cell := func(col string) string {
			v, err := f.GetCellValue(terminal.LedgerSheet, col+strconv.Itoa(r))
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		raw := func(col string) string {
			v, err := f.GetCellValue(terminal.LedgerSheet, col+strconv.Itoa(r), excelize.Options{RawCellValue: true})
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		acts[cell("C")] = true
		if cell("D") != "启动" || row[3] != "启动" || row[2] != cell("C") {
			t.Errorf("row %d: phase %q / csv %q, act %q / csv %q", r, cell("D"), row[3], cell("C"), row[2])
		}
		if _, err := strconv.ParseFloat(raw("E"), 64); err != nil || cell("E") != row[4] {
			t.Errorf("row %d: opened is stored %q shown %q, want a date number shown %q", r, raw("E"), cell("E"), row[4])
		}
		for _, col := range []string{"F", "G", "H", "I", "L"} {
			typ, err := f.GetCellType(terminal.LedgerSheet, col+strconv.Itoa(r))
			if err != nil || typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString {
				t.Errorf("row %d column %s is stored as text (%v)", r, col, typ)
			}
			if _, err := strconv.Atoi(raw(col)); err != nil {
				t.Errorf("row %d column %s = %q is not a count", r, col, raw(col))
			}
		}
		if row[9] != "" {
			if _, err := strconv.ParseFloat(raw("J"), 64); err != nil || cell("J") != row[9] {
				t.Errorf("row %d: deadline stored %q shown %q, want a date shown %q", r, raw("J"), cell("J"), row[9])
			}
		}
	}
	if !acts["行政处罚"] || !acts["行政检查"] || !acts["行政许可"] {
		t.Errorf("act types are not shown by their Chinese names: %v", acts)
	}
	if out, err := openpyxlCheck(t, x, 3); err != nil {
		t.Fatalf("openpyxl reading the ledger: %v\n%s", err, out)
	}
}

// An empty ledger still has a correct dimension: the header row alone.
func TestR5EmptyLedgerDimension(t *testing.T) {
	dir := initTerminal(t)
	x := filepath.Join(t.TempDir(), "ledger.xlsx")
	if r := ctl(t, pass, "--data", dir, "ledger", "--out", x); r.code != 0 {
		t.Fatalf("ledger: %s %s", r.stdout, r.stderr)
	}
	if got := sheetDimension(t, x); got != "A1:O1" {
		t.Fatalf("dimension %q, want A1:O1", got)
	}
	if out, err := openpyxlCheck(t, x, 0); err != nil {
		t.Fatalf("openpyxl: %v\n%s", err, out)
	}
}

func readLedgerCSV(t *testing.T, path string) [][]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(b), "\ufeff") {
		t.Fatal("the CSV lacks its UTF-8 byte order mark")
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(b), "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// sheetDimension returns the <dimension ref> sheet1.xml stores.
func sheetDimension(t *testing.T, path string) string {
	t.Helper()
	z, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	for _, f := range z.File {
		if f.Name != "xl/worksheets/sheet1.xml" {
			continue
		}
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		b, err := io.ReadAll(io.LimitReader(r, 1<<20))
		if err != nil {
			t.Fatal(err)
		}
		m := regexp.MustCompile(`<dimension ref="([^"]*)"`).FindSubmatch(b)
		if m == nil {
			t.Fatalf("sheet1.xml has no dimension:\n%.400s", b)
		}
		return string(m[1])
	}
	t.Fatal("no xl/worksheets/sheet1.xml")
	return ""
}

// openpyxlCheck runs testdata/ledger_check.py under a Python that has
// openpyxl (Makefile DEB_PKGS installs python3-openpyxl). Without one the
// test fails, it does not skip.
func openpyxlCheck(t *testing.T, path string, cases int) (string, error) {
	t.Helper()
	py := ""
	for _, cand := range []string{"python3", "/usr/bin/python3"} {
		if exec.Command(cand, "-c", "import openpyxl").Run() == nil {
			py = cand
			break
		}
	}
	if py == "" {
		t.Fatal("no python3 with openpyxl: apt-get install python3-openpyxl (make deps)")
	}
	out, err := exec.Command(py, "testdata/ledger_check.py", path, strconv.Itoa(cases)).CombinedOutput()
	if err == nil && strings.TrimSpace(string(out)) != "ok" {
		t.Fatalf("ledger_check.py said %q", out)
	}
	return string(out), err
}

// A case title written as a formula stays text in the CSV ledger (a
// spreadsheet program would otherwise run it when the file is opened) and is
// a string cell in the XLSX.
func TestLedgerFormulaTitlesStayText(t *testing.T) {
	dir := initTerminal(t)
	title := `=HYPERLINK("http://example.invalid/","点此查看")`
	if r := ctl(t, pass, "--data", dir, "case", "new", "--number", "示市监罚〔2026〕9号", "--title", title); r.code != 0 {
		t.Fatalf("case new: %s", r.stderr)
	}
	c := filepath.Join(t.TempDir(), "ledger.csv")
	if r := ctl(t, pass, "--data", dir, "ledger", "--out", c); r.code != 0 {
		t.Fatalf("ledger: %s", r.stderr)
	}
	b, _ := os.ReadFile(c)
	if !strings.Contains(string(b), `'=HYPERLINK(`) || strings.Contains(string(b), `,=HYPERLINK(`) || strings.Contains(string(b), `,"=HYPERLINK(`) {
		t.Fatalf("a formula title in the CSV:\n%s", b)
	}
	x := filepath.Join(t.TempDir(), "ledger.xlsx")
	if r := ctl(t, pass, "--data", dir, "ledger", "--out", x); r.code != 0 {
		t.Fatalf("ledger: %s", r.stderr)
	}
	f, err := excelize.OpenFile(x)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, _ := f.GetRows("执法台账")
	for ri, row := range rows {
		for ci, v := range row {
			if v != title {
				continue
			}
			cell, _ := excelize.CoordinatesToCellName(ci+1, ri+1)
			if formula, _ := f.GetCellFormula("执法台账", cell); formula != "" {
				t.Fatalf("the title became a formula in %s: %s", cell, formula)
			}
			return
		}
	}
	t.Fatalf("the title is not in the XLSX: %v", rows)
}

// R6: writing the ledger out is an access. ledger logs the officer in
// (LAWTRAIL_OFFICER, LAWTRAIL_PIN) and records access.ledger_exported —
// format, rows, the reason given — co-signed by them, seen in log --json
// and access list (--json); a wrong PIN writes no file and stores nothing.
func TestLedgerExportIsAnAccessCLI(t *testing.T) {
	dir := ledgerCases(t)
	vars := map[string]string{"LAWTRAIL_PASSPHRASE": pass["LAWTRAIL_PASSPHRASE"], "LAWTRAIL_NEW_PIN": "975319", "LAWTRAIL_PIN": pass["LAWTRAIL_PIN"]}
	if r := ctl(t, vars, "--data", dir, "officer", "add", "--id", "o-009", "--name", "孙九", "--roles", "supervisor"); r.code != 0 {
		t.Fatalf("officer add: %d %s", r.code, r.stderr)
	}
	asSup := map[string]string{"LAWTRAIL_PASSPHRASE": pass["LAWTRAIL_PASSPHRASE"], "LAWTRAIL_OFFICER": "o-009", "LAWTRAIL_PIN": "975319"}
	events := func() int { return strings.Count(ctl(t, pass, "--data", dir, "log", "--json").stdout, "\n") }

	before := events()
	wrong := filepath.Join(t.TempDir(), "wrong.csv")
	if r := ctl(t, map[string]string{"LAWTRAIL_PASSPHRASE": pass["LAWTRAIL_PASSPHRASE"], "LAWTRAIL_OFFICER": "o-009", "LAWTRAIL_PIN": "111111"},
		"--data", dir, "ledger", "--out", wrong, "--reason", "月度报送"); r.code == 0 {
		t.Fatal("a wrong PIN exported the ledger")
	}
	if _, err := os.Stat(wrong); err == nil || events() != before {
		t.Fatal("a refused ledger export wrote the file or stored an event")
	}
	x := filepath.Join(t.TempDir(), "ledger.xlsx")
	if r := ctl(t, asSup, "--data", dir, "ledger", "--out", x, "--reason", "月度报送"); r.code != 0 || !strings.Contains(r.stdout, "ledger of 3 cases") {
		t.Fatalf("ledger --reason: %d %s %s", r.code, r.stdout, r.stderr)
	}
	c := filepath.Join(t.TempDir(), "ledger.csv")
	if r := ctl(t, pass, "--data", dir, "ledger", "--out", c); r.code != 0 {
		t.Fatalf("ledger csv: %s", r.stderr)
	}

	var exports []logLine
	for _, line := range strings.Split(strings.TrimSpace(ctl(t, pass, "--data", dir, "log", "--json").stdout), "\n") {
		var l logLine
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatal(err)
		}
		if l.Type == "access.ledger_exported" {
			exports = append(exports, l)
		}
	}
	if len(exports) != 2 || exports[0].Actor != "o-009" || len(exports[0].CoSigs) != 1 || exports[1].Actor != "o-001" ||
		string(exports[0].Payload) != `{"format":"xlsx","cases":3,"reason":"月度报送"}` || string(exports[1].Payload) != `{"format":"csv","cases":3}` {
		t.Fatalf("log --json ledger exports: %+v", exports)
	}

	var listed []store.Access
	for _, line := range strings.Split(strings.TrimSpace(ctl(t, pass, "--data", dir, "access", "list", "--json").stdout), "\n") {
		var a store.Access
		if err := json.Unmarshal([]byte(line), &a); err != nil {
			t.Fatalf("access list --json %q: %v", line, err)
		}
		listed = append(listed, a)
	}
	if len(listed) != 2 || listed[0].Type != "access.ledger_exported" || listed[0].Officer != "o-009" || listed[0].Format != "xlsx" ||
		listed[0].Rows == nil || *listed[0].Rows != 3 || listed[0].Reason != "月度报送" || listed[1].Format != "csv" || listed[1].Reason != "" {
		t.Fatalf("access list --json: %+v", listed)
	}
	if out := ctl(t, pass, "--data", dir, "access", "list").stdout; !strings.Contains(out, "ledger xlsx, 3 cases") || !strings.Contains(out, "月度报送") {
		t.Fatalf("access list:\n%s", out)
	}
}
