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
	table := [][]string{ledgerHeader}
	for _, r := range rows {
		next, rule := "", ""
		if r.NextDeadline != nil {
			next, rule = r.NextDeadline.Due.Format("2006-01-02"), r.NextDeadline.Rule
		}
		table = append(table, []string{r.Number, r.Title, string(r.ActType), string(r.Phase), r.OpenedAt.In(casework.Shanghai).Format("2006-01-02 15:04"),
			fmt.Sprint(r.Steps), fmt.Sprint(r.Documents), fmt.Sprint(r.Footage), fmt.Sprint(r.AVGaps), next, rule, fmt.Sprint(r.OverdueDeadlines)})
	}
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

func writeCSV(path string, table [][]string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	f.WriteString("\ufeff") // so spreadsheet programs read UTF-8 Chinese
	w := csv.NewWriter(f)
	w.WriteAll(table)
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func writeXLSX(path string, table [][]string) error {
	x := excelize.NewFile()
	defer x.Close()
	sheet := "执法台账"
	x.SetSheetName("Sheet1", sheet)
	for i, row := range table {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		vals := make([]any, len(row))
		for j, v := range row {
			vals[j] = v
		}
		if err := x.SetSheetRow(sheet, cell, &vals); err != nil {
			return err
		}
	}
	return x.SaveAs(path)
}
