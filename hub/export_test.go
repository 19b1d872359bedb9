package hub

import (
	"context"
	"database/sql"
)

// The tests outside the package read and change the record as an insider
// with the SQLite file or the PostgreSQL server's credentials would,
// around the hub's API, in the dialect of the hub's SQL (recorddb.go).

func (h *Hub) InsiderExec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return h.db.ExecContext(ctx, query, args...)
}

func (h *Hub) InsiderQuery(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return h.db.QueryContext(ctx, query, args...)
}

func (h *Hub) InsiderQueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return h.db.QueryRowContext(ctx, query, args...)
}
