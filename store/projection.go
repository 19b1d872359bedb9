package store

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"lawtrail/casework"
	"lawtrail/evidence"
)

// projectionTables are derived from events and may be emptied and rebuilt.
var projectionTables = []string{"accesses", "footage_deleted", "footage_holds", "footage_freed", "publications", "review_rounds", "reviews", "case_decisions", "event_conflicts", "case_events", "document_versions", "documents", "step_footage", "custody", "footage_sources", "footage", "steps", "cases", "officer_keys", "officers", "agencies", "terminals", "agency_config"}

// applyProjection updates the derived tables for one event, inside the
// transaction that inserts it; cfg is the bundled configuration (which
// templates carry a decision is read from the configuration in force).
func applyProjection(ctx context.Context, tx *sql.Tx, cfg *casework.Config, body evidence.Body, p casework.Payload) error {
	if err := indexCase(ctx, tx, body, p); err != nil { // order.go: the timeline's index
		return err
	}
	// A rebased event applies its original's act at its own position but
	// with the original's time; a conflicting one only its custody rows.
	p, original, _ := casework.Effective(p)
	if original != nil {
		body.Time = original.Time
	}
	at := body.Time.Format(time.RFC3339Nano)
	var err error
	switch p := p.(type) {
	case *casework.TerminalInitialized:
		_, err = tx.ExecContext(ctx, "INSERT INTO terminals (id, name, agency, public_key, since_seq) VALUES (?, ?, ?, ?, ?)",
			p.Terminal, p.Name, p.Agency, p.PublicKey, body.Seq)
	case *casework.AgencyRegistered:
		_, err = tx.ExecContext(ctx, "INSERT INTO agencies (id, name) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name",
			p.Agency, p.Name)
	case *casework.OfficerEnrolled:
		err = projectEnrolled(ctx, tx, body, p, at)
	case *casework.OfficerRevoked:
		_, err = tx.ExecContext(ctx, "UPDATE officers SET revoked_at = ?, revoke_reason = ? WHERE id = ? AND revoked_at IS NULL", at, p.Reason, p.Officer)
	case *casework.OfficerRolesChanged:
		_, err = tx.ExecContext(ctx, "UPDATE officers SET roles = ? WHERE id = ?", joinRoles(p.Roles), p.Officer)
	case *casework.CaseOpened:
		_, err = tx.ExecContext(ctx, `INSERT INTO cases (id, number, title, act_type, agency, phase, opened_by, opened_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			p.Case, p.Number, p.Title, string(p.ActType), p.Agency, string(casework.PhaseInitiation), body.Actor, at, at)
	case *casework.CasePhaseAdvanced:
		_, err = tx.ExecContext(ctx, "UPDATE cases SET phase = ?, updated_at = ? WHERE id = ?", string(p.Phase), at, p.Case)
	case *casework.StepRecorded:
		phase, _ := casework.PhaseOf(p.Kind)
		_, err = tx.ExecContext(ctx, `INSERT INTO steps (id, case_id, kind, phase, start_time, end_time, officers, note, recorded_by)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			p.Step, p.Case, string(p.Kind), string(phase), p.Start.Format(time.RFC3339Nano), p.End.Format(time.RFC3339Nano),
			strings.Join(p.Officers, ","), p.Note, body.Actor)
	case *casework.FootageIngested:
		err = projectFootage(ctx, tx, body, p)
	case *casework.DocDrafted:
		fields, _ := json.Marshal(p.Fields)
		content, _ := json.Marshal(p.DocumentContent)
		_, err = tx.ExecContext(ctx, `INSERT INTO documents (id, case_id, template, template_version, draft, draft_content, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET draft = excluded.draft, draft_content = excluded.draft_content,
			template_version = excluded.template_version, updated_at = excluded.updated_at`,
			p.Doc, p.Case, p.Template, p.TemplateVersion, string(fields), string(content), at)
	case *casework.DocFinalized:
		err = projectFinalized(ctx, tx, body, p, at)
	case *casework.StepTextOnly:
		_, err = tx.ExecContext(ctx, "UPDATE steps SET text_only_reason = ? WHERE id = ?", p.Reason, p.Step)
	case *casework.StepFootageLinked:
		_, err = tx.ExecContext(ctx, "INSERT INTO step_footage (step, digest, linked_by, linked_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
			p.Step, p.Digest.String(), body.Actor, at)
	case *casework.ConfigPublished:
		err = projectConfig(ctx, tx, body, p, at) // config.go
	case *casework.FootageCleared:
		k := p.SourceKey
		_, err = tx.ExecContext(ctx, `UPDATE footage_sources SET cleared_seq = ?
			WHERE device_serial = ? AND path = ? AND size = ? AND mtime_ns = ?`,
			body.Seq, k.DeviceSerial, []byte(k.RawPath()), k.Size, k.ModTime.UnixNano())
	}
	if err == nil {
		err = projectReview(ctx, tx, cfg, body, p, at) // reviews.go
	}
	if err == nil {
		err = projectPublicity(ctx, tx, body, p, at) // publicity.go
	}
	if err == nil {
		err = projectRetention(ctx, tx, body, p, at) // retention.go
	}
	if err == nil {
		err = projectAccess(ctx, tx, body, p, at) // access.go
	}
	if err != nil {
		return fmt.Errorf("project %s#%d (%s): %w", body.Terminal, body.Seq, body.Type, err)
	}
	for _, d := range body.Blobs {
		if _, err := tx.ExecContext(ctx, "INSERT INTO custody (digest, terminal, seq, type, actor, time) VALUES (?, ?, ?, ?, ?, ?)",
			d.String(), body.Terminal, body.Seq, body.Type, body.Actor, at); err != nil {
			return fmt.Errorf("project custody of %s at %s#%d: %w", d, body.Terminal, body.Seq, err)
		}
	}
	return nil
}

// projectEnrolled: the first enrollment of an officer anywhere in the agency
// makes the person; each enrollment adds their key on its terminal and
// brings their credential and roles to what it says.
func projectEnrolled(ctx context.Context, tx *sql.Tx, body evidence.Body, p *casework.OfficerEnrolled, at string) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO officers (id, name, credential_no, agency, roles, public_key, enrolled_by, enrolled_at, valid_until)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET credential_no = excluded.credential_no,
		roles = excluded.roles, valid_until = excluded.valid_until`,
		p.Officer, p.Name, p.CredentialNo, p.Agency, joinRoles(p.Roles), p.PublicKey, body.Actor, at, p.ValidUntil); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO officer_keys (officer, terminal, public_key, enrolled_by, enrolled_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, p.Officer, body.Terminal, p.PublicKey, body.Actor, at)
	return err
}

func projectFinalized(ctx context.Context, tx *sql.Tx, body evidence.Body, p *casework.DocFinalized, at string) error {
	content, _ := json.Marshal(p.DocumentContent)
	corrects := ""
	if p.Corrects != nil {
		corrects = p.Corrects.String()
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO documents (id, case_id, template, template_version, draft, finalized, last_hash, updated_at)
		VALUES (?, ?, ?, ?, NULL, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET draft = NULL, draft_content = NULL, finalized = excluded.finalized,
		last_hash = excluded.last_hash, updated_at = excluded.updated_at`,
		p.Doc, p.Case, p.Template, p.TemplateVersion, p.Version, p.ContentHash.String(), at); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO document_versions (doc, version, content, content_hash, corrects, seq, signed_by, at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, p.Doc, p.Version, string(content), p.ContentHash.String(), corrects, body.Seq, body.Actor, at)
	return err
}

func projectFootage(ctx context.Context, tx *sql.Tx, body evidence.Body, p *casework.FootageIngested) error {
	at := body.Time.Format(time.RFC3339Nano)
	k := p.SourceKey
	// The first file with this content defines the footage item; later
	// files with the same content add sources to it.
	_, err := tx.ExecContext(ctx, `INSERT INTO footage (digest, size, device_serial, device_model, original_path, officer, clerk,
		station, start_time, end_time, clock_offset_ns, ingested_seq, important, profile, ingested_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (digest) DO NOTHING`,
		p.Digest.String(), k.Size, k.DeviceSerial, p.DeviceModel, k.Path, p.Officer, p.Clerk, p.Station,
		formatOptionalTime(p.Start), formatOptionalTime(p.End), int64(p.ClockOffset), body.Seq, p.Important, p.Profile, at)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO footage_sources (device_serial, path, display_path, size, mtime_ns, digest,
		ingested_seq, ingested_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		k.DeviceSerial, []byte(k.RawPath()), k.Path, k.Size, k.ModTime.UnixNano(), p.Digest.String(), body.Seq, at)
	return err
}

// RebuildProjections empties every derived table and replays the whole log
// into it, in one transaction. The result must equal what the incremental
// updates produced; a test holds it to that.
func (s *Store) RebuildProjections(ctx context.Context) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("rebuild: begin: %w", err)
	}
	defer tx.Rollback()
	if err := s.rebuildProjectionsTx(ctx, tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("rebuild: commit: %w", err)
	}
	return nil
}

// rebuildProjectionsTx is RebuildProjections inside the caller's
// transaction: every event replayed, in the log order once the store holds
// other terminals' events (order.go).
func (s *Store) rebuildProjectionsTx(ctx context.Context, tx *sql.Tx) error {
	return s.replayAll(ctx, tx)
}

func decodeEvent(raw []byte) (evidence.Body, casework.Payload, error) {
	body, err := evidence.ParseBody(raw)
	if err != nil {
		return body, nil, err
	}
	p, err := casework.Decode(body.Type, body.Payload)
	if err != nil {
		return body, nil, fmt.Errorf("event %s#%d: %w", body.Terminal, body.Seq, err)
	}
	return body, p, nil
}

// txState answers casework.State from the projections, inside a
// transaction, for an act recorded by terminal under cfg.
type txState struct {
	tx       *sql.Tx
	terminal string
	cfg      *casework.Config
}

// officerColumns are what scanOfficer reads, in order.
const officerColumns = "id, name, credential_no, agency, roles, valid_until, revoked_at IS NOT NULL, revoke_reason"

func (s txState) Officer(ctx context.Context, id string) (casework.Officer, bool, error) {
	return scanOfficer(s.tx.QueryRowContext(ctx, "SELECT "+officerColumns+" FROM officers WHERE id = ?", id))
}

func (s txState) EnrolledHere(ctx context.Context, id string) (bool, error) {
	return exists(ctx, s.tx, "SELECT 1 FROM officer_keys WHERE officer = ? AND terminal = ?", id, s.terminal)
}

func (s txState) Config() *casework.Config { return configInForce(s.tx, s.cfg) } // config.go

func (s txState) OfficerCount(ctx context.Context) (int, error) {
	var n int
	err := s.tx.QueryRowContext(ctx, "SELECT count(*) FROM officers").Scan(&n)
	return n, err
}

func (s txState) Case(ctx context.Context, id string) (casework.Case, bool, error) {
	var c casework.Case
	err := s.tx.QueryRowContext(ctx, "SELECT id, number, title, act_type, agency, phase FROM cases WHERE id = ?", id).
		Scan(&c.ID, &c.Number, &c.Title, &c.ActType, &c.Agency, &c.Phase)
	return c, found(err), notFoundIsNil(err)
}

func (s txState) Step(ctx context.Context, id string) (casework.StepInfo, bool, error) {
	var st casework.StepInfo
	err := s.tx.QueryRowContext(ctx, "SELECT case_id, kind FROM steps WHERE id = ?", id).Scan(&st.Case, &st.Kind)
	return st, found(err), notFoundIsNil(err)
}

func (s txState) Document(ctx context.Context, id string) (casework.DocumentRecord, bool, error) {
	var r casework.DocumentRecord
	var last string
	var draft sql.NullString
	err := s.tx.QueryRowContext(ctx, "SELECT case_id, finalized, last_hash, draft_content FROM documents WHERE id = ?", id).Scan(&r.Case, &r.Finalized, &last, &draft)
	if err != nil {
		return r, false, notFoundIsNil(err)
	}
	if draft.Valid {
		r.Draft = &casework.DocumentContent{}
		if err := json.Unmarshal([]byte(draft.String), r.Draft); err != nil {
			return r, false, fmt.Errorf("document %s: draft: %w", id, err)
		}
	}
	if last != "" {
		r.LastHash, err = evidence.ParseDigest(last)
	}
	return r, true, err
}

func (s txState) FootageExists(ctx context.Context, digest string) (bool, error) {
	return exists(ctx, s.tx, "SELECT 1 FROM footage WHERE digest = ?", digest)
}

func (s txState) SourceFile(ctx context.Context, k casework.SourceKey) (casework.SourceRecord, bool, error) {
	return querySource(ctx, s.tx, k)
}

type queryRower interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func querySource(ctx context.Context, q queryRower, k casework.SourceKey) (casework.SourceRecord, bool, error) {
	var digest string
	var cleared sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT digest, cleared_seq FROM footage_sources
		WHERE device_serial = ? AND path = ? AND size = ? AND mtime_ns = ?`,
		k.DeviceSerial, []byte(k.RawPath()), k.Size, k.ModTime.UnixNano()).Scan(&digest, &cleared)
	if err != nil {
		return casework.SourceRecord{}, false, notFoundIsNil(err)
	}
	d, err := evidence.ParseDigest(digest)
	if err != nil {
		return casework.SourceRecord{}, false, fmt.Errorf("footage source %s: %w", k.Path, err)
	}
	return casework.SourceRecord{Digest: d, Cleared: cleared.Valid}, true, nil
}

type rowScanner interface{ Scan(dest ...any) error }

func scanOfficer(row rowScanner) (casework.Officer, bool, error) {
	var o casework.Officer
	var roles string
	err := row.Scan(&o.ID, &o.Name, &o.CredentialNo, &o.Agency, &roles, &o.ValidUntil, &o.Revoked, &o.RevokeReason)
	if err == nil {
		o.Roles, err = casework.ParseRoles(roles)
	}
	return o, found(err), notFoundIsNil(err)
}

func exists(ctx context.Context, tx *sql.Tx, query string, args ...any) (bool, error) {
	var one int
	err := tx.QueryRowContext(ctx, query, args...).Scan(&one)
	return found(err), notFoundIsNil(err)
}

func found(err error) bool { return err == nil }

func notFoundIsNil(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	return err
}

func joinRoles(roles []casework.Role) string {
	parts := make([]string, len(roles))
	for i, r := range roles {
		parts[i] = string(r)
	}
	return strings.Join(parts, ",")
}

func formatOptionalTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339Nano)
}

func ed25519Key(b []byte) ed25519.PublicKey { return ed25519.PublicKey(b) }
