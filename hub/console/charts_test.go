package console

import (
	"math"
	"strings"
	"testing"
)

// Bars are as tall as their values against a round top whose half is a
// whole number; values a chart cannot draw (negative, NaN, infinite) are
// drawn as nothing; the description has every value.
func TestBarChart(t *testing.T) {
	for v, top := range map[float64]float64{0: 2, 1: 2, 2: 2, 3: 4, 5: 6, 9: 10, 10: 10, 11: 20, 31: 40, 99: 100, 101: 200, 0.4: 2, 2.5: 4} {
		if got := niceCeil(v); got != top {
			t.Errorf("niceCeil(%v) = %v, want %v", v, got, top)
		}
	}
	c := barChart("x", "每月立案与结案", " 件", []string{"2026-10", "2026-11", "2026-12"}, []series{
		{"立案", "s-opened", []float64{3, 0, math.NaN()}},
		{"结案", "s-closed", []float64{1, -2, math.Inf(1)}},
	})
	if len(c.Bars) != 6 || len(c.Months) != 3 || c.Months[0].Text != "10月" || c.Title != "每月立案与结案（2026-10 至 2026-12）" {
		t.Fatalf("%+v", c)
	}
	plot := plotBottom - plotTop
	for i, want := range []float64{plot * 3 / 4, plot / 4, 0, 0, 0, 0} {
		b := c.Bars[i] // month by month, each series in turn
		if math.Abs(b.H-want) > 1e-9 || math.Abs(b.Y+b.H-plotBottom) > 1e-9 || b.X < plotLeft || b.X+b.W > plotRight {
			t.Errorf("bar %d: %+v, want height %v", i, b, want)
		}
	}
	if c.Ticks[2].Text != "4" || c.Ticks[1].Text != "2" ||
		!strings.Contains(c.Desc, "2026-10：立案 3 件，结案 1 件") || !strings.Contains(c.Desc, "2026-11：立案 0 件，结案 0 件") {
		t.Fatalf("ticks %+v, desc %q", c.Ticks, c.Desc)
	}
	if e := barChart("y", "空", "", nil, nil); !e.Empty || e.Desc != "暂无数据" || len(e.Bars) != 0 {
		t.Fatalf("empty chart %+v", e)
	}
}
