package casework

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
	"unicode/utf8"
)

// A holiday patch is the agency's published correction of the built-in
// holiday table (lunar-go's, with data through 2027): the official schedule
// of a later year, or a change the State Council announced. Per day it says
// whether the day is off (a holiday) or a working day (a make-up workday on a
// weekend, 调休).
//
//	{"version": 1, "days": [{"date": "2028-01-01", "name": "元旦", "off": true},
//	                        {"date": "2028-02-05", "name": "春节", "off": false}]}

// HolidayDay is one day of a holiday patch.
type HolidayDay struct {
	Date string `json:"date"` // YYYY-MM-DD, Asia/Shanghai
	Name string `json:"name"` // the holiday it belongs to, e.g. 春节
	Off  bool   `json:"off"`  // true: a day off; false: a working day
}

// HolidayPatch is a holiday patch file.
type HolidayPatch struct {
	Version int          `json:"version"`
	Days    []HolidayDay `json:"days"`
}

// maxHolidayDays bounds a patch: a year has about 35 patched days.
const maxHolidayDays = 3660

// ParseHolidays reads a holiday patch into the calendar it makes: the
// built-in table with the patch's days in place of the table's.
func ParseHolidays(raw []byte) (Calendar, error) {
	var p HolidayPatch
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return Calendar{}, fmt.Errorf("holiday patch: %w", err)
	}
	if dec.More() {
		return Calendar{}, fmt.Errorf("holiday patch: data after the object")
	}
	if p.Version != 1 {
		return Calendar{}, fmt.Errorf("holiday patch: version %d, want 1", p.Version)
	}
	if len(p.Days) == 0 || len(p.Days) > maxHolidayDays {
		return Calendar{}, fmt.Errorf("holiday patch: %d days, want 1 to %d", len(p.Days), maxHolidayDays)
	}
	c := Calendar{days: make(map[string]bool, len(p.Days))}
	for i, d := range p.Days {
		t, err := time.ParseInLocation(time.DateOnly, d.Date, Shanghai)
		if err != nil || t.Format(time.DateOnly) != d.Date {
			return Calendar{}, fmt.Errorf("holiday patch: day %d: date %q is not YYYY-MM-DD", i+1, d.Date)
		}
		if _, dup := c.days[d.Date]; dup {
			return Calendar{}, fmt.Errorf("holiday patch: %s given twice", d.Date)
		}
		if d.Name == "" || utf8.RuneCountInString(d.Name) > 20 {
			return Calendar{}, fmt.Errorf("holiday patch: %s: a name of 1 to 20 characters", d.Date)
		}
		c.days[d.Date] = !d.Off
	}
	return c, nil
}

// Calendar answers which days are working days: the built-in table, with
// an agency's patch over it. The zero value is the built-in table alone.
// A Calendar is a value: patching one changes no other.
type Calendar struct {
	days map[string]bool // date → is a working day
}

// Patched reports how many days the agency's patch sets.
func (c Calendar) Patched() int { return len(c.days) }
