package terminal

import (
	"testing"
	"time"
)

// Spreadsheet dates have no zone: the ledger writes China Standard Time's
// wall clock, whatever zone the terminal's clock reading came in.
func TestLedgerDateIsShanghaiWallClock(t *testing.T) {
	at := time.Date(2026, 11, 26, 17, 30, 45, 0, time.UTC) // 01:30 the next day in Shanghai
	d := ledgerDate{At: at, WithClock: true}
	if got, want := d.wallClock(), time.Date(2026, 11, 27, 1, 30, 0, 0, time.UTC); !got.Equal(want) || d.text() != "2026-11-27 01:30" {
		t.Fatalf("wall clock %v %q, want %v", got, d.text(), want)
	}
	day := ledgerDate{At: at}
	if got := day.wallClock(); !got.Equal(time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)) || day.text() != "2026-11-27" {
		t.Fatalf("date %v %q", got, day.text())
	}
}
