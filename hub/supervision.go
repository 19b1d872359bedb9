package hub

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"lawtrail/casework"
	"lawtrail/evidence"
)

// The supervision console's views (DOMAIN O1, O2): what a supervisor acts
// on, computed from the read model in one snapshot of the read-only
// connection at the hub's clock, with each agency's own configuration in
// force (its calendar, its AV matters list).

// Supervision is the overview of scope at the hub's clock: per agency its
// figures, and the lists behind them —
//   - overdue publications: finalized decisions (the latest version of each
//     decision document) that no publication names while the case has none
//     in force, past the end of their due day (DaysLate counted in working
//     days of the agency's calendar to now), and publications made after
//     their due day (DaysLate to the day published);
//   - AV gaps: steps of a kind the agency's AV matters list in force makes
//     mandatory, not marked text-only, whose span the footage linked to the
//     step (on the terminal's clock) does not cover in full;
//   - cases past Art. 60's limit: penalty cases not in 送达执行 with no
//     decision document finalized, past 90 days from 立案;
//   - review rounds with their turnaround in working days;
//   - terminals with when the hub last accepted an event of theirs;
//   - quarantined forks;
//   - Monthly: the last 12 months to the hub's clock.
func (h *Hub) Supervision(ctx context.Context, s Scope) (Supervision, error) {
	now := h.now()
	sv := Supervision{At: now, Agencies: []AgencyFigures{}, OverduePublications: []OverduePublication{}, AVGaps: []AVGap{},
		CasesPastLimit: []CaseLimit{}, Reviews: []ReviewTurnaround{}, Terminals: []TerminalSeen{}, Forks: []QuarantinedFork{}}
	tx, err := h.rdb.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return sv, fmt.Errorf("supervision: %w", err)
	}
	defer tx.Rollback()
	ids, err := scopeAgencies(ctx, tx, s)
	if err != nil {
		return sv, err
	}
	names, err := agencyNames(ctx, tx)
	if err != nil {
		return sv, err
	}
	var records []*agencyRecord
	for _, id := range ids {
		rec, err := loadAgencyRecord(ctx, tx, id, names.of(id))
		if err != nil {
			return sv, err
		}
		records = append(records, rec)
		sv.add(rec, now)
	}
	if sv.Terminals, err = terminalsSeen(ctx, tx, s); err != nil {
		return sv, err
	}
	if sv.Forks, err = quarantinedForks(ctx, tx, s); err != nil {
		return sv, err
	}
	sv.Monthly = monthly(records, sv, now)
	return sv, nil
}

// scopeAgencies lists the hub agencies of the scope that have a terminal.
func scopeAgencies(ctx context.Context, q rowsQuerier, s Scope) ([]string, error) {
	rows, err := q.QueryContext(ctx, "SELECT DISTINCT agency FROM terminals WHERE ? = '' OR agency = ? ORDER BY agency", s.Agency, s.Agency)
	if err != nil {
		return nil, fmt.Errorf("supervision: agencies: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("supervision: agencies: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// add puts one agency's lists and figures into the overview.
func (sv *Supervision) add(rec *agencyRecord, now time.Time) {
	overdue := rec.overduePublications(now)
	gaps := rec.avGaps()
	limits := rec.casesPastLimit(now)
	reviews := rec.reviewTurnaround(now)
	sv.OverduePublications = append(sv.OverduePublications, overdue...)
	sv.AVGaps = append(sv.AVGaps, gaps...)
	sv.CasesPastLimit = append(sv.CasesPastLimit, limits...)
	sv.Reviews = append(sv.Reviews, reviews...)
	f := rec.figures()
	f.Overdue, f.AVGaps = len(overdue), len(gaps)
	sv.Agencies = append(sv.Agencies, f)
}

// agencyRecord is what the read model holds of one agency, read at once.
type agencyRecord struct {
	id, name    string
	cfg         *casework.Config
	cases       map[string]*caseRecord
	caseOrder   []string // by 立案
	docs        []docRecord
	pubs        []pubRecord
	steps       []stepRecord
	footage     map[string]casework.FootageSpan // by digest; spans with known times only
	recorders   int
	reviews     []reviewRecord
	officers    int
	reviewers   int
	publication map[string]bool // cases with a publication in force
}

type caseRecord struct {
	id, number, title string
	act               casework.ActType
	phase             casework.Phase
	opened, closed    time.Time
	decided           bool // a decision document was finalized
}

type docRecord struct {
	doc, caseID    string
	version        int
	act            casework.ActType
	decided, due   string
	firstFinalized time.Time
}

type pubRecord struct {
	publication, caseID, doc string
	docVersion               int
	act                      casework.ActType
	decided, due, published  string
	withdrawn                bool
}

type stepRecord struct {
	step, caseID string
	kind         casework.StepKind
	start, end   time.Time
	officers     []string
	textOnly     string
	footage      []string
}

type reviewRecord struct {
	review, caseID string
	round          int
	major          bool
	submitted      time.Time
	due            string
	opinion        time.Time
	outcome        casework.Outcome
}

// loadAgencyRecord reads the agency's part of the read model.
func loadAgencyRecord(ctx context.Context, tx *recordTx, id, name string) (*agencyRecord, error) {
	rec := &agencyRecord{id: id, name: name, cases: map[string]*caseRecord{}, footage: map[string]casework.FootageSpan{},
		publication: map[string]bool{}}
	var err error
	if rec.cfg, err = agencyConfig(ctx, tx, id, casework.ConfigAVMatters, casework.ConfigHolidays); err != nil {
		return nil, err
	}
	for _, load := range []func(context.Context, *recordTx) error{rec.loadCases, rec.loadDocs, rec.loadPublications, rec.loadSteps,
		rec.loadFootage, rec.loadReviews, rec.loadOfficers} {
		if err := load(ctx, tx); err != nil {
			return nil, fmt.Errorf("supervision of %s: %w", id, err)
		}
	}
	return rec, nil
}

// each runs query with args and scan on every row.
func each(ctx context.Context, q rowsQuerier, query string, args []any, scan func(*sql.Rows) error) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (rec *agencyRecord) loadCases(ctx context.Context, tx *recordTx) error {
	return each(ctx, tx, "SELECT case_id, number, title, act_type, phase, opened_at, closed_at FROM rm_cases WHERE hub_agency = ? ORDER BY opened_at, case_id",
		[]any{rec.id}, func(r *sql.Rows) error {
			c := &caseRecord{}
			var opened, closed string
			if err := r.Scan(&c.id, &c.number, &c.title, &c.act, &c.phase, &opened, &closed); err != nil {
				return err
			}
			c.opened, c.closed = parseRMTime(opened), parseRMTime(closed)
			rec.cases[c.id] = c
			rec.caseOrder = append(rec.caseOrder, c.id)
			return nil
		})
}

func (rec *agencyRecord) loadDocs(ctx context.Context, tx *recordTx) error {
	return each(ctx, tx, "SELECT doc, case_id, version, act, decided, due, first_finalized_at FROM rm_documents WHERE hub_agency = ? ORDER BY decided, doc",
		[]any{rec.id}, func(r *sql.Rows) error {
			var d docRecord
			var first string
			if err := r.Scan(&d.doc, &d.caseID, &d.version, &d.act, &d.decided, &d.due, &first); err != nil {
				return err
			}
			d.firstFinalized = parseRMTime(first)
			if c := rec.cases[d.caseID]; c != nil {
				c.decided = true
			}
			rec.docs = append(rec.docs, d)
			return nil
		})
}

func (rec *agencyRecord) loadPublications(ctx context.Context, tx *recordTx) error {
	return each(ctx, tx, `SELECT publication, case_id, doc, doc_version, act, decided, due, published_day, withdrawn_code != ''
		FROM rm_publications WHERE hub_agency = ? ORDER BY log_index`, []any{rec.id}, func(r *sql.Rows) error {
		var p pubRecord
		if err := r.Scan(&p.publication, &p.caseID, &p.doc, &p.docVersion, &p.act, &p.decided, &p.due, &p.published, &p.withdrawn); err != nil {
			return err
		}
		if !p.withdrawn {
			rec.publication[p.caseID] = true
		}
		rec.pubs = append(rec.pubs, p)
		return nil
	})
}

func (rec *agencyRecord) loadSteps(ctx context.Context, tx *recordTx) error {
	linked := map[string][]string{}
	err := each(ctx, tx, "SELECT step, digest FROM rm_step_footage WHERE hub_agency = ? ORDER BY step, digest", []any{rec.id},
		func(r *sql.Rows) error {
			var step, digest string
			if err := r.Scan(&step, &digest); err != nil {
				return err
			}
			linked[step] = append(linked[step], digest)
			return nil
		})
	if err != nil {
		return err
	}
	return each(ctx, tx, "SELECT step, case_id, kind, start_at, end_at, officers, text_only FROM rm_steps WHERE hub_agency = ? ORDER BY start_at, step",
		[]any{rec.id}, func(r *sql.Rows) error {
			var s stepRecord
			var start, end, officers string
			if err := r.Scan(&s.step, &s.caseID, &s.kind, &start, &end, &officers, &s.textOnly); err != nil {
				return err
			}
			s.start, s.end, s.footage = parseRMTime(start), parseRMTime(end), linked[s.step]
			if err := json.Unmarshal([]byte(officers), &s.officers); err != nil {
				return fmt.Errorf("step %s: officers: %w", s.step, err)
			}
			rec.steps = append(rec.steps, s)
			return nil
		})
}

func (rec *agencyRecord) loadFootage(ctx context.Context, tx *recordTx) error {
	recorders := map[string]bool{}
	err := each(ctx, tx, "SELECT digest, recorder, officer, start_at, end_at FROM rm_footage WHERE hub_agency = ?", []any{rec.id},
		func(r *sql.Rows) error {
			var digest, recorder, officer, start, end string
			if err := r.Scan(&digest, &recorder, &officer, &start, &end); err != nil {
				return err
			}
			recorders[recorder] = true
			if start != "" && end != "" {
				rec.footage[digest] = casework.FootageSpan{Officer: officer, Start: parseRMTime(start), End: parseRMTime(end)}
			}
			return nil
		})
	rec.recorders = len(recorders)
	return err
}

func (rec *agencyRecord) loadReviews(ctx context.Context, tx *recordTx) error {
	return each(ctx, tx, `SELECT review, round, case_id, major, submitted_at, due, opinion_at, outcome FROM rm_reviews
		WHERE hub_agency = ? ORDER BY submitted_at, review, round`, []any{rec.id}, func(r *sql.Rows) error {
		var v reviewRecord
		var submitted, opinion string
		if err := r.Scan(&v.review, &v.round, &v.caseID, &v.major, &submitted, &v.due, &opinion, &v.outcome); err != nil {
			return err
		}
		v.submitted, v.opinion = parseRMTime(submitted), parseRMTime(opinion)
		rec.reviews = append(rec.reviews, v)
		return nil
	})
}

// loadOfficers counts the enforcement officers (enrolled, not revoked,
// holding a credential number) and the reviewers among them.
func (rec *agencyRecord) loadOfficers(ctx context.Context, tx *recordTx) error {
	return each(ctx, tx, "SELECT roles FROM rm_officers WHERE hub_agency = ? AND revoked = 0 AND credential_no != ''", []any{rec.id},
		func(r *sql.Rows) error {
			var raw string
			if err := r.Scan(&raw); err != nil {
				return err
			}
			var roles []casework.Role
			if err := json.Unmarshal([]byte(raw), &roles); err != nil {
				return fmt.Errorf("officer roles: %w", err)
			}
			rec.officers++
			if slices.Contains(roles, casework.RoleReviewer) {
				rec.reviewers++
			}
			return nil
		})
}

// overduePublications: decisions pending past their due day, and
// publications made after it.
func (rec *agencyRecord) overduePublications(now time.Time) []OverduePublication {
	var out []OverduePublication
	named := map[string]bool{}
	cal := rec.cfg.Calendar
	for _, p := range rec.pubs {
		named[fmt.Sprintf("%s/%d", p.doc, p.docVersion)] = true
		if p.published > p.due {
			out = append(out, rec.overdue(p.caseID, p.doc, p.act, p.decided, p.due, p.published, workdaysAfter(cal, p.due, dayTime(p.published))))
		}
	}
	for _, d := range rec.docs {
		if named[fmt.Sprintf("%s/%d", d.doc, d.version)] || rec.publication[d.caseID] || !pastDay(now, d.due) {
			continue
		}
		out = append(out, rec.overdue(d.caseID, d.doc, d.act, d.decided, d.due, "", workdaysAfter(cal, d.due, now)))
	}
	slices.SortStableFunc(out, func(a, b OverduePublication) int {
		return cmp.Or(cmp.Compare(a.Due, b.Due), cmp.Compare(a.Case, b.Case))
	})
	return out
}

func (rec *agencyRecord) overdue(caseID, doc string, act casework.ActType, decided, due, published string, late int) OverduePublication {
	o := OverduePublication{Agency: rec.id, Case: caseID, Doc: doc, Act: act, Decided: decided, Due: due, PublishedAt: published, DaysLate: late}
	if c := rec.cases[caseID]; c != nil {
		o.CaseNumber = c.number
	}
	return o
}

// avGaps: mandatory steps (by the AV list in force) that their linked
// footage does not cover.
func (rec *agencyRecord) avGaps() []AVGap {
	var out []AVGap
	for _, s := range rec.steps {
		if rec.cfg.AVMatters.For(s.kind) != casework.AVMandatory || s.textOnly != "" || len(s.officers) == 0 {
			continue
		}
		var spans []casework.FootageSpan
		for _, d := range s.footage {
			sp, ok := rec.footage[d]
			if !ok {
				continue // its times are unknown: it covers nothing that can be shown
			}
			if !slices.Contains(s.officers, sp.Officer) {
				sp.Officer = s.officers[0] // linked: it records this step, whoever's recorder made it
			}
			spans = append(spans, sp)
		}
		cov := casework.CoverStep(s.start, s.end, s.officers, spans)
		if cov.Complete() {
			continue
		}
		g := AVGap{Agency: rec.id, Case: s.caseID, Step: s.step, Kind: s.kind, Start: s.start, End: s.end, NoFootage: len(s.footage) == 0}
		for _, gap := range cov.Gaps {
			g.Uncovered += gap.Length()
		}
		if c := rec.cases[s.caseID]; c != nil {
			g.CaseNumber = c.number
		}
		out = append(out, g)
	}
	return out
}

// casesPastLimit: penalty cases without a finalized decision document,
// not yet in 送达执行, past 行政处罚法 Art. 60's 90 days from 立案.
func (rec *agencyRecord) casesPastLimit(now time.Time) []CaseLimit {
	var out []CaseLimit
	for _, id := range rec.caseOrder {
		c := rec.cases[id]
		if c.act != casework.ActPenalty || c.decided || c.phase == casework.PhaseExecution {
			continue
		}
		d := rec.cfg.Calendar.CaseLimit(c.opened)
		if !d.Overdue(now) {
			continue
		}
		out = append(out, CaseLimit{Agency: rec.id, Case: c.id, CaseNumber: c.number, Title: c.title, Act: c.act, Phase: c.phase,
			Opened: dayOf(c.opened), Rule: d.Rule, What: d.What, Due: dayOf(d.Due), DaysOver: daysBetween(d.Due, now)})
	}
	return out
}

// reviewTurnaround: each round, submitted to opinion (or to now while
// open) in working days.
func (rec *agencyRecord) reviewTurnaround(now time.Time) []ReviewTurnaround {
	var out []ReviewTurnaround
	for _, v := range rec.reviews {
		r := ReviewTurnaround{Agency: rec.id, Review: v.review, Case: v.caseID, Round: v.round, Major: v.major,
			Submitted: dayOf(v.submitted), Due: v.due, Opinion: dayOf(v.opinion), Outcome: v.outcome}
		end := now
		if !v.opinion.IsZero() {
			end = v.opinion
			r.Late = r.Opinion > r.Due
		} else {
			r.Late = pastDay(now, v.due)
		}
		r.WorkingDays = workdaysAfter(rec.cfg.Calendar, r.Submitted, end)
		out = append(out, r)
	}
	return out
}

// figures are the agency's figures but Overdue and AVGaps (add sets them).
// Major counts decisions whose case went to review as major; MajorReviewed
// those of them with an opinion given before the decision's first version
// was finalized.
func (rec *agencyRecord) figures() AgencyFigures {
	f := AgencyFigures{Agency: rec.id, Name: rec.name, Officers: rec.officers, Reviewers: rec.reviewers, AVSets: rec.recorders,
		Cases: len(rec.cases), Decisions: len(rec.docs), Published: len(rec.pubs)}
	f.ReviewersOK = f.Reviewers >= 1 && f.Reviewers*20 >= f.Officers // L3: ≥ 5 %, and one under 20 officers
	f.AVSetsOK = f.AVSets >= 1 && f.AVSets*4 >= f.Officers           // R4: one set per four officers, one under four
	for _, c := range rec.cases {
		if c.closed.IsZero() {
			f.OpenCases++
		}
	}
	for _, d := range rec.docs {
		major, reviewed := false, false
		for _, v := range rec.reviews {
			if v.caseID != d.caseID || !v.major {
				continue
			}
			major = true
			reviewed = reviewed || (!v.opinion.IsZero() && !v.opinion.After(d.firstFinalized))
		}
		if major {
			f.Major++
		}
		if reviewed {
			f.MajorReviewed++
		}
	}
	return f
}

// pastDay reports whether now is after the end of day (YYYY-MM-DD) in
// Asia/Shanghai.
func pastDay(now time.Time, day string) bool {
	d, err := time.ParseInLocation(time.DateOnly, day, casework.Shanghai)
	return err == nil && !now.Before(d.AddDate(0, 0, 1))
}

// dayTime is the start of day (YYYY-MM-DD) in Asia/Shanghai; the zero
// time for a malformed day.
func dayTime(day string) time.Time {
	d, _ := time.ParseInLocation(time.DateOnly, day, casework.Shanghai)
	return d
}

// maxCountedDays bounds the days workdaysAfter and daysBetween walk: ten
// years.
const maxCountedDays = 3660

// workdaysAfter counts the working days of cal after day (YYYY-MM-DD) up
// to and including the day of to: 0 when to's day is not after it.
func workdaysAfter(cal casework.Calendar, day string, to time.Time) int {
	d := dayTime(day)
	if d.IsZero() {
		return 0
	}
	end := dayTime(dayOf(to))
	n := 0
	for i := 0; i < maxCountedDays; i++ {
		d = d.AddDate(0, 0, 1)
		if d.After(end) {
			break
		}
		if cal.IsWorkday(d) {
			n++
		}
	}
	return n
}

// daysBetween counts the calendar days from the day of due to the day of
// now (Asia/Shanghai).
func daysBetween(due, now time.Time) int {
	a, b := dayTime(dayOf(due)), dayTime(dayOf(now))
	n := int(b.Sub(a).Hours()/24 + 0.5)
	return min(max(n, 0), maxCountedDays)
}

// terminalsSeen lists the scope's terminals with when the hub last
// accepted an event of theirs (that event's received_at) and how many it
// holds (its sequence number: they run 1, 2, 3 … without gaps).
func terminalsSeen(ctx context.Context, tx *recordTx, s Scope) ([]TerminalSeen, error) {
	out := []TerminalSeen{}
	err := each(ctx, tx, "SELECT id, name, agency, revoked_at IS NOT NULL FROM terminals WHERE ? = '' OR agency = ? ORDER BY agency, name, id",
		[]any{s.Agency, s.Agency}, func(r *sql.Rows) error {
			var t TerminalSeen
			if err := r.Scan(&t.Terminal, &t.Name, &t.Agency, &t.Revoked); err != nil {
				return err
			}
			out = append(out, t)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("supervision: terminals: %w", err)
	}
	for i := range out {
		var received string
		err := tx.QueryRowContext(ctx, "SELECT seq, received_at FROM events WHERE terminal = ? ORDER BY seq DESC LIMIT 1", out[i].Terminal).
			Scan(&out[i].Events, &received)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("supervision: terminal %s: %w", out[i].Terminal, err)
		}
		out[i].LastSeen, _ = time.Parse(time.RFC3339Nano, received)
	}
	return out, nil
}

// quarantinedForks lists the scope's quarantined events.
func quarantinedForks(ctx context.Context, tx *recordTx, s Scope) ([]QuarantinedFork, error) {
	out := []QuarantinedFork{}
	err := each(ctx, tx, `SELECT t.agency, f.terminal, f.seq, f.received_at FROM forks f JOIN terminals t ON t.id = f.terminal
		WHERE ? = '' OR t.agency = ? ORDER BY t.agency, f.terminal, f.seq, f.received_at`, []any{s.Agency, s.Agency}, func(r *sql.Rows) error {
		var f QuarantinedFork
		var at string
		if err := r.Scan(&f.Agency, &f.Terminal, &f.Seq, &at); err != nil {
			return err
		}
		f.At, _ = time.Parse(time.RFC3339Nano, at)
		out = append(out, f)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("supervision: forks: %w", err)
	}
	return out, nil
}

// monthly is the trend of the last 12 months to now (Asia/Shanghai),
// oldest first: cases opened and closed (reached 送达执行), overdue
// publications by their due month, the mean working days of opinions
// given, AV gaps by the month their step started.
func monthly(records []*agencyRecord, sv Supervision, now time.Time) []MonthFigures {
	local := now.In(casework.Shanghai)
	first := time.Date(local.Year(), local.Month(), 1, 0, 0, 0, 0, casework.Shanghai).AddDate(0, -11, 0)
	out := make([]MonthFigures, 12)
	index := map[string]int{}
	for i := range out {
		out[i].Month = first.AddDate(0, i, 0).Format("2006-01")
		index[out[i].Month] = i
	}
	month := func(t time.Time) (int, bool) {
		i, ok := index[t.In(casework.Shanghai).Format("2006-01")]
		return i, ok && !t.IsZero()
	}
	for _, rec := range records {
		for _, c := range rec.cases {
			if i, ok := month(c.opened); ok {
				out[i].Opened++
			}
			if i, ok := month(c.closed); ok {
				out[i].Closed++
			}
		}
	}
	for _, o := range sv.OverduePublications {
		if i, ok := month(dayTime(o.Due)); ok {
			out[i].OverduePublications++
		}
	}
	for _, g := range sv.AVGaps {
		if i, ok := month(g.Start); ok {
			out[i].AVGaps++
		}
	}
	reviewDays(out, sv.Reviews, month)
	return out
}

// reviewDays sets each month's mean working days of the opinions given in
// it.
func reviewDays(out []MonthFigures, reviews []ReviewTurnaround, month func(time.Time) (int, bool)) {
	sum, n := make([]int, len(out)), make([]int, len(out))
	for _, r := range reviews {
		if r.Opinion == "" {
			continue
		}
		if i, ok := month(dayTime(r.Opinion)); ok {
			sum[i] += r.WorkingDays
			n[i]++
		}
	}
	for i := range out {
		if n[i] > 0 {
			out[i].ReviewDays = float64(sum[i]) / float64(n[i])
		}
	}
}

// CaseTimeline is a case's summary and its events in log order, each
// summed up in a line (zh-CN); ErrNoCase for a case the hub does not know
// or outside scope.
func (h *Hub) CaseTimeline(ctx context.Context, s Scope, caseID string) (CaseSummary, []TimelineEntry, error) {
	if casework.CheckID("case", caseID) != nil {
		return CaseSummary{}, nil, ErrNoCase
	}
	tx, err := h.rdb.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return CaseSummary{}, nil, fmt.Errorf("timeline of %s: %w", caseID, err)
	}
	defer tx.Rollback()
	sum, err := caseSummary(ctx, tx, s, caseID)
	if err != nil {
		return sum, nil, err
	}
	cfg, err := agencyConfig(ctx, tx, sum.Agency, casework.ConfigTemplates)
	if err != nil {
		return sum, nil, err
	}
	var entries []TimelineEntry
	err = each(ctx, tx, `SELECT e.terminal, e.seq, e.hash, e.body FROM rm_case_events c JOIN events e ON e.log_index = c.log_index
		WHERE c.hub_agency = ? AND c.case_id = ? ORDER BY c.log_index`, []any{sum.Agency, caseID}, func(r *sql.Rows) error {
		var e TimelineEntry
		var hash, raw []byte
		if err := r.Scan(&e.Terminal, &e.Seq, &hash, &raw); err != nil {
			return err
		}
		copy(e.Digest[:], hash)
		body, err := evidence.ParseBody(raw)
		if err != nil {
			return fmt.Errorf("event %s#%d: %w", e.Terminal, e.Seq, err)
		}
		e.At, e.Type, e.Actor, e.Summary = body.Time, body.Type, body.Actor, summarize(body, cfg)
		entries = append(entries, e)
		return nil
	})
	if err != nil {
		return sum, nil, fmt.Errorf("timeline of %s: %w", caseID, err)
	}
	return sum, entries, nil
}

// caseSummary heads the timeline: the case in scope (the first opened
// under that id when two agencies share it).
func caseSummary(ctx context.Context, tx *recordTx, s Scope, caseID string) (CaseSummary, error) {
	var sum CaseSummary
	var opened, decision string
	err := tx.QueryRowContext(ctx, `SELECT hub_agency, case_id, number, title, act_type, phase, opened_at, decision FROM rm_cases
		WHERE case_id = ? AND (? = '' OR hub_agency = ?) ORDER BY log_index LIMIT 1`, caseID, s.Agency, s.Agency).
		Scan(&sum.Agency, &sum.Case, &sum.Number, &sum.Title, &sum.Act, &sum.Phase, &opened, &decision)
	if errors.Is(err, sql.ErrNoRows) {
		return sum, ErrNoCase
	}
	if err != nil {
		return sum, fmt.Errorf("case %s: %w", caseID, err)
	}
	sum.Opened = parseRMTime(opened)
	if decision != "" {
		if d, err := casework.ParseDecision([]byte(decision)); err == nil {
			sum.Decision = &d
		}
	}
	err = tx.QueryRowContext(ctx, `SELECT publication FROM rm_publications WHERE hub_agency = ? AND case_id = ? AND withdrawn_code = ''
		ORDER BY log_index DESC LIMIT 1`, sum.Agency, caseID).Scan(&sum.Publication)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return sum, fmt.Errorf("case %s: publication: %w", caseID, err)
	}
	return sum, nil
}

// summarize says in a line what an event of a case did; a re-based event
// says so and what its original did.
func summarize(body evidence.Body, cfg *casework.Config) string {
	p, err := casework.Decode(body.Type, body.Payload)
	if err != nil {
		return "无法读取的事件：" + body.Type
	}
	inner, _, ok := casework.Effective(p)
	if !ok {
		return "重新定位的事件（冲突，未生效）"
	}
	line := summaryOf(inner, cfg)
	if inner != p {
		line = "重新定位的事件：" + line
	}
	return line
}

func summaryOf(p casework.Payload, cfg *casework.Config) string {
	switch v := p.(type) {
	case *casework.CaseOpened:
		return fmt.Sprintf("立案：%s %s（%s）", v.Number, v.Title, v.ActType.Label())
	case *casework.CasePhaseAdvanced:
		return "进入" + v.Phase.Label() + "阶段"
	case *casework.DecisionProposed:
		return "拟作决定：" + v.Decision.Describe()
	case *casework.CaseExported:
		return fmt.Sprintf("导出案卷（%d个文件%s）", v.Files, map[bool]string{true: "，含音像", false: ""}[v.WithFootage])
	case *casework.StepRecorded:
		return fmt.Sprintf("记录%s（%s至%s）", v.Kind.Label(), v.Start.In(casework.Shanghai).Format("2006-01-02 15:04"),
			v.End.In(casework.Shanghai).Format("15:04"))
	case *casework.StepTextOnly:
		return "以文字记录代替音像：" + v.Reason
	case *casework.StepFootageLinked:
		return "关联音像记录 " + v.Digest.String()[:12]
	case *casework.DocDrafted:
		return "保存文书草稿：" + templateName(cfg, v.Template)
	case *casework.DocFinalized:
		return fmt.Sprintf("文书定稿：%s 第%d版", templateName(cfg, v.Template), v.Version)
	case *casework.PublicityPublished:
		return "公示决定（" + v.Publication + "）"
	case *casework.PublicityWithdrawn:
		return "撤回公示：" + v.Reason
	}
	return reviewSummary(p)
}

func reviewSummary(p casework.Payload) string {
	switch v := p.(type) {
	case *casework.ReviewSubmitted:
		major := ""
		if len(v.Major) > 0 {
			major = "，重大执法决定（" + strings.Join(v.Major, "、") + "）"
		}
		return fmt.Sprintf("提交法制审核（第%d轮%s，期限%s）", v.Round, major, v.Due)
	case *casework.ReviewAssigned:
		return fmt.Sprintf("指定第%d轮审核人员：%s", v.Round, v.Reviewer)
	case *casework.ReviewExtended:
		return fmt.Sprintf("第%d轮审核期限延长至%s：%s", v.Round, v.Due, v.Reason)
	case *casework.ReviewOpinion:
		return fmt.Sprintf("第%d轮审核意见：%s", v.Round, v.Outcome.Label())
	case *casework.ReviewDisputed:
		return fmt.Sprintf("对第%d轮审核意见提出异议：%s", v.Round, v.Reason)
	case *casework.ReviewResolved:
		return fmt.Sprintf("负责人对第%d轮异议作出决定：%s", v.Round, v.Resolution.Label())
	}
	return accessLine(p)
}

// accessLine says in a line an access to the record that names the case.
func accessLine(p casework.Payload) string {
	why := func(reason string) string {
		if reason == "" {
			return ""
		}
		return "（理由：" + reason + "）"
	}
	switch v := p.(type) {
	case *casework.FootagePlayed:
		return "播放音像记录 " + v.Digest.String()[:12] + why(v.Reason)
	case *casework.FootageExported:
		return "导出音像记录 " + v.Digest.String()[:12] + why(v.Reason)
	case *casework.DocumentViewed:
		how := "查看"
		if v.How == casework.ViewPDF {
			how = "生成 PDF"
		}
		return fmt.Sprintf("%s文书 %s 第%d版%s", how, v.Doc, v.Version, why(v.Reason))
	case *casework.ReviewPrinted:
		return fmt.Sprintf("打印法制审核 %s 第%d轮%s%s", v.Review, v.Round, reviewPaperName(v.Kind), why(v.Reason))
	}
	return p.EventType()
}

// reviewPaperName is a review round's paper as the papers call it.
func reviewPaperName(k casework.ReviewPaper) string {
	if k == casework.PaperDiscussion {
		return "集体讨论记录"
	}
	return "法制审核意见书"
}

func templateName(cfg *casework.Config, id string) string {
	if t := cfg.Templates[id]; t != nil {
		return t.Name
	}
	return id
}
