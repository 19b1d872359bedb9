package console

import (
	"math"
	"strconv"
	"strings"

	"lawtrail/hub"
)

// Charts are drawn on the server as inline SVG (chart.html): bars only, no
// script, colours from the stylesheet's classes (the CSP allows no inline
// style). Each carries its title and every number in words (<title>,
// <desc>, aria-labelledby) for screen readers, and links to the table of
// the numbers behind it (the trends view).

// chart is a grouped bar chart laid out in the SVG's own units.
type chart struct {
	ID, Title, Desc, DataLink string
	Bars                      []bar
	Months                    []label
	Ticks                     []label // the value axis: Y of a grid line, Text its value
	Legend                    []legendItem
	Empty                     bool
}

type bar struct {
	X, Y, W, H float64
	Class      string
	Label      string // the bar's value in words (its tooltip)
}

type label struct {
	X, Y float64
	Text string
}

type legendItem struct {
	X     float64
	Class string
	Name  string
}

// series is one set of bars, a value per month.
type series struct {
	Name, Class string
	Values      []float64
}

// The chart's frame, in SVG units (the viewBox is 640 × 240).
const (
	chartW, chartH = 640.0, 240.0
	plotLeft       = 48.0
	plotRight      = 634.0
	plotTop        = 36.0
	plotBottom     = 208.0
)

// barChart lays out one bar per series per month, scaled to a round top.
func barChart(id, title, unit string, months []string, ss []series) chart {
	c := chart{ID: id, Title: title, Empty: len(months) == 0}
	if !c.Empty {
		c.Title += "（" + months[0] + " 至 " + months[len(months)-1] + "）"
	}
	top := niceCeil(maxValue(ss))
	for i, v := range []float64{0, top / 2, top} {
		c.Ticks = append(c.Ticks, label{X: plotLeft - 6, Y: plotBottom - (plotBottom-plotTop)*float64(i)/2, Text: trimFloat(v)})
	}
	groupW := (plotRight - plotLeft) / float64(max(len(months), 1))
	barW := groupW * 0.7 / float64(max(len(ss), 1))
	var desc []string
	for m, month := range months {
		x0 := plotLeft + groupW*float64(m) + groupW*0.15
		c.Months = append(c.Months, label{X: plotLeft + groupW*(float64(m)+0.5), Y: plotBottom + 24, Text: shortMonth(month)})
		words := make([]string, 0, len(ss))
		for k, s := range ss {
			v := at(s.Values, m)
			h := (plotBottom - plotTop) * v / top
			word := s.Name + " " + trimFloat(v) + unit
			c.Bars = append(c.Bars, bar{X: x0 + barW*float64(k), Y: plotBottom - h, W: barW, H: h, Class: s.Class, Label: month + " " + word})
			words = append(words, word)
		}
		desc = append(desc, month+"："+strings.Join(words, "，"))
	}
	for k, s := range ss {
		c.Legend = append(c.Legend, legendItem{X: plotLeft + 160*float64(k), Class: s.Class, Name: s.Name})
	}
	c.Desc = strings.Join(desc, "；")
	if c.Empty {
		c.Desc = "暂无数据"
	}
	return c
}

func at(vs []float64, i int) float64 {
	if i < len(vs) && vs[i] > 0 && !math.IsInf(vs[i], 0) {
		return vs[i]
	}
	return 0
}

func maxValue(ss []series) float64 {
	m := 0.0
	for _, s := range ss {
		for i := range s.Values {
			m = max(m, at(s.Values, i))
		}
	}
	return m
}

// niceCeil is a round top for the value axis at or above v: 2, 4, 6, 8,
// 10, 20, 40 … so that its half, the middle grid line, is a whole number
// (at least 2: the figures are mostly counts).
func niceCeil(v float64) float64 {
	if v <= 2 {
		return 2
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, f := range []float64{1, 2, 4, 6, 8, 10} {
		if f*p >= v && (f > 1 || p >= 10) {
			return f * p
		}
	}
	return 10 * p
}

func trimFloat(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// shortMonth is 2026-03 as 3月; the title says the years.
func shortMonth(m string) string {
	_, mm, ok := strings.Cut(m, "-")
	n, err := strconv.Atoi(mm)
	if !ok || err != nil {
		return m
	}
	return strconv.Itoa(n) + "月"
}

// trendCharts are the overview's four charts of the last twelve months.
func trendCharts(s hub.Supervision, v viewer) []chart {
	months := make([]string, len(s.Monthly))
	var opened, closed, overdue, review, gaps []float64
	for i, m := range s.Monthly {
		months[i] = m.Month
		opened, closed = append(opened, float64(m.Opened)), append(closed, float64(m.Closed))
		overdue, review, gaps = append(overdue, float64(m.OverduePublications)), append(review, m.ReviewDays), append(gaps, float64(m.AVGaps))
	}
	charts := []chart{
		barChart("chart-cases", "每月立案与结案", " 件", months, []series{{"立案", "s-opened", opened}, {"结案", "s-closed", closed}}),
		barChart("chart-overdue", "每月逾期公示", " 件", months, []series{{"逾期公示", "s-overdue", overdue}}),
		barChart("chart-review", "每月法制审核平均用时", " 个工作日", months, []series{{"平均用时", "s-review", review}}),
		barChart("chart-avgaps", "每月音像记录缺口", " 处", months, []series{{"音像记录缺口", "s-gaps", gaps}}),
	}
	for i := range charts {
		charts[i].DataLink = "/console/trends" + v.Query()
	}
	return charts
}
