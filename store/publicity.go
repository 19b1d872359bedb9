package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"lawtrail/casework"
	"lawtrail/evidence"
)

// Publicity's projection (migration 0015): every publication, withdrawn or
// not, and what the rules of publicity read from it and from the
// documents' finalized versions.

// projectPublicity applies one event of publicity to the projection.
func projectPublicity(ctx context.Context, tx *sql.Tx, body evidence.Body, p casework.Payload, at string) error {
	switch p := p.(type) {
	case *casework.PublicityPublished:
		text, err := json.Marshal(p.Text)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO publications (id, case_id, doc, doc_version, doc_hash, act, party_kind, decided, due,
			text, note, published_by, published_at, publish_terminal, publish_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			p.Publication, p.Case, p.Doc, p.DocVersion, p.DocHash.String(), string(p.Act), string(p.PartyKind), p.Decided, p.Due,
			string(text), p.Note, body.Actor, at, body.Terminal, body.Seq)
		return err
	case *casework.PublicityWithdrawn:
		_, err := tx.ExecContext(ctx, `UPDATE publications SET withdrawn_code = ?, withdraw_reason = ?, withdrawn_by = ?, withdrawn_at = ?
			WHERE id = ? AND withdrawn_code = ''`, string(p.Code), p.Reason, body.Actor, at, p.Publication)
		return err
	}
	return nil
}

// publicationCase is the case a publication belongs to ("" when unknown).
func publicationCase(ctx context.Context, q queryRower, id string) (string, error) {
	var c string
	err := q.QueryRowContext(ctx, "SELECT case_id FROM publications WHERE id = ?", id).Scan(&c)
	return c, notFoundIsNil(err)
}

// Publication is one publication as the record holds it.
type Publication struct {
	casework.PublicityPublished
	PublishedBy    string
	PublishedAt    time.Time
	Terminal       string
	Seq            uint64
	WithdrawnCode  casework.WithdrawCode // "" while in force
	WithdrawReason string
	WithdrawnBy    string
	WithdrawnAt    time.Time
}

// Withdrawn reports whether the publication was withdrawn.
func (p Publication) Withdrawn() bool { return p.WithdrawnCode != "" }

// Late reports whether it was published after its due day.
func (p Publication) Late() bool {
	return p.PublishedAt.In(casework.Shanghai).Format(time.DateOnly) > p.Due
}

const publicationColumns = `id, case_id, doc, doc_version, doc_hash, act, party_kind, decided, due, text, note, published_by,
	published_at, publish_terminal, publish_seq, withdrawn_code, withdraw_reason, withdrawn_by, withdrawn_at`

func scanPublication(row rowScanner) (Publication, error) {
	var p Publication
	var hash, text, publishedAt, withdrawnAt string
	err := row.Scan(&p.Publication, &p.Case, &p.Doc, &p.DocVersion, &hash, &p.Act, &p.PartyKind, &p.Decided, &p.Due, &text,
		&p.Note, &p.PublishedBy, &publishedAt, &p.Terminal, &p.Seq, &p.WithdrawnCode, &p.WithdrawReason, &p.WithdrawnBy, &withdrawnAt)
	if err != nil {
		return p, err
	}
	if p.DocHash, err = evidence.ParseDigest(hash); err != nil {
		return p, fmt.Errorf("publication %s: %w", p.Publication, err)
	}
	if err := json.Unmarshal([]byte(text), &p.Text); err != nil {
		return p, fmt.Errorf("publication %s: text: %w", p.Publication, err)
	}
	p.PublishedAt, _ = time.Parse(time.RFC3339Nano, publishedAt)
	if withdrawnAt != "" {
		p.WithdrawnAt, _ = time.Parse(time.RFC3339Nano, withdrawnAt)
	}
	return p, nil
}

func queryPublications(ctx context.Context, q interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}, where string, args ...any) ([]Publication, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+publicationColumns+" FROM publications "+where, args...)
	if err != nil {
		return nil, fmt.Errorf("publications: %w", err)
	}
	defer rows.Close()
	var out []Publication
	for rows.Next() {
		p, err := scanPublication(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// Publications lists every publication, oldest first.
func (s *Store) Publications(ctx context.Context) ([]Publication, error) {
	return queryPublications(ctx, s.db, "ORDER BY published_at, id")
}

// Publication reads one publication (false: none).
func (s *Store) Publication(ctx context.Context, id string) (Publication, bool, error) {
	ps, err := queryPublications(ctx, s.db, "WHERE id = ?", id)
	if err != nil || len(ps) == 0 {
		return Publication{}, false, err
	}
	return ps[0], true, nil
}

// LatestVersions lists the latest finalized version of every document, in
// the order they were last changed.
func (s *Store) LatestVersions(ctx context.Context) ([]DocumentVersion, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT v.content, v.content_hash, v.corrects, v.seq, v.signed_by, v.at
		FROM document_versions v JOIN documents d ON d.id = v.doc AND v.version = d.finalized ORDER BY d.updated_at, d.id`)
	if err != nil {
		return nil, fmt.Errorf("latest document versions: %w", err)
	}
	defer rows.Close()
	var out []DocumentVersion
	for rows.Next() {
		var v DocumentVersion
		var content, hash string
		if err := rows.Scan(&content, &hash, &v.Corrects, &v.Seq, &v.SignedBy, &v.At); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(content), &v.Content); err != nil {
			return nil, fmt.Errorf("latest document versions: %w", err)
		}
		if v.ContentHash, err = evidence.ParseDigest(hash); err != nil {
			return nil, fmt.Errorf("latest document versions: %w", err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func (s txState) FinalizedVersion(ctx context.Context, doc string) (casework.DocumentContent, time.Time, bool, error) {
	var c casework.DocumentContent
	var content, at string
	err := s.tx.QueryRowContext(ctx, `SELECT v.content, v.at FROM document_versions v JOIN documents d
		ON d.id = v.doc AND v.version = d.finalized WHERE d.id = ?`, doc).Scan(&content, &at)
	if err != nil {
		return c, time.Time{}, false, notFoundIsNil(err)
	}
	if err := json.Unmarshal([]byte(content), &c); err != nil {
		return c, time.Time{}, false, fmt.Errorf("document %s: %w", doc, err)
	}
	t, err := time.Parse(time.RFC3339Nano, at)
	if err != nil {
		return c, t, false, fmt.Errorf("document %s: signing time %q: %w", doc, at, err)
	}
	return c, t, true, nil
}

func (s txState) Publication(ctx context.Context, id string) (casework.PublicationRecord, bool, error) {
	return publicationRecord(ctx, s.tx, "id", id)
}

func (s txState) CasePublication(ctx context.Context, caseID string) (casework.PublicationRecord, bool, error) {
	return publicationRecord(ctx, s.tx, "case_id", caseID)
}

// publicationRecord reads a publication by id, or a case's publication in
// force.
func publicationRecord(ctx context.Context, q queryRower, column, value string) (casework.PublicationRecord, bool, error) {
	var r casework.PublicationRecord
	var code string
	query := "SELECT id, case_id, doc, withdrawn_code FROM publications WHERE id = ?"
	if column == "case_id" {
		query = "SELECT id, case_id, doc, withdrawn_code FROM publications WHERE case_id = ? AND withdrawn_code = ''"
	}
	err := q.QueryRowContext(ctx, query, value).Scan(&r.ID, &r.Case, &r.Doc, &code)
	r.Withdrawn = code != ""
	return r, found(err), notFoundIsNil(err)
}
