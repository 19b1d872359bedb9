package casework

import (
	"encoding/json"
	"fmt"

	"lawtrail/evidence"
)

// Documents are recorded as events: every draft save is a doc.drafted
// event; finalizing makes an immutable version (doc.finalized) whose
// content hash the officers sign; a correction is a new finalized version
// naming the hash of the one it corrects. Every version stays.

// Event types of documents.
const (
	TypeDocDrafted   = "doc.drafted"
	TypeDocFinalized = "doc.finalized"
)

// DocumentContent is what a finalized version fixes: its hash is printed on
// every page of the paper copy (R2, 纸质文书和电子文书一致).
type DocumentContent struct {
	Doc             string                     `json:"doc"`
	Case            string                     `json:"case"`
	Step            string                     `json:"step,omitempty"` // the step the document records, if any
	Template        string                     `json:"template"`
	TemplateVersion int                        `json:"template_version"`
	Version         int                        `json:"version"`
	Fields          map[string]json.RawMessage `json:"fields"`
}

// Hash is the SHA-256 of the content's canonical JSON (Go's encoding: keys
// in order, no whitespace).
func (c DocumentContent) Hash() (evidence.Digest, error) {
	raw, err := json.Marshal(c)
	if err != nil {
		return evidence.Digest{}, fmt.Errorf("document %s: %w", c.Doc, err)
	}
	return evidence.Sum(raw), nil
}

// DocDrafted saves a draft.
type DocDrafted struct {
	DocumentContent
}

// DocFinalized fixes a version; Corrects names the version it replaces.
type DocFinalized struct {
	DocumentContent
	ContentHash evidence.Digest  `json:"content_hash"`
	Corrects    *evidence.Digest `json:"corrects,omitempty"`
}

func (DocDrafted) EventType() string   { return TypeDocDrafted }
func (DocFinalized) EventType() string { return TypeDocFinalized }

func (c DocumentContent) validate() error {
	if c.TemplateVersion < 1 || c.Version < 1 {
		return fmt.Errorf("document %s: template version and version start at 1", c.Doc)
	}
	if c.Fields == nil {
		return fmt.Errorf("document %s: no fields", c.Doc)
	}
	if c.Step != "" {
		if err := checkID("step", c.Step); err != nil {
			return err
		}
	}
	return firstError(checkID("document", c.Doc), checkID("case", c.Case), checkID("template", c.Template))
}

// Validate checks the payload on its own.
func (p DocDrafted) Validate() error { return p.DocumentContent.validate() }

// Validate checks the payload on its own, including that the content hash
// is the hash of the content.
func (p DocFinalized) Validate() error {
	if err := p.DocumentContent.validate(); err != nil {
		return err
	}
	h, err := p.DocumentContent.Hash()
	if err != nil {
		return err
	}
	if h != p.ContentHash {
		return fmt.Errorf("document %s: content hash %s does not match the content (%s)", p.Doc, p.ContentHash, h)
	}
	return nil
}

// DocumentRecord is what the record holds about a document.
type DocumentRecord struct {
	Case      string
	Finalized int             // finalized versions so far
	LastHash  evidence.Digest // content hash of the latest finalized version
	// Draft is the draft being worked on, if any (nil once finalized).
	Draft *DocumentContent
}
