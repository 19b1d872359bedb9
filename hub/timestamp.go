package hub

import (
	"context"
	"crypto/x509"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"lawtrail/sync/protocol"
	"lawtrail/tsa"
)

// TimestampConfig is the time-stamping authority the hub asks for RFC 3161
// timestamps of its checkpoints (lawtrail-hub serve --tsa).
type TimestampConfig struct {
	URL string
	// Roots the TSA's certificate must chain to (--tsa-cert); nil: the
	// certificate in the reply is checked, not chained.
	Roots *x509.CertPool
	// Every is the least time between two rounds (default 60 s): each
	// round asks for the newest checkpoint if it has no token yet.
	Every time.Duration
	// Timeout bounds one request to the TSA (default 15 s).
	Timeout time.Duration
	// Attempts is how often a round tries (default 3), all within Every.
	Attempts int
	// HTTP is the client for the TSA (default: a fresh one).
	HTTP *http.Client
}

func (c TimestampConfig) withDefaults() TimestampConfig {
	if c.Every <= 0 {
		c.Every = time.Minute
	}
	if c.Timeout <= 0 {
		c.Timeout = 15 * time.Second
	}
	if c.Attempts <= 0 {
		c.Attempts = 3
	}
	if c.HTTP == nil {
		c.HTTP = &http.Client{}
	}
	return c
}

// RunTimestamps asks for a timestamp of the newest checkpoint once every
// cfg.Every until ctx ends. It runs beside serving and never holds the log:
// a TSA that is down, slow or answers wrongly costs a logged warning, and
// the next round tries again.
func (h *Hub) RunTimestamps(ctx context.Context, cfg TimestampConfig, log *slog.Logger) {
	cfg = cfg.withDefaults()
	tick := time.NewTicker(cfg.Every)
	defer tick.Stop()
	for {
		round, cancel := context.WithTimeout(ctx, cfg.Every)
		size, stamped, err := h.TimestampNewest(round, cfg)
		cancel()
		switch {
		case err != nil && ctx.Err() == nil:
			log.Warn("checkpoint timestamp failed; the next round tries again", "size", size, "tsa", cfg.URL, "err", err)
		case stamped:
			log.Info("checkpoint timestamped", "size", size, "tsa", cfg.URL)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// TimestampNewest asks the TSA for a timestamp of the newest checkpoint
// (its signed note, byte for byte) unless it has one, trying up to
// cfg.Attempts times within ctx, and keeps the verified token. It reports
// the checkpoint's size and whether a token was added.
func (h *Hub) TimestampNewest(ctx context.Context, cfg TimestampConfig) (uint64, bool, error) {
	cfg = cfg.withDefaults()
	cp, err := latestCheckpoint(ctx, h.db)
	if err != nil || cp.Size == 0 || cp.Note == "" {
		return cp.Size, false, err // the empty log, or a checkpoint without a note, is not stamped
	}
	var n int
	if err := h.db.QueryRowContext(ctx, "SELECT count(*) FROM timestamps WHERE size = ?", cp.Size).Scan(&n); err != nil || n > 0 {
		return cp.Size, false, err
	}
	c := tsa.Client{URL: cfg.URL, Roots: cfg.Roots, HTTP: cfg.HTTP}
	var tok tsa.Token
	for attempt := 1; ; attempt++ {
		one, cancel := context.WithTimeout(ctx, cfg.Timeout)
		tok, err = c.Stamp(one, []byte(cp.Note))
		cancel()
		if err == nil || attempt == cfg.Attempts || ctx.Err() != nil {
			break
		}
		select { // 1 s, 2 s, 4 s … between attempts
		case <-ctx.Done():
		case <-time.After(time.Second << (attempt - 1)):
		}
	}
	if err != nil {
		return cp.Size, false, fmt.Errorf("timestamp checkpoint %d: %w", cp.Size, err)
	}
	_, err = h.db.ExecContext(ctx, "INSERT INTO timestamps (size, token, gen_time, tsa, stored_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
		cp.Size, tok.DER, tok.GenTime.UTC().Format(time.RFC3339Nano), tok.TSA, h.now().UTC().Format(time.RFC3339Nano))
	if err != nil {
		return cp.Size, false, fmt.Errorf("keep timestamp of checkpoint %d: %w", cp.Size, err)
	}
	return cp.Size, true, nil
}

// Timestamps implements server.Backend: the tokens of checkpoints larger
// than after, by size.
func (h *Hub) Timestamps(ctx context.Context, after uint64, limit int) (protocol.Timestamps, error) {
	out := protocol.Timestamps{Timestamps: []protocol.Timestamp{}}
	rows, err := h.db.QueryContext(ctx, "SELECT size, token FROM timestamps WHERE size > ? ORDER BY size LIMIT ?", after, limit)
	if err != nil {
		return out, fmt.Errorf("read timestamps: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var t protocol.Timestamp
		if err := rows.Scan(&t.Size, &t.Token); err != nil {
			return out, fmt.Errorf("read timestamps: %w", err)
		}
		out.Timestamps = append(out.Timestamps, t)
	}
	return out, rows.Err()
}

// Timestamp returns the kept token of the checkpoint of size, if any.
func (h *Hub) Timestamp(ctx context.Context, size uint64) ([]byte, bool, error) {
	var tok []byte
	err := h.db.QueryRowContext(ctx, "SELECT token FROM timestamps WHERE size = ?", size).Scan(&tok)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read timestamp %d: %w", size, err)
	}
	return tok, true, nil
}

// checkTimestamps re-verifies every kept token over its checkpoint's note
// (for Check; the signature against the certificate inside the token).
func (h *Hub) checkTimestamps(ctx context.Context, add func(string, error)) error {
	rows, err := h.db.QueryContext(ctx, "SELECT t.size, t.token, c.body FROM timestamps t LEFT JOIN checkpoints c ON c.size = t.size ORDER BY t.size")
	if err != nil {
		return fmt.Errorf("read timestamps: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var size uint64
		var tok []byte
		var body sql.NullString
		if err := rows.Scan(&size, &tok, &body); err != nil {
			return fmt.Errorf("read timestamps: %w", err)
		}
		var cp protocol.Checkpoint
		if !body.Valid || json.Unmarshal([]byte(body.String), &cp) != nil {
			add(fmt.Sprintf("timestamp %d", size), errors.New("no checkpoint of this size"))
			continue
		}
		if _, err := tsa.Verify(tok, []byte(cp.Note), nil); err != nil {
			add(fmt.Sprintf("timestamp %d", size), err)
		}
	}
	return rows.Err()
}
