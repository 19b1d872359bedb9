package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"lawtrail/casework"
	"lawtrail/evidence"
)

// CaseRow is a case as lists show it.
type CaseRow struct {
	casework.Case
	OpenedBy string
	OpenedAt time.Time
}

// Cases lists cases, newest first.
func (s *Store) Cases(ctx context.Context) ([]CaseRow, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT id, number, title, act_type, agency, phase, opened_by, opened_at FROM cases ORDER BY opened_at DESC")
	if err != nil {
		return nil, fmt.Errorf("list cases: %w", err)
	}
	defer rows.Close()
	var out []CaseRow
	for rows.Next() {
		var c CaseRow
		var at string
		if err := rows.Scan(&c.ID, &c.Number, &c.Title, &c.ActType, &c.Agency, &c.Phase, &c.OpenedBy, &at); err != nil {
			return nil, err
		}
		c.OpenedAt, _ = time.Parse(time.RFC3339Nano, at)
		out = append(out, c)
	}
	return out, rows.Err()
}

// StepRow is a step of a case with the footage linked to it.
type StepRow struct {
	ID, Case   string
	Kind       casework.StepKind
	Phase      casework.Phase
	Start, End time.Time
	Officers   []string
	Note       string
	Footage    []evidence.Digest
	TextOnly   string // R3c: why text alone records this step, if so
}

// Steps lists a case's steps in time order.
func (s *Store) Steps(ctx context.Context, caseID string) ([]StepRow, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, kind, phase, start_time, end_time, officers, note, text_only_reason,
		coalesce((SELECT group_concat(digest) FROM step_footage f WHERE f.step = s.id), '')
		FROM steps s WHERE case_id = ? ORDER BY start_time`, caseID)
	if err != nil {
		return nil, fmt.Errorf("list steps of %s: %w", caseID, err)
	}
	defer rows.Close()
	var out []StepRow
	for rows.Next() {
		st := StepRow{Case: caseID}
		var start, end, officers, linked string
		if err := rows.Scan(&st.ID, &st.Kind, &st.Phase, &start, &end, &officers, &st.Note, &st.TextOnly, &linked); err != nil {
			return nil, err
		}
		st.Start, _ = time.Parse(time.RFC3339Nano, start)
		st.End, _ = time.Parse(time.RFC3339Nano, end)
		st.Officers = strings.Split(officers, ",")
		for _, d := range strings.Split(linked, ",") {
			if dd, err := evidence.ParseDigest(d); err == nil {
				st.Footage = append(st.Footage, dd)
			}
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

// CustodyRow is one event in a blob's custody trail. An access (a clip
// played, the file exported) is one of them, with the case it was for and
// the reason given, if any.
type CustodyRow struct {
	Terminal string
	Seq      uint64
	Type     string
	Actor    string
	Time     string
	Case     string `json:",omitempty"` // an access: the case named
	Reason   string `json:",omitempty"` // an access: the reason typed
}

// Custody lists every event that names the blob, accesses included, in the
// order of each terminal's chain.
func (s *Store) Custody(ctx context.Context, d evidence.Digest) ([]CustodyRow, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT c.terminal, c.seq, c.type, c.actor, c.time, coalesce(a.case_id, ''), coalesce(a.reason, '')
		FROM custody c LEFT JOIN accesses a ON a.terminal = c.terminal AND a.seq = c.seq
		WHERE c.digest = ? ORDER BY c.terminal, c.seq`, d.String())
	if err != nil {
		return nil, fmt.Errorf("custody of %s: %w", d, err)
	}
	defer rows.Close()
	var out []CustodyRow
	for rows.Next() {
		var c CustodyRow
		if err := rows.Scan(&c.Terminal, &c.Seq, &c.Type, &c.Actor, &c.Time, &c.Case, &c.Reason); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// FootageWindow is a footage file's recording span on the terminal's clock
// (the recorder's times corrected by the clock offset taken at docking).
type FootageWindow struct {
	Digest     evidence.Digest
	Officer    string
	Start, End time.Time
	Path       string
}

// FootageWindows lists the footage with a known recording span.
func (s *Store) FootageWindows(ctx context.Context) ([]FootageWindow, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT digest, officer, start_time, end_time, clock_offset_ns, original_path FROM footage WHERE start_time != '' AND end_time != ''")
	if err != nil {
		return nil, fmt.Errorf("footage windows: %w", err)
	}
	defer rows.Close()
	var out []FootageWindow
	for rows.Next() {
		var w FootageWindow
		var digest, start, end string
		var offset int64
		if err := rows.Scan(&digest, &w.Officer, &start, &end, &offset, &w.Path); err != nil {
			return nil, err
		}
		w.Digest, _ = evidence.ParseDigest(digest)
		st, _ := time.Parse(time.RFC3339Nano, start)
		en, _ := time.Parse(time.RFC3339Nano, end)
		w.Start, w.End = st.Add(-time.Duration(offset)), en.Add(-time.Duration(offset))
		out = append(out, w)
	}
	return out, rows.Err()
}

// TerminalInfo is this terminal's name and agency.
type TerminalInfo struct {
	ID, Name, Agency, AgencyName string
}

// Terminal returns the terminal the store belongs to: the one whose first
// event is the first in the file (other terminals' events arrive later, by
// the agency feed).
func (s *Store) Terminal(ctx context.Context) (TerminalInfo, error) {
	var t TerminalInfo
	err := s.db.QueryRowContext(ctx, `SELECT t.id, t.name, t.agency, coalesce(a.name, t.agency) FROM terminals t
		LEFT JOIN agencies a ON a.id = t.agency
		ORDER BY (SELECT e.id FROM events e WHERE e.terminal = t.id AND e.seq = 1) LIMIT 1`).Scan(&t.ID, &t.Name, &t.Agency, &t.AgencyName)
	if err != nil {
		return t, fmt.Errorf("read terminal: %w", err)
	}
	return t, nil
}
