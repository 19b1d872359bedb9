package terminal

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"lawtrail/casework"
	"lawtrail/device"
	"lawtrail/store"
)

// Agency configuration: an admin publishes a file (templates, the AV matters
// list, a holiday patch, recorder profiles) as a signed config.published; the
// hub relays it to the agency's other terminals; every terminal then works
// with the bundled configuration overlaid by the latest published version of
// each kind (store/config.go).

// ConfigFile is a configuration file about to be published.
type ConfigFile struct {
	Kind    casework.ConfigKind // "" to tell it from the content
	Content []byte              // the file, at most casework.MaxConfigContent bytes
	Note    string
}

// ErrConfigKind is a file whose kind cannot be told from its content.
var ErrConfigKind = errors.New("cannot tell which kind of configuration this file is")

// PublishConfig publishes a configuration file as the next version of its
// kind, signed by the session officer (an admin: the rule runs at append,
// with the content's parser and the version check). A single template (a
// JSON object) joins the templates the agency has published, replacing the
// one with its id; a list of templates replaces them all.
func (s *Session) PublishConfig(ctx context.Context, f ConfigFile) (casework.ConfigPublished, error) {
	var p casework.ConfigPublished
	if len(f.Content) > casework.MaxConfigContent {
		return p, badInput("the file is %d bytes; a configuration file is at most %d", len(f.Content), casework.MaxConfigContent)
	}
	kind := f.Kind
	if kind == "" {
		var err error
		if kind, err = KindOf(f.Content); err != nil {
			return p, err
		}
	}
	if !slices.Contains(casework.ConfigKinds, kind) {
		return p, badInput("unknown configuration kind %q (one of %v)", kind, casework.ConfigKinds)
	}
	content := f.Content
	if kind == casework.ConfigTemplates && isObject(content) {
		merged, err := s.withTemplate(ctx, content)
		if err != nil {
			return p, err
		}
		content = merged
	}
	cfg, err := s.st.Config(ctx)
	if err != nil {
		return p, err
	}
	version := 1
	if cfg != nil {
		version = cfg.Versions[kind] + 1
	}
	p = casework.ConfigPublished{Kind: kind, Version: version, Content: content, Note: strings.TrimSpace(f.Note)}
	if err := p.Validate(); err != nil {
		return p, fmt.Errorf("%w: %w", ErrBadInput, err)
	}
	_, err = s.append(ctx, store.Draft{Payload: &p})
	return p, err
}

// KindOf tells a configuration file's kind from its shape: a template or a
// list of templates, an AV matters list ("mandatory"), a holiday patch
// ("days"), recorder profiles ("profiles"), the list of major decisions
// ("criteria"), the retention policy ("unlinked_footage_months").
func KindOf(content []byte) (casework.ConfigKind, error) {
	trimmed := bytes.TrimSpace(content)
	if len(trimmed) > 0 && trimmed[0] == '[' {
		return casework.ConfigTemplates, nil
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(trimmed, &keys); err != nil {
		return "", fmt.Errorf("%w: %w: not a JSON object or list: %v", ErrBadInput, ErrConfigKind, err)
	}
	switch {
	case keys["sections"] != nil:
		return casework.ConfigTemplates, nil
	case keys["mandatory"] != nil:
		return casework.ConfigAVMatters, nil
	case keys["days"] != nil:
		return casework.ConfigHolidays, nil
	case keys["profiles"] != nil:
		return casework.ConfigRecorderProfiles, nil
	case keys["criteria"] != nil:
		return casework.ConfigMajorList, nil
	case keys["unlinked_footage_months"] != nil:
		return casework.ConfigRetention, nil
	}
	return "", fmt.Errorf("%w: %w (give the kind: one of %v)", ErrBadInput, ErrConfigKind, casework.ConfigKinds)
}

func isObject(content []byte) bool {
	t := bytes.TrimSpace(content)
	return len(t) > 0 && t[0] == '{'
}

// withTemplate is the agency's published templates with one template added
// or replaced by id: the content of the next templates version.
func (s *Session) withTemplate(ctx context.Context, raw []byte) ([]byte, error) {
	t, err := casework.ParseTemplate("the file", raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadInput, err)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, raw); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadInput, err)
	}
	list := []json.RawMessage{compact.Bytes()}
	published, err := s.st.PublishedConfigs(ctx)
	if err != nil {
		return nil, err
	}
	for _, p := range published {
		if p.Kind != casework.ConfigTemplates {
			continue
		}
		var old []json.RawMessage
		if err := json.Unmarshal(p.Content, &old); err != nil {
			return nil, fmt.Errorf("published templates version %d: %w", p.Version, err)
		}
		for i, r := range old {
			ot, err := casework.ParseTemplate(fmt.Sprintf("#%d", i+1), r)
			if err != nil {
				return nil, fmt.Errorf("published templates version %d: %w", p.Version, err)
			}
			if ot.ID != t.ID {
				list = append(list, r)
			}
		}
	}
	return json.Marshal(list)
}

// ConfigState is what is in force for one kind of configuration.
type ConfigState struct {
	Kind      casework.ConfigKind `json:"kind"`
	Published bool                `json:"published"`          // false: the bundled file
	Version   int                 `json:"version,omitempty"`  // the published version
	Note      string              `json:"note,omitempty"`     // why, as the admin wrote it
	Officer   string              `json:"officer,omitempty"`  // the admin who published it
	Terminal  string              `json:"terminal,omitempty"` // where it was recorded
	At        string              `json:"at,omitempty"`       // when
	Bytes     int                 `json:"bytes,omitempty"`    // its size
	Templates []string            `json:"templates,omitempty"`
}

// ConfigInForce says, per kind, whether the bundled file or a published
// version is in force, and whose.
func (t *Terminal) ConfigInForce(ctx context.Context) ([]ConfigState, error) {
	published, err := t.st.PublishedConfigs(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]ConfigState, len(casework.ConfigKinds))
	for i, k := range casework.ConfigKinds {
		out[i] = ConfigState{Kind: k}
		for _, p := range published {
			if p.Kind == k {
				out[i] = ConfigState{Kind: k, Published: true, Version: p.Version, Note: p.Note, Officer: p.Actor,
					Terminal: p.Terminal, At: p.At, Bytes: len(p.Content)}
			}
		}
	}
	if cfg := t.Config(); cfg != nil {
		for _, tp := range cfg.Templates.Sorted() {
			out[0].Templates = append(out[0].Templates, fmt.Sprintf("%s v%d", tp.ID, tp.Version))
		}
	}
	return out, nil
}

// checkProfiles judges a published recorder profiles file with the device
// layer's parser (casework does not import device).
func checkProfiles(raw []byte) error {
	_, err := device.ParseProfiles(raw)
	return err
}

// RecorderProfiles are the recorder file-name profiles in force: the
// agency's published version, else the bundled file.
func (t *Terminal) RecorderProfiles() (*device.Profiles, error) {
	cfg := t.Config()
	if cfg == nil || cfg.RecorderProfiles == nil {
		return BundledRecorderProfiles()
	}
	ps, err := device.ParseProfiles(cfg.RecorderProfiles)
	if err != nil {
		return nil, fmt.Errorf("recorder profiles in force (published version %d): %w", cfg.Versions[casework.ConfigRecorderProfiles], err)
	}
	return ps, nil
}
