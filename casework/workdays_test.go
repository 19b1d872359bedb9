package casework

import (
	"encoding/json"
	"testing"
	"time"
)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 10, 0, 0, 0, Shanghai) }

// Spring Festival 2026: 15–23 Feb off; Sat 14 Feb and Sat 28 Feb are
// make-up workdays. National Day 2026: 1–7 Oct off; Sun 20 Sep and Sat 10 Oct
// are make-up workdays.
func TestWorkdays2026(t *testing.T) {
	cases := map[time.Time]bool{
		day(2026, 2, 13):  true,  // Friday
		day(2026, 2, 14):  true,  // Saturday, make-up workday
		day(2026, 2, 16):  false, // Monday, Spring Festival
		day(2026, 2, 23):  false, // Monday, still off
		day(2026, 2, 24):  true,
		day(2026, 2, 28):  true, // Saturday, make-up workday
		day(2026, 3, 1):   false,
		day(2026, 9, 20):  true,  // Sunday, make-up workday
		day(2026, 10, 5):  false, // Monday, National Day
		day(2026, 10, 8):  true,
		day(2026, 10, 10): true, // Saturday, make-up workday
		day(2026, 10, 11): false,
	}
	for d, want := range cases {
		if got := IsWorkday(d); got != want {
			t.Errorf("%s (%s): workday %v, want %v", d.Format("2006-01-02"), d.Weekday(), got, want)
		}
	}
}

func TestDeadlinesAcrossHolidays(t *testing.T) {
	end := func(y int, m time.Month, d int) time.Time {
		return time.Date(y, m, d, 23, 59, 59, 999999999, Shanghai)
	}
	cases := []struct {
		name string
		got  Deadline
		want time.Time
	}{
		// Decision on Thu 12 Feb: working days 13, 14 (make-up), 24, 25, 26, 27, 28 (make-up).
		{"service across Spring Festival", ServiceOfDecision(day(2026, 2, 12)), end(2026, 2, 28)},
		// Notice on Tue 29 Sep: working days 30 Sep, 8, 9, 10 (make-up), 12 Oct.
		{"hearing request across National Day", HearingRequest(day(2026, 9, 29)), end(2026, 10, 12)},
		// Preserved on Fri 18 Sep: Sun 20 (make-up), 21, 22, 23, 24, then 25–27 off (中秋), 28, 29.
		{"preserved evidence across Mid-Autumn", DecisionOnPreservedEvidence(day(2026, 9, 18)), end(2026, 9, 29)},
		// Seized on 2 Sep: 30 days → 2 Oct, a holiday: the period ends on Thu 8 Oct.
		{"seizure term ending in a holiday", SeizureTerm(day(2026, 9, 2), false), end(2026, 10, 8)},
		{"case limit", CaseLimit(day(2026, 1, 5)), end(2026, 4, 7)},
	}
	for _, tc := range cases {
		if !tc.got.Due.Equal(tc.want) {
			t.Errorf("%s: due %s, want %s", tc.name, tc.got.Due, tc.want)
		}
	}
	if !ServiceOfDecision(day(2026, 2, 12)).Overdue(day(2026, 3, 1)) || ServiceOfDecision(day(2026, 2, 12)).Overdue(day(2026, 2, 28)) {
		t.Error("overdue is wrong at the boundary")
	}
}

// A schedule published later arrives as a patch (here: a made-up day off
// and a make-up Saturday), as a calendar value: the built-in table and any
// other calendar are unchanged.
func TestHolidayPatchIsACalendarValue(t *testing.T) {
	d, sat := day(2027, 6, 30), day(2027, 7, 3) // a Wednesday, a Saturday
	if !IsWorkday(d) || IsWorkday(sat) {
		t.Fatal("30 June 2027 should be an ordinary Wednesday and 3 July a Saturday before the patch")
	}
	cal, err := ParseHolidays([]byte(`{"version":1,"days":[{"date":"2027-06-30","name":"测试假日","off":true},{"date":"2027-07-03","name":"测试假日","off":false}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if cal.IsWorkday(d) || !cal.IsWorkday(sat) {
		t.Fatal("the patched calendar ignores its patch")
	}
	if !IsWorkday(d) || !(Calendar{}).IsWorkday(d) {
		t.Fatal("patching one calendar changed the built-in table")
	}
	end := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 23, 59, 59, 999999999, Shanghai) }
	// 7 working days from Fri 2 July: the make-up Saturday counts, so the
	// period ends on Mon 12 July, not Tue 13 July as by the built-in table.
	if got, want := cal.ServiceOfDecision(day(2027, 7, 2)).Due, end(2027, 7, 12); !got.Equal(want) {
		t.Errorf("patched: due %s, want %s", got, want)
	}
	if got, want := ServiceOfDecision(day(2027, 7, 2)).Due, end(2027, 7, 13); !got.Equal(want) {
		t.Errorf("built-in: due %s, want %s", got, want)
	}
	for _, bad := range []string{`{"version":2,"days":[{"date":"2027-06-30","name":"x","off":true}]}`,
		`{"version":1,"days":[]}`, `{"version":1,"days":[{"date":"2027-6-30","name":"x","off":true}]}`,
		`{"version":1,"days":[{"date":"2027-06-30","name":"x","off":true},{"date":"2027-06-30","name":"x","off":false}]}`,
		`{"version":1,"days":[{"date":"2027-06-30","name":"","off":true}]}`,
		`{"version":1,"days":[{"date":"2027-06-30","name":"x","off":true,"extra":1}]}`} {
		if _, err := ParseHolidays([]byte(bad)); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}

func TestDocumentDeadlines(t *testing.T) {
	d := DocumentDeadlines("penalty_decision", map[string]json.RawMessage{"decided_at": json.RawMessage(`"2026-02-12 15:00"`)})
	if len(d) != 1 || !d[0].Due.Equal(time.Date(2026, 2, 28, 23, 59, 59, 999999999, Shanghai)) {
		t.Fatalf("service deadline %v", d)
	}
	if d := DocumentDeadlines("penalty_notice", map[string]json.RawMessage{"notified_at": json.RawMessage(`"someday"`)}); len(d) != 0 {
		t.Fatalf("an unreadable date gave %v", d)
	}
}
