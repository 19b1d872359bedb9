package device

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Profiles read recording facts from file names. They are data: a JSON file
// (assets/profiles/recorders.json, or an agency's own) with, per profile, a
// regular expression whose named groups say where each fact is.
type Profiles struct {
	list []profile
}

// ProfileFile is the JSON form of a profiles file.
type ProfileFile struct {
	Version  int           `json:"version"`
	Profiles []ProfileSpec `json:"profiles"`
}

// ProfileSpec describes one naming scheme.
type ProfileSpec struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	// Pattern matches the base name. Named groups: serial, officer, start,
	// seq, important (a non-empty match marks the file important).
	Pattern    string `json:"pattern"`
	TimeLayout string `json:"time_layout"` // Go layout of the start group
	// Zone of the times in names: "+08:00" style, or "Asia/Shanghai"
	// (the default).
	Zone string `json:"zone,omitempty"`
	// ImportantDirs: a file under a folder of one of these names is important.
	ImportantDirs []string `json:"important_dirs,omitempty"`
	// ImportantSidecars: a file is important when a sibling named as the
	// file plus one of these suffixes exists (e.g. ".lock").
	ImportantSidecars []string `json:"important_sidecars,omitempty"`
}

type profile struct {
	spec ProfileSpec
	re   *regexp.Regexp
	zone *time.Location
}

// Meta is what a file's name (and the profile) says about a recording.
type Meta struct {
	Profile   string    // name of the profile that matched; "generic" or "mtime" otherwise
	Serial    string    // from the name, when the profile has it
	Officer   string    // from the name, when the profile has it
	Start     time.Time // recorder time of the start of the recording
	End       time.Time // recorder time of the end (the file's mtime when plausible), or zero
	Seq       int       // sequence number from the name, 0 if none
	Important bool      // 重点 / locked: must not be lost to loop recording
}

// MaxProfilesBytes bounds a profiles file (the shipped one is a few KiB);
// callers reading one from disk read at most this much.
const MaxProfilesBytes = 1 << 20

// maxRecording bounds how long after its start a file's mtime may be and
// still be read as the end of the recording.
const maxRecording = 12 * time.Hour

// ParseProfiles reads a profiles file. Every error names the profile and
// field at fault.
func ParseProfiles(raw []byte) (*Profiles, error) {
	if len(raw) > MaxProfilesBytes {
		return nil, fmt.Errorf("recorder profiles: %d bytes, more than %d", len(raw), MaxProfilesBytes)
	}
	var f ProfileFile
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("recorder profiles: %w", err)
	}
	if f.Version != 1 {
		return nil, fmt.Errorf("recorder profiles: version %d, want 1", f.Version)
	}
	ps := &Profiles{}
	seen := map[string]bool{}
	for i, spec := range f.Profiles {
		p, err := compileProfile(spec)
		if err != nil {
			return nil, fmt.Errorf("recorder profiles: profile %d (%q): %w", i+1, spec.Name, err)
		}
		if seen[spec.Name] {
			return nil, fmt.Errorf("recorder profiles: profile %q defined twice", spec.Name)
		}
		seen[spec.Name] = true
		ps.list = append(ps.list, p)
	}
	return ps, nil
}

func compileProfile(spec ProfileSpec) (profile, error) {
	if spec.Name == "" {
		return profile{}, fmt.Errorf("name: empty")
	}
	re, err := regexp.Compile(spec.Pattern)
	if err != nil {
		return profile{}, fmt.Errorf("pattern: %w", err)
	}
	names := map[string]bool{}
	for _, n := range re.SubexpNames()[1:] {
		switch n {
		case "", "serial", "officer", "start", "seq", "important":
			names[n] = true
		default:
			return profile{}, fmt.Errorf("pattern: unknown group %q (want serial, officer, start, seq, important)", n)
		}
	}
	if names["start"] && spec.TimeLayout == "" {
		return profile{}, fmt.Errorf("time_layout: required when the pattern has a start group")
	}
	zone, err := parseZone(spec.Zone)
	if err != nil {
		return profile{}, fmt.Errorf("zone: %w", err)
	}
	return profile{spec: spec, re: re, zone: zone}, nil
}

// parseZone reads "+08:00"-style offsets and Asia/Shanghai (the default),
// without needing a tz database on the terminal.
func parseZone(s string) (*time.Location, error) {
	switch s {
	case "", "Asia/Shanghai", "CST", "+08:00":
		return time.FixedZone("CST", 8*3600), nil
	case "UTC", "Z", "+00:00":
		return time.UTC, nil
	}
	t, err := time.Parse("-07:00", s)
	if err != nil {
		return nil, fmt.Errorf("%q is not an offset like +08:00", s)
	}
	_, off := t.Zone()
	return time.FixedZone(s, off), nil
}

// Describe reads a file's name with the first profile that matches, else
// the generic timestamp rule, else the mtime. hasSibling reports whether a
// file of that path exists (for sidecar marks); it may be nil.
func (ps *Profiles) Describe(f File, hasSibling func(path string) bool) Meta {
	base := path.Base(f.Path)
	if ps != nil {
		for _, p := range ps.list {
			if m, ok := p.describe(f, base, hasSibling); ok {
				return m
			}
		}
	}
	m := Meta{Profile: "mtime", Start: f.ModTime}
	if start, ok := genericTimestamp(base); ok {
		m.Profile, m.Start = "generic", start
		m.End = plausibleEnd(start, f.ModTime)
	}
	m.Important = underDir(f.Path, []string{"IMPORTANT", "重点"})
	return m
}

func (p profile) describe(f File, base string, hasSibling func(string) bool) (Meta, bool) {
	match := p.re.FindStringSubmatch(base)
	if match == nil {
		return Meta{}, false
	}
	m := Meta{Profile: p.spec.Name}
	for i, name := range p.re.SubexpNames() {
		v := match[i]
		switch name {
		case "serial":
			m.Serial = v
		case "officer":
			m.Officer = v
		case "seq":
			m.Seq, _ = strconv.Atoi(v)
		case "important":
			m.Important = m.Important || v != ""
		case "start":
			t, err := time.ParseInLocation(p.spec.TimeLayout, v, p.zone)
			if err != nil {
				return Meta{}, false // a name that looks right but holds no real time
			}
			m.Start = t
		}
	}
	if m.Start.IsZero() {
		m.Start = f.ModTime
	} else {
		m.End = plausibleEnd(m.Start, f.ModTime)
	}
	m.Important = m.Important || underDir(f.Path, p.spec.ImportantDirs)
	for _, suffix := range p.spec.ImportantSidecars {
		if hasSibling != nil && hasSibling(f.Path+suffix) {
			m.Important = true
		}
	}
	return m, true
}

var genericTime = regexp.MustCompile(`(?:^|[^0-9])(20[0-9]{2})[-_]?([01][0-9])[-_]?([0-3][0-9])[-_T ]?([0-2][0-9])[-_:]?([0-5][0-9])[-_:]?([0-5][0-9])(?:[^0-9]|$)`)

// genericTimestamp finds YYYYMMDD_HHMMSS, YYYYMMDDHHMMSS or
// YYYY-MM-DD_HH-MM-SS in a name, read in Asia/Shanghai time.
func genericTimestamp(name string) (time.Time, bool) {
	m := genericTime.FindStringSubmatch(name)
	if m == nil {
		return time.Time{}, false
	}
	t, err := time.ParseInLocation("20060102150405", m[1]+m[2]+m[3]+m[4]+m[5]+m[6], time.FixedZone("CST", 8*3600))
	if err != nil {
		return time.Time{}, false
	}
	return t, true
}

// plausibleEnd takes the mtime as the recording's end when it falls after
// the start and within maxRecording of it; recorders write the file last
// when the recording stops.
func plausibleEnd(start, mtime time.Time) time.Time {
	if mtime.After(start) && mtime.Sub(start) <= maxRecording {
		return mtime
	}
	return time.Time{}
}

func underDir(p string, dirs []string) bool {
	parts := strings.Split(p, "/")
	for _, part := range parts[:len(parts)-1] {
		for _, d := range dirs {
			if strings.EqualFold(part, d) {
				return true
			}
		}
	}
	return false
}
