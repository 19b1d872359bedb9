package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// CheckpointTimestamp is a TSA's RFC 3161 token for a kept hub checkpoint,
// verified against its signed note before it was kept.
type CheckpointTimestamp struct {
	Size    uint64
	Token   []byte // DER TimeStampToken
	GenTime time.Time
	TSA     string // subject of the TSA certificate
}

// SaveTimestamp keeps the token of a checkpoint this terminal holds (the
// first one kept for a size stays).
func (s *Store) SaveTimestamp(ctx context.Context, t CheckpointTimestamp) error {
	_, err := s.db.ExecContext(ctx, "INSERT INTO sync_timestamps (size, token, gen_time, tsa) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
		t.Size, t.Token, t.GenTime.UTC().Format(time.RFC3339Nano), t.TSA)
	if err != nil {
		return fmt.Errorf("keep timestamp of checkpoint %d: %w", t.Size, err)
	}
	return nil
}

// Timestamp returns the kept token of the checkpoint of size, if any.
func (s *Store) Timestamp(ctx context.Context, size uint64) (CheckpointTimestamp, bool, error) {
	t := CheckpointTimestamp{Size: size}
	var at string
	err := s.db.QueryRowContext(ctx, "SELECT token, gen_time, tsa FROM sync_timestamps WHERE size = ?", size).Scan(&t.Token, &at, &t.TSA)
	if errors.Is(err, sql.ErrNoRows) {
		return t, false, nil
	}
	if err != nil {
		return t, false, fmt.Errorf("read timestamp of checkpoint %d: %w", size, err)
	}
	t.GenTime, _ = time.Parse(time.RFC3339Nano, at)
	return t, true, nil
}

// TimestampsRead is how far the hub's list of timestamps was read: tokens
// of checkpoints up to this size were kept or are not for this terminal.
func (s *Store) TimestampsRead(ctx context.Context) (uint64, error) {
	var n uint64
	if err := s.db.QueryRowContext(ctx, "SELECT timestamps_after FROM sync_status WHERE id = 1").Scan(&n); err != nil {
		return 0, fmt.Errorf("read timestamps cursor: %w", err)
	}
	return n, nil
}

// SetTimestampsRead records how far the hub's list of timestamps was read.
func (s *Store) SetTimestampsRead(ctx context.Context, size uint64) error {
	if _, err := s.db.ExecContext(ctx, "UPDATE sync_status SET timestamps_after = ? WHERE id = 1", size); err != nil {
		return fmt.Errorf("record timestamps cursor: %w", err)
	}
	return nil
}
