package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"lawtrail/casework"
	"lawtrail/evidence"
)

// DocumentRow is a document: its latest draft and its finalized versions.
type DocumentRow struct {
	ID, Case, Template string
	TemplateVersion    int
	Draft              map[string]json.RawMessage // nil when the latest state is finalized
	// DraftContent is the latest draft whole (its step, template version),
	// nil when the latest state is finalized.
	DraftContent *casework.DocumentContent
	Finalized    int
	LastHash     string
	Versions     []DocumentVersion
}

// DocumentVersion is one finalized, signed version.
type DocumentVersion struct {
	Content     casework.DocumentContent
	ContentHash evidence.Digest
	Corrects    string
	Seq         uint64
	SignedBy    string
	At          string
}

// ErrNoDocument is returned for an unknown document id.
var ErrNoDocument = errors.New("no such document")

// Document reads a document with every finalized version.
func (s *Store) Document(ctx context.Context, id string) (DocumentRow, error) {
	d := DocumentRow{ID: id}
	var draft, content sql.NullString
	err := s.db.QueryRowContext(ctx, "SELECT case_id, template, template_version, draft, draft_content, finalized, last_hash FROM documents WHERE id = ?", id).
		Scan(&d.Case, &d.Template, &d.TemplateVersion, &draft, &content, &d.Finalized, &d.LastHash)
	if errors.Is(err, sql.ErrNoRows) {
		return d, fmt.Errorf("document %s: %w", id, ErrNoDocument)
	}
	if err != nil {
		return d, fmt.Errorf("read document %s: %w", id, err)
	}
	if draft.Valid {
		if err := json.Unmarshal([]byte(draft.String), &d.Draft); err != nil {
			return d, fmt.Errorf("document %s draft: %w", id, err)
		}
	}
	if content.Valid {
		d.DraftContent = &casework.DocumentContent{}
		if err := json.Unmarshal([]byte(content.String), d.DraftContent); err != nil {
			return d, fmt.Errorf("document %s draft: %w", id, err)
		}
	}
	rows, err := s.db.QueryContext(ctx, "SELECT content, content_hash, corrects, seq, signed_by, at FROM document_versions WHERE doc = ? ORDER BY version", id)
	if err != nil {
		return d, err
	}
	defer rows.Close()
	for rows.Next() {
		var v DocumentVersion
		var content, hash string
		if err := rows.Scan(&content, &hash, &v.Corrects, &v.Seq, &v.SignedBy, &v.At); err != nil {
			return d, err
		}
		if err := json.Unmarshal([]byte(content), &v.Content); err != nil {
			return d, err
		}
		if v.ContentHash, err = evidence.ParseDigest(hash); err != nil {
			return d, err
		}
		d.Versions = append(d.Versions, v)
	}
	return d, rows.Err()
}

// CaseDocuments lists a case's documents with their versions.
func (s *Store) CaseDocuments(ctx context.Context, caseID string) ([]DocumentRow, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT id FROM documents WHERE case_id = ? ORDER BY updated_at", caseID)
	if err != nil {
		return nil, fmt.Errorf("documents of %s: %w", caseID, err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	var out []DocumentRow
	for _, id := range ids {
		d, err := s.Document(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// SignedAt is the time of the doc.finalized event that fixed the version.
func (v DocumentVersion) SignedAt() (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, v.At)
	if err != nil {
		return t, fmt.Errorf("document %s v%d: signing time %q: %w", v.Content.Doc, v.Content.Version, v.At, err)
	}
	return t, nil
}
