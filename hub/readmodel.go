package hub

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"lawtrail/assets"
	"lawtrail/casework"
	"lawtrail/evidence"
)

// The read model (migrations 0007, 0008, 0010, 0012): agencies, officers and
// terminals, and the agencies' cases — phases, steps and their footage,
// decision documents, reviews, publications —, the configuration each
// agency published, and every access to the record (rm_accesses), as the accepted events describe them, kept per hub
// agency (terminals.agency) and applied in log order — in the transaction
// that accepts each event, or all at once by Rebuild. The web's pages read
// it; they never read events (a case's timeline in the console reads the
// events rm_case_events names).

// readModelTypes are the event types the read model applies (an
// event.rebased is looked into: a re-based act takes effect as the
// original, at the re-based event's place in the log).
var readModelTypes = []string{casework.TypeTerminalInitialized, casework.TypeAgencyRegistered, casework.TypeOfficerEnrolled,
	casework.TypeOfficerRevoked, casework.TypeOfficerRolesChanged, casework.TypeEventRebased,
	casework.TypeCaseOpened, casework.TypeCasePhaseAdvanced, casework.TypeDecisionProposed, casework.TypeCaseExported,
	casework.TypeStepRecorded, casework.TypeStepTextOnly, casework.TypeStepFootageLinked, casework.TypeFootageIngested,
	casework.TypeDocDrafted, casework.TypeDocFinalized, casework.TypeConfigPublished,
	casework.TypeReviewSubmitted, casework.TypeReviewAssigned, casework.TypeReviewExtended, casework.TypeReviewOpinion,
	casework.TypeReviewDisputed, casework.TypeReviewResolved,
	casework.TypePublicityPublished, casework.TypePublicityWithdrawn,
	casework.TypeFootagePlayed, casework.TypeFootageExported, casework.TypeDocumentViewed, casework.TypeFootageFetched,
	casework.TypeReviewPrinted, casework.TypeLedgerExported,
	casework.TypeFootageHeld, casework.TypeFootageReleased, casework.TypeFootageDeleted}

// loggedEvent is an accepted event as the read model applies it: whose
// agency, its body, its digest (the hash of the body) and its leaf.
type loggedEvent struct {
	hubAgency string
	body      evidence.Body
	digest    evidence.Digest
	logIndex  uint64
	payload   casework.Payload // body's payload decoded already, or nil
}

// applyReadModel applies one accepted event of a terminal of its hub
// agency. Another type is nothing to it; the first enrollment of an officer
// id in an agency is the one kept (an officer enrolled on a second terminal
// comes with the same name and credential).
func applyReadModel(ctx context.Context, tx *recordTx, e loggedEvent) error {
	if !slices.Contains(readModelTypes, e.body.Type) {
		return nil
	}
	p := e.payload
	if p == nil {
		var err error
		if p, err = casework.Decode(e.body.Type, e.body.Payload); err != nil {
			return fmt.Errorf("read model: event %s#%d: %w", e.body.Terminal, e.body.Seq, err)
		}
	}
	inner, original, ok := casework.Effective(p)
	if !ok {
		return nil // a re-based event kept without effect
	}
	at, actor := e.body.Time, e.body.Actor // the act's time and actor: the original's for a re-based act
	if original != nil {
		at, actor = original.Time, original.Actor
	}
	handled, err := applyOrganisation(ctx, tx, e.hubAgency, inner)
	if !handled && err == nil {
		err = applyCasework(ctx, tx, e, inner, at, actor)
	}
	if err != nil {
		return fmt.Errorf("read model: event %s#%d (%s): %w", e.body.Terminal, e.body.Seq, e.body.Type, err)
	}
	return nil
}

// applyOrganisation applies terminals, agencies and officers; handled is
// false for another payload.
func applyOrganisation(ctx context.Context, tx *recordTx, hubAgency string, p casework.Payload) (handled bool, err error) {
	switch e := p.(type) {
	case *casework.TerminalInitialized:
		_, err = tx.ExecContext(ctx, `INSERT INTO rm_terminals (terminal, name, agency) VALUES (?, ?, ?)
			ON CONFLICT (terminal) DO UPDATE SET name = excluded.name, agency = excluded.agency`, e.Terminal, e.Name, e.Agency)
	case *casework.AgencyRegistered:
		_, err = tx.ExecContext(ctx, `INSERT INTO rm_agencies (hub_agency, agency, name) VALUES (?, ?, ?)
			ON CONFLICT (hub_agency, agency) DO UPDATE SET name = excluded.name`, hubAgency, e.Agency, e.Name)
	case *casework.OfficerEnrolled:
		roles, _ := json.Marshal(e.Roles)
		_, err = tx.ExecContext(ctx, `INSERT INTO rm_officers (hub_agency, officer, agency, name, credential_no, valid_until, roles)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, hubAgency, e.Officer, e.Agency, e.Name, e.CredentialNo, e.ValidUntil, string(roles))
	case *casework.OfficerRevoked:
		_, err = tx.ExecContext(ctx, "UPDATE rm_officers SET revoked = 1, revoke_reason = ? WHERE hub_agency = ? AND officer = ? AND revoked = 0",
			e.Reason, hubAgency, e.Officer)
	case *casework.OfficerRolesChanged:
		roles, _ := json.Marshal(e.Roles)
		_, err = tx.ExecContext(ctx, "UPDATE rm_officers SET roles = ? WHERE hub_agency = ? AND officer = ?", string(roles), hubAgency, e.Officer)
	default:
		return false, nil
	}
	return true, err
}

// rmTime is how the read model spells a time: in UTC, fixed width, so
// times sort as text.
const rmTime = "2006-01-02T15:04:05.000000000Z"

// rmTimeOf spells t for the read model ("" for the zero time).
func rmTimeOf(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(rmTime)
}

// parseRMTime reads a read-model time (the zero time for "").
func parseRMTime(s string) time.Time {
	t, _ := time.Parse(rmTime, s)
	return t
}

// applyCasework applies the events of cases, of the agency's
// configuration and the accesses (actor's), and files each under its case
// for the timeline.
func applyCasework(ctx context.Context, tx *recordTx, e loggedEvent, p casework.Payload, at time.Time, actor string) error {
	var err error
	switch v := p.(type) {
	case *casework.FootagePlayed, *casework.FootageExported, *casework.DocumentViewed, *casework.CaseExported, *casework.FootageFetched,
		*casework.ReviewPrinted, *casework.LedgerExported:
		err = applyAccess(ctx, tx, e, v, at, actor)
	case *casework.CaseOpened, *casework.CasePhaseAdvanced, *casework.DecisionProposed:
		err = applyCase(ctx, tx, e, v, at)
	case *casework.StepRecorded, *casework.StepTextOnly, *casework.StepFootageLinked, *casework.FootageIngested:
		err = applyStep(ctx, tx, e.hubAgency, v, at)
	case *casework.DocFinalized:
		err = applyDecisionDocument(ctx, tx, e, v, at)
	case *casework.ConfigPublished:
		_, err = tx.ExecContext(ctx, `INSERT INTO rm_config (hub_agency, kind, version, content, note, published_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, e.hubAgency, v.Kind, v.Version, v.Content, v.Note, rmTimeOf(at))
	case *casework.PublicityPublished, *casework.PublicityWithdrawn:
		err = applyPublicity(ctx, tx, e, v, at)
	case *casework.FootageHeld, *casework.FootageReleased, *casework.FootageDeleted:
		err = applyRetention(ctx, tx, e, v, at, actor) // retention.go
	default:
		err = applyReview(ctx, tx, e.hubAgency, v, at)
	}
	if err != nil {
		return err
	}
	return fileUnderCase(ctx, tx, e, p)
}

// applyCase applies a case's opening, phases and proposed decision. A case
// is closed when it reaches 送达执行 (execution).
func applyCase(ctx context.Context, tx *recordTx, e loggedEvent, p casework.Payload, at time.Time) error {
	var err error
	switch v := p.(type) {
	case *casework.CaseOpened:
		tx.InsertLater("rm_cases (hub_agency, case_id, agency, number, title, act_type, phase, opened_at, terminal, log_index)",
			onConflictDoNothing, 10, e.hubAgency, v.Case, v.Agency, v.Number, v.Title, v.ActType,
			casework.PhaseInitiation, rmTimeOf(at), e.body.Terminal, e.logIndex)
	case *casework.CasePhaseAdvanced:
		closed := ""
		if v.Phase == casework.PhaseExecution {
			closed = rmTimeOf(at)
		}
		_, err = tx.ExecContext(ctx, `UPDATE rm_cases SET phase = ?, closed_at = CASE WHEN closed_at = '' THEN ? ELSE closed_at END
			WHERE hub_agency = ? AND case_id = ?`, v.Phase, closed, e.hubAgency, v.Case)
	case *casework.DecisionProposed:
		_, err = tx.ExecContext(ctx, "UPDATE rm_cases SET decision = ? WHERE hub_agency = ? AND case_id = ?",
			string(v.Decision.Canonical()), e.hubAgency, v.Case)
	}
	return err
}

// applyStep applies steps, their text-only marks and footage links, and
// the custody record of footage (its recorder and span on the terminal's
// clock: the recorder's times less the clock offset taken at docking).
func applyStep(ctx context.Context, tx *recordTx, hubAgency string, p casework.Payload, at time.Time) error {
	var err error
	switch v := p.(type) {
	case *casework.StepRecorded:
		officers, _ := json.Marshal(v.Officers)
		_, err = tx.ExecContext(ctx, `INSERT INTO rm_steps (hub_agency, step, case_id, kind, start_at, end_at, officers)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, hubAgency, v.Step, v.Case, v.Kind, rmTimeOf(v.Start), rmTimeOf(v.End), string(officers))
	case *casework.StepTextOnly:
		_, err = tx.ExecContext(ctx, "UPDATE rm_steps SET text_only = ? WHERE hub_agency = ? AND step = ?", v.Reason, hubAgency, v.Step)
	case *casework.StepFootageLinked:
		_, err = tx.ExecContext(ctx, "INSERT INTO rm_step_footage (hub_agency, step, digest) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
			hubAgency, v.Step, v.Digest.String())
	case *casework.FootageIngested:
		var start, end string
		if !v.Start.IsZero() && !v.End.IsZero() {
			start, end = rmTimeOf(v.Start.Add(-v.ClockOffset)), rmTimeOf(v.End.Add(-v.ClockOffset))
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO rm_footage (hub_agency, digest, recorder, officer, start_at, end_at, ingested_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, hubAgency, v.Digest.String(), v.DeviceSerial, v.Officer, start, end, rmTimeOf(at))
	}
	return err
}

// applyDecisionDocument keeps the latest finalized version of a decision
// document — one whose template, in the agency's configuration in force,
// has a field of type decision that the version fills — with the day of
// the decision and the last day to publish it by the agency's calendar.
// Other documents, and documents of a template the hub does not know, are
// kept only in the case's timeline.
func applyDecisionDocument(ctx context.Context, tx *recordTx, e loggedEvent, v *casework.DocFinalized, at time.Time) error {
	hubAgency := e.hubAgency
	cfg, err := agencyConfig(ctx, tx, hubAgency, casework.ConfigTemplates, casework.ConfigHolidays)
	if err != nil {
		return err
	}
	t := cfg.Templates[v.Template]
	if t == nil {
		return nil
	}
	d, has, err := t.DecisionOf(v.Fields)
	if err != nil || !has {
		return nil
	}
	decided := decisionDay(v.Fields, at)
	_, err = tx.ExecContext(ctx, `INSERT INTO rm_documents (hub_agency, doc, case_id, template, version, act, party_kind, decision,
		decided, due, first_finalized_at, finalized_at, log_index) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (hub_agency, doc) DO UPDATE SET version = excluded.version, act = excluded.act, party_kind = excluded.party_kind,
		decision = excluded.decision, decided = excluded.decided, due = excluded.due, finalized_at = excluded.finalized_at,
		log_index = excluded.log_index WHERE excluded.version > rm_documents.version`,
		hubAgency, v.Doc, v.Case, v.Template, v.Version, d.Act, d.PartyKind, string(d.Canonical()), decided.Format(time.DateOnly),
		cfg.Calendar.PublicationDue(d.Act, decided), rmTimeOf(at), rmTimeOf(at), e.logIndex)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, "UPDATE rm_cases SET decision = ? WHERE hub_agency = ? AND case_id = ?", string(d.Canonical()), hubAgency, v.Case)
	return err
}

// accessRow is one row of rm_accesses but its agency, leaf, officer, type,
// time and terminal: what was accessed, for which case, and why.
type accessRow struct {
	digest, doc, how, caseID, reason string
	version                          int
	review, kind, format             string // a review paper printed; the ledger exported
	round                            int
	rows                             int // the ledger's rows; -1 for other accesses
}

// applyAccess keeps an access to the record (调阅监督): a clip played or
// exported, a document version shown or made a PDF, a case file exported,
// footage fetched from the hub — by whom, of what, for which case, why.
// One insert, no lookup: accepting an event stays cheap.
func applyAccess(ctx context.Context, tx *recordTx, e loggedEvent, p casework.Payload, at time.Time, actor string) error {
	a := accessRow{rows: -1}
	switch v := p.(type) {
	case *casework.FootagePlayed:
		a.digest, a.caseID, a.reason = v.Digest.String(), v.Case, v.Reason
	case *casework.FootageExported:
		a.digest, a.caseID, a.reason = v.Digest.String(), v.Case, v.Reason
	case *casework.DocumentViewed:
		a.doc, a.version, a.how, a.caseID, a.reason = v.Doc, v.Version, string(v.How), v.Case, v.Reason
	case *casework.ReviewPrinted:
		a.review, a.round, a.kind, a.caseID, a.reason = v.Review, v.Round, string(v.Kind), v.Case, v.Reason
	case *casework.LedgerExported:
		a.format, a.rows, a.reason = string(v.Format), v.Cases, v.Reason
	case *casework.CaseExported:
		a.digest, a.caseID = v.Sums.String(), v.Case
		if v.WithFootage {
			a.how = "with_footage"
		}
	case *casework.FootageFetched:
		a.digest = v.Digest.String()
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO rm_accesses (hub_agency, log_index, officer, type, digest, doc, doc_version, how, case_id,
		reason, at, terminal, review, review_round, kind, format, ledger_rows) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT DO NOTHING`, e.hubAgency, e.logIndex, actor,
		p.EventType(), a.digest, a.doc, a.version, a.how, a.caseID, a.reason, rmTimeOf(at), e.body.Terminal,
		a.review, a.round, a.kind, a.format, a.rows)
	return err
}

// decisionDay is the day a decision document says it was decided
// (decided_at, "2006-01-02 15:04" in Asia/Shanghai or RFC 3339), else the
// day its version was signed: the rule of casework.PublicationOf.
func decisionDay(fields map[string]json.RawMessage, signedAt time.Time) time.Time {
	var s string
	if json.Unmarshal(fields["decided_at"], &s) == nil {
		if t, err := time.ParseInLocation("2006-01-02 15:04", s, casework.Shanghai); err == nil {
			return t
		}
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			return t.In(casework.Shanghai)
		}
	}
	return signedAt.In(casework.Shanghai)
}

// applyReview applies the rounds of legal review.
func applyReview(ctx context.Context, tx *recordTx, hubAgency string, p casework.Payload, at time.Time) error {
	const set = " WHERE hub_agency = ? AND review = ? AND round = ?"
	var err error
	switch v := p.(type) {
	case *casework.ReviewSubmitted:
		_, err = tx.ExecContext(ctx, `INSERT INTO rm_reviews (hub_agency, review, round, case_id, major, submitted_at, due)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, hubAgency, v.Review, v.Round, v.Case, len(v.Major) > 0, rmTimeOf(at), v.Due)
	case *casework.ReviewAssigned:
		_, err = tx.ExecContext(ctx, "UPDATE rm_reviews SET reviewer = ?"+set, v.Reviewer, hubAgency, v.Review, v.Round)
	case *casework.ReviewExtended:
		_, err = tx.ExecContext(ctx, "UPDATE rm_reviews SET due = ?"+set, v.Due, hubAgency, v.Review, v.Round)
	case *casework.ReviewOpinion:
		_, err = tx.ExecContext(ctx, "UPDATE rm_reviews SET opinion_at = ?, outcome = ?"+set, rmTimeOf(at), v.Outcome, hubAgency, v.Review, v.Round)
	case *casework.ReviewDisputed:
		_, err = tx.ExecContext(ctx, "UPDATE rm_reviews SET disputed = 1"+set, hubAgency, v.Review, v.Round)
	case *casework.ReviewResolved:
		_, err = tx.ExecContext(ctx, "UPDATE rm_reviews SET resolution = ?"+set, v.Resolution, hubAgency, v.Review, v.Round)
	}
	return err
}

// applyPublicity applies publications (as signed: their text is masked
// already) with the event's digest and leaf, counts them for the public
// list, and applies withdrawals. A publication the public must not see
// (withheldReason) is kept apart, with the reason, for the console.
func applyPublicity(ctx context.Context, tx *recordTx, e loggedEvent, p casework.Payload, at time.Time) error {
	switch v := p.(type) {
	case *casework.PublicityPublished:
		reason, err := withheldReason(ctx, tx, e.hubAgency, v)
		if err != nil {
			return err
		}
		if reason != "" {
			return withhold(ctx, tx, e, v, at, reason)
		}
		x := v.Text
		res, err := tx.ExecContext(ctx, `INSERT INTO rm_publications (hub_agency, publication, case_id, doc, doc_version, act, party_kind,
			decided, due, published_at, published_day, title, party, address, facts, basis, outcome, terminal, event_digest, log_index)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			e.hubAgency, v.Publication, v.Case, v.Doc, v.DocVersion, v.Act, v.PartyKind, v.Decided, v.Due, rmTimeOf(at),
			at.In(casework.Shanghai).Format(time.DateOnly), x.Title, x.Party, x.Address, x.Facts, x.Basis, x.Outcome,
			e.body.Terminal, e.digest.String(), e.logIndex)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO rm_publication_counts (terminal, hub_agency, act, year, n) VALUES (?, ?, ?, ?, 1)
			ON CONFLICT (terminal, hub_agency, act, year) DO UPDATE SET n = rm_publication_counts.n + 1`, e.body.Terminal, e.hubAgency, v.Act, yearOf(v.Decided))
		return err
	case *casework.PublicityWithdrawn:
		_, err := tx.ExecContext(ctx, `UPDATE rm_publications SET withdrawn_code = ?, withdraw_reason = ?, withdrawn_at = ?,
			withdraw_digest = ?, withdraw_log_index = ? WHERE hub_agency = ? AND publication = ? AND withdrawn_code = ''`,
			v.Code, v.Reason, rmTimeOf(at), e.digest.String(), e.logIndex, e.hubAgency, v.Publication)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE rm_withheld_publications SET withdrawn_code = ?, withdrawn_at = ?
			WHERE hub_agency = ? AND publication = ? AND withdrawn_code = ''`, v.Code, rmTimeOf(at), e.hubAgency, v.Publication)
		return err
	}
	return nil
}

// withhold keeps a publication the public must not see, and why.
func withhold(ctx context.Context, tx *recordTx, e loggedEvent, v *casework.PublicityPublished, at time.Time, reason string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO rm_withheld_publications (hub_agency, publication, case_id, doc, terminal, published_at,
		reason, event_digest, log_index) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		e.hubAgency, v.Publication, v.Case, v.Doc, e.body.Terminal, rmTimeOf(at), reason, e.digest.String(), e.logIndex)
	return err
}

// withheldReason says why the public must not see a publication, "" when
// it may. A terminal checks a publication's text when it signs it
// (casework.CheckMasked), but one whose database was edited — the
// finalized document's party renamed — or a rogue one signing its own
// events sends what those rules refuse, and the hub would publish it. So
// the hub checks again, against the decision document it holds (the
// latest finalized version, from its signed doc.finalized event): a
// publication of that version must name its content (the hash of what was
// finalized, not of an edited copy) and state its day of decision, act and
// kind of party as the rules read them (the due day it states depends on
// the calendar the terminal held, so it is not compared); its text must carry no ID-card or
// phone number, none of the party's numbers however split, not an
// individual party's full name, and not the part of an individual's
// address that masking hides unless the rules' own text keeps it. Without
// that document only the generic ID-card and phone patterns apply. The
// answer depends only on the log up to the publication, so check and
// rebuild agree with what was applied.
func withheldReason(ctx context.Context, tx *recordTx, hubAgency string, p *casework.PublicityPublished) (string, error) {
	var party casework.Party
	var rules casework.PublicityPublished
	kind := p.PartyKind
	doc, found, err := heldDecision(ctx, tx, hubAgency, p.Doc)
	if err != nil {
		return "", err
	}
	if found {
		rules, party, err = casework.PublicationOf(doc.template, doc.content, doc.signedAt, doc.calendar)
		found = err == nil // else not a decision the hub can read: the generic patterns only
	}
	if found {
		if doc.content.Version == p.DocVersion && rules.DocHash != p.DocHash {
			return fmt.Sprintf("公示所依据的文书内容与平台收到的第 %d 版定稿不一致（终端的数据可能被改动）", p.DocVersion), nil
		}
		if doc.content.Version == p.DocVersion && (rules.Decided != p.Decided || rules.Act != p.Act || rules.PartyKind != p.PartyKind) {
			return fmt.Sprintf("公示所写的决定日期或决定类别与第 %d 版定稿不一致", p.DocVersion), nil
		}
		kind = rules.PartyKind
	}
	text := p.Text.All() + "\n" + p.Note
	for _, c := range []struct {
		party  casework.Party
		reason string
	}{
		{casework.Party{}, "公示文本含有未遮蔽的身份证号码或电话号码"},
		{casework.Party{IDNo: party.IDNo, Phone: party.Phone}, "公示文本含有当事人的身份证号码或电话号码（数字被拆开书写）"},
		{casework.Party{Name: party.Name}, "公示文本含有当事人的全名"},
	} {
		if casework.CheckMasked(text, c.party, kind) != nil {
			return c.reason, nil
		}
	}
	if hidden := hiddenAddress(party.Address); kind == casework.PartyIndividual && hidden != "" &&
		strings.Contains(unspaced(text), hidden) && !strings.Contains(unspaced(rules.Text.All()), hidden) {
		return "公示文本含有当事人住址中应遮蔽的部分（街道门牌）", nil
	}
	return "", nil
}

// hiddenAddress is the part of an address that masking hides (after the
// district, or the street office), without spaces; "" when none is.
func hiddenAddress(addr string) string {
	addr = strings.TrimSpace(addr)
	masked := casework.MaskAddress(addr)
	if !strings.HasSuffix(masked, "**") || len(masked)-2 > len(addr) {
		return ""
	}
	hidden := unspaced(addr[len(masked)-2:])
	if utf8.RuneCountInString(hidden) < 2 {
		return ""
	}
	return hidden
}

func unspaced(s string) string { return strings.Join(strings.Fields(s), "") }

// decisionDocument is a finalized version of a decision document as the
// hub holds it: its content, when it was signed, and its template.
type decisionDocument struct {
	content  casework.DocumentContent
	signedAt time.Time
	template *casework.Template
	calendar casework.Calendar
}

// heldDecision reads the latest finalized version of doc the hub holds
// (rm_documents names its doc.finalized event); false when it holds none,
// or none whose template it knows.
func heldDecision(ctx context.Context, tx *recordTx, hubAgency, doc string) (decisionDocument, bool, error) {
	var d decisionDocument
	var idx int64
	var raw []byte
	err := tx.QueryRowContext(ctx, "SELECT log_index FROM rm_documents WHERE hub_agency = ? AND doc = ?", hubAgency, doc).Scan(&idx)
	if errors.Is(err, sql.ErrNoRows) {
		return d, false, nil
	}
	if err == nil {
		err = tx.QueryRowContext(ctx, "SELECT body FROM events WHERE log_index = ?", idx).Scan(&raw)
	}
	if err != nil {
		return d, false, fmt.Errorf("document %s: %w", doc, err)
	}
	body, err := evidence.ParseBody(raw)
	if err != nil {
		return d, false, fmt.Errorf("document %s: %w", doc, err)
	}
	p, err := casework.Decode(body.Type, body.Payload)
	if err != nil {
		return d, false, fmt.Errorf("document %s: %w", doc, err)
	}
	inner, original, ok := casework.Effective(p)
	f, isDoc := inner.(*casework.DocFinalized)
	if !ok || !isDoc {
		return d, false, fmt.Errorf("document %s: leaf %d is no doc.finalized", doc, idx)
	}
	d.content, d.signedAt = f.DocumentContent, body.Time
	if original != nil {
		d.signedAt = original.Time
	}
	cfg, err := agencyConfig(ctx, tx, hubAgency, casework.ConfigTemplates, casework.ConfigHolidays)
	if err != nil {
		return d, false, err
	}
	d.template, d.calendar = cfg.Templates[f.Template], cfg.Calendar
	return d, d.template != nil, nil
}

// yearOf is the year of a day (YYYY-MM-DD), 0 when it has none.
func yearOf(day string) int {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return 0
	}
	return t.Year()
}

// The case an event of a step, review or publication belongs to.
const (
	caseOfStep        = "SELECT case_id FROM rm_steps WHERE hub_agency = ? AND step = ?"
	caseOfReview      = "SELECT case_id FROM rm_reviews WHERE hub_agency = ? AND review = ? LIMIT 1"
	caseOfPublication = `SELECT case_id FROM rm_publications WHERE hub_agency = ?1 AND publication = ?2
		UNION ALL SELECT case_id FROM rm_withheld_publications WHERE hub_agency = ?1 AND publication = ?2 LIMIT 1`
)

// fileUnderCase names the event in its case's timeline (rm_case_events).
func fileUnderCase(ctx context.Context, tx *recordTx, e loggedEvent, p casework.Payload) error {
	caseID, lookup := "", ""
	var key string
	switch v := p.(type) {
	case *casework.CaseOpened:
		caseID = v.Case
	case *casework.CasePhaseAdvanced:
		caseID = v.Case
	case *casework.DecisionProposed:
		caseID = v.Case
	case *casework.CaseExported:
		caseID = v.Case
	case *casework.StepRecorded:
		caseID = v.Case
	case *casework.DocDrafted:
		caseID = v.Case
	case *casework.DocFinalized:
		caseID = v.Case
	case *casework.ReviewSubmitted:
		caseID = v.Case
	case *casework.PublicityPublished:
		caseID = v.Case
	case *casework.FootagePlayed:
		caseID = v.Case
	case *casework.FootageExported:
		caseID = v.Case
	case *casework.DocumentViewed:
		caseID = v.Case
	case *casework.ReviewPrinted:
		caseID = v.Case
	case *casework.StepTextOnly:
		lookup, key = caseOfStep, v.Step
	case *casework.StepFootageLinked:
		lookup, key = caseOfStep, v.Step
	case *casework.ReviewAssigned:
		lookup, key = caseOfReview, v.Review
	case *casework.ReviewExtended:
		lookup, key = caseOfReview, v.Review
	case *casework.ReviewOpinion:
		lookup, key = caseOfReview, v.Review
	case *casework.ReviewDisputed:
		lookup, key = caseOfReview, v.Review
	case *casework.ReviewResolved:
		lookup, key = caseOfReview, v.Review
	case *casework.PublicityWithdrawn:
		lookup, key = caseOfPublication, v.Publication
	}
	if lookup != "" {
		if err := tx.QueryRowContext(ctx, lookup, e.hubAgency, key).Scan(&caseID); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
	}
	if caseID == "" {
		return nil
	}
	// No ON CONFLICT: an event is filed once (one call an application, at
	// its own log index, and Rebuild empties the table first), so a row
	// already there is a fault to stop at — and a plain insert goes by
	// COPY on PostgreSQL, where ON CONFLICT's speculative insertion made
	// this table a fifth of the server's time an event.
	tx.InsertLater("rm_case_events (hub_agency, case_id, log_index)", "", 3, e.hubAgency, caseID, e.logIndex)
	return nil
}

// rowsQuerier reads rows: a transaction or a database.
type rowsQuerier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// bundledConfig is the configuration lawtrail ships, which an agency's
// terminals use until it publishes its own: built once, never changed.
var bundledConfig = sync.OnceValues(casework.Bundled{Templates: assets.Templates, TemplateDir: "templates",
	AVMatters: assets.AVMatters, MajorList: assets.MajorDecisions, Retention: assets.Retention}.Load)

// agencyConfig is hubAgency's configuration in force as q holds it: the
// bundled one overlaid by the latest published version of each of kinds
// (casework.Overlay), as its terminals have it.
func agencyConfig(ctx context.Context, q rowsQuerier, hubAgency string, kinds ...casework.ConfigKind) (*casework.Config, error) {
	base, err := bundledConfig()
	if err != nil {
		return nil, err
	}
	if len(kinds) == 0 {
		return base, nil
	}
	args := []any{hubAgency}
	for _, k := range kinds {
		args = append(args, string(k))
	}
	rows, err := q.QueryContext(ctx, `SELECT kind, version, content, note, published_at FROM rm_config c
		WHERE hub_agency = ? AND kind IN (?`+strings.Repeat(", ?", len(kinds)-1)+`)
		AND version = (SELECT max(version) FROM rm_config WHERE hub_agency = c.hub_agency AND kind = c.kind) ORDER BY kind`, args...)
	if err != nil {
		return nil, fmt.Errorf("configuration of %s: %w", hubAgency, err)
	}
	defer rows.Close()
	var published []casework.Published
	for rows.Next() {
		var p casework.Published
		if err := rows.Scan(&p.Kind, &p.Version, &p.Content, &p.Note, &p.At); err != nil {
			return nil, fmt.Errorf("configuration of %s: %w", hubAgency, err)
		}
		published = append(published, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("configuration of %s: %w", hubAgency, err)
	}
	return casework.Overlay(base, published)
}

// hubAgencyOf is the agency the hub enrolled terminal under.
func hubAgencyOf(ctx context.Context, q querier, terminal string) (string, error) {
	var agency string
	if err := q.QueryRowContext(ctx, "SELECT agency FROM terminals WHERE id = ?", terminal).Scan(&agency); err != nil {
		return "", fmt.Errorf("agency of terminal %s: %w", terminal, err)
	}
	return agency, nil
}

// RebuildReport says what Rebuild applied.
type RebuildReport struct {
	Events       int `json:"events"` // events of the types the read model applies
	Agencies     int `json:"agencies"`
	Officers     int `json:"officers"`
	Terminals    int `json:"terminals"`
	Cases        int `json:"cases"`
	Steps        int `json:"steps"`
	Footage      int `json:"footage"`
	Decisions    int `json:"decisions"` // decision documents
	Reviews      int `json:"reviews"`   // review rounds
	Publications int `json:"publications"`
	Accesses     int `json:"accesses"`  // accesses to the record (rm_accesses)
	Deletions    int `json:"deletions"` // footage.deleted events (rm_deletions), refused or not
}

// readModelTables are the read model's tables, emptied by a rebuild. The
// publication generation (rm_publication_generation) is not one of them: it
// only grows, so that a page rendered before a rebuild is never taken for
// one after it.
var readModelTables = []string{"rm_agencies", "rm_officers", "rm_terminals", "rm_state", "rm_cases", "rm_case_events", "rm_steps",
	"rm_step_footage", "rm_footage", "rm_documents", "rm_reviews", "rm_publications", "rm_publication_counts", "rm_withheld_publications",
	"rm_config", "rm_accesses", "rm_holds", "rm_deletions"}

// Rebuild empties the read model and applies every stored event to it
// again, in log order, in one transaction.
func (h *Hub) Rebuild(ctx context.Context) (RebuildReport, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	tx, err := h.db.BeginTx(ctx, nil)
	if err != nil {
		return RebuildReport{}, fmt.Errorf("rebuild: %w", err)
	}
	defer tx.Rollback()
	r, err := rebuildIn(ctx, tx, h.now())
	if err != nil {
		return r, err
	}
	return r, tx.Commit()
}

// rebuildIn rebuilds the read model inside tx.
func rebuildIn(ctx context.Context, tx *recordTx, now time.Time) (RebuildReport, error) {
	var r RebuildReport
	for _, table := range readModelTables {
		if _, err := tx.ExecContext(ctx, "DELETE FROM "+table); err != nil {
			return r, fmt.Errorf("rebuild: empty %s: %w", table, err)
		}
	}
	for from := int64(-1); ; {
		evs, err := readModelEvents(ctx, tx, from, rebuildPage)
		if err != nil {
			return r, err
		}
		for _, e := range evs {
			from = int64(e.logIndex)
			if !slices.Contains(readModelTypes, e.body.Type) {
				continue
			}
			r.Events++
			if err := applyReadModel(ctx, tx, e); err != nil {
				return r, err
			}
		}
		if len(evs) < rebuildPage {
			break
		}
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO rm_state (id, built) VALUES (1, ?)", now.UTC().Format(time.RFC3339)); err != nil {
		return r, fmt.Errorf("rebuild: %w", err)
	}
	// The triggers of migration 0008 count every row emptied and applied;
	// this counts the rebuild itself, even of a read model with no rows.
	if _, err := tx.ExecContext(ctx, "UPDATE rm_publication_generation SET n = n + 1"); err != nil {
		return r, fmt.Errorf("rebuild: publication generation: %w", err)
	}
	for _, c := range []struct {
		n     *int
		table string
	}{{&r.Agencies, "rm_agencies"}, {&r.Officers, "rm_officers"}, {&r.Terminals, "rm_terminals"}, {&r.Cases, "rm_cases"},
		{&r.Steps, "rm_steps"}, {&r.Footage, "rm_footage"}, {&r.Decisions, "rm_documents"}, {&r.Reviews, "rm_reviews"},
		{&r.Publications, "rm_publications"}, {&r.Accesses, "rm_accesses"}, {&r.Deletions, "rm_deletions"}} {
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM "+c.table).Scan(c.n); err != nil {
			return r, fmt.Errorf("rebuild: count %s: %w", c.table, err)
		}
	}
	return r, nil
}

// rebuildPage is how many events a rebuild reads at a time.
const rebuildPage = 1000

// readModelEvents reads, in log order, up to limit stored events after
// log index from whose body may be of a type the read model applies (the
// LIKE only narrows; the parsed type decides).
func readModelEvents(ctx context.Context, tx *recordTx, from int64, limit int) ([]loggedEvent, error) {
	var like []string
	args := []any{from}
	for _, t := range readModelTypes {
		like = append(like, tx.dialect.text("e.body")+" LIKE ?")
		args = append(args, `%"type":"`+t+`"%`)
	}
	rows, err := tx.QueryContext(ctx, `SELECT t.agency, e.body, e.hash, e.log_index FROM events e JOIN terminals t ON t.id = e.terminal
		WHERE e.log_index > ? AND (`+strings.Join(like, " OR ")+`) ORDER BY e.log_index LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("rebuild: read events: %w", err)
	}
	defer rows.Close()
	var out []loggedEvent
	for rows.Next() {
		var e loggedEvent
		var raw, hash []byte
		if err := rows.Scan(&e.hubAgency, &raw, &hash, &e.logIndex); err != nil {
			return nil, fmt.Errorf("rebuild: read events: %w", err)
		}
		if e.body, err = evidence.ParseBody(raw); err != nil {
			return nil, fmt.Errorf("rebuild: event body: %w", err)
		}
		copy(e.digest[:], hash)
		out = append(out, e)
	}
	return out, rows.Err()
}

// ensureReadModel builds the read model of a hub that has none yet (one
// upgraded from before migration 0007).
func (h *Hub) ensureReadModel(ctx context.Context) error {
	var n int
	if err := h.db.QueryRowContext(ctx, "SELECT count(*) FROM rm_state").Scan(&n); err != nil {
		return fmt.Errorf("read model state: %w", err)
	}
	if n > 0 {
		return nil
	}
	_, err := h.Rebuild(ctx)
	return err
}

// readModelQueries read every column of every table of the read model but
// rm_state and rm_publication_generation (a count of writes, not derived
// from the events), by the name check gives the rows.
var readModelQueries = map[string]string{
	"agency":   "SELECT hub_agency, agency, name FROM rm_agencies",
	"officer":  "SELECT hub_agency, officer, agency, name, credential_no, valid_until, roles, revoked, revoke_reason FROM rm_officers",
	"terminal": "SELECT terminal, name, agency FROM rm_terminals",
	"case": `SELECT hub_agency, case_id, agency, number, title, act_type, phase, opened_at, closed_at, decision, terminal, log_index
		FROM rm_cases`,
	"case event":   "SELECT hub_agency, case_id, log_index FROM rm_case_events",
	"step":         "SELECT hub_agency, step, case_id, kind, start_at, end_at, officers, text_only FROM rm_steps",
	"step footage": "SELECT hub_agency, step, digest FROM rm_step_footage",
	"footage":      "SELECT hub_agency, digest, recorder, officer, start_at, end_at, ingested_at FROM rm_footage",
	"document": `SELECT hub_agency, doc, case_id, template, version, act, party_kind, decision, decided, due, first_finalized_at,
		finalized_at, log_index FROM rm_documents`,
	"review": `SELECT hub_agency, review, round, case_id, major, submitted_at, due, reviewer, opinion_at, outcome, disputed, resolution
		FROM rm_reviews`,
	"publication": `SELECT hub_agency, publication, case_id, doc, doc_version, act, party_kind, decided, due, published_at, published_day,
		title, party, address, facts, basis, outcome, terminal, event_digest, log_index, withdrawn_code, withdraw_reason, withdrawn_at, withdraw_digest, withdraw_log_index
		FROM rm_publications`,
	"publication count": "SELECT terminal, hub_agency, act, year, n FROM rm_publication_counts",
	"withheld publication": `SELECT hub_agency, publication, case_id, doc, terminal, published_at, reason, event_digest, log_index,
		withdrawn_code, withdrawn_at FROM rm_withheld_publications`,
	"config": "SELECT hub_agency, kind, version, content, note, published_at FROM rm_config",
	"access": `SELECT hub_agency, log_index, officer, type, digest, doc, doc_version, how, case_id, reason, at, terminal,
		review, review_round, kind, format, ledger_rows FROM rm_accesses`,
	"hold": "SELECT hub_agency, hold, digest, released FROM rm_holds",
	"deletion": `SELECT hub_agency, log_index, digest, terminal, officer, reason, policy_version, order_no, authority, at, refused
		FROM rm_deletions`,
}

// readModelRows lists every row of the read model, one string per row, so
// two states compare as sets.
func readModelRows(ctx context.Context, tx *recordTx) (map[string]bool, error) {
	out := map[string]bool{}
	for kind, q := range readModelQueries {
		rows, err := tx.QueryContext(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("read model %s rows: %w", kind, err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				rows.Close()
				return nil, err
			}
			for i, v := range vals {
				if b, ok := v.([]byte); ok {
					vals[i] = hex.EncodeToString(b) // as SQLite's hex() gave them, and shorter to name
				}
			}
			b, _ := json.Marshal(vals)
			out[kind+" "+string(b)] = true
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// checkReadModel rebuilds the read model in a transaction it then rolls
// back, and names every row the stored one holds that the rebuild does not
// (edited or added) and every row the rebuild holds that is missing.
func (h *Hub) checkReadModel(ctx context.Context, add func(string, error)) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	tx, err := h.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	stored, err := readModelRows(ctx, tx)
	if err != nil {
		return err
	}
	if _, err := rebuildIn(ctx, tx, h.now()); err != nil {
		return err
	}
	rebuilt, err := readModelRows(ctx, tx)
	if err != nil {
		return err
	}
	for _, row := range sortedKeys(stored) {
		if !rebuilt[row] {
			add("read model "+row, fmt.Errorf("not what the events say (edited or added; lawtrail-hub rebuild restores it)"))
		}
	}
	for _, row := range sortedKeys(rebuilt) {
		if !stored[row] {
			add("read model "+row, fmt.Errorf("missing (lawtrail-hub rebuild restores it)"))
		}
	}
	return nil
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
