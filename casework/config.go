package casework

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"reflect"
	"slices"
	"strings"
	"unicode/utf8"
)

// Agency configuration as signed data. Templates, the AV matters list, holiday
// patches and recorder profiles are bundled with lawtrail; an admin of the
// agency publishes newer versions as config.published events, which the hub
// relays to every terminal of the agency. A terminal's configuration in force
// is the bundled one overlaid by the latest published version of each kind.

// TypeConfigPublished records a version of one kind of agency configuration.
const TypeConfigPublished = "config.published"

// ConfigKind is one kind of agency configuration.
type ConfigKind string

// The kinds of configuration an agency publishes.
const (
	ConfigTemplates        ConfigKind = "templates"         // a JSON list of document templates (ParseTemplateSet)
	ConfigAVMatters        ConfigKind = "av_matters"        // the AV matters list (ParseAVMatters)
	ConfigHolidays         ConfigKind = "holidays"          // a holiday patch (ParseHolidays)
	ConfigRecorderProfiles ConfigKind = "recorder_profiles" // recorder file-name profiles (device.ParseProfiles)
	ConfigMajorList        ConfigKind = "major_list"        // the list of major decisions and review policy (ParseMajorList)
)

// ConfigKinds lists every kind, in the order they are shown.
var ConfigKinds = []ConfigKind{ConfigTemplates, ConfigAVMatters, ConfigHolidays, ConfigRecorderProfiles, ConfigMajorList, ConfigRetention}

// MaxConfigContent bounds a published file: it travels inside one event
// body (at most 1 MiB, base64 makes it 4/3 larger).
const MaxConfigContent = 512 << 10

// ConfigPublished is one published version of a kind of configuration: the
// file itself, byte for byte, with the version (climbing per kind) and a note.
type ConfigPublished struct {
	Kind    ConfigKind `json:"kind"`
	Version int        `json:"version"`
	Content []byte     `json:"content"`
	Note    string     `json:"note,omitempty"`
}

// EventType names the payload's event type.
func (ConfigPublished) EventType() string { return TypeConfigPublished }

// Validate checks the payload on its own: a known kind, a version, a file of
// bounded size that its kind's parser accepts (recorder profiles: well-formed
// JSON here; the profile parser runs in the rules, see Config.CheckProfiles).
func (p ConfigPublished) Validate() error {
	if !slices.Contains(ConfigKinds, p.Kind) {
		return fmt.Errorf("configuration: unknown kind %q (one of %v)", p.Kind, ConfigKinds)
	}
	if p.Version < 1 {
		return fmt.Errorf("configuration %s: version %d, want 1 or more", p.Kind, p.Version)
	}
	if len(p.Content) == 0 || len(p.Content) > MaxConfigContent {
		return fmt.Errorf("configuration %s: %d bytes of content, want 1 to %d", p.Kind, len(p.Content), MaxConfigContent)
	}
	if utf8.RuneCountInString(p.Note) > 500 || strings.ContainsRune(p.Note, 0) {
		return fmt.Errorf("configuration %s: note longer than 500 characters or with a NUL", p.Kind)
	}
	_, err := ParseConfigContent(p.Kind, p.Content)
	return err
}

// ParseConfigContent reads a published file of kind: a Templates,
// an AVMatters, a Calendar, or (recorder profiles) the bytes, checked to be
// one JSON value.
func ParseConfigContent(kind ConfigKind, raw []byte) (any, error) {
	switch kind {
	case ConfigTemplates:
		return ParseTemplateSet(raw)
	case ConfigAVMatters:
		return ParseAVMatters(raw)
	case ConfigHolidays:
		return ParseHolidays(raw)
	case ConfigMajorList:
		return ParseMajorList(raw)
	case ConfigRetention:
		return ParseRetention(raw) // retention.go
	case ConfigRecorderProfiles:
		if !json.Valid(raw) {
			return nil, fmt.Errorf("recorder profiles: not a JSON value")
		}
		return raw, nil
	}
	return nil, fmt.Errorf("configuration: unknown kind %q", kind)
}

// ParseTemplateSet reads a JSON list of templates, each as ParseTemplate
// reads a template file; ids must be unique, at most MaxTemplates.
func ParseTemplateSet(raw []byte) (Templates, error) {
	var list []json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&list); err != nil {
		return nil, fmt.Errorf("templates: a JSON list of templates: %w", err)
	}
	if dec.More() {
		return nil, errors.New("templates: data after the list")
	}
	if len(list) == 0 || len(list) > MaxTemplates {
		return nil, fmt.Errorf("templates: %d templates, want 1 to %d", len(list), MaxTemplates)
	}
	ts := Templates{}
	for i, r := range list {
		t, err := ParseTemplate(fmt.Sprintf("#%d", i+1), r)
		if err != nil {
			return nil, err
		}
		if ts[t.ID] != nil {
			return nil, fmt.Errorf("templates: id %q given twice", t.ID)
		}
		ts[t.ID] = t
	}
	return ts, nil
}

// Published is what the record holds of one kind's latest published
// version: who published it, where, when.
type Published struct {
	Kind     ConfigKind
	Version  int
	Note     string
	Actor    string
	Terminal string
	Seq      uint64
	At       string // the event's time, RFC 3339
	Content  []byte
}

// Overlay returns the configuration in force: base (the bundled one) with
// each published version in place of its kind — templates by id over the
// bundled ones, the other kinds whole. base is not changed.
func Overlay(base *Config, published []Published) (*Config, error) {
	if base == nil {
		base = &Config{}
	}
	cfg := *base
	cfg.Versions = map[ConfigKind]int{}
	for _, p := range published {
		v, err := ParseConfigContent(p.Kind, p.Content)
		if err != nil {
			return nil, fmt.Errorf("published %s version %d: %w", p.Kind, p.Version, err)
		}
		switch v := v.(type) {
		case Templates:
			ts := make(Templates, len(base.Templates)+len(v))
			for id, t := range base.Templates {
				ts[id] = t
			}
			for id, t := range v {
				ts[id] = t
			}
			cfg.Templates = ts
		case AVMatters:
			cfg.AVMatters = v
		case Calendar:
			cfg.Calendar = v
		case []byte:
			cfg.RecorderProfiles = v
		case *MajorList:
			cfg.MajorList = v
		case *RetentionPolicy:
			cfg.Retention = v
		}
		cfg.Versions[p.Kind] = p.Version
	}
	return &cfg, nil
}

// checkConfig: an admin publishes a version above the one in force, whose
// content its kind's parser accepts; a template that changes one in force
// carries a higher template version (documents name template and version).
func checkConfig(st State, p *ConfigPublished) error {
	cfg := st.Config()
	if cfg == nil {
		return refuse(nil, "configuration %s: no configuration is known here, so a new version cannot be judged", p.Kind)
	}
	if cur := cfg.Versions[p.Kind]; p.Version <= cur {
		return refuse(nil, "configuration %s: version %d is not above the version in force (%d)", p.Kind, p.Version, cur)
	}
	switch p.Kind {
	case ConfigTemplates:
		ts, err := ParseTemplateSet(p.Content)
		if err != nil {
			return refuse(nil, "%v", err)
		}
		for _, t := range ts.Sorted() {
			old := cfg.Templates[t.ID]
			if old != nil && !reflect.DeepEqual(old, t) && t.Version <= old.Version {
				return refuse(nil, "template %s: it changes version %d in force, so its version must be above %d, not %d",
					t.ID, old.Version, old.Version, t.Version)
			}
		}
	case ConfigRecorderProfiles:
		if cfg.CheckProfiles != nil {
			if err := cfg.CheckProfiles(p.Content); err != nil {
				return refuse(nil, "%v", err)
			}
		}
	}
	return nil
}

// Bundled is the configuration files lawtrail ships (package assets), as
// read from the binary: the document templates in a folder of fsys, the
// AV matters list and the list of major decisions.
type Bundled struct {
	Templates   fs.FS
	TemplateDir string
	AVMatters   []byte
	MajorList   []byte
	Retention   []byte // the retention policy; nil: none (Config.Retention stays nil)
}

// Load parses the bundled files into the configuration every terminal and
// the hub use for an agency until it publishes its own. Terminals and the
// hub call this one function, so both read the same bundle the same way.
func (b Bundled) Load() (*Config, error) {
	ts, err := LoadTemplates(b.Templates, b.TemplateDir)
	if err != nil {
		return nil, fmt.Errorf("bundled templates: %w", err)
	}
	m, err := ParseAVMatters(b.AVMatters)
	if err != nil {
		return nil, fmt.Errorf("bundled AV matters list: %w", err)
	}
	major, err := ParseMajorList(b.MajorList)
	if err != nil {
		return nil, fmt.Errorf("bundled list of major decisions: %w", err)
	}
	cfg := &Config{Templates: ts, AVMatters: m, MajorList: major}
	if b.Retention != nil {
		if cfg.Retention, err = ParseRetention(b.Retention); err != nil {
			return nil, fmt.Errorf("bundled retention policy: %w", err)
		}
	}
	return cfg, nil
}
