package store

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strings"
	"time"

	"lawtrail/casework"
	"lawtrail/evidence"
)

// The projection of accesses (migrations 0017, 0019; R6: every view, export and
// download is itself a signed event): one row per access.* event and per
// case.exported and footage.fetched, which are accesses too.

// projectAccess applies one event of access to the projection.
func projectAccess(ctx context.Context, tx *sql.Tx, body evidence.Body, p casework.Payload, at string) error {
	if p == nil {
		return nil // a re-based event kept without effect
	}
	row := Access{Terminal: body.Terminal, Seq: body.Seq, Type: p.EventType(), Officer: body.Actor, Time: at}
	rows := -1
	switch p := p.(type) {
	case *casework.FootagePlayed:
		row.Digest, row.Case, row.Reason = p.Digest.String(), p.Case, p.Reason
	case *casework.FootageExported:
		row.Digest, row.Case, row.Reason = p.Digest.String(), p.Case, p.Reason
	case *casework.DocumentViewed:
		row.Doc, row.Version, row.How, row.Case, row.Reason = p.Doc, p.Version, string(p.How), p.Case, p.Reason
	case *casework.ReviewPrinted:
		row.Review, row.Round, row.Kind, row.Case, row.Reason = p.Review, p.Round, string(p.Kind), p.Case, p.Reason
	case *casework.LedgerExported:
		row.Format, row.Reason, rows = string(p.Format), p.Reason, p.Cases
	case *casework.CaseExported:
		row.Case = p.Case
	case *casework.FootageFetched:
		row.Digest = p.Digest.String()
	default:
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, at)
	if err != nil {
		return fmt.Errorf("access at %q: %w", at, err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO accesses (terminal, seq, type, actor, time, time_ns, digest, doc, doc_version, how, case_id, reason,
		review, review_round, kind, format, ledger_rows) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		row.Terminal, row.Seq, row.Type, row.Officer, row.Time, unixNanoClamped(t),
		row.Digest, row.Doc, row.Version, row.How, row.Case, row.Reason, row.Review, row.Round, row.Kind, row.Format, rows)
	return err
}

// Access is one access to the record as the projection holds it.
type Access struct {
	Terminal string `json:"terminal"`
	Seq      uint64 `json:"seq"`
	Type     string `json:"type"`    // access.footage_played, access.footage_exported, access.document_viewed, access.review_printed, access.ledger_exported, case.exported, footage.fetched
	Officer  string `json:"officer"` // who accessed
	Time     string `json:"time"`    // as signed
	Digest   string `json:"digest,omitempty"`
	Doc      string `json:"doc,omitempty"`
	Version  int    `json:"version,omitempty"`
	How      string `json:"how,omitempty"`
	Review   string `json:"review,omitempty"` // a review paper printed: the review, its round, which paper
	Round    int    `json:"round,omitempty"`
	Kind     string `json:"kind,omitempty"`   // opinion or discussion
	Format   string `json:"format,omitempty"` // the ledger exported: xlsx or csv, and how many cases' rows
	Rows     *int   `json:"rows,omitempty"`   // nil but for the ledger
	Case     string `json:"case,omitempty"`
	Reason   string `json:"reason,omitempty"`
}

// AccessFilter narrows Accesses: one officer's (empty: everyone's), at or
// after Since (zero: from the start).
type AccessFilter struct {
	Officer string
	Since   time.Time
}

// Accesses lists the accesses the filter lets through, oldest first (ties
// in the order of each terminal's chain).
func (s *Store) Accesses(ctx context.Context, f AccessFilter) ([]Access, error) {
	var where []string
	var args []any
	if f.Officer != "" {
		where, args = append(where, "actor = ?"), append(args, f.Officer)
	}
	if !f.Since.IsZero() {
		where, args = append(where, "time_ns >= ?"), append(args, unixNanoClamped(f.Since))
	}
	q := "SELECT terminal, seq, type, actor, time, digest, doc, doc_version, how, review, review_round, kind, format, ledger_rows, case_id, reason FROM accesses"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := s.db.QueryContext(ctx, q+" ORDER BY time_ns, terminal, seq", args...)
	if err != nil {
		return nil, fmt.Errorf("list accesses: %w", err)
	}
	defer rows.Close()
	var out []Access
	for rows.Next() {
		var a Access
		var n int
		if err := rows.Scan(&a.Terminal, &a.Seq, &a.Type, &a.Officer, &a.Time, &a.Digest, &a.Doc, &a.Version, &a.How,
			&a.Review, &a.Round, &a.Kind, &a.Format, &n, &a.Case, &a.Reason); err != nil {
			return nil, err
		}
		if n >= 0 {
			a.Rows = &n
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// FootageCases lists the cases whose steps link footage digest.
func (s txState) FootageCases(ctx context.Context, digest string) ([]string, error) {
	return footageCases(ctx, s.tx, digest)
}

// FootageClerk is the officer who docked footage digest.
func (s txState) FootageClerk(ctx context.Context, digest string) (string, error) {
	return footageClerk(ctx, s.tx, digest)
}

// FootageCases lists the cases whose steps link footage digest.
func (s *Store) FootageCases(ctx context.Context, digest string) ([]string, error) {
	return footageCases(ctx, s.db, digest)
}

// FootageClerk is the officer who docked footage digest ("" when the record
// holds no such footage).
func (s *Store) FootageClerk(ctx context.Context, digest string) (string, error) {
	return footageClerk(ctx, s.db, digest)
}

func footageCases(ctx context.Context, q interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}, digest string) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT DISTINCT st.case_id FROM step_footage sf JOIN steps st ON st.id = sf.step
		WHERE sf.digest = ? ORDER BY st.case_id`, digest)
	if err != nil {
		return nil, fmt.Errorf("cases of footage %s: %w", digest, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func footageClerk(ctx context.Context, q queryRower, digest string) (string, error) {
	var clerk string
	err := q.QueryRowContext(ctx, "SELECT clerk FROM footage WHERE digest = ?", digest).Scan(&clerk)
	return clerk, notFoundIsNil(err)
}

// FootagePath is the recorder's name of footage digest's first file, as
// recorded ("" when the record holds no such footage): a player picks its
// kind from the extension.
func (s *Store) FootagePath(ctx context.Context, digest string) (string, error) {
	var p string
	err := s.db.QueryRowContext(ctx, "SELECT original_path FROM footage WHERE digest = ?", digest).Scan(&p)
	return p, notFoundIsNil(err)
}

// unixNanoClamped is t in Unix nanoseconds, clamped to what an int64 holds
// (UnixNano is undefined outside 1678–2262: a --since of 2999 must not wrap
// round to the past).
func unixNanoClamped(t time.Time) int64 {
	switch {
	case t.After(time.Unix(0, math.MaxInt64)):
		return math.MaxInt64
	case t.Before(time.Unix(0, math.MinInt64)):
		return math.MinInt64
	}
	return t.UnixNano()
}

// CaseReviewers lists the reviewers of the case's review rounds and the
// heads who resolved a dispute of it.
func (s txState) CaseReviewers(ctx context.Context, caseID string) ([]string, error) {
	return caseReviewers(ctx, s.tx, caseID)
}

// CaseReviewers lists the reviewers of the case's review rounds and the
// heads who resolved a dispute of it.
func (s *Store) CaseReviewers(ctx context.Context, caseID string) ([]string, error) {
	return caseReviewers(ctx, s.db, caseID)
}

func caseReviewers(ctx context.Context, q interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}, caseID string) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT reviewer FROM review_rounds WHERE case_id = ?1 AND reviewer != ''
		UNION SELECT resolved_by FROM review_rounds WHERE case_id = ?1 AND resolved_by != ''`, caseID)
	if err != nil {
		return nil, fmt.Errorf("reviewers of case %s: %w", caseID, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
