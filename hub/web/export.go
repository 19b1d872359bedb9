package web

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// annualHeader heads the columns of the report's CSV and XLSX.
var annualHeader = []string{"年度", "执法机关编号", "执法机关", "执法行为类别", "统计项", "数量"}

// AnnualSheet is the name of the annual report workbook's one sheet.
const AnnualSheet = "年度统计"

// cellText keeps a text cell text when a spreadsheet program opens the
// file: one starting with = + - @ (or a tab or CR) would be read as a
// formula (an agency named "=HYPERLINK(…)" runs when clicked, or when the
// cell is edited in the XLSX), so it gets a leading '.
func cellText(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// annualRecord is one line of the report as text cells, guarded.
func annualRecord(year int, l annualLine) []string {
	return []string{strconv.Itoa(year), cellText(l.AgencyID), cellText(l.Agency), cellText(l.Act), cellText(l.Outcome), strconv.Itoa(l.Count)}
}

// annualCSV sends the report as CSV: UTF-8 with a byte-order mark, so
// spreadsheet programs read the Chinese, quoted as encoding/csv does.
func (h *Handler) annualCSV(w http.ResponseWriter, year int, lines []annualLine) {
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	c := csv.NewWriter(&buf)
	c.Write(annualHeader)
	for _, l := range lines {
		c.Write(annualRecord(year, l))
	}
	c.Flush()
	if err := c.Error(); err != nil {
		h.failed(w, "annual csv", err)
		return
	}
	download(w, "text/csv; charset=utf-8", fmt.Sprintf("annual-%d.csv", year), buf.Bytes())
}

// annualXLSX sends the report as a workbook: the same text cells as the
// CSV (strings, never formulas), counts as numbers.
func (h *Handler) annualXLSX(w http.ResponseWriter, year int, lines []annualLine) {
	b, err := annualWorkbook(year, lines)
	if err != nil {
		h.failed(w, "annual xlsx", err)
		return
	}
	download(w, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", fmt.Sprintf("annual-%d.xlsx", year), b)
}

func annualWorkbook(year int, lines []annualLine) ([]byte, error) {
	x := excelize.NewFile()
	defer x.Close()
	if err := x.SetSheetName("Sheet1", AnnualSheet); err != nil {
		return nil, err
	}
	for c, name := range annualHeader {
		if err := setCell(x, c+1, 1, name, false); err != nil {
			return nil, err
		}
	}
	for i, l := range lines {
		rec := annualRecord(year, l)
		for c, v := range rec {
			if err := setCell(x, c+1, i+2, v, c == 0 || c == len(rec)-1); err != nil {
				return nil, err
			}
		}
	}
	// excelize leaves the stored dimension at "A1"; readers that trust it
	// would see one cell.
	end, err := excelize.CoordinatesToCellName(len(annualHeader), len(lines)+1)
	if err != nil {
		return nil, err
	}
	if err := x.SetSheetDimension(AnnualSheet, "A1:"+end); err != nil {
		return nil, err
	}
	if err := x.SetColWidth(AnnualSheet, "B", "E", 24); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := x.Write(&buf); err != nil {
		return nil, fmt.Errorf("annual workbook: %w", err)
	}
	return buf.Bytes(), nil
}

// setCell writes s at column c, row r: a number cell when number (s is
// then decimal digits), else a text cell.
func setCell(x *excelize.File, c, r int, s string, number bool) error {
	cell, err := excelize.CoordinatesToCellName(c, r)
	if err != nil {
		return err
	}
	if number {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return fmt.Errorf("cell %s: %w", cell, err)
		}
		return x.SetCellInt(AnnualSheet, cell, n)
	}
	return x.SetCellStr(AnnualSheet, cell, s)
}

// download sends b as a file to save, kept briefly by caches
// (publicCache) unless the caller set its own Cache-Control.
func download(w http.ResponseWriter, contentType, name string, b []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	if w.Header().Get("Cache-Control") == "" {
		publicCache(w)
	}
	w.Write(b)
}
