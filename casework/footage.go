package casework

import (
	"fmt"
	"sort"
	"time"
	"unicode/utf8"

	"lawtrail/evidence"
)

// SourceKey names one file on one recorder as it was when copied: the same
// device, path, size and modification time is the same file, so docking a
// recorder again does not ingest it twice.
type SourceKey struct {
	DeviceSerial string `json:"device_serial"`
	// Path is the path as the device spells it, shown safely: valid UTF-8 as
	// is, other bytes as \xNN (device.DisplayPath). PathBytes carries the
	// original bytes when they are not valid UTF-8, since JSON cannot.
	Path      string    `json:"original_path"`
	PathBytes []byte    `json:"original_path_bytes,omitempty"`
	Size      int64     `json:"size"`
	ModTime   time.Time `json:"source_mtime"`
}

// RawPath returns the path's original bytes.
func (k SourceKey) RawPath() string {
	if k.PathBytes != nil {
		return string(k.PathBytes)
	}
	return k.Path
}

// DisplayPath returns the path as shown to people.
func (k SourceKey) DisplayPath() string { return k.Path }

func (k SourceKey) validate() error {
	switch {
	case k.Path == "":
		return fmt.Errorf("recorder file: no path")
	case k.Size < 0:
		return fmt.Errorf("recorder file %s: negative size", k.Path)
	case k.ModTime.IsZero():
		return fmt.Errorf("recorder file %s: no modification time", k.Path)
	case !utf8.ValidString(k.Path):
		return fmt.Errorf("recorder file: path is not valid UTF-8 (carry the bytes in original_path_bytes)")
	case k.PathBytes != nil && utf8.Valid(k.PathBytes):
		return fmt.Errorf("recorder file %s: original_path_bytes given for a valid UTF-8 path", k.Path)
	}
	return checkText("device serial", k.DeviceSerial, 64)
}

// FootageIngested is the custody record of one recorder file taken in at the
// dock: what it is, where it came from, whose it is and who took it in.
type FootageIngested struct {
	Digest evidence.Digest `json:"digest"`
	SourceKey
	DeviceModel  string `json:"device_model,omitempty"`
	DeviceVendor string `json:"device_vendor,omitempty"`
	Officer      string `json:"officer,omitempty"`     // whose footage it is
	NameSerial   string `json:"name_serial,omitempty"` // serial the file name carries, if any
	Clerk        string `json:"clerk"`                 // who docked it
	Station      string `json:"station"`
	Profile      string `json:"profile,omitempty"` // file-name profile that read the times
	// Start and End are recorder times, as the recorder's clock told them.
	Start     time.Time `json:"start,omitzero"`
	End       time.Time `json:"end,omitzero"`
	Seq       int       `json:"seq,omitempty"`
	Important bool      `json:"important,omitempty"` // 重点 / locked on the recorder
	// ClockOffset is the recorder clock minus the terminal clock at docking;
	// ClockKnown says whether the device could be asked.
	ClockOffset time.Duration `json:"clock_offset_ns"`
	ClockKnown  bool          `json:"clock_known"`
}

// Source returns the recorder file this footage came from.
func (p FootageIngested) Source() SourceKey { return p.SourceKey }

// FootageCleared records that a recorder file is removed from the recorder
// after its copy re-verified. It is recorded before the removal, so no
// removal ever goes unrecorded; a removal interrupted by a crash is
// completed on the next docking.
type FootageCleared struct {
	Digest evidence.Digest `json:"digest"`
	SourceKey
	Policy string `json:"policy"` // the clear policy that allowed it
}

func (FootageIngested) EventType() string { return TypeFootageIngested }
func (FootageCleared) EventType() string  { return TypeFootageCleared }

// Validate checks the payload on its own.
func (p FootageIngested) Validate() error {
	if p.Digest.IsZero() {
		return fmt.Errorf("footage: no digest")
	}
	if err := p.SourceKey.validate(); err != nil {
		return err
	}
	if !p.Start.IsZero() && !p.End.IsZero() && p.End.Before(p.Start) {
		return fmt.Errorf("footage %s: ends before it starts", p.Digest)
	}
	if p.Officer != "" {
		if err := checkText("officer", p.Officer, 64); err != nil {
			return err
		}
	}
	return firstError(checkID("clerk", p.Clerk), checkText("station", p.Station, 100))
}

// Validate checks the payload on its own.
func (p FootageCleared) Validate() error {
	if p.Digest.IsZero() {
		return fmt.Errorf("footage cleared: no digest")
	}
	if p.Policy == "" {
		return fmt.Errorf("footage cleared: no policy")
	}
	return p.SourceKey.validate()
}

// SourceRecord is what the record holds about one recorder file.
type SourceRecord struct {
	Digest  evidence.Digest
	Cleared bool
}

// StepFootageLinked links a footage file to a step of a case (R3: the
// audio/video record of that act).
type StepFootageLinked struct {
	Step   string          `json:"step"`
	Digest evidence.Digest `json:"digest"`
}

func (StepFootageLinked) EventType() string { return TypeStepFootageLinked }

// Validate checks the payload on its own.
func (p StepFootageLinked) Validate() error {
	if p.Digest.IsZero() {
		return fmt.Errorf("footage link: no digest")
	}
	return checkID("step", p.Step)
}

// Overlap returns how long two time spans overlap (zero if they do not).
func Overlap(aStart, aEnd, bStart, bEnd time.Time) time.Duration {
	start, end := aStart, aEnd
	if bStart.After(start) {
		start = bStart
	}
	if bEnd.Before(end) {
		end = bEnd
	}
	if !end.After(start) {
		return 0
	}
	return end.Sub(start)
}

// FootageSpan is a footage file's recording span on the terminal's clock.
type FootageSpan struct {
	Digest     evidence.Digest
	Officer    string
	Start, End time.Time
}

// Suggestion is footage that may record a step.
type Suggestion struct {
	FootageSpan
	Overlap      time.Duration
	OfficerMatch bool // recorded by one of the step's officers
}

// SuggestFootage lists the footage overlapping a step's time span, the
// step's own officers' first, then by how much of the step it covers.
func SuggestFootage(start, end time.Time, officers []string, spans []FootageSpan) []Suggestion {
	var out []Suggestion
	for _, sp := range spans {
		ov := Overlap(start, end, sp.Start, sp.End)
		if ov <= 0 {
			continue
		}
		match := false
		for _, o := range officers {
			match = match || o == sp.Officer
		}
		out = append(out, Suggestion{FootageSpan: sp, Overlap: ov, OfficerMatch: match})
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].OfficerMatch != out[j].OfficerMatch {
			return out[i].OfficerMatch
		}
		return out[i].Overlap > out[j].Overlap
	})
	return out
}

// TypeFootageFetched records that this terminal took in, from the hub, the
// bytes of footage another terminal of the agency ingested (its custody came
// by the agency feed): the bytes hashed to the digest while they arrived.
const TypeFootageFetched = "footage.fetched"

// FootageFetched is the custody record of footage fetched from the hub.
type FootageFetched struct {
	Digest evidence.Digest `json:"digest"`
	Size   int64           `json:"size"`
	From   string          `json:"from"`   // the hub: its key id and address
	Source string          `json:"source"` // the terminal whose custody event first named it
}

// EventType names the payload's event type.
func (FootageFetched) EventType() string { return TypeFootageFetched }

// Validate checks the payload on its own.
func (p FootageFetched) Validate() error {
	switch {
	case p.Digest.IsZero():
		return fmt.Errorf("fetched footage: no digest")
	case p.Size < 0:
		return fmt.Errorf("fetched footage %s: negative size", p.Digest)
	}
	return firstError(checkText("fetched footage: hub", p.From, 300), checkID("fetched footage: source terminal", p.Source))
}
