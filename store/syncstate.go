package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"lawtrail/evidence"
)

// HubLink is the hub this terminal joined.
type HubLink struct {
	URL         string
	Fingerprint string
	HubKey      []byte
	Agency      string
	JoinedAt    time.Time
}

// ErrNoHub is returned before the terminal joined a hub.
var ErrNoHub = errors.New("this terminal has not joined a hub (lawtrailctl hub join CODE)")

// SetHub records the hub joined (once; joining another is refused).
func (s *Store) SetHub(ctx context.Context, h HubLink) error {
	_, err := s.db.ExecContext(ctx, "INSERT INTO sync_hub (id, url, fingerprint, hub_key, agency, joined_at) VALUES (1, ?, ?, ?, ?, ?)",
		h.URL, h.Fingerprint, h.HubKey, h.Agency, h.JoinedAt.UTC().Format(time.RFC3339Nano))
	if err != nil {
		return fmt.Errorf("record hub: %w (a terminal joins one hub)", err)
	}
	return nil
}

// Hub returns the hub joined.
func (s *Store) Hub(ctx context.Context) (HubLink, error) {
	var h HubLink
	var at string
	err := s.db.QueryRowContext(ctx, "SELECT url, fingerprint, hub_key, agency, joined_at FROM sync_hub WHERE id = 1").
		Scan(&h.URL, &h.Fingerprint, &h.HubKey, &h.Agency, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return h, ErrNoHub
	}
	if err != nil {
		return h, fmt.Errorf("read hub: %w", err)
	}
	h.JoinedAt, _ = time.Parse(time.RFC3339Nano, at)
	return h, nil
}

// EventsFrom returns up to limit of terminal's events from seq on.
func (s *Store) EventsFrom(ctx context.Context, terminal string, seq uint64, limit int) ([]evidence.Event, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT body, sig, cosigs FROM events WHERE terminal = ? AND seq >= ? ORDER BY seq LIMIT ?", terminal, seq, limit)
	if err != nil {
		return nil, fmt.Errorf("read events from %d: %w", seq, err)
	}
	out, err := scanEvents(rows)
	if err != nil {
		return nil, fmt.Errorf("read events from %d: %w", seq, err)
	}
	return out, nil
}

// SaveCheckpoint keeps a verified hub checkpoint (JSON).
func (s *Store) SaveCheckpoint(ctx context.Context, size uint64, body []byte) error {
	_, err := s.db.ExecContext(ctx, "INSERT INTO sync_checkpoints (size, body) VALUES (?, ?) ON CONFLICT DO NOTHING", size, string(body))
	return err
}

// LatestCheckpoint returns the largest verified checkpoint kept (JSON), or nil.
func (s *Store) LatestCheckpoint(ctx context.Context) ([]byte, error) {
	var body string
	err := s.db.QueryRowContext(ctx, "SELECT body FROM sync_checkpoints ORDER BY size DESC LIMIT 1").Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return []byte(body), err
}

// SaveAck records the hub's log index and inclusion proof of event seq.
func (s *Store) SaveAck(ctx context.Context, seq, logIndex, cpSize uint64, proof []byte) error {
	_, err := s.db.ExecContext(ctx, "INSERT INTO sync_acks (seq, log_index, checkpoint_size, proof) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
		seq, logIndex, cpSize, string(proof))
	return err
}

// SaveAcks records a batch's acknowledgements in one transaction (one
// commit for the batch, not one per event).
func (s *Store) SaveAcks(ctx context.Context, acks []Ack) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("save acks: %w", err)
	}
	defer tx.Rollback()
	st, err := tx.PrepareContext(ctx, "INSERT INTO sync_acks (seq, log_index, checkpoint_size, proof) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")
	if err != nil {
		return fmt.Errorf("save acks: %w", err)
	}
	defer st.Close()
	for _, a := range acks {
		if _, err := st.ExecContext(ctx, a.Seq, a.LogIndex, a.CheckpointSize, string(a.Proof)); err != nil {
			return fmt.Errorf("save ack of seq %d: %w", a.Seq, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("save acks: %w", err)
	}
	return nil
}

// Upload is an upload in progress.
type Upload struct {
	Digest evidence.Digest
	URL    string
	Size   int64
	Offset int64
}

// UploadOf returns the upload in progress for d, if any.
func (s *Store) UploadOf(ctx context.Context, d evidence.Digest) (Upload, bool, error) {
	u := Upload{Digest: d}
	err := s.db.QueryRowContext(ctx, "SELECT url, size, offset FROM sync_uploads WHERE digest = ?", d.String()).Scan(&u.URL, &u.Size, &u.Offset)
	if errors.Is(err, sql.ErrNoRows) {
		return u, false, nil
	}
	return u, err == nil, err
}

// SaveUpload records an upload's URL and confirmed offset.
func (s *Store) SaveUpload(ctx context.Context, u Upload) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO sync_uploads (digest, url, size, offset, updated_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (digest) DO UPDATE SET url = excluded.url, size = excluded.size, offset = excluded.offset, updated_at = excluded.updated_at`,
		u.Digest.String(), u.URL, u.Size, u.Offset, time.Now().UTC().Format(time.RFC3339Nano))
	return err
}

// DropUpload forgets an upload (finished, or lost by the hub).
func (s *Store) DropUpload(ctx context.Context, d evidence.Digest) error {
	_, err := s.db.ExecContext(ctx, "DELETE FROM sync_uploads WHERE digest = ?", d.String())
	return err
}

// SaveReceipt keeps a verified receipt (JSON).
func (s *Store) SaveReceipt(ctx context.Context, d evidence.Digest, receipt []byte) error {
	_, err := s.db.ExecContext(ctx, "INSERT INTO sync_receipts (digest, receipt) VALUES (?, ?) ON CONFLICT DO NOTHING", d.String(), string(receipt))
	return err
}

// HasReceipt reports whether the hub's receipt for d is kept.
func (s *Store) HasReceipt(ctx context.Context, d evidence.Digest) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM sync_receipts WHERE digest = ?", d.String()).Scan(&n)
	return n > 0, err
}

// PendingBlob is footage the hub has not receipted.
type PendingBlob struct {
	Digest evidence.Digest
	Size   int64
}

// PendingBlobs lists footage this terminal took in without a receipt,
// smallest first (footage another terminal took in is that one's to send:
// the agency feed brings its custody, not its bytes).
func (s *Store) PendingBlobs(ctx context.Context) ([]PendingBlob, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT f.digest, f.size FROM footage f LEFT JOIN sync_receipts r ON r.digest = f.digest
		WHERE r.digest IS NULL AND EXISTS (SELECT 1 FROM custody c WHERE c.digest = f.digest
			AND c.type IN ('footage.ingested', 'event.rebased') AND c.terminal NOT IN (SELECT id FROM foreign_terminals))
		AND NOT EXISTS (SELECT 1 FROM footage_deleted fd WHERE fd.digest = f.digest)
		ORDER BY f.size, f.ingested_seq`)
	if err != nil {
		return nil, fmt.Errorf("pending blobs: %w", err)
	}
	defer rows.Close()
	var out []PendingBlob
	for rows.Next() {
		var digest string
		var p PendingBlob
		if err := rows.Scan(&digest, &p.Size); err != nil {
			return nil, err
		}
		if p.Digest, err = evidence.ParseDigest(digest); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// SyncStatus is what the terminal knows of its last sync.
type SyncStatus struct {
	LastSuccess string
	LastError   string
	LastErrorAt string
	HubLastSeq  uint64
	FeedCursor  uint64
	Receipts    int
}

// SyncStatus reads the sync bookkeeping.
func (s *Store) SyncStatus(ctx context.Context) (SyncStatus, error) {
	var st SyncStatus
	err := s.db.QueryRowContext(ctx, `SELECT last_success, last_error, last_error_at, hub_last_seq, feed_cursor,
		(SELECT count(*) FROM sync_receipts) FROM sync_status WHERE id = 1`).
		Scan(&st.LastSuccess, &st.LastError, &st.LastErrorAt, &st.HubLastSeq, &st.FeedCursor, &st.Receipts)
	return st, err
}

// RecordSyncResult notes a sync's outcome: success clears nothing but
// stamps the time; an error keeps its text and time.
func (s *Store) RecordSyncResult(ctx context.Context, hubLastSeq uint64, syncErr error) error {
	now := time.Now().UTC().Format(time.RFC3339)
	if syncErr != nil {
		_, err := s.db.ExecContext(ctx, "UPDATE sync_status SET last_error = ?, last_error_at = ? WHERE id = 1", syncErr.Error(), now)
		return err
	}
	_, err := s.db.ExecContext(ctx, "UPDATE sync_status SET last_success = ?, hub_last_seq = ? WHERE id = 1", now, hubLastSeq)
	return err
}

// SaveFeedItem keeps one verified feed item (JSON) and moves the cursor.
func (s *Store) SaveFeedItem(ctx context.Context, cursor uint64, item []byte) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "INSERT INTO sync_feed (cursor, item) VALUES (?, ?) ON CONFLICT DO NOTHING", cursor, string(item)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "UPDATE sync_status SET feed_cursor = ? WHERE id = 1 AND feed_cursor < ?", cursor, cursor); err != nil {
		return err
	}
	return tx.Commit()
}
