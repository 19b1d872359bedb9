package main

import (
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"lawtrail/assets"
	"lawtrail/casework"
	"lawtrail/store"
)

var ledgerHeader = []string{"案号", "案由", "执法类别", "阶段", "立案时间", "环节数", "已定稿文书", "关联音像", "音像缺口环节", "最近期限", "期限依据", "已超期"}

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
		out = append(out, []any{r.Number, r.Title, r.ActType.Label(), r.Phase.Label(), ledgerDate{At: r.OpenedAt, WithClock: true},
			r.Steps, r.Documents, r.Footage, r.AVGaps, next, rule, r.OverdueDeadlines})
	}
	return out
}

// cmdLedger exports the enforcement ledger (执法台账) to .xlsx or .csv.
func cmdLedger(ctx context.Context, dir string, args []string, e env) error {
	fs := flag.NewFlagSet("ledger", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	out := fs.String("out", "", "F.xlsx or F.csv (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !strings.HasSuffix(*out, ".xlsx") && !strings.HasSuffix(*out, ".csv") {
		return errors.New("--out F.xlsx or F.csv is required")
	}
	matters, err := casework.ParseAVMatters(assets.AVMatters)
	if err != nil {
		return err
	}
	st, err := store.OpenExisting(ctx, dir, store.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	rows, err := st.Ledger(ctx, matters, time.Now())
	if err != nil {
		return err
	}
	table := ledgerRows(rows)
	if strings.HasSuffix(*out, ".csv") {
		err = writeCSV(*out, table)
	} else {
		err = writeXLSX(*out, table)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "ledger of %d cases written to %s\n", len(rows), *out)
	return nil
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

// ledgerSheet is the ledger's sheet name.
const ledgerSheet = "执法台账"

// writeXLSX writes the ledger with typed cells: dates are dates, counts are
// numbers, so the sheet sorts, filters and sums as a clerk expects.
func writeXLSX(path string, table [][]any) error {
	x := excelize.NewFile()
	defer x.Close()
	if err := x.SetSheetName("Sheet1", ledgerSheet); err != nil {
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
	if err := x.SetSheetRow(ledgerSheet, "A1", &header); err != nil {
		return err
	}
	last, _ := excelize.CoordinatesToCellName(len(ledgerHeader), 1)
	if err := x.SetCellStyle(ledgerSheet, "A1", last, styles.header); err != nil {
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
	if err := x.SetSheetDimension(ledgerSheet, "A1:"+end); err != nil {
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
			if err := x.SetCellValue(ledgerSheet, cell, v.wallClock()); err != nil {
				return err
			}
			style := styles.date
			if v.WithClock {
				style = styles.dateTime
			}
			if err := x.SetCellStyle(ledgerSheet, cell, cell, style); err != nil {
				return err
			}
		default:
			if err := x.SetCellValue(ledgerSheet, cell, v); err != nil {
				return err
			}
		}
	}
	return nil
}

// layoutLedger widens the columns and keeps the header row in view.
func layoutLedger(x *excelize.File) error {
	widths := map[string]float64{"A": 24, "B": 30, "C": 12, "D": 10, "E": 17, "J": 12, "K": 24}
	for col, w := range widths {
		if err := x.SetColWidth(ledgerSheet, col, col, w); err != nil {
			return err
		}
	}
	return x.SetPanes(ledgerSheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
}
