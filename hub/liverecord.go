package hub

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"lawtrail/casework"
	"time"
)

// The record of live view (migration 0013): which sessions terminals
// streamed through this hub (live_sessions) and who watched or talked back
// when (live_views). hub/live writes it as sessions and viewers come and
// go; the console reads it. Times are the hub's clock.

// ErrLiveSessionTaken is a session id another terminal already used.
var ErrLiveSessionTaken = errors.New("the live session id belongs to another terminal")

// LiveSession is one live session as the hub records it.
type LiveSession struct {
	ID          string // the terminal's session id
	Terminal    string
	Agency      string
	Officer     string
	OfficerName string
	Case, Step  string
	Source      string
	Started     time.Time
	Ended       time.Time // zero while live (or when the hub stopped before it ended)
}

// Kinds of a live view row.
const (
	LiveWatch = "watch" // a viewer connected until it left
	LiveTalk  = "talk"  // a viewer held push-to-talk
)

// LiveView is one viewer's watching, or one push-to-talk, of a session.
type LiveView struct {
	ID      int64 // the row
	Session string
	Viewer  string // the hub's id of the viewer's connection
	Kind    string // LiveWatch or LiveTalk
	Account string
	Role    WebRole
	Started time.Time
	Ended   time.Time // zero while it lasts
}

// StartLiveSession records that a session began now (or began again: the
// same terminal publishing an id it used before clears the end). An id of
// another terminal is ErrLiveSessionTaken.
func (h *Hub) StartLiveSession(ctx context.Context, s LiveSession) error {
	now := formatWebTime(h.now())
	_, err := h.db.ExecContext(ctx, `INSERT INTO live_sessions (id, terminal, agency, officer, officer_name, case_id, step_id, source, started)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET ended = NULL, officer = excluded.officer, officer_name = excluded.officer_name,
			case_id = excluded.case_id, step_id = excluded.step_id, source = excluded.source
		WHERE live_sessions.terminal = excluded.terminal`,
		s.ID, s.Terminal, s.Agency, s.Officer, s.OfficerName, s.Case, s.Step, s.Source, now)
	if err != nil {
		return fmt.Errorf("record live session %s: %w", s.ID, err)
	}
	var terminal string
	if err := h.db.QueryRowContext(ctx, "SELECT terminal FROM live_sessions WHERE id = ?", s.ID).Scan(&terminal); err != nil {
		return fmt.Errorf("record live session %s: %w", s.ID, err)
	}
	if terminal != s.Terminal {
		return fmt.Errorf("%w: %s", ErrLiveSessionTaken, s.ID)
	}
	return nil
}

// EndLiveSession records that a session ended now, and ends its views
// still open.
func (h *Hub) EndLiveSession(ctx context.Context, id string) error {
	now := formatWebTime(h.now())
	if _, err := h.db.ExecContext(ctx, "UPDATE live_views SET ended = ? WHERE session = ? AND ended IS NULL", now, id); err != nil {
		return fmt.Errorf("end live session %s: %w", id, err)
	}
	if _, err := h.db.ExecContext(ctx, "UPDATE live_sessions SET ended = ? WHERE id = ? AND ended IS NULL", now, id); err != nil {
		return fmt.Errorf("end live session %s: %w", id, err)
	}
	return nil
}

// StartLiveView records that a view (watching or talking) began now and
// returns its row id.
func (h *Hub) StartLiveView(ctx context.Context, v LiveView) (int64, error) {
	var id int64
	err := h.db.QueryRowContext(ctx, `INSERT INTO live_views (session, viewer, kind, account, role, started)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, v.Session, v.Viewer, v.Kind, v.Account, string(v.Role), formatWebTime(h.now())).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("record live view of %s: %w", v.Session, err)
	}
	return id, nil
}

// EndLiveView records that the view of row id ended now; once.
func (h *Hub) EndLiveView(ctx context.Context, id int64) error {
	if _, err := h.db.ExecContext(ctx, "UPDATE live_views SET ended = ? WHERE id = ? AND ended IS NULL", formatWebTime(h.now()), id); err != nil {
		return fmt.Errorf("end live view %d: %w", id, err)
	}
	return nil
}

// LiveSessions lists the recorded sessions of the scope, newest first, at
// most limit (0: 100).
func (h *Hub) LiveSessions(ctx context.Context, s Scope, limit int) ([]LiveSession, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	where, args := "", []any{}
	if s.Agency != "" {
		where, args = " WHERE agency = ?", append(args, s.Agency)
	}
	rows, err := h.rdb.QueryContext(ctx, `SELECT id, terminal, agency, officer, officer_name, case_id, step_id, source, started, ended
		FROM live_sessions`+where+" ORDER BY started DESC, id LIMIT ?", append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("live sessions: %w", err)
	}
	defer rows.Close()
	var out []LiveSession
	for rows.Next() {
		ls, err := scanLiveSession(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, ls)
	}
	return out, rows.Err()
}

// LiveSessionRecord is one recorded session and its views, oldest first;
// found is false for an id never recorded.
func (h *Hub) LiveSessionRecord(ctx context.Context, id string) (LiveSession, []LiveView, bool, error) {
	rows, err := h.rdb.QueryContext(ctx, `SELECT id, terminal, agency, officer, officer_name, case_id, step_id, source, started, ended
		FROM live_sessions WHERE id = ?`, id)
	if err != nil {
		return LiveSession{}, nil, false, fmt.Errorf("live session %s: %w", id, err)
	}
	var ls LiveSession
	found := rows.Next()
	if found {
		ls, err = scanLiveSession(rows)
	}
	rows.Close()
	if err != nil || !found {
		return LiveSession{}, nil, false, err
	}
	views, err := h.liveViews(ctx, id)
	return ls, views, true, err
}

// LiveStepKind is the kind of a session's step as the hub's read model has
// it; found is false while the step's events have not reached the hub.
func (h *Hub) LiveStepKind(ctx context.Context, agency, step string) (kind casework.StepKind, found bool, err error) {
	err = h.rdb.QueryRowContext(ctx, "SELECT kind FROM rm_steps WHERE hub_agency = ? AND step = ?", agency, step).Scan(&kind)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("step %s: %w", step, err)
	}
	return kind, true, nil
}

func (h *Hub) liveViews(ctx context.Context, session string) ([]LiveView, error) {
	rows, err := h.rdb.QueryContext(ctx, `SELECT id, session, viewer, kind, account, role, started, ended
		FROM live_views WHERE session = ? ORDER BY id`, session)
	if err != nil {
		return nil, fmt.Errorf("live views of %s: %w", session, err)
	}
	return scanLiveViews(rows, session)
}

// LiveViewLog lists the views (watching and talking) of the scope's
// sessions, newest first, at most limit (0: 100).
func (h *Hub) LiveViewLog(ctx context.Context, s Scope, limit int) ([]LiveView, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	where, args := "", []any{}
	if s.Agency != "" {
		where, args = " WHERE s.agency = ?", append(args, s.Agency)
	}
	rows, err := h.rdb.QueryContext(ctx, `SELECT v.id, v.session, v.viewer, v.kind, v.account, v.role, v.started, v.ended
		FROM live_views v JOIN live_sessions s ON s.id = v.session`+where+" ORDER BY v.id DESC LIMIT ?", append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("live views: %w", err)
	}
	return scanLiveViews(rows, "")
}

func scanLiveViews(rows *sql.Rows, session string) ([]LiveView, error) {
	defer rows.Close()
	var out []LiveView
	for rows.Next() {
		var v LiveView
		var started string
		var ended sql.NullString
		err := rows.Scan(&v.ID, &v.Session, &v.Viewer, &v.Kind, &v.Account, &v.Role, &started, &ended)
		if err == nil {
			v.Started, v.Ended, err = liveTimes(started, ended)
		}
		if err != nil {
			return nil, fmt.Errorf("live views %s: %w", session, err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func scanLiveSession(rows *sql.Rows) (LiveSession, error) {
	var ls LiveSession
	var started string
	var ended sql.NullString
	if err := rows.Scan(&ls.ID, &ls.Terminal, &ls.Agency, &ls.Officer, &ls.OfficerName, &ls.Case, &ls.Step, &ls.Source, &started, &ended); err != nil {
		return LiveSession{}, fmt.Errorf("live sessions: %w", err)
	}
	var err error
	if ls.Started, ls.Ended, err = liveTimes(started, ended); err != nil {
		return LiveSession{}, fmt.Errorf("live session %s: %w", ls.ID, err)
	}
	return ls, nil
}

func liveTimes(started string, ended sql.NullString) (time.Time, time.Time, error) {
	s, err := parseWebTime(started)
	if err != nil || !ended.Valid {
		return s, time.Time{}, err
	}
	e, err := parseWebTime(ended.String)
	return s, e, err
}
