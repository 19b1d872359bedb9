package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"

	"lawtrail/casework"
	"lawtrail/evidence"
)

// The agency configuration in force is the bundled one (Options.Config)
// overlaid by the latest published version of each kind in agency_config
// (casework.Overlay). The rules read it inside the append transaction, so a
// version published earlier in the same batch is already in force; it is
// built again only when agency_config changed, which a one-row-per-kind
// stamp read in that transaction tells.

// projectConfig keeps the latest version of each kind; a version that is not
// above the one kept changes nothing (the rules refuse it at append, and a
// replay judges it a conflict).
func projectConfig(ctx context.Context, tx *sql.Tx, body evidence.Body, p *casework.ConfigPublished, at string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO agency_config (kind, version, content, note, actor, terminal, seq, at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (kind) DO UPDATE SET version = excluded.version, content = excluded.content,
		note = excluded.note, actor = excluded.actor, terminal = excluded.terminal, seq = excluded.seq, at = excluded.at
		WHERE excluded.version > agency_config.version`,
		string(p.Kind), p.Version, p.Content, p.Note, body.Actor, body.Terminal, body.Seq, at)
	return err
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// configCache holds configurations built from published versions, by the
// bundled configuration they overlay and the stamp of agency_config they
// were built from. It is small: a process opens few stores.
var configCache struct {
	sync.Mutex
	m map[configKey]*casework.Config
}

type configKey struct {
	base  *casework.Config
	stamp string
}

const maxCachedConfigs = 16

// configInForce is the configuration the rules consult in q (a transaction
// or the database): base when nothing is published, nil when agency_config
// cannot be read (the acts that need a configuration are then refused).
func configInForce(q querier, base *casework.Config) *casework.Config {
	cfg, err := effectiveConfig(context.Background(), q, base)
	if err != nil {
		return nil
	}
	return cfg
}

func effectiveConfig(ctx context.Context, q querier, base *casework.Config) (*casework.Config, error) {
	stamp, err := configStamp(ctx, q)
	if err != nil || stamp == "" {
		return base, err
	}
	key := configKey{base, stamp}
	configCache.Lock()
	cfg := configCache.m[key]
	configCache.Unlock()
	if cfg != nil {
		return cfg, nil
	}
	published, err := publishedIn(ctx, q)
	if err != nil {
		return nil, err
	}
	if cfg, err = casework.Overlay(base, published); err != nil {
		return nil, err
	}
	configCache.Lock()
	if configCache.m == nil || len(configCache.m) >= maxCachedConfigs {
		configCache.m = map[configKey]*casework.Config{}
	}
	configCache.m[key] = cfg
	configCache.Unlock()
	return cfg, nil
}

// configStamp names the published versions in q: which event holds each
// kind's latest ("" when none).
func configStamp(ctx context.Context, q querier) (string, error) {
	rows, err := q.QueryContext(ctx, "SELECT kind, version, terminal, seq FROM agency_config ORDER BY kind")
	if err != nil {
		return "", fmt.Errorf("agency configuration: %w", err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var kind, terminal string
		var version int
		var seq uint64
		if err := rows.Scan(&kind, &version, &terminal, &seq); err != nil {
			return "", fmt.Errorf("agency configuration: %w", err)
		}
		fmt.Fprintf(&b, "%s:%d:%s:%d;", kind, version, terminal, seq)
	}
	return b.String(), rows.Err()
}

func publishedIn(ctx context.Context, q querier) ([]casework.Published, error) {
	rows, err := q.QueryContext(ctx, "SELECT kind, version, content, note, actor, terminal, seq, at FROM agency_config ORDER BY kind")
	if err != nil {
		return nil, fmt.Errorf("agency configuration: %w", err)
	}
	defer rows.Close()
	var out []casework.Published
	for rows.Next() {
		var p casework.Published
		if err := rows.Scan(&p.Kind, &p.Version, &p.Content, &p.Note, &p.Actor, &p.Terminal, &p.Seq, &p.At); err != nil {
			return nil, fmt.Errorf("agency configuration: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// Config is the agency configuration in force: the bundled one the store
// was opened with, overlaid by the latest published version of each kind.
// Nil when the store was opened without one and nothing is published.
func (s *Store) Config(ctx context.Context) (*casework.Config, error) {
	if s.cfg == nil {
		var n int
		if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM agency_config").Scan(&n); err != nil || n == 0 {
			return nil, err
		}
	}
	return effectiveConfig(ctx, s.db, s.cfg)
}

// BundledConfig is the configuration the store was opened with.
func (s *Store) BundledConfig() *casework.Config { return s.cfg }

// PublishedConfigs lists the latest published version of each kind the
// record holds, by kind (kinds never published are absent: bundled).
func (s *Store) PublishedConfigs(ctx context.Context) ([]casework.Published, error) {
	return publishedIn(ctx, s.db)
}

// calendar is the working-day calendar deadlines are counted on: the
// built-in table with the agency's published holiday patch, if any.
func (s *Store) calendar(ctx context.Context) (casework.Calendar, error) {
	cfg, err := s.Config(ctx)
	if err != nil || cfg == nil {
		return casework.Calendar{}, err
	}
	return cfg.Calendar, nil
}
