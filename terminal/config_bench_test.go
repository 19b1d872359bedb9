package terminal_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"lawtrail/terminal"
	"lawtrail/terminal/terminaltest"
)

// The rules read the configuration in force inside every append that needs
// it. With templates published, a draft costs one more small query (the
// table's stamp) and no rebuilt overlay: the ratio to the same drafts on a
// terminal with only the bundled configuration, measured in the same run,
// stays near 1.
func BenchmarkDraftWithPublishedConfiguration(b *testing.B) {
	ctx := context.Background()
	drafts := func(f *terminaltest.Fixture, n int) time.Duration {
		c, err := f.Admin.OpenCase(ctx, terminal.NewCase{Number: "示〔2026〕9号", Title: "基准"})
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		for i := 0; i < n; i++ {
			if _, err := f.Admin.SaveDraft(ctx, terminal.DocumentDraft{Case: c.Case, Template: "onsite_record",
				Fields: map[string]json.RawMessage{"place": json.RawMessage(`"某路1号"`)}}); err != nil {
				b.Fatal(err)
			}
		}
		return time.Since(start)
	}
	bundled := terminaltest.New(b)
	published := terminaltest.New(b)
	for i, id := range []string{"onsite_record", "penalty_decision", "penalty_notice"} {
		if _, err := published.Admin.PublishConfig(ctx, terminal.ConfigFile{Content: bundledTemplate(b, id, 5+i, "基准 "+id)}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	base := drafts(bundled, b.N)
	with := drafts(published, b.N)
	b.ReportMetric(float64(with)/float64(base), "published/bundled")
}
