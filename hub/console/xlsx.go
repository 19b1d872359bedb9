package console

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"

	"github.com/xuri/excelize/v2"

	"lawtrail/casework"
	"lawtrail/hub"
)

// Exports: each view as an XLSX workbook, a sheet per table, the same rows
// the page shows. Numbers are number cells; every text is a string cell
// (never a formula), and text a spreadsheet would take for a formula when
// typed or saved as CSV (starting with = + - @, a tab or CR) gets a leading
// ' so it stays text there too.

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// sheetText guards text against being read as a formula.
func sheetText(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r＝＋－＠", []rune(s)[0]) {
		return "'" + s
	}
	return s
}

// sheetName is a table's title as a sheet name: at most 31 characters,
// none of : \ / ? * [ ].
func sheetName(title string) string {
	name := strings.Map(func(r rune) rune {
		if strings.ContainsRune(`:\/?*[]`, r) {
			return '_'
		}
		return r
	}, title)
	return truncate(name, 31)
}

// workbook writes the tables, one sheet each.
func workbook(tables []table) ([]byte, error) {
	x := excelize.NewFile()
	defer x.Close()
	bold, err := x.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return nil, err
	}
	for i, t := range tables {
		name := sheetName(t.Title)
		if i == 0 {
			err = x.SetSheetName("Sheet1", name)
		} else {
			_, err = x.NewSheet(name)
		}
		if err != nil {
			return nil, fmt.Errorf("sheet %s: %w", name, err)
		}
		if err := writeSheet(x, name, t, bold); err != nil {
			return nil, fmt.Errorf("sheet %s: %w", name, err)
		}
	}
	var buf bytes.Buffer
	if err := x.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func writeSheet(x *excelize.File, sheet string, t table, headerStyle int) error {
	for c, name := range t.Columns {
		cell, _ := excelize.CoordinatesToCellName(c+1, 1)
		if err := x.SetCellStr(sheet, cell, name); err != nil {
			return err
		}
		if err := x.SetCellStyle(sheet, cell, cell, headerStyle); err != nil {
			return err
		}
		if err := x.SetColWidth(sheet, colName(c), colName(c), 16); err != nil {
			return err
		}
	}
	for r, row := range t.Rows {
		for c, v := range row {
			cell, _ := excelize.CoordinatesToCellName(c+1, r+2)
			var err error
			if v.IsNum {
				err = x.SetCellFloat(sheet, cell, v.Num, -1, 64)
			} else {
				err = x.SetCellStr(sheet, cell, sheetText(v.Text))
			}
			if err != nil {
				return err
			}
		}
	}
	if len(t.Columns) == 0 {
		return nil
	}
	end, _ := excelize.CoordinatesToCellName(len(t.Columns), len(t.Rows)+1)
	if err := x.SetSheetDimension(sheet, "A1:"+end); err != nil {
		return err
	}
	return x.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
}

func colName(i int) string {
	n, _ := excelize.ColumnNumberToName(i + 1)
	return n
}

// sendXLSX answers with the workbook of tables as a download named
// lawtrail-<name>-<date>.xlsx.
func (h *Handler) sendXLSX(w http.ResponseWriter, v viewer, name string, tables []table) {
	b, err := workbook(tables)
	if err != nil {
		h.failed(w, &v.User, "xlsx", err)
		return
	}
	file := "lawtrail-" + name + "-" + h.opt.Now().In(casework.Shanghai).Format("2006-01-02") + ".xlsx"
	w.Header().Set("Content-Type", xlsxType)
	w.Header().Set("Content-Disposition", `attachment; filename="`+file+`"`)
	w.Write(b)
}

func (h *Handler) listXLSX(slug string, build func(hub.Supervision, viewer) table) func(http.ResponseWriter, *http.Request, viewer) {
	return func(w http.ResponseWriter, r *http.Request, v viewer) {
		s, ok := h.supervision(w, r, v)
		if !ok {
			return
		}
		h.sendXLSX(w, v, slug, []table{build(s, v)})
	}
}

// overviewXLSX is every view of the scope in one workbook.
func (h *Handler) overviewXLSX(w http.ResponseWriter, r *http.Request, v viewer) {
	s, ok := h.supervision(w, r, v)
	if !ok {
		return
	}
	withheld, ok := h.withheld(w, r, v)
	if !ok {
		return
	}
	accesses, err := h.b.AccessFigures(r.Context(), v.Scope)
	if err != nil {
		h.failed(w, &v.User, "access figures", err)
		return
	}
	var tables []table
	for _, n := range navViews[1:] {
		tables = append(tables, views[n.slug](s, v))
	}
	h.sendXLSX(w, v, "overview", append(tables, withheldTable(withheld), accessPeopleTable(accesses, v)))
}

func (h *Handler) timelineXLSX(w http.ResponseWriter, r *http.Request, v viewer) {
	c, entries, ok := h.caseTimeline(w, r, v)
	if !ok {
		return
	}
	summary := table{Title: "案件", Columns: []string{"执法机关", "案号", "案由", "执法类别", "阶段", "立案时间", "决定", "公示"}}
	decision := ""
	if c.Decision != nil {
		decision = c.Decision.Describe()
	}
	summary.Rows = [][]cell{{txt(c.Agency), txt(c.Number), txt(c.Title), txt(c.Act.Label()), txt(c.Phase.Label()), txt(clock(c.Opened)),
		txt(decision), txt(c.Publication)}}
	h.sendXLSX(w, v, "case", []table{summary, timelineTable(c, entries)})
}

// maxAccessExport bounds the rows of the access records' export.
const maxAccessExport = 1000

func (h *Handler) accessXLSX(w http.ResponseWriter, r *http.Request, v viewer) {
	if !v.Supervisor() {
		h.forbidden(w, v.User)
		return
	}
	views, _, err := h.b.WebViews(r.Context(), hub.WebViewQuery{Agency: v.Scope.Agency, Limit: maxAccessExport})
	if err != nil {
		h.failed(w, &v.User, "view records", err)
		return
	}
	h.sendXLSX(w, v, "access", []table{accessTable(views)})
}
