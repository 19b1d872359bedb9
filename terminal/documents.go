package terminal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"lawtrail/casework"
	"lawtrail/evidence"
	"lawtrail/store"
)

// DocumentDraft is a document's values being filled. Doc empty starts a new
// document of Template in Case.
type DocumentDraft struct {
	Doc, Case, Step, Template string
	Fields                    map[string]json.RawMessage
}

// content builds what the next version of a document would fix.
func (s *Session) content(ctx context.Context, d DocumentDraft) (casework.DocumentContent, *evidence.Digest, error) {
	t := s.Config().Templates[d.Template]
	if t == nil {
		return casework.DocumentContent{}, nil, badInput("no template %q", d.Template)
	}
	c := casework.DocumentContent{Doc: d.Doc, Case: d.Case, Step: d.Step, Template: t.ID, TemplateVersion: t.Version,
		Version: 1, Fields: d.Fields}
	if c.Fields == nil {
		c.Fields = map[string]json.RawMessage{}
	}
	if c.Doc == "" {
		c.Doc = newID("d")
		return c, nil, nil
	}
	row, err := s.st.Document(ctx, c.Doc)
	if errors.Is(err, store.ErrNoDocument) {
		return c, nil, nil
	}
	if err != nil {
		return c, nil, err
	}
	if row.Case != d.Case || row.Template != d.Template {
		return c, nil, badInput("document %s is a %s of case %s", row.ID, row.Template, row.Case)
	}
	c.Version = row.Finalized + 1
	if row.Finalized == 0 {
		return c, nil, nil
	}
	last, err := evidence.ParseDigest(row.LastHash)
	if err != nil {
		return c, nil, fmt.Errorf("document %s: %w", row.ID, err)
	}
	return c, &last, nil
}

// SaveDraft records the values being filled as a draft of the next version.
// A draft may be incomplete; the template's checks for drafts still apply.
func (s *Session) SaveDraft(ctx context.Context, d DocumentDraft) (casework.DocumentContent, error) {
	c, _, err := s.content(ctx, d)
	if err != nil {
		return c, err
	}
	if errs := s.Config().Templates[c.Template].Check(c.Fields, true); len(errs) > 0 {
		return c, casework.FieldErrors(errs)
	}
	_, err = s.append(ctx, store.Draft{Payload: &casework.DocDrafted{DocumentContent: c}})
	return c, err
}

// Finalized is a version just fixed.
type Finalized struct {
	Content casework.DocumentContent
	Hash    evidence.Digest
}

// FinalizeDocument fixes the values as the document's next version, in one
// transaction with the draft they come from: signed by the terminal,
// co-signed by the session officer and every witness (each officer the
// document names as present, for an on-site act). The template's checks,
// the officers named and their signatures are judged at append.
func (s *Session) FinalizeDocument(ctx context.Context, d DocumentDraft, witnesses []Witness) (Finalized, error) {
	return s.finalize(ctx, d, witnesses, true)
}

func (s *Session) finalize(ctx context.Context, d DocumentDraft, witnesses []Witness, saveDraft bool) (Finalized, error) {
	c, corrects, err := s.content(ctx, d)
	if err != nil {
		return Finalized{}, err
	}
	if errs := s.Config().Templates[c.Template].Check(c.Fields, false); len(errs) > 0 {
		return Finalized{}, casework.FieldErrors(errs)
	}
	hash, err := c.Hash()
	if err != nil {
		return Finalized{}, err
	}
	cosigners, err := s.cosigners(ctx, witnesses)
	if err != nil {
		return Finalized{}, err
	}
	final := store.Draft{Payload: &casework.DocFinalized{DocumentContent: c, ContentHash: hash, Corrects: corrects}, CoSigners: cosigners}
	drafts := []store.Draft{final}
	if saveDraft {
		drafts = []store.Draft{{Payload: &casework.DocDrafted{DocumentContent: c}}, final}
	}
	_, err = s.append(ctx, drafts...)
	return Finalized{Content: c, Hash: hash}, err
}

// FinalizeLatestDraft fixes a document's latest saved draft (what a script
// prepared with SaveDraft) as its next version.
func (s *Session) FinalizeLatestDraft(ctx context.Context, doc string, witnesses []Witness) (Finalized, error) {
	row, err := s.st.Document(ctx, doc)
	if err != nil {
		return Finalized{}, err
	}
	if row.Draft == nil {
		return Finalized{}, badInput("document %s has no draft since its last version", doc)
	}
	step := ""
	if row.DraftContent != nil {
		step = row.DraftContent.Step
	}
	return s.finalize(ctx, DocumentDraft{Doc: row.ID, Case: row.Case, Step: step, Template: row.Template, Fields: row.Draft}, witnesses, false)
}
