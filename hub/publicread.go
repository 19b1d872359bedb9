package hub

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"lawtrail/assets"
	"lawtrail/casework"
	"lawtrail/evidence"
)

// The public side of the read model (views.go): agencies with their
// officers and lists, the publications and their proofs, the annual
// statistics. Everything is read through the read-only connection, and
// nothing is read from a decision document: a publication is what its
// signed publicity.published event says, masked at signing.

// PublicAgencies lists every agency the hub has a terminal of, by name,
// each with its officers and lists.
func (h *Hub) PublicAgencies(ctx context.Context) ([]PublicAgency, error) {
	ids, err := scopeAgencies(ctx, h.rdb, Scope{}) // every agency a terminal was enrolled under
	if err != nil {
		return nil, err
	}
	out := make([]PublicAgency, 0, len(ids))
	for _, id := range ids {
		a, err := h.publicAgency(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	slices.SortStableFunc(out, func(a, b PublicAgency) int { return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID)) })
	return out, nil
}

// AgencyNames lists every agency the hub has a terminal of, by name, with
// nothing else: what the decision list's filter offers. One query.
func (h *Hub) AgencyNames(ctx context.Context) ([]AgencyName, error) {
	rows, err := h.rdb.QueryContext(ctx, `SELECT t.agency, coalesce((SELECT a.name FROM rm_agencies a WHERE a.hub_agency = t.agency
		ORDER BY a.agency LIMIT 1), '') FROM (SELECT DISTINCT agency FROM terminals) t`)
	if err != nil {
		return nil, fmt.Errorf("agency names: %w", err)
	}
	defer rows.Close()
	out := []AgencyName{}
	for rows.Next() {
		var a AgencyName
		if err := rows.Scan(&a.ID, &a.Name); err != nil {
			return nil, fmt.Errorf("agency names: %w", err)
		}
		if a.Name == "" {
			a.Name = a.ID
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("agency names: %w", err)
	}
	slices.SortFunc(out, func(a, b AgencyName) int { return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID)) })
	return out, nil
}

// PublicationGeneration is a number that changes, in the same transaction,
// with every change to what the decision pages show — the publications,
// their withdrawals, the agencies' names, the terminals and whether the hub
// still trusts them — and at every rebuild, and never comes back (migration
// 0008). A page read after the generation was g shows at least what g
// stands for, so a page rendered then may be served again while the
// generation is still g. One read of one row.
func (h *Hub) PublicationGeneration(ctx context.Context) (uint64, error) {
	var n uint64
	if err := h.rdb.QueryRowContext(ctx, "SELECT n FROM rm_publication_generation WHERE id = 1").Scan(&n); err != nil {
		return 0, fmt.Errorf("publication generation: %w", err)
	}
	return n, nil
}

// PublicAgency is one agency's 事前公开 page: ErrNoAgency when the hub has
// no terminal of it.
func (h *Hub) PublicAgency(ctx context.Context, id string) (PublicAgency, error) {
	var n int
	if err := h.rdb.QueryRowContext(ctx, "SELECT count(*) FROM terminals WHERE agency = ?", id).Scan(&n); err != nil {
		return PublicAgency{}, fmt.Errorf("agency %s: %w", id, err)
	}
	if n == 0 {
		return PublicAgency{}, ErrNoAgency
	}
	return h.publicAgency(ctx, id)
}

func (h *Hub) publicAgency(ctx context.Context, id string) (PublicAgency, error) {
	names, err := agencyNames(ctx, h.rdb)
	if err != nil {
		return PublicAgency{}, err
	}
	a := PublicAgency{ID: id, Name: names.of(id)}
	if a.Officers, err = h.publicOfficers(ctx, id); err != nil {
		return a, err
	}
	a.Lists, err = publicLists(ctx, h.rdb, id)
	return a, err
}

// publicOfficers lists the agency's officers who hold a credential number,
// by credential number, with their card's state now (revoked and expired
// ones too, so the public sees them said so).
func (h *Hub) publicOfficers(ctx context.Context, hubAgency string) ([]PublicOfficer, error) {
	rows, err := h.rdb.QueryContext(ctx, `SELECT name, credential_no, valid_until, revoked FROM rm_officers
		WHERE hub_agency = ? AND credential_no != '' ORDER BY credential_no, officer`, hubAgency)
	if err != nil {
		return nil, fmt.Errorf("officers of %s: %w", hubAgency, err)
	}
	defer rows.Close()
	now := h.now()
	out := []PublicOfficer{}
	for rows.Next() {
		var o casework.Officer
		if err := rows.Scan(&o.Name, &o.CredentialNo, &o.ValidUntil, &o.Revoked); err != nil {
			return nil, fmt.Errorf("officers of %s: %w", hubAgency, err)
		}
		out = append(out, PublicOfficer{Name: o.Name, CredentialNo: o.CredentialNo, ValidUntil: o.ValidUntil, Status: cardStatus(o, now)})
	}
	return out, rows.Err()
}

// publicKinds are the lists an agency's page shows, with the bundled
// version of each.
var publicKinds = []struct {
	kind    casework.ConfigKind
	bundled []byte
}{{casework.ConfigAVMatters, assets.AVMatters}, {casework.ConfigMajorList, assets.MajorDecisions}}

// publicLists lists every version the agency published of the AV matters
// list and of the list of major decisions, newest first per kind, then the
// bundled one (version 0); the newest is in force.
func publicLists(ctx context.Context, q rowsQuerier, hubAgency string) ([]PublicList, error) {
	out := []PublicList{}
	for _, k := range publicKinds {
		rows, err := q.QueryContext(ctx, "SELECT version, published_at, note, content FROM rm_config WHERE hub_agency = ? AND kind = ? ORDER BY version DESC",
			hubAgency, string(k.kind))
		if err != nil {
			return nil, fmt.Errorf("lists of %s: %w", hubAgency, err)
		}
		first := len(out)
		for rows.Next() {
			l := PublicList{Kind: k.kind}
			var at string
			var content []byte
			if err := rows.Scan(&l.Version, &at, &l.Note, &content); err != nil {
				rows.Close()
				return nil, fmt.Errorf("lists of %s: %w", hubAgency, err)
			}
			l.Published, l.Content = dayOf(parseRMTime(at)), jsonOf(content)
			out = append(out, l)
		}
		if err := rows.Close(); err != nil {
			return nil, fmt.Errorf("lists of %s: %w", hubAgency, err)
		}
		out = append(out, PublicList{Kind: k.kind, Content: jsonOf(k.bundled)})
		out[first].InForce = true
	}
	return out, nil
}

// jsonOf is a published file as JSON: itself when it is one value, else
// the file as a JSON string (a parser that accepted trailing bytes).
func jsonOf(b []byte) json.RawMessage {
	if json.Valid(b) {
		return json.RawMessage(b)
	}
	s, _ := json.Marshal(string(b))
	return s
}

// dayOf is t's day in Asia/Shanghai ("" for the zero time).
func dayOf(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(casework.Shanghai).Format(time.DateOnly)
}

// agencyNameMap names hub agencies: agency.registered's name (of the
// agency id first in order, when a hub agency registered several).
type agencyNameMap map[string]string

func (m agencyNameMap) of(hubAgency string) string {
	if n := m[hubAgency]; n != "" {
		return n
	}
	return hubAgency
}

func agencyNames(ctx context.Context, q rowsQuerier) (agencyNameMap, error) {
	rows, err := q.QueryContext(ctx, "SELECT hub_agency, name FROM rm_agencies ORDER BY hub_agency, agency DESC")
	if err != nil {
		return nil, fmt.Errorf("agency names: %w", err)
	}
	defer rows.Close()
	m := agencyNameMap{}
	for rows.Next() {
		var id, name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, fmt.Errorf("agency names: %w", err)
		}
		m[id] = name // the last row of an agency, the first agency id, wins
	}
	return m, rows.Err()
}

// publicationColumns are what a PublicDecision is scanned from.
const publicationColumns = `p.publication, p.hub_agency, coalesce((SELECT a.name FROM rm_agencies a WHERE a.hub_agency = p.hub_agency
	ORDER BY a.agency LIMIT 1), p.hub_agency), p.case_id, p.act, p.party_kind, p.decided, p.due, p.published_day,
	p.title, p.party, p.address, p.facts, p.basis, p.outcome,
	p.event_digest, p.log_index, p.withdrawn_code, p.withdraw_reason, p.withdrawn_at, p.withdraw_digest, p.withdraw_log_index`

// trustedPublication keeps publications of terminals the hub still trusts.
const trustedPublication = " p.terminal NOT IN (SELECT id FROM terminals WHERE revoked_at IS NOT NULL)"

// scanPublication reads one row of publicationColumns.
func scanPublication(rows interface{ Scan(...any) error }) (PublicDecision, error) {
	var d PublicDecision
	var digest, code, reason, withdrawnAt, withdrawDigest string
	var withdrawIndex uint64
	x := &d.Text
	if err := rows.Scan(&d.Publication, &d.Agency, &d.AgencyName, &d.Case, &d.Act, &d.PartyKind, &d.Decided, &d.Due, &d.Published,
		&x.Title, &x.Party, &x.Address, &x.Facts, &x.Basis, &x.Outcome,
		&digest, &d.LogIndex, &code, &reason, &withdrawnAt, &withdrawDigest, &withdrawIndex); err != nil {
		return d, err
	}
	d.Late = d.Published > d.Due
	var err error
	if d.Event, err = evidence.ParseDigest(digest); err != nil {
		return d, fmt.Errorf("publication %s: %w", d.Publication, err)
	}
	if code != "" {
		w := &PublicWithdrawal{Code: casework.WithdrawCode(code), Reason: reason, At: dayOf(parseRMTime(withdrawnAt)), LogIndex: withdrawIndex}
		if w.Event, err = evidence.ParseDigest(withdrawDigest); err != nil {
			return d, fmt.Errorf("publication %s: withdrawal: %w", d.Publication, err)
		}
		d.Withdrawn = w
	}
	return d, nil
}

// The list page's bounds.
const (
	defaultDecisionLimit = 50
	maxDecisionLimit     = 200
)

// PublicDecisions is one page of publications, newest decision first (then
// the latest published), of terminals the hub trusts, with how many match
// in all. The total is summed from per-terminal counts kept as events are
// applied, so a page costs one index walk whatever the number of rows.
func (h *Hub) PublicDecisions(ctx context.Context, q DecisionQuery) (DecisionPage, error) {
	page := DecisionPage{Items: []PublicDecision{}}
	if q.Year < 0 || q.Year > 9999 {
		return page, nil
	}
	limit := q.Limit
	if limit <= 0 {
		limit = defaultDecisionLimit
	}
	limit, offset := min(limit, maxDecisionLimit), max(q.Offset, 0)
	where, args := decisionFilter(q, "p.decided")
	rows, err := h.rdb.QueryContext(ctx, "SELECT "+publicationColumns+" FROM rm_publications p WHERE"+where+
		" ORDER BY p.decided DESC, p.log_index DESC LIMIT ? OFFSET ?", append(args, limit, offset)...)
	if err != nil {
		return page, fmt.Errorf("publications: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		d, err := scanPublication(rows)
		if err != nil {
			return page, fmt.Errorf("publications: %w", err)
		}
		page.Items = append(page.Items, d)
	}
	if err := rows.Err(); err != nil {
		return page, fmt.Errorf("publications: %w", err)
	}
	where, args = decisionFilter(q, "")
	err = h.rdb.QueryRowContext(ctx, "SELECT coalesce(sum(p.n), 0) FROM rm_publication_counts p WHERE"+where, args...).Scan(&page.Total)
	if err != nil {
		return page, fmt.Errorf("publications: count: %w", err)
	}
	return page, nil
}

// decisionFilter is the WHERE clause of q: on the decision day (decided
// names its column) or, with decided "", on the counts' year.
func decisionFilter(q DecisionQuery, decided string) (string, []any) {
	where, args := []string{trustedPublication}, []any{}
	if q.Agency != "" {
		where, args = append(where, " p.hub_agency = ?"), append(args, q.Agency)
	}
	if q.Act != "" {
		where, args = append(where, " p.act = ?"), append(args, string(q.Act))
	}
	switch {
	case q.Year == 0:
	case decided == "":
		where, args = append(where, " p.year = ?"), append(args, q.Year)
	default:
		y := fmt.Sprintf("%04d", q.Year)
		where, args = append(where, " "+decided+" >= ? AND "+decided+" <= ?"), append(args, y+"-01-01", y+"-12-31")
	}
	return strings.Join(where, " AND"), args
}

// PublicDecision is one publication as the public sees it: ErrNotPublished
// for an unknown one or one of a terminal the hub no longer trusts.
func (h *Hub) PublicDecision(ctx context.Context, id string) (PublicDecision, error) {
	return publicDecisionIn(ctx, h.rdb, id)
}

type rowQuerier interface {
	rowsQuerier
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func publicDecisionIn(ctx context.Context, q rowQuerier, id string) (PublicDecision, error) {
	if casework.CheckID("publication", id) != nil {
		return PublicDecision{}, ErrNotPublished
	}
	row := q.QueryRowContext(ctx, "SELECT "+publicationColumns+" FROM rm_publications p WHERE p.publication = ? AND"+trustedPublication+
		" ORDER BY p.log_index LIMIT 1", id)
	d, err := scanPublication(row)
	if errors.Is(err, sql.ErrNoRows) {
		return d, ErrNotPublished
	}
	if err != nil {
		return d, fmt.Errorf("publication %s: %w", id, err)
	}
	return d, nil
}

// PublicationProof is the publication's signed events — the publication
// and its withdrawal, if any — as stored, and the terminal.initialized
// event of each terminal that signed them (the terminal's public key, in
// the log), each with its inclusion proof against the newest checkpoint
// the hub signed, read in one snapshot.
func (h *Hub) PublicationProof(ctx context.Context, id string) (PublicationProof, error) {
	tx, err := h.rdb.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return PublicationProof{}, fmt.Errorf("proof of %s: %w", id, err)
	}
	defer tx.Rollback()
	d, err := publicDecisionIn(ctx, tx, id)
	if err != nil {
		return PublicationProof{}, err
	}
	p := PublicationProof{Publication: d.Publication, HubKey: h.key.Public, Events: []ProvedEvent{}, Terminals: []ProvedEvent{}}
	var body string
	if err := tx.QueryRowContext(ctx, "SELECT body FROM checkpoints ORDER BY size DESC LIMIT 1").Scan(&body); err != nil {
		return p, fmt.Errorf("proof of %s: checkpoint: %w", id, err)
	}
	var cp struct {
		Size uint64 `json:"size"`
	}
	if err := json.Unmarshal([]byte(body), &cp); err != nil {
		return p, fmt.Errorf("proof of %s: checkpoint: %w", id, err)
	}
	p.Checkpoint = json.RawMessage(body)
	leaves := []uint64{d.LogIndex}
	if d.Withdrawn != nil {
		leaves = append(leaves, d.Withdrawn.LogIndex)
	}
	var signers []string
	for _, idx := range leaves {
		e, terminal, err := provedEvent(ctx, tx, idx, cp.Size)
		if err != nil {
			return p, fmt.Errorf("proof of %s: %w", id, err)
		}
		p.Events = append(p.Events, e)
		if !slices.Contains(signers, terminal) {
			signers = append(signers, terminal)
		}
	}
	for _, terminal := range signers {
		e, err := provedGenesis(ctx, tx, terminal, cp.Size)
		if err != nil {
			return p, fmt.Errorf("proof of %s: %w", id, err)
		}
		p.Terminals = append(p.Terminals, e)
	}
	return p, nil
}

// provedGenesis is terminal's first event, its terminal.initialized (which
// carries the key the terminal signs with), with its inclusion proof.
func provedGenesis(ctx context.Context, tx *recordTx, terminal string, size uint64) (ProvedEvent, error) {
	var idx uint64
	if err := tx.QueryRowContext(ctx, "SELECT log_index FROM events WHERE terminal = ? AND seq = 1", terminal).Scan(&idx); err != nil {
		return ProvedEvent{}, fmt.Errorf("first event of terminal %s: %w", terminal, err)
	}
	e, _, err := provedEvent(ctx, tx, idx, size)
	if err != nil {
		return e, err
	}
	if e.Type != casework.TypeTerminalInitialized {
		return e, fmt.Errorf("first event of terminal %s is %s, not %s", terminal, e.Type, casework.TypeTerminalInitialized)
	}
	return e, nil
}

// provedEvent is the event at leaf idx as stored, with its inclusion proof
// in the log of size leaves, and the terminal that signed it.
func provedEvent(ctx context.Context, tx *recordTx, idx, size uint64) (ProvedEvent, string, error) {
	var ev evidence.Event
	var cosigs string
	err := tx.QueryRowContext(ctx, "SELECT body, sig, cosigs FROM events WHERE log_index = ?", idx).Scan(&ev.Body, &ev.Sig, &cosigs)
	if err != nil {
		return ProvedEvent{}, "", fmt.Errorf("event at leaf %d: %w", idx, err)
	}
	if err := json.Unmarshal([]byte(cosigs), &ev.CoSigs); err != nil {
		return ProvedEvent{}, "", fmt.Errorf("event at leaf %d: co-signatures: %w", idx, err)
	}
	body, err := evidence.ParseBody(ev.Body)
	if err != nil {
		return ProvedEvent{}, "", fmt.Errorf("event at leaf %d: %w", idx, err)
	}
	raw, err := json.Marshal(ev)
	if err != nil {
		return ProvedEvent{}, "", err
	}
	proof, err := inclusionProof(ctx, tx, idx, size)
	if err != nil {
		return ProvedEvent{}, "", err
	}
	return ProvedEvent{Type: body.Type, Digest: ev.Hash(), Event: raw, LeafIndex: idx, Proof: proof}, body.Terminal, nil
}

// AnnualStats is the year's statistics (DOMAIN P4) per agency, counted
// from the read model:
//   - Outcome "opened": cases whose case.opened falls in the year (its
//     event's time, Asia/Shanghai), by the case's act type;
//   - any other Outcome: decision documents (the latest finalized version
//     of each) whose day of decision (decided_at, else the day it was
//     signed) falls in the year, by the decision's act and its outcome —
//     the heaviest penalty kind (the last of casework.PenaltyKinds, the
//     law's order) when it has penalties, else "transfer" when the case is
//     sent to the judicial authorities, "no_penalty" for a penalty case
//     decided without penalty, "other" for other acts.
//
// Every case and decision of the hub's agencies counts, whichever of their
// terminals recorded it. Complete says the year has ended at the hub's
// clock.
func (h *Hub) AnnualStats(ctx context.Context, year int) (AnnualStats, error) {
	s := AnnualStats{Year: year, Rows: []AnnualRow{}}
	if year < 1 || year > 9999 {
		return s, nil
	}
	start := time.Date(year, 1, 1, 0, 0, 0, 0, casework.Shanghai)
	s.Complete = !h.now().Before(start.AddDate(1, 0, 0))
	counts := map[AnnualRow]int{}
	if err := countOpened(ctx, h.rdb, start, counts); err != nil {
		return s, err
	}
	if err := countDecided(ctx, h.rdb, year, counts); err != nil {
		return s, err
	}
	names, err := agencyNames(ctx, h.rdb)
	if err != nil {
		return s, err
	}
	for k, n := range counts {
		k.AgencyName, k.Count = names.of(k.Agency), n
		s.Rows = append(s.Rows, k)
	}
	slices.SortFunc(s.Rows, func(a, b AnnualRow) int {
		return cmp.Or(cmp.Compare(a.Agency, b.Agency), cmp.Compare(a.Act, b.Act), cmp.Compare(a.Outcome, b.Outcome))
	})
	return s, nil
}

// OutcomeOpened is AnnualRow.Outcome for cases opened.
const OutcomeOpened = "opened"

func countOpened(ctx context.Context, q rowsQuerier, start time.Time, counts map[AnnualRow]int) error {
	rows, err := q.QueryContext(ctx, `SELECT hub_agency, act_type, count(*) FROM rm_cases WHERE opened_at >= ? AND opened_at < ?
		GROUP BY hub_agency, act_type`, rmTimeOf(start), rmTimeOf(start.AddDate(1, 0, 0)))
	if err != nil {
		return fmt.Errorf("annual statistics: cases: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		k := AnnualRow{Outcome: OutcomeOpened}
		var n int
		if err := rows.Scan(&k.Agency, &k.Act, &n); err != nil {
			return fmt.Errorf("annual statistics: cases: %w", err)
		}
		counts[k] += n
	}
	return rows.Err()
}

func countDecided(ctx context.Context, q rowsQuerier, year int, counts map[AnnualRow]int) error {
	y := strconv.Itoa(year)
	for len(y) < 4 {
		y = "0" + y
	}
	rows, err := q.QueryContext(ctx, "SELECT hub_agency, decision FROM rm_documents WHERE decided >= ? AND decided <= ?", y+"-01-01", y+"-12-31")
	if err != nil {
		return fmt.Errorf("annual statistics: decisions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k AnnualRow
		var raw string
		if err := rows.Scan(&k.Agency, &raw); err != nil {
			return fmt.Errorf("annual statistics: decisions: %w", err)
		}
		d, err := casework.ParseDecision([]byte(raw))
		if err != nil {
			return fmt.Errorf("annual statistics: decision of %s: %w", k.Agency, err)
		}
		k.Act, k.Outcome = d.Act, DecisionOutcome(d)
		counts[k]++
	}
	return rows.Err()
}

// DecisionOutcome is how the annual statistics count a decision: its
// heaviest penalty kind (the last of casework.PenaltyKinds it imposes),
// else "transfer" (移送司法) when it sends the case on as a suspected
// crime, "no_penalty" (不予处罚) for a penalty case, "other" otherwise.
func DecisionOutcome(d casework.Decision) string {
	heaviest := -1
	for _, p := range d.Penalties {
		heaviest = max(heaviest, slices.Index(casework.PenaltyKinds, p.Kind))
	}
	switch {
	case heaviest >= 0:
		return string(casework.PenaltyKinds[heaviest])
	case d.CrimeTransfer:
		return "transfer"
	case d.Act == casework.ActPenalty:
		return "no_penalty"
	}
	return "other"
}

// WithheldPublication is a publication the hub keeps off the public pages
// (readmodel.go withheldReason), as the console lists it: no text, only
// which case and terminal, when, and why.
type WithheldPublication struct {
	Publication string
	Agency      string // the hub agency
	AgencyName  string
	Case        string
	CaseNumber  string // "" when the hub holds no case.opened of it
	Doc         string
	Terminal    string
	Published   time.Time // the publicity.published event's time
	Reason      string    // zh-CN
	Withdrawn   bool      // withdrawn since on the terminal
}

// WithheldPublications lists the publications withheld in scope s (every
// agency when s.Agency is ""), newest first.
func (h *Hub) WithheldPublications(ctx context.Context, s Scope) ([]WithheldPublication, error) {
	rows, err := h.rdb.QueryContext(ctx, `SELECT w.publication, w.hub_agency, coalesce((SELECT a.name FROM rm_agencies a
		WHERE a.hub_agency = w.hub_agency ORDER BY a.agency LIMIT 1), w.hub_agency), w.case_id, coalesce(c.number, ''), w.doc,
		w.terminal, w.published_at, w.reason, w.withdrawn_code != ''
		FROM rm_withheld_publications w LEFT JOIN rm_cases c ON c.hub_agency = w.hub_agency AND c.case_id = w.case_id
		WHERE ?1 = '' OR w.hub_agency = ?1 ORDER BY w.log_index DESC`, s.Agency)
	if err != nil {
		return nil, fmt.Errorf("withheld publications: %w", err)
	}
	defer rows.Close()
	out := []WithheldPublication{}
	for rows.Next() {
		var w WithheldPublication
		var at string
		if err := rows.Scan(&w.Publication, &w.Agency, &w.AgencyName, &w.Case, &w.CaseNumber, &w.Doc, &w.Terminal, &at, &w.Reason,
			&w.Withdrawn); err != nil {
			return nil, fmt.Errorf("withheld publications: %w", err)
		}
		w.Published = parseRMTime(at)
		out = append(out, w)
	}
	return out, rows.Err()
}
