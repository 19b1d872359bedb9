package casework

import (
	"encoding/json"
	"sync"
	"time"

	"github.com/6tail/lunar-go/HolidayUtil"
)

// Working days in China (DOMAIN.md: 行政处罚法 Art. 85, 行政强制法 Art. 69,
// 行政许可法 Art. 82): Monday to Friday, minus official holidays, plus the
// make-up workdays (调休) that move onto weekends. The table comes from
// github.com/6tail/lunar-go's HolidayUtil (data through 2027).

// holidayTable guards lunar-go's holiday table (package globals it may
// initialise lazily). Nothing here patches it: an agency's holiday patch is
// a Calendar value (holidays.go), never process-wide state.
var holidayTable sync.Mutex

// IsWorkday reports whether the calendar day of t (in Asia/Shanghai) is a
// working day by the built-in table.
func IsWorkday(t time.Time) bool { return Calendar{}.IsWorkday(t) }

// IsWorkday reports whether the calendar day of t (in Asia/Shanghai) is a
// working day: the patch's word for that day if it has one, else the table's.
func (c Calendar) IsWorkday(t time.Time) bool {
	d := t.In(Shanghai)
	if work, ok := c.days[d.Format(time.DateOnly)]; ok {
		return work
	}
	holidayTable.Lock()
	h := HolidayUtil.GetHolidayByYmd(d.Year(), int(d.Month()), d.Day())
	holidayTable.Unlock()
	if h != nil {
		return h.IsWork()
	}
	wd := d.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// AddWorkdays is Calendar.AddWorkdays by the built-in table.
func AddWorkdays(t time.Time, n int) time.Time { return Calendar{}.AddWorkdays(t, n) }

// AddWorkdays returns the end of the n-th working day after the day of t:
// the day an act happens is not counted (期间开始之日不计算在内), and a
// period ends at the end (24:00) of its last working day.
func (c Calendar) AddWorkdays(t time.Time, n int) time.Time {
	d := startOfDay(t)
	for n > 0 {
		d = d.AddDate(0, 0, 1)
		if c.IsWorkday(d) {
			n--
		}
	}
	return d.AddDate(0, 0, 1).Add(-time.Nanosecond)
}

// AddDays is Calendar.AddDays by the built-in table.
func AddDays(t time.Time, n int) time.Time { return Calendar{}.AddDays(t, n) }

// AddDays returns the end of the n-th calendar day after the day of t; if
// it falls on a day off, the period ends with the next working day (the
// general rule for periods longer than ten days).
func (c Calendar) AddDays(t time.Time, n int) time.Time {
	d := startOfDay(t).AddDate(0, 0, n)
	for !c.IsWorkday(d) {
		d = d.AddDate(0, 0, 1)
	}
	return d.AddDate(0, 0, 1).Add(-time.Nanosecond)
}

func startOfDay(t time.Time) time.Time {
	d := t.In(Shanghai)
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, Shanghai)
}

// Deadline is one statutory period running on a case.
type Deadline struct {
	Rule string    // e.g. "行政处罚法第六十一条"
	What string    // what must happen by Due
	Due  time.Time // end of the period, Asia/Shanghai
}

// Overdue reports whether the deadline has passed at now.
func (d Deadline) Overdue(now time.Time) bool { return now.After(d.Due) }

// Statutory periods (DOMAIN.md, "Related law"), each counted on a calendar;
// the package functions count on the built-in table.
func ServiceOfDecision(decided time.Time) Deadline { return Calendar{}.ServiceOfDecision(decided) }

// ServiceOfDecision is 行政处罚法 Art. 61: serve the decision within 7 working days.
func (c Calendar) ServiceOfDecision(decided time.Time) Deadline {
	return Deadline{"行政处罚法第六十一条", "送达行政处罚决定书（7个工作日）", c.AddWorkdays(decided, 7)}
}

// DecisionOnPreservedEvidence is 行政处罚法 Art. 56: 7 working days.
func DecisionOnPreservedEvidence(preserved time.Time) Deadline {
	return Calendar{}.DecisionOnPreservedEvidence(preserved)
}

// DecisionOnPreservedEvidence is 行政处罚法 Art. 56: 7 working days.
func (c Calendar) DecisionOnPreservedEvidence(preserved time.Time) Deadline {
	return Deadline{"行政处罚法第五十六条", "对先行登记保存的证据作出处理决定（7个工作日）", c.AddWorkdays(preserved, 7)}
}

// HearingRequest is 行政处罚法 Art. 64: 5 working days after notice.
func HearingRequest(notified time.Time) Deadline { return Calendar{}.HearingRequest(notified) }

// HearingRequest is 行政处罚法 Art. 64: 5 working days after notice.
func (c Calendar) HearingRequest(notified time.Time) Deadline {
	return Deadline{"行政处罚法第六十四条", "当事人要求听证（告知后5个工作日）", c.AddWorkdays(notified, 5)}
}

// SeizureTerm is 行政强制法 Art. 25: at most 30 days (extendable once by 30).
func SeizureTerm(seized time.Time, extended bool) Deadline {
	return Calendar{}.SeizureTerm(seized, extended)
}

// SeizureTerm is 行政强制法 Art. 25: at most 30 days (extendable once by 30).
func (c Calendar) SeizureTerm(seized time.Time, extended bool) Deadline {
	days := 30
	if extended {
		days = 60
	}
	return Deadline{"行政强制法第二十五条", "查封、扣押期限届满", c.AddDays(seized, days)}
}

// CaseLimit is 行政处罚法 Art. 60: decide within 90 days of registration.
func CaseLimit(registered time.Time) Deadline { return Calendar{}.CaseLimit(registered) }

// CaseLimit is 行政处罚法 Art. 60: decide within 90 days of registration.
func (c Calendar) CaseLimit(registered time.Time) Deadline {
	return Deadline{"行政处罚法第六十条", "作出行政处罚决定（立案之日起90日）", c.AddDays(registered, 90)}
}

// DocumentDeadlines is Calendar.DocumentDeadlines by the built-in table.
func DocumentDeadlines(template string, fields map[string]json.RawMessage) []Deadline {
	return Calendar{}.DocumentDeadlines(template, fields)
}

// DocumentDeadlines are the periods a finalized document starts: a penalty
// notice opens the 5 working days to ask for a hearing (Art. 64); a
// penalty decision must be served within 7 working days (Art. 61). at is
// read from the document's date field.
func (c Calendar) DocumentDeadlines(template string, fields map[string]json.RawMessage) []Deadline {
	date := func(key string) (time.Time, bool) {
		var s string
		if json.Unmarshal(fields[key], &s) != nil {
			return time.Time{}, false
		}
		t, err := time.ParseInLocation("2006-01-02 15:04", s, Shanghai)
		if err != nil {
			if t, err = time.Parse(time.RFC3339, s); err != nil {
				return time.Time{}, false
			}
		}
		return t, true
	}
	var out []Deadline
	switch template {
	case "penalty_notice":
		if t, ok := date("notified_at"); ok {
			out = append(out, c.HearingRequest(t))
		}
	case "penalty_decision":
		if t, ok := date("decided_at"); ok {
			out = append(out, c.ServiceOfDecision(t))
		}
	case "preservation_notice":
		if t, ok := date("notified_at"); ok {
			out = append(out, c.DecisionOnPreservedEvidence(t))
		}
	}
	return out
}
