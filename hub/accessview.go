package hub

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"
)

// The supervision view of accesses to the record (R6, 调阅监督: every view,
// export and download is signed and names who and, off the case, why),
// read from rm_accesses in one snapshot of the read-only connection.

// The rule that flags a person's volume of accesses as unusual, over the
// 30 days to the hub's clock (accessWindow): an officer is flagged when
//   - their accesses number more than unusualTimesMedian (3) times the
//     median of their agency's officers who accessed anything in the window,
//     and at least unusualMinAccesses (20); or
//   - more than unusualOffCase (10) of them were off the case (made with a
//     reason, which the rules ask only of a viewer not on the case).
//
// docs/OPERATIONS.md's console table says the same.
const (
	accessWindow       = 30 * 24 * time.Hour
	unusualTimesMedian = 3
	unusualMinAccesses = 20
	unusualOffCase     = 10
)

// Bounds of an access list's page.
const (
	defaultAccessLimit = 100
	maxAccessLimit     = 1000
)

// Accesses lists the scope's accesses, newest first, and how many match.
func (h *Hub) Accesses(ctx context.Context, s Scope, q AccessQuery) (AccessPage, error) {
	page := AccessPage{Items: []Access{}}
	limit := q.Limit
	if limit <= 0 {
		limit = defaultAccessLimit
	}
	limit = min(limit, maxAccessLimit)
	offset := max(q.Offset, 0)
	tx, err := h.rdb.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return page, fmt.Errorf("accesses: %w", err)
	}
	defer tx.Rollback()
	const where = ` WHERE (?1 = '' OR a.hub_agency = ?1) AND (?2 = '' OR a.officer = ?2) AND a.at >= ?3`
	args := []any{s.Agency, q.Officer, rmTimeOf(q.Since)}
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM rm_accesses a"+where, args...).Scan(&page.Total); err != nil {
		return page, fmt.Errorf("accesses: count: %w", err)
	}
	err = each(ctx, tx, `SELECT a.hub_agency, a.officer, coalesce(o.name, ''), a.type, a.digest, a.doc, a.doc_version, a.how, a.case_id,
		coalesce(c.number, ''), a.reason, a.at, a.terminal, a.log_index, a.review, a.review_round, a.kind, a.format, a.ledger_rows
		FROM rm_accesses a
		LEFT JOIN rm_officers o ON o.hub_agency = a.hub_agency AND o.officer = a.officer
		LEFT JOIN rm_cases c ON c.hub_agency = a.hub_agency AND c.case_id = a.case_id`+where+`
		ORDER BY a.at DESC, a.log_index DESC LIMIT ?4 OFFSET ?5`, append(args, limit, offset), func(r *sql.Rows) error {
		var a Access
		var at string
		if err := r.Scan(&a.Agency, &a.Officer, &a.OfficerName, &a.Type, &a.Digest, &a.Doc, &a.Version, &a.How, &a.Case,
			&a.CaseNumber, &a.Reason, &at, &a.Terminal, &a.LogIndex, &a.Review, &a.Round, &a.Kind, &a.Format, &a.Rows); err != nil {
			return err
		}
		a.At = parseRMTime(at)
		page.Items = append(page.Items, a)
		return nil
	})
	if err != nil {
		return page, fmt.Errorf("accesses: %w", err)
	}
	return page, nil
}

// AccessFigures sums up, per officer of the scope, the accesses of the 30
// days to the hub's clock by type, how many were off the case and how many
// cases they named, and flags unusual volume by the rule above; the
// flagged first, then by volume.
func (h *Hub) AccessFigures(ctx context.Context, s Scope) (AccessSummary, error) {
	now := h.now()
	sum := AccessSummary{At: now, Since: now.Add(-accessWindow), Officers: []OfficerAccesses{}}
	tx, err := h.rdb.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return sum, fmt.Errorf("access figures: %w", err)
	}
	defer tx.Rollback()
	names, err := agencyNames(ctx, tx)
	if err != nil {
		return sum, err
	}
	byOfficer := map[[2]string]*OfficerAccesses{}
	var order [][2]string
	args := []any{s.Agency, rmTimeOf(sum.Since)}
	err = each(ctx, tx, `SELECT a.hub_agency, a.officer, coalesce(o.name, ''), a.type, count(*), sum(CASE WHEN a.reason != '' THEN 1 ELSE 0 END)
		FROM rm_accesses a LEFT JOIN rm_officers o ON o.hub_agency = a.hub_agency AND o.officer = a.officer
		WHERE (?1 = '' OR a.hub_agency = ?1) AND a.at >= ?2 GROUP BY a.hub_agency, a.officer, a.type, o.name`, args, func(r *sql.Rows) error {
		var key [2]string
		var name, typ string
		var n, off int
		if err := r.Scan(&key[0], &key[1], &name, &typ, &n, &off); err != nil {
			return err
		}
		o := byOfficer[key]
		if o == nil {
			o = &OfficerAccesses{Agency: key[0], AgencyName: names.of(key[0]), Officer: key[1], Name: name}
			byOfficer[key] = o
			order = append(order, key)
		}
		o.count(typ, n)
		o.OffCase += off
		return nil
	})
	if err != nil {
		return sum, fmt.Errorf("access figures: %w", err)
	}
	err = each(ctx, tx, `SELECT hub_agency, officer, count(DISTINCT case_id) FROM rm_accesses
		WHERE (?1 = '' OR hub_agency = ?1) AND at >= ?2 AND case_id != '' GROUP BY hub_agency, officer`, args, func(r *sql.Rows) error {
		var key [2]string
		var n int
		if err := r.Scan(&key[0], &key[1], &n); err != nil {
			return err
		}
		if o := byOfficer[key]; o != nil {
			o.Cases = n
		}
		return nil
	})
	if err != nil {
		return sum, fmt.Errorf("access figures: cases: %w", err)
	}
	for _, key := range order {
		sum.Officers = append(sum.Officers, *byOfficer[key])
	}
	flagUnusual(sum.Officers)
	slices.SortStableFunc(sum.Officers, func(a, b OfficerAccesses) int {
		if a.Unusual != b.Unusual {
			if a.Unusual {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(b.Total, a.Total), cmp.Compare(a.Agency, b.Agency), cmp.Compare(a.Officer, b.Officer))
	})
	return sum, nil
}

// count adds n accesses of an event type.
func (o *OfficerAccesses) count(typ string, n int) {
	switch typ {
	case "access.footage_played":
		o.Played += n
	case "access.footage_exported":
		o.Exported += n
	case "access.document_viewed":
		o.Documents += n
	case "access.review_printed":
		o.Printed += n
	case "access.ledger_exported":
		o.Ledgers += n
	case "case.exported":
		o.CaseExports += n
	case "footage.fetched":
		o.Fetched += n
	}
	o.Total += n
}

// flagUnusual sets each officer's agency median, and Unusual and Why by
// the rule above.
func flagUnusual(officers []OfficerAccesses) {
	totals := map[string][]int{}
	for _, o := range officers {
		totals[o.Agency] = append(totals[o.Agency], o.Total)
	}
	for i := range officers {
		o := &officers[i]
		o.AgencyMedian = median(totals[o.Agency])
		var why []string
		if float64(o.Total) > unusualTimesMedian*o.AgencyMedian && o.Total >= unusualMinAccesses {
			why = append(why, fmt.Sprintf("30 日内调阅 %d 次，超过本机关中位数（%s 次）的 %d 倍", o.Total, formatMedian(o.AgencyMedian), unusualTimesMedian))
		}
		if o.OffCase > unusualOffCase {
			why = append(why, fmt.Sprintf("30 日内调阅非本人承办（须说明理由）的记录 %d 次，超过 %d 次", o.OffCase, unusualOffCase))
		}
		o.Unusual, o.Why = len(why) > 0, strings.Join(why, "；")
	}
}

// median is the middle of ns (the mean of the two middle ones for an even
// count); 0 for none.
func median(ns []int) float64 {
	if len(ns) == 0 {
		return 0
	}
	s := slices.Clone(ns)
	slices.Sort(s)
	m := len(s) / 2
	if len(s)%2 == 1 {
		return float64(s[m])
	}
	return float64(s[m-1]+s[m]) / 2
}

// formatMedian writes a median: whole, or with one decimal.
func formatMedian(f float64) string {
	if f == float64(int(f)) {
		return fmt.Sprintf("%d", int(f))
	}
	return fmt.Sprintf("%.1f", f)
}
