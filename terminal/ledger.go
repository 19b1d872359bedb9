package terminal

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"lawtrail/casework"
	"lawtrail/store"
)

// Ledger is the enforcement ledger (执法台账) as of now: one row a case,
// with its documents, footage, AV gaps, nearest deadline, whether its
// decision is major under the list in force, and its legal review.
func (t *Terminal) Ledger(ctx context.Context, now time.Time) ([]store.LedgerRow, error) {
	rows, err := t.st.Ledger(ctx, t.Config().AVMatters, t.Config().MajorList, now)
	if err != nil {
		return nil, fmt.Errorf("ledger: %w", err)
	}
	return rows, nil
}

// writeLedger writes the ledger as of the terminal clock to path, an .xlsx
// workbook (typed cells: dates are dates, counts numbers) or a .csv file
// (UTF-8 with a byte-order mark, formula-like text kept as text), and
// returns how many cases it holds. Any other extension is ErrBadInput.
// Writing it out is an access: Session.ExportLedger (accessprint.go).
func (t *Terminal) writeLedger(ctx context.Context, path string) (int, error) {
	format, err := ledgerFormat(path)
	if err != nil {
		return 0, err
	}
	rows, err := t.Ledger(ctx, t.now())
	if err != nil {
		return 0, err
	}
	table := ledgerRows(rows)
	if format == casework.LedgerCSV {
		err = writeCSV(path, table)
	} else {
		err = writeXLSX(path, table)
	}
	if err != nil {
		return 0, fmt.Errorf("ledger: %w", err)
	}
	return len(rows), nil
}

var ledgerHeader = []string{"案号", "案由", "执法类别", "阶段", "立案时间", "环节数", "已定稿文书", "关联音像", "音像缺口环节", "最近期限", "期限依据", "已超期",
	"重大", "法制审核轮次", "法制审核结论"}

// ledgerDate is a date cell: a real date in the spreadsheet (a number with a
// date format), the same text in the CSV. Times are China Standard Time's
// wall clock: spreadsheet dates have no zone.
type ledgerDate struct {
	At        time.Time
	WithClock bool // yyyy-mm-dd hh:mm, else yyyy-mm-dd
}

func (d ledgerDate) text() string {
	if d.WithClock {
		return d.At.In(casework.Shanghai).Format("2006-01-02 15:04")
	}
	return d.At.In(casework.Shanghai).Format("2006-01-02")
}

// wallClock is the Shanghai wall-clock time as a zoneless value, what a
// spreadsheet date holds.
func (d ledgerDate) wallClock() time.Time {
	t := d.At.In(casework.Shanghai)
	if !d.WithClock {
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	}
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), 0, 0, time.UTC)
}

// ledgerRows turns the ledger into typed cells: string, int, ledgerDate or
// nil (empty). Coded values are shown by their Chinese names.
func ledgerRows(rows []store.LedgerRow) [][]any {
	out := make([][]any, 0, len(rows))
	for _, r := range rows {
		var next, rule any
		if r.NextDeadline != nil {
			next, rule = ledgerDate{At: r.NextDeadline.Due}, r.NextDeadline.Rule
		}
		major := "否"
		if r.Major {
			major = "是"
		}
		var rounds, conclusion any = 0, nil // a count: 0 when never reviewed, so the column sums and sorts
		if r.Review != nil {
			rounds, conclusion = r.Review.Round, reviewConclusion(*r.Review)
		}
		out = append(out, []any{r.Number, r.Title, r.ActType.Label(), r.Phase.Label(), ledgerDate{At: r.OpenedAt, WithClock: true},
			r.Steps, r.Documents, r.Footage, r.AVGaps, next, rule, r.OverdueDeadlines, major, rounds, conclusion})
	}
	return out
}

// reviewConclusion is where a case's legal review stands, as the ledger
// says it: the latest round's opinion, and a head's resolution of a dispute.
func reviewConclusion(r casework.ReviewRecord) string {
	switch {
	case r.Pending() && r.Reviewer == "":
		return "待分配审核人员"
	case r.Pending():
		return "审核中"
	case r.Resolution != "":
		return r.Outcome.Label() + "；负责人决定：" + r.Resolution.Label()
	case r.Disputed:
		return r.Outcome.Label() + "；异议待负责人处理"
	}
	return r.Outcome.Label()
}

// csvText keeps a text cell text when a spreadsheet program opens the CSV:
// one starting with = + - @ (or a tab or CR) would be read as a formula (a
// case title "=HYPERLINK(…)" runs when clicked), so it gets a leading '.
func csvText(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func writeCSV(path string, table [][]any) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	f.WriteString("\ufeff") // so spreadsheet programs read UTF-8 Chinese
	w := csv.NewWriter(f)
	w.Write(ledgerHeader)
	for _, row := range table {
		rec := make([]string, len(row))
		for i, v := range row {
			switch v := v.(type) {
			case nil:
			case ledgerDate:
				rec[i] = v.text()
			case string:
				rec[i] = csvText(v)
			default:
				rec[i] = fmt.Sprint(v)
			}
		}
		w.Write(rec)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}

// LedgerSheet is the name of the ledger workbook's one sheet.
const LedgerSheet = "执法台账"

// writeXLSX writes the ledger with typed cells: dates are dates, counts are
// numbers, so the sheet sorts, filters and sums as a clerk expects.
func writeXLSX(path string, table [][]any) error {
	x := excelize.NewFile()
	defer x.Close()
	if err := x.SetSheetName("Sheet1", LedgerSheet); err != nil {
		return err
	}
	styles, err := newLedgerStyles(x)
	if err != nil {
		return err
	}
	header := make([]any, len(ledgerHeader))
	for i, h := range ledgerHeader {
		header[i] = h
	}
	if err := x.SetSheetRow(LedgerSheet, "A1", &header); err != nil {
		return err
	}
	last, _ := excelize.CoordinatesToCellName(len(ledgerHeader), 1)
	if err := x.SetCellStyle(LedgerSheet, "A1", last, styles.header); err != nil {
		return err
	}
	for i, row := range table {
		if err := writeLedgerRow(x, styles, i+2, row); err != nil {
			return err
		}
	}
	if err := layoutLedger(x); err != nil {
		return err
	}
	// excelize leaves the stored dimension at "A1"; readers that trust it
	// (openpyxl's read-only mode, some import tools) would see one cell.
	end, err := excelize.CoordinatesToCellName(len(ledgerHeader), len(table)+1)
	if err != nil {
		return err
	}
	if err := x.SetSheetDimension(LedgerSheet, "A1:"+end); err != nil {
		return err
	}
	if err := x.SaveAs(path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

type ledgerStyles struct{ header, dateTime, date int }

func newLedgerStyles(x *excelize.File) (ledgerStyles, error) {
	var s ledgerStyles
	var err error
	if s.header, err = x.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}}); err != nil {
		return s, err
	}
	dt, d := "yyyy-mm-dd hh:mm", "yyyy-mm-dd"
	if s.dateTime, err = x.NewStyle(&excelize.Style{CustomNumFmt: &dt}); err != nil {
		return s, err
	}
	s.date, err = x.NewStyle(&excelize.Style{CustomNumFmt: &d})
	return s, err
}

func writeLedgerRow(x *excelize.File, styles ledgerStyles, r int, row []any) error {
	for c, v := range row {
		cell, err := excelize.CoordinatesToCellName(c+1, r)
		if err != nil {
			return err
		}
		switch v := v.(type) {
		case nil:
			continue
		case ledgerDate:
			if err := x.SetCellValue(LedgerSheet, cell, v.wallClock()); err != nil {
				return err
			}
			style := styles.date
			if v.WithClock {
				style = styles.dateTime
			}
			if err := x.SetCellStyle(LedgerSheet, cell, cell, style); err != nil {
				return err
			}
		default:
			if err := x.SetCellValue(LedgerSheet, cell, v); err != nil {
				return err
			}
		}
	}
	return nil
}

// layoutLedger widens the columns and keeps the header row in view.
func layoutLedger(x *excelize.File) error {
	widths := map[string]float64{"A": 24, "B": 30, "C": 12, "D": 10, "E": 17, "J": 12, "K": 24, "N": 12, "O": 40}
	for col, w := range widths {
		if err := x.SetColWidth(LedgerSheet, col, col, w); err != nil {
			return err
		}
	}
	return x.SetPanes(LedgerSheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
}
