package web

import (
	"net/http"
	"regexp"
	"strconv"

	"lawtrail/casework"
	"lawtrail/hub"
)

// annualFile is /annual/{year}, {year}.xlsx or {year}.csv.
var annualFile = regexp.MustCompile(`^([0-9]{4})(\.xlsx|\.csv)?$`)

// annualPage is what annual.html shows.
type annualPage struct {
	Title     string
	Year      int
	Complete  bool
	ByAgency  []annualSum // per agency: cases opened, decisions made
	ByAct     []annualSum // per act type
	ByOutcome []annualSum // per outcome of the decisions (Opened unused)
	Rows      []annualLine
	Opened    int // in all
	Decided   int
	XLSX, CSV string // the downloads' addresses
	// AsOf is the day the figures of a year not yet ended were read on
	// ("" for an ended year): they are the year so far, not its report.
	AsOf string
}

// annualSum is one line of a summary table.
type annualSum struct {
	Key, Name       string
	Opened, Decided int
}

// annualLine is one count of the report in words, as the page, the CSV
// and the XLSX show it.
type annualLine struct {
	AgencyID, Agency, Act, Outcome string
	Count                          int
}

// annual is the annual statistics (DOMAIN P4): GET /annual/{year} as a
// page, /annual/{year}.xlsx and /annual/{year}.csv as downloads.
func (h *Handler) annual(w http.ResponseWriter, r *http.Request) {
	m := annualFile.FindStringSubmatch(r.PathValue("file"))
	if m == nil {
		h.noYear(w)
		return
	}
	year, _ := strconv.Atoi(m[1])
	if year < minYear || year > maxYear {
		h.noYear(w)
		return
	}
	stats, err := h.read.AnnualStats(r.Context(), year)
	if err != nil {
		h.failed(w, "annual statistics", err)
		return
	}
	ext := m[2]
	if !stats.Complete && year > h.opt.Now().In(casework.Shanghai).Year() {
		code := http.StatusOK
		if ext != "" {
			code = http.StatusNotFound
		}
		h.render(w, code, "notfound.html", message{Title: strconv.Itoa(year) + "年度行政执法统计", Heading: strconv.Itoa(year) + "年度行政执法统计",
			Message: strconv.Itoa(year) + "年度尚未结束", Advice: "报告将于次年1月1日起提供，1月20日前公布。", NoStore: true})
		return
	}
	lines := annualLines(stats)
	if !stats.Complete {
		w.Header().Set("Cache-Control", "no-cache") // the year's figures still grow
	}
	switch ext {
	case ".csv":
		h.annualCSV(w, year, lines)
	case ".xlsx":
		h.annualXLSX(w, year, lines)
	default:
		if stats.Complete {
			publicCache(w)
		}
		page := annualSummary(stats, lines)
		if !stats.Complete {
			page.AsOf = h.opt.Now().In(casework.Shanghai).Format("2006年1月2日")
		}
		h.render(w, http.StatusOK, "annual.html", page)
	}
}

func (h *Handler) noYear(w http.ResponseWriter) {
	h.missing(w, "没有该年度的统计", "年度统计的地址形如 /annual/2025。")
}

// annualLines puts the report's counts in words, in the hub's order.
func annualLines(s hub.AnnualStats) []annualLine {
	lines := make([]annualLine, len(s.Rows))
	for i, r := range s.Rows {
		lines[i] = annualLine{AgencyID: r.Agency, Agency: r.AgencyName, Act: actWord(r.Act), Outcome: outcomeWord(r.Outcome), Count: r.Count}
	}
	return lines
}

// annualSummary sums the counts by agency, by act type and by outcome.
func annualSummary(s hub.AnnualStats, lines []annualLine) annualPage {
	p := annualPage{Title: strconv.Itoa(s.Year) + "年度行政执法统计", Year: s.Year, Complete: s.Complete, Rows: lines,
		XLSX: annualPath(s.Year, ".xlsx"), CSV: annualPath(s.Year, ".csv")}
	for i, r := range s.Rows {
		opened := r.Outcome == outcomeOpened
		agency := lines[i].Agency
		if agency == "" {
			agency = r.Agency
		}
		p.ByAgency = addSum(p.ByAgency, r.Agency, agency, r.Count, opened)
		p.ByAct = addSum(p.ByAct, string(r.Act), lines[i].Act, r.Count, opened)
		if opened {
			p.Opened += r.Count
			continue
		}
		p.Decided += r.Count
		p.ByOutcome = addSum(p.ByOutcome, r.Outcome, lines[i].Outcome, r.Count, false)
	}
	return p
}

// addSum adds n to the line of key (a new one named name at the end when
// none).
func addSum(sums []annualSum, key, name string, n int, opened bool) []annualSum {
	i := len(sums) - 1
	for i >= 0 && sums[i].Key != key {
		i--
	}
	if i < 0 {
		sums = append(sums, annualSum{Key: key, Name: name})
		i = len(sums) - 1
	}
	if opened {
		sums[i].Opened += n
	} else {
		sums[i].Decided += n
	}
	return sums
}
