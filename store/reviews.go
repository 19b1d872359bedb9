package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"lawtrail/casework"
	"lawtrail/evidence"
)

// Legal review's projections (migration 0014): each case's proposed
// decision, and every round of every review.

// projectReview applies one event of legal review, or a decision-bearing
// document, to the projections.
func projectReview(ctx context.Context, tx *sql.Tx, cfg *casework.Config, body evidence.Body, p casework.Payload, at string) error {
	switch p := p.(type) {
	case *casework.DecisionProposed:
		return setDecision(ctx, tx, p.Case, p.Decision, "case", body.Actor, at)
	case *casework.ReviewSubmitted:
		return projectSubmitted(ctx, tx, body, p, at)
	case *casework.ReviewAssigned:
		return updateRound(ctx, tx, p.Review, p.Round, "reviewer = ?, assigned_by = ?, assigned_at = ?", p.Reviewer, body.Actor, at)
	case *casework.ReviewExtended:
		return updateRound(ctx, tx, p.Review, p.Round, "due = ?, extended_reason = ?", p.Due, p.Reason)
	case *casework.ReviewOpinion:
		checklist, _ := json.Marshal(p.Checklist)
		return updateRound(ctx, tx, p.Review, p.Round, `outcome = ?, checklist = ?, problems = ?, changes = ?, opinion_by = ?,
			opinion_at = ?, opinion_terminal = ?, opinion_seq = ?`,
			string(p.Outcome), string(checklist), p.Problems, p.Changes, body.Actor, at, body.Terminal, body.Seq)
	case *casework.ReviewDisputed:
		return updateRound(ctx, tx, p.Review, p.Round, "dispute_reason = ?, disputed_by = ?, disputed_at = ?", p.Reason, body.Actor, at)
	case *casework.ReviewResolved:
		collective := ""
		if p.Collective != nil {
			raw, _ := json.Marshal(p.Collective)
			collective = string(raw)
		}
		return updateRound(ctx, tx, p.Review, p.Round, "resolution = ?, resolution_text = ?, collective = ?, resolved_by = ?, resolved_at = ?",
			string(p.Resolution), p.Decision, collective, body.Actor, at)
	case *casework.DocDrafted:
		return decisionOfDocument(ctx, tx, cfg, p.DocumentContent, body.Actor, at)
	case *casework.DocFinalized:
		return decisionOfDocument(ctx, tx, cfg, p.DocumentContent, body.Actor, at)
	}
	return nil
}

func setDecision(ctx context.Context, tx *sql.Tx, caseID string, d casework.Decision, source, actor, at string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO case_decisions (case_id, decision, source, actor, at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (case_id) DO UPDATE SET decision = excluded.decision, source = excluded.source, actor = excluded.actor, at = excluded.at`,
		caseID, string(d.Canonical()), source, actor, at)
	return err
}

// decisionOfDocument: a draft or version of a decision document states the
// case's proposed decision.
func decisionOfDocument(ctx context.Context, tx *sql.Tx, cfg *casework.Config, c casework.DocumentContent, actor, at string) error {
	cfg = configInForce(tx, cfg)
	if cfg == nil || cfg.Templates[c.Template] == nil {
		return nil
	}
	d, has, err := cfg.Templates[c.Template].DecisionOf(c.Fields)
	if err != nil || !has {
		return nil // a draft may hold an incomplete decision; it states none yet
	}
	return setDecision(ctx, tx, c.Case, d, c.Doc, actor, at)
}

func projectSubmitted(ctx context.Context, tx *sql.Tx, body evidence.Body, p *casework.ReviewSubmitted, at string) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO reviews (id, case_id, round) VALUES (?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET round = excluded.round`, p.Review, p.Case, p.Round); err != nil {
		return err
	}
	material, _ := json.Marshal(p.Material)
	if p.Material == nil {
		material = []byte("[]")
	}
	docHash := ""
	if p.DocHash != nil {
		docHash = p.DocHash.String()
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO review_rounds (review, round, case_id, decision, major, doc, doc_hash, material, due,
		approved_by, note, submitted_by, submitted_at, submit_terminal, submit_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.Review, p.Round, p.Case, string(p.Decision.Canonical()), strings.Join(p.Major, ","), p.Doc, docHash, string(material), p.Due,
		p.ApprovedBy, p.Note, body.Actor, at, body.Terminal, body.Seq)
	return err
}

func updateRound(ctx context.Context, tx *sql.Tx, review string, round int, set string, args ...any) error {
	_, err := tx.ExecContext(ctx, "UPDATE review_rounds SET "+set+" WHERE review = ? AND round = ?", append(args, review, round)...)
	return err
}

// reviewCase is the case a review belongs to ("" when unknown).
func reviewCase(ctx context.Context, q queryRower, review string) (string, error) {
	var c string
	err := q.QueryRowContext(ctx, "SELECT case_id FROM reviews WHERE id = ?", review).Scan(&c)
	return c, notFoundIsNil(err)
}

// ReviewRound is one round of a review as the record holds it.
type ReviewRound struct {
	casework.ReviewRecord
	Material        []casework.Material
	ApprovedBy      string
	Note            string
	SubmitTerminal  string
	SubmitSeq       uint64
	AssignedBy      string
	AssignedAt      string
	ExtendedReason  string
	Checklist       []casework.ChecklistEntry
	Problems        string
	Changes         string
	OpinionBy       string
	OpinionAt       string
	OpinionTerminal string
	OpinionSeq      uint64
	DisputeReason   string
	DisputedBy      string
	DisputedAt      string
	ResolutionText  string
	Collective      *casework.Collective
	ResolvedBy      string
	ResolvedAt      string
}

const roundColumns = `review, round, case_id, decision, major, doc, doc_hash, material, due, approved_by, note, submitted_by,
	submitted_at, submit_terminal, submit_seq, reviewer, assigned_by, assigned_at, extended_reason, outcome, checklist, problems,
	changes, opinion_by, opinion_at, opinion_terminal, opinion_seq, dispute_reason, disputed_by, disputed_at, resolution,
	resolution_text, collective, resolved_by, resolved_at`

func scanRound(row rowScanner) (ReviewRound, error) {
	var r ReviewRound
	var decision, major, docHash, material, submittedAt, outcome, checklist, resolution, collective string
	err := row.Scan(&r.ID, &r.Round, &r.Case, &decision, &major, &r.Doc, &docHash, &material, &r.Due, &r.ApprovedBy, &r.Note,
		&r.SubmittedBy, &submittedAt, &r.SubmitTerminal, &r.SubmitSeq, &r.Reviewer, &r.AssignedBy, &r.AssignedAt, &r.ExtendedReason,
		&outcome, &checklist, &r.Problems, &r.Changes, &r.OpinionBy, &r.OpinionAt, &r.OpinionTerminal, &r.OpinionSeq,
		&r.DisputeReason, &r.DisputedBy, &r.DisputedAt, &resolution, &r.ResolutionText, &collective, &r.ResolvedBy, &r.ResolvedAt)
	if err != nil {
		return r, err
	}
	if r.Decision, err = casework.ParseDecision([]byte(decision)); err != nil {
		return r, fmt.Errorf("review %s round %d: %w", r.ID, r.Round, err)
	}
	r.Major = []string{}
	if major != "" {
		r.Major = strings.Split(major, ",")
	}
	if docHash != "" {
		d, err := evidence.ParseDigest(docHash)
		if err != nil {
			return r, fmt.Errorf("review %s round %d: %w", r.ID, r.Round, err)
		}
		r.DocHash = &d
	}
	r.SubmittedAt, _ = time.Parse(time.RFC3339Nano, submittedAt)
	r.Outcome, r.Resolution = casework.Outcome(outcome), casework.Resolution(resolution)
	r.Disputed = r.DisputedBy != ""
	if err := json.Unmarshal([]byte(material), &r.Material); err != nil {
		return r, fmt.Errorf("review %s round %d: material: %w", r.ID, r.Round, err)
	}
	if err := json.Unmarshal([]byte(checklist), &r.Checklist); err != nil {
		return r, fmt.Errorf("review %s round %d: checklist: %w", r.ID, r.Round, err)
	}
	if collective != "" {
		r.Collective = &casework.Collective{}
		if err := json.Unmarshal([]byte(collective), r.Collective); err != nil {
			return r, fmt.Errorf("review %s round %d: collective: %w", r.ID, r.Round, err)
		}
	}
	return r, nil
}

func queryRounds(ctx context.Context, q interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}, where string, args ...any) ([]ReviewRound, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+roundColumns+" FROM review_rounds "+where, args...)
	if err != nil {
		return nil, fmt.Errorf("review rounds: %w", err)
	}
	defer rows.Close()
	var out []ReviewRound
	for rows.Next() {
		r, err := scanRound(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// latestRoundOf is the latest round of a review (by id) or of a case's
// review (by case).
func latestRoundOf(ctx context.Context, q interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}, column, value string) (casework.ReviewRecord, bool, error) {
	rs, err := queryRounds(ctx, q, "WHERE "+column+" = ? ORDER BY round DESC LIMIT 1", value)
	if err != nil || len(rs) == 0 {
		return casework.ReviewRecord{}, false, err
	}
	return rs[0].ReviewRecord, true, nil
}

func (s txState) Review(ctx context.Context, id string) (casework.ReviewRecord, bool, error) {
	return latestRoundOf(ctx, s.tx, "review", id)
}

func (s txState) CaseReview(ctx context.Context, caseID string) (casework.ReviewRecord, bool, error) {
	return latestRoundOf(ctx, s.tx, "case_id", caseID)
}

func (s txState) Decision(ctx context.Context, caseID string) (casework.Decision, bool, error) {
	return caseDecision(ctx, s.tx, caseID)
}

func caseDecision(ctx context.Context, q queryRower, caseID string) (casework.Decision, bool, error) {
	var raw string
	err := q.QueryRowContext(ctx, "SELECT decision FROM case_decisions WHERE case_id = ?", caseID).Scan(&raw)
	if err != nil {
		return casework.Decision{}, false, notFoundIsNil(err)
	}
	d, err := casework.ParseDecision([]byte(raw))
	return d, err == nil, err
}

func (s txState) CaseParticipants(ctx context.Context, caseID string) ([]string, error) {
	return caseParticipants(ctx, s.tx, caseID)
}

// caseParticipants: who opened the case, recorded or was present at a step,
// signed a document version or was named as an officer in one, set its
// decision last, submitted it for review or disputed an opinion.
func caseParticipants(ctx context.Context, q interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}, caseID string) ([]string, error) {
	rows, err := q.QueryContext(ctx, `
		SELECT opened_by FROM cases WHERE id = ?1
		UNION SELECT recorded_by FROM steps WHERE case_id = ?1
		UNION SELECT officers FROM steps WHERE case_id = ?1
		UNION SELECT v.signed_by FROM document_versions v JOIN documents d ON d.id = v.doc WHERE d.case_id = ?1
		UNION SELECT actor FROM case_decisions WHERE case_id = ?1
		UNION SELECT submitted_by FROM review_rounds WHERE case_id = ?1
		UNION SELECT disputed_by FROM review_rounds WHERE case_id = ?1`,
		caseID)
	if err != nil {
		return nil, fmt.Errorf("participants of case %s: %w", caseID, err)
	}
	defer rows.Close()
	seen := map[string]bool{}
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		for _, id := range strings.Split(v, ",") {
			if id != "" && !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	named, err := namedInDocuments(ctx, q, caseID)
	for _, id := range named {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out, err
}

// namedInDocuments lists the officer ids named in officers fields of the
// case's document versions.
func namedInDocuments(ctx context.Context, q interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}, caseID string) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT v.content FROM document_versions v JOIN documents d ON d.id = v.doc WHERE d.case_id = ?`, caseID)
	if err != nil {
		return nil, fmt.Errorf("documents of case %s: %w", caseID, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var raw string
		if err := rows.Scan(&raw); err != nil {
			return nil, err
		}
		var c casework.DocumentContent
		if json.Unmarshal([]byte(raw), &c) != nil {
			continue
		}
		for _, v := range c.Fields {
			var list []struct {
				ID string `json:"id"`
			}
			if json.Unmarshal(v, &list) == nil {
				for _, o := range list {
					if o.ID != "" {
						out = append(out, o.ID)
					}
				}
			}
		}
	}
	return out, rows.Err()
}

// Reviews lists the latest round of every review, newest submission first.
func (s *Store) Reviews(ctx context.Context) ([]ReviewRound, error) {
	return queryRounds(ctx, s.db, "WHERE (review, round) IN (SELECT id, round FROM reviews) ORDER BY submitted_at DESC, review")
}

// ReviewRounds lists every round of a review, oldest first (none: no such review).
func (s *Store) ReviewRounds(ctx context.Context, id string) ([]ReviewRound, error) {
	return queryRounds(ctx, s.db, "WHERE review = ? ORDER BY round", id)
}

// CaseReviewRounds lists every round of a case's review, oldest first.
func (s *Store) CaseReviewRounds(ctx context.Context, caseID string) ([]ReviewRound, error) {
	return queryRounds(ctx, s.db, "WHERE case_id = ? ORDER BY round", caseID)
}

// CaseDecision is a case's proposed decision as it stands.
func (s *Store) CaseDecision(ctx context.Context, caseID string) (casework.Decision, bool, error) {
	return caseDecision(ctx, s.db, caseID)
}

// CaseParticipants lists the officers who took part in a case (a reviewer
// of it must not be one of them).
func (s *Store) CaseParticipants(ctx context.Context, caseID string) ([]string, error) {
	return caseParticipants(ctx, s.db, caseID)
}

// CaseFootage lists the footage linked to a case's steps, by digest.
func (s *Store) CaseFootage(ctx context.Context, caseID string) ([]evidence.Digest, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT sf.digest FROM step_footage sf JOIN steps st ON st.id = sf.step
		WHERE st.case_id = ? ORDER BY sf.digest`, caseID)
	if err != nil {
		return nil, fmt.Errorf("footage of case %s: %w", caseID, err)
	}
	defer rows.Close()
	var out []evidence.Digest
	for rows.Next() {
		var raw string
		if err := rows.Scan(&raw); err != nil {
			return nil, err
		}
		d, err := evidence.ParseDigest(raw)
		if err != nil {
			return nil, fmt.Errorf("footage of case %s: %w", caseID, err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}
