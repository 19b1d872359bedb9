package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"lawtrail/casework"
	"lawtrail/evidence"
)

// SourceFile returns what the record holds about one recorder file.
func (s *Store) SourceFile(ctx context.Context, k casework.SourceKey) (casework.SourceRecord, bool, error) {
	return querySource(ctx, s.db, k)
}

// FootageItem is one footage file as `footage list` shows it: the content
// and the first recorder file it came from.
type FootageItem struct {
	Digest       evidence.Digest `json:"digest"`
	Size         int64           `json:"size"`
	OriginalPath string          `json:"original_path"`
	DeviceSerial string          `json:"device_serial"`
	Officer      string          `json:"officer"`
	Clerk        string          `json:"clerk"`
	Start        string          `json:"start"`
	End          string          `json:"end"`
	IngestedAt   string          `json:"ingested_at"`
	Important    bool            `json:"important"`
	Sources      int             `json:"sources"`         // recorder files with this content
	Cases        []string        `json:"cases,omitempty"` // numbers of the cases whose steps link it
	// State is the furthest step the record proves: "signed" (custody
	// event recorded) or "cleared" (every source file cleared from its
	// recorder). Sync adds "uploaded" and "hub-verified".
	State string `json:"state"`
	// Location is where the file lives: here, hub, both, freed or deleted
	// (retention.go).
	Location string `json:"location"`
	Held     bool   `json:"held,omitempty"` // a legal hold is in force
}

// Footage calls fn for every footage item, oldest first.
func (s *Store) Footage(ctx context.Context, fn func(FootageItem) error) error {
	own, err := s.ownTerminal(ctx)
	if err != nil {
		return err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT f.digest, f.size, f.original_path, f.device_serial, f.officer, f.clerk,
		f.start_time, f.end_time, f.ingested_at, f.important,
		(SELECT count(*) FROM footage_sources fs WHERE fs.digest = f.digest),
		(SELECT count(*) FROM footage_sources fs WHERE fs.digest = f.digest AND fs.cleared_seq IS NULL),
		coalesce((SELECT group_concat(DISTINCT c.number) FROM step_footage sf JOIN steps s ON s.id = sf.step
			JOIN cases c ON c.id = s.case_id WHERE sf.digest = f.digest), ''),
		EXISTS (SELECT 1 FROM sync_receipts r WHERE r.digest = f.digest),
		EXISTS (SELECT 1 FROM footage_freed fr WHERE fr.digest = f.digest AND fr.terminal = ?),
		EXISTS (SELECT 1 FROM footage_holds h WHERE h.digest = f.digest AND h.released_at = ''), `+heldHere+`,
		EXISTS (SELECT 1 FROM footage_deleted fd WHERE fd.digest = f.digest)
		FROM footage f ORDER BY f.ingested_seq`, own, own)
	if err != nil {
		return fmt.Errorf("list footage: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var it FootageItem
		var digest string
		var uncleared int
		var cases string
		var where RetentionItem
		if err := rows.Scan(&digest, &it.Size, &it.OriginalPath, &it.DeviceSerial, &it.Officer, &it.Clerk,
			&it.Start, &it.End, &it.IngestedAt, &it.Important, &it.Sources, &uncleared, &cases,
			&where.Receipt, &where.Freed, &it.Held, &where.Here, &where.Deleted); err != nil {
			return fmt.Errorf("list footage: %w", err)
		}
		if it.Digest, err = evidence.ParseDigest(digest); err != nil {
			return fmt.Errorf("list footage: %w", err)
		}
		if cases != "" {
			it.Cases = strings.Split(cases, ",")
		}
		it.Location = where.Location()
		it.State = "signed"
		if it.Sources > 0 && uncleared == 0 {
			it.State = "cleared"
		}
		if err := fn(it); err != nil {
			return err
		}
	}
	return rows.Err()
}

// FootageCount returns the number of footage items and of source files.
func (s *Store) FootageCount(ctx context.Context) (items, sources int, err error) {
	err = s.db.QueryRowContext(ctx, "SELECT (SELECT count(*) FROM footage), (SELECT count(*) FROM footage_sources)").Scan(&items, &sources)
	if err != nil {
		return 0, 0, fmt.Errorf("count footage: %w", err)
	}
	return items, sources, nil
}

// Now returns the terminal clock the store stamps events with.
func (s *Store) Now() time.Time { return s.now() }
