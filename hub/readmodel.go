package hub

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"lawtrail/casework"
	"lawtrail/evidence"
)

// The read model (migration 0007): agencies, officers and terminals as the
// accepted events describe them, kept per hub agency (terminals.agency) and
// applied in log order — in the transaction that accepts each event, or all
// at once by Rebuild. The web's pages read it; they never read events.

// readModelTypes are the event types the read model applies (an
// event.rebased is looked into: a re-based enrollment still enrolls).
var readModelTypes = []string{casework.TypeTerminalInitialized, casework.TypeAgencyRegistered, casework.TypeOfficerEnrolled,
	casework.TypeOfficerRevoked, casework.TypeOfficerRolesChanged, casework.TypeEventRebased}

// applyReadModel applies one accepted event of a terminal of hubAgency.
// Another type is nothing to it; the first enrollment of an officer id in
// an agency is the one kept (an officer enrolled on a second terminal comes
// with the same name and credential).
func applyReadModel(ctx context.Context, tx querier, hubAgency string, body evidence.Body) error {
	if !slices.Contains(readModelTypes, body.Type) {
		return nil
	}
	p, err := casework.Decode(body.Type, body.Payload)
	if err != nil {
		return fmt.Errorf("read model: event %s#%d: %w", body.Terminal, body.Seq, err)
	}
	inner, _, ok := casework.Effective(p)
	if !ok {
		return nil // a re-based event kept without effect
	}
	switch e := inner.(type) {
	case *casework.TerminalInitialized:
		_, err = tx.ExecContext(ctx, `INSERT INTO rm_terminals (terminal, name, agency) VALUES (?, ?, ?)
			ON CONFLICT (terminal) DO UPDATE SET name = excluded.name, agency = excluded.agency`, e.Terminal, e.Name, e.Agency)
	case *casework.AgencyRegistered:
		_, err = tx.ExecContext(ctx, `INSERT INTO rm_agencies (hub_agency, agency, name) VALUES (?, ?, ?)
			ON CONFLICT DO UPDATE SET name = excluded.name`, hubAgency, e.Agency, e.Name)
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
	}
	if err != nil {
		return fmt.Errorf("read model: event %s#%d (%s): %w", body.Terminal, body.Seq, body.Type, err)
	}
	return nil
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
	Events    int `json:"events"` // events of the types the read model applies
	Agencies  int `json:"agencies"`
	Officers  int `json:"officers"`
	Terminals int `json:"terminals"`
}

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
func rebuildIn(ctx context.Context, tx *sql.Tx, now time.Time) (RebuildReport, error) {
	var r RebuildReport
	for _, table := range []string{"rm_agencies", "rm_officers", "rm_terminals", "rm_state"} {
		if _, err := tx.ExecContext(ctx, "DELETE FROM "+table); err != nil {
			return r, fmt.Errorf("rebuild: empty %s: %w", table, err)
		}
	}
	evs, err := readModelEvents(ctx, tx)
	if err != nil {
		return r, err
	}
	for _, e := range evs {
		if !slices.Contains(readModelTypes, e.body.Type) {
			continue
		}
		r.Events++
		if err := applyReadModel(ctx, tx, e.hubAgency, e.body); err != nil {
			return r, err
		}
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO rm_state (id, built) VALUES (1, ?)", now.UTC().Format(time.RFC3339)); err != nil {
		return r, fmt.Errorf("rebuild: %w", err)
	}
	for _, c := range []struct {
		n     *int
		table string
	}{{&r.Agencies, "rm_agencies"}, {&r.Officers, "rm_officers"}, {&r.Terminals, "rm_terminals"}} {
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM "+c.table).Scan(c.n); err != nil {
			return r, fmt.Errorf("rebuild: count %s: %w", c.table, err)
		}
	}
	return r, nil
}

type storedEvent struct {
	hubAgency string
	body      evidence.Body
}

// readModelEvents reads, in log order, the stored events whose body may be
// of a type the read model applies (the LIKE only narrows; the parsed type
// decides).
func readModelEvents(ctx context.Context, tx *sql.Tx) ([]storedEvent, error) {
	var like []string
	var args []any
	for _, t := range readModelTypes {
		like = append(like, "CAST(e.body AS TEXT) LIKE ?")
		args = append(args, `%"type":"`+t+`"%`)
	}
	rows, err := tx.QueryContext(ctx, `SELECT t.agency, e.body FROM events e JOIN terminals t ON t.id = e.terminal
		WHERE `+strings.Join(like, " OR ")+` ORDER BY e.log_index`, args...)
	if err != nil {
		return nil, fmt.Errorf("rebuild: read events: %w", err)
	}
	defer rows.Close()
	var out []storedEvent
	for rows.Next() {
		var e storedEvent
		var raw []byte
		if err := rows.Scan(&e.hubAgency, &raw); err != nil {
			return nil, fmt.Errorf("rebuild: read events: %w", err)
		}
		if e.body, err = evidence.ParseBody(raw); err != nil {
			return nil, fmt.Errorf("rebuild: event body: %w", err)
		}
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

// readModelRows lists every row of the read model, one string per row, so
// two states compare as sets.
func readModelRows(ctx context.Context, tx *sql.Tx) (map[string]bool, error) {
	queries := map[string]string{
		"agency":   "SELECT hub_agency, agency, name FROM rm_agencies",
		"officer":  "SELECT hub_agency, officer, agency, name, credential_no, valid_until, roles, revoked, revoke_reason FROM rm_officers",
		"terminal": "SELECT terminal, name, agency FROM rm_terminals",
	}
	out := map[string]bool{}
	for kind, q := range queries {
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
