package casework

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// Enforcement documents (文书, R2) are filled from templates that are data:
// assets/templates/*.json, one per document type, loaded and validated at
// start. Agencies add or change them without code.

// FieldType is the kind of value a template field holds.
type FieldType string

// The field types a template may use.
const (
	FieldText      FieldType = "text"
	FieldLongText  FieldType = "longtext"
	FieldDateTime  FieldType = "datetime"  // "2006-01-02 15:04" or RFC 3339
	FieldParty     FieldType = "party"     // {"name", "id_no", "address", "legal_rep", "phone"}
	FieldOfficers  FieldType = "officers"  // [{"name", "id", "credential"}]
	FieldMoney     FieldType = "money"     // yuan, up to two decimals: 12000 or "12000.50"
	FieldItems     FieldType = "items"     // [{"name", "spec", "quantity", "condition", "location"}]
	FieldChoice    FieldType = "choice"    // one of the field's options
	FieldConfirm   FieldType = "confirm"   // true; a required confirmation must be true
	FieldQA        FieldType = "qa"        // [{"q", "a"}]
	FieldSignature FieldType = "signature" // {"signer", "strokes": [[x, y, …]]} or {"refused": reason, "witness"}
	FieldDecision  FieldType = "decision"  // the proposed decision (decision.go): {"act", "party_kind", "penalties", …}
)

var fieldTypes = []FieldType{FieldText, FieldLongText, FieldDateTime, FieldParty, FieldOfficers, FieldMoney,
	FieldItems, FieldChoice, FieldConfirm, FieldQA, FieldSignature, FieldDecision}

// TemplateField is one field of a template.
type TemplateField struct {
	Key      string    `json:"key"`
	Label    string    `json:"label"`
	Type     FieldType `json:"type"`
	Required bool      `json:"required,omitempty"`
	Options  []string  `json:"options,omitempty"`
}

// TemplateSection groups fields under a heading, in order.
type TemplateSection struct {
	Title  string          `json:"title"`
	Fields []TemplateField `json:"fields"`
}

// Template is a document type.
type Template struct {
	Version  int               `json:"version"`
	ID       string            `json:"id"`
	Name     string            `json:"name"`
	NameEn   string            `json:"name_en"`
	OnSite   bool              `json:"on_site"` // an on-site act: at least two officers (行政处罚法 Art. 42)
	Sections []TemplateSection `json:"sections"`
}

var keyPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,40}$`)

// ParseTemplate reads one template file; errors name the file and field.
func ParseTemplate(file string, raw []byte) (*Template, error) {
	var t Template
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&t); err != nil {
		return nil, fmt.Errorf("template %s: %w", file, err)
	}
	bad := func(format string, args ...any) (*Template, error) {
		return nil, fmt.Errorf("template %s: %s", file, fmt.Sprintf(format, args...))
	}
	switch {
	case t.Version < 1:
		return bad("version %d", t.Version)
	case checkID("template id", t.ID) != nil:
		return bad("id %q is not a valid id", t.ID)
	case strings.TrimSpace(t.Name) == "":
		return bad("no name")
	case len(t.Sections) == 0:
		return bad("no sections")
	}
	seen := map[string]bool{}
	for _, s := range t.Sections {
		for _, f := range s.Fields {
			switch {
			case !keyPattern.MatchString(f.Key):
				return bad("field %q: key must be lowercase letters, digits and _", f.Key)
			case seen[f.Key]:
				return bad("field %q: defined twice", f.Key)
			case !slices.Contains(fieldTypes, f.Type):
				return bad("field %q: unknown type %q", f.Key, f.Type)
			case f.Type == FieldChoice && len(f.Options) == 0:
				return bad("field %q: a choice needs options", f.Key)
			case strings.TrimSpace(f.Label) == "":
				return bad("field %q: no label", f.Key)
			}
			seen[f.Key] = true
		}
	}
	return &t, nil
}

// Templates are the loaded document types by id.
type Templates map[string]*Template

// Limits on agency-supplied templates: a form is a few KiB of JSON, an
// agency has tens of forms.
const (
	MaxTemplateBytes = 1 << 20
	MaxTemplates     = 256
)

// LoadTemplates reads every *.json in dir of fsys, refusing a file over
// MaxTemplateBytes and a folder of more than MaxTemplates.
func LoadTemplates(fsys fs.FS, dir string) (Templates, error) {
	files, err := fs.Glob(fsys, path.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	if len(files) > MaxTemplates {
		return nil, fmt.Errorf("templates: %d files in %s, more than %d", len(files), dir, MaxTemplates)
	}
	ts := Templates{}
	for _, f := range files {
		raw, err := readTemplate(fsys, f)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", f, err)
		}
		t, err := ParseTemplate(path.Base(f), raw)
		if err != nil {
			return nil, err
		}
		if ts[t.ID] != nil {
			return nil, fmt.Errorf("template %s: id %q used twice", path.Base(f), t.ID)
		}
		ts[t.ID] = t
	}
	return ts, nil
}

// readTemplate reads one template file of at most MaxTemplateBytes.
func readTemplate(fsys fs.FS, name string) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, MaxTemplateBytes+1))
	if err != nil {
		return nil, err
	}
	if len(raw) > MaxTemplateBytes {
		return nil, fmt.Errorf("larger than %d bytes", MaxTemplateBytes)
	}
	return raw, nil
}

// Sorted lists the templates by id.
func (ts Templates) Sorted() []*Template {
	var out []*Template
	for _, t := range ts {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Fields lists every field in order.
func (t *Template) Fields() []TemplateField {
	var out []TemplateField
	for _, s := range t.Sections {
		out = append(out, s.Fields...)
	}
	return out
}

// FieldError is one problem with a filled document.
type FieldError struct {
	Key, Problem string
}

func (e FieldError) Error() string { return e.Key + ": " + e.Problem }

// Check validates filled values against the template: every required field
// present and well-formed, no unknown fields, at least two officers with
// credential numbers on on-site acts (行政处罚法 Art. 42), required
// confirmations ("credential shown", "rights explained") true. draft
// relaxes only the required-ness: what is there must still be well-formed.
func (t *Template) Check(values map[string]json.RawMessage, draft bool) []FieldError {
	var errs []FieldError
	known := map[string]bool{}
	for _, f := range t.Fields() {
		known[f.Key] = true
		raw, ok := values[f.Key]
		if !ok || string(raw) == "null" {
			if f.Required && !draft {
				errs = append(errs, FieldError{f.Key, "required"})
			}
			continue
		}
		if p := checkValue(t, f, raw, draft); p != "" {
			errs = append(errs, FieldError{f.Key, p})
		}
	}
	for k := range values {
		if !known[k] {
			errs = append(errs, FieldError{k, "not a field of " + t.ID})
		}
	}
	sort.Slice(errs, func(i, j int) bool { return errs[i].Key < errs[j].Key })
	return errs
}

func checkValue(t *Template, f TemplateField, raw json.RawMessage, draft bool) string {
	switch f.Type {
	case FieldText, FieldLongText:
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return "not text"
		}
		max := 500
		if f.Type == FieldLongText {
			max = 20000
		}
		if utf8.RuneCountInString(s) > max {
			return fmt.Sprintf("longer than %d characters", max)
		}
		if f.Required && !draft && strings.TrimSpace(s) == "" {
			return "required"
		}
	case FieldDateTime:
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return "not a date-time"
		}
		if _, err := time.ParseInLocation("2006-01-02 15:04", s, Shanghai); err != nil {
			if _, err := time.Parse(time.RFC3339, s); err != nil {
				return "date-time as 2006-01-02 15:04 or RFC 3339"
			}
		}
	case FieldMoney:
		if !moneyPattern.MatchString(strings.Trim(string(raw), `"`)) {
			return "amount in yuan with at most two decimals"
		}
	case FieldChoice:
		var s string
		if json.Unmarshal(raw, &s) != nil || !slices.Contains(f.Options, s) {
			return "one of " + strings.Join(f.Options, ", ")
		}
	case FieldConfirm:
		var b bool
		if json.Unmarshal(raw, &b) != nil {
			return "true or false"
		}
		if f.Required && !draft && !b {
			return "must be confirmed"
		}
	case FieldParty:
		var p struct {
			Name, IDNo, Address, LegalRep, Phone string
		}
		if strictDecode(raw, &p, "name", "id_no", "address", "legal_rep", "phone") != nil {
			return "a party: name, id_no, address, legal_rep, phone"
		}
		if strings.TrimSpace(p.Name) == "" && !draft {
			return "the party's name is required"
		}
	case FieldOfficers:
		return checkOfficers(t, raw, draft)
	case FieldItems:
		return checkList(raw, draft, f.Required, []string{"name", "spec", "quantity", "condition", "location"}, []string{"name", "quantity"})
	case FieldQA:
		return checkList(raw, draft, f.Required, []string{"q", "a"}, []string{"q", "a"})
	case FieldSignature:
		return checkSignature(raw, draft)
	case FieldDecision:
		if _, err := ParseDecision(raw); err != nil {
			return err.Error()
		}
	}
	return ""
}

var moneyPattern = regexp.MustCompile(`^(0|[1-9][0-9]{0,11})(\.[0-9]{1,2})?$`)

func checkOfficers(t *Template, raw json.RawMessage, draft bool) string {
	var list []map[string]string
	if json.Unmarshal(raw, &list) != nil {
		return `a list of {"name", "id", "credential"}`
	}
	for i, o := range list {
		for k := range o {
			if k != "name" && k != "id" && k != "credential" {
				return fmt.Sprintf("officer %d: unknown key %q", i+1, k)
			}
		}
		if !draft && (strings.TrimSpace(o["name"]) == "" || strings.TrimSpace(o["credential"]) == "") {
			return fmt.Sprintf("officer %d: name and credential number are required", i+1)
		}
	}
	if t.OnSite && !draft && len(list) < 2 {
		return "at least two officers with credential numbers (行政处罚法第四十二条)"
	}
	return ""
}

func checkList(raw json.RawMessage, draft, required bool, keys, must []string) string {
	var list []map[string]json.RawMessage
	if json.Unmarshal(raw, &list) != nil {
		return "a list of {" + strings.Join(keys, ", ") + "}"
	}
	if required && !draft && len(list) == 0 {
		return "at least one entry"
	}
	for i, e := range list {
		for k := range e {
			if !slices.Contains(keys, k) {
				return fmt.Sprintf("entry %d: unknown key %q", i+1, k)
			}
		}
		if draft {
			continue
		}
		for _, k := range must {
			var s string
			if v, ok := e[k]; !ok || (json.Unmarshal(v, &s) == nil && strings.TrimSpace(s) == "") {
				return fmt.Sprintf("entry %d: %s is required", i+1, k)
			}
		}
	}
	return ""
}

func checkSignature(raw json.RawMessage, draft bool) string {
	var s struct {
		Signer  string      `json:"signer"`
		Strokes [][]float64 `json:"strokes"`
		Refused string      `json:"refused"`
		Witness string      `json:"witness"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if dec.Decode(&s) != nil {
		return `a signature: {"signer", "strokes"} or {"refused", "witness"}`
	}
	switch {
	case draft:
	case s.Refused != "" && strings.TrimSpace(s.Witness) == "":
		return "a refusal to sign needs a witness"
	case s.Refused == "" && (s.Signer == "" || len(s.Strokes) == 0):
		return "signer and strokes are required"
	}
	for i, st := range s.Strokes {
		if len(st)%2 != 0 || len(st) > 20000 {
			return fmt.Sprintf("stroke %d: x, y pairs (at most 10,000 points)", i+1)
		}
	}
	return ""
}

func strictDecode(raw json.RawMessage, v *struct{ Name, IDNo, Address, LegalRep, Phone string }, keys ...string) error {
	var m map[string]string
	if err := json.Unmarshal(raw, &m); err != nil {
		return err
	}
	for k := range m {
		if !slices.Contains(keys, k) {
			return fmt.Errorf("unknown key %q", k)
		}
	}
	v.Name, v.IDNo, v.Address, v.LegalRep, v.Phone = m["name"], m["id_no"], m["address"], m["legal_rep"], m["phone"]
	return nil
}

// FieldErrors is every problem a template found in a document's values.
type FieldErrors []FieldError

func (fe FieldErrors) Error() string {
	parts := make([]string, len(fe))
	for i, e := range fe {
		parts[i] = e.Error()
	}
	return "fields: " + strings.Join(parts, "; ")
}

// NamedOfficer is one entry of a document's officers field.
type NamedOfficer struct {
	Name       string `json:"name"`
	ID         string `json:"id"`
	Credential string `json:"credential"`
}

// NamedOfficers returns the officers a document's values name in the
// template's officers fields; each must carry the officer's id.
func (t *Template) NamedOfficers(values map[string]json.RawMessage) ([]NamedOfficer, error) {
	var out []NamedOfficer
	for _, f := range t.Fields() {
		if f.Type != FieldOfficers || values[f.Key] == nil {
			continue
		}
		var list []NamedOfficer
		if err := json.Unmarshal(values[f.Key], &list); err != nil {
			return nil, fmt.Errorf("%s: %w", f.Key, err)
		}
		for i, o := range list {
			if strings.TrimSpace(o.ID) == "" {
				return nil, fmt.Errorf("%s: officer %d (%s) carries no officer id: pick enrolled officers", f.Key, i+1, o.Name)
			}
		}
		out = append(out, list...)
	}
	return out, nil
}
