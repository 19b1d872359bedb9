"""Reads a ledger XLSX with openpyxl (an implementation other than the one
that wrote it) and checks what a clerk's spreadsheet program relies on:
the stored sheet dimension matches the cells, dates are dates with a date
format, counts are numbers, coded values are shown in Chinese.

    python3 ledger_check.py ledger.xlsx CASES
Prints "ok" and exits 0, or prints what is wrong and exits 1.
"""
import datetime
import sys

import openpyxl
from openpyxl.utils import get_column_letter

HEADER = ["案号", "案由", "执法类别", "阶段", "立案时间", "环节数", "已定稿文书", "关联音像", "音像缺口环节", "最近期限", "期限依据", "已超期", "重大", "法制审核轮次", "法制审核结论"]
ACTS = {"行政处罚", "行政强制", "行政检查", "行政征收征用", "行政许可"}
PHASES = {"启动", "调查取证", "审核决定", "送达执行"}


def fail(msg):
    print(msg)
    sys.exit(1)


def main(path, cases):
    # read_only mode reports the <dimension> the file stores.
    ro = openpyxl.load_workbook(path, read_only=True)["执法台账"]
    stored = ro.calculate_dimension()
    rows = [r for r in ro.iter_rows(values_only=True) if any(v is not None for v in r)]
    want = "A1:%s%d" % (get_column_letter(len(HEADER)), 1 + cases)
    if stored != want or len(rows) != 1 + cases:
        fail("stored dimension %s, %d rows with data; want %s" % (stored, len(rows), want))
    ws = openpyxl.load_workbook(path)["执法台账"]
    if ws.dimensions != want or ws.max_row != 1 + cases or ws.max_column != len(HEADER):
        fail("cells span %s (%d rows, %d columns), want %s" % (ws.dimensions, ws.max_row, ws.max_column, want))
    if [c.value for c in ws[1]] != HEADER:
        fail("header %r" % [c.value for c in ws[1]])
    for r in range(2, 2 + cases):
        row = ws[r]
        if row[2].value not in ACTS or row[3].value not in PHASES:
            fail("row %d: act %r, phase %r are not Chinese labels" % (r, row[2].value, row[3].value))
        opened = row[4]
        if not isinstance(opened.value, datetime.datetime) or opened.number_format != "yyyy-mm-dd hh:mm":
            fail("row %d: opened %r (%s) is not a date-time" % (r, opened.value, opened.number_format))
        for c in (5, 6, 7, 8, 11):
            v = row[c].value
            if not isinstance(v, int) or isinstance(v, bool) or row[c].data_type != "n":
                fail("row %d column %s: %r is not a number" % (r, HEADER[c], v))
        due = row[9]
        if due.value is not None and (not isinstance(due.value, datetime.datetime) or due.number_format != "yyyy-mm-dd"):
            fail("row %d: deadline %r (%s) is not a date" % (r, due.value, due.number_format))
        if (due.value is None) != (row[10].value is None):
            fail("row %d: a deadline without its rule or the reverse" % r)
        if row[12].value not in ("是", "否"):
            fail("row %d: 重大 %r is not 是 or 否" % (r, row[12].value))
        rounds = row[13].value
        if not isinstance(rounds, int) or isinstance(rounds, bool) or row[13].data_type != "n":
            fail("row %d: 法制审核轮次 %r is not a number" % (r, rounds))
    print("ok")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
