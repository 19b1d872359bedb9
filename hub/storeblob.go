package hub

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"lawtrail/evidence"
	"lawtrail/sync/protocol"
)

// BlobNamed implements server.Backend.
func (h *Hub) BlobNamed(ctx context.Context, terminal string, d evidence.Digest) (bool, bool, error) {
	var named, held int
	err := h.db.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM named_blobs WHERE terminal = ? AND digest = ?),
		(SELECT count(*) FROM blobs WHERE digest = ?)`, terminal, d.String(), d.String()).Scan(&named, &held)
	return named > 0, held > 0, err
}

// StoreBlob keeps the local file at path as blob d (Store.Adopt re-hashes
// it: a folder fsyncs it and renames it into place, S3 streams it up), logs
// it and signs terminal's receipt. StoreUpload gives it the file store's
// finished uploads.
func (h *Hub) StoreBlob(ctx context.Context, terminal string, d evidence.Digest, path string) (protocol.Receipt, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return protocol.Receipt{}, fmt.Errorf("uploaded file for %s: %w", d, err)
	}
	if err := fsyncPath(path); err != nil {
		return protocol.Receipt{}, err
	}
	if err := h.blobs.Adopt(ctx, path, d); err != nil {
		return protocol.Receipt{}, err
	}
	return h.receiveBlob(ctx, terminal, d, fi.Size())
}

// receiveBlob logs blob d (held now) and signs terminal's receipt for it,
// unless terminal holds one already.
func (h *Hub) receiveBlob(ctx context.Context, terminal string, d evidence.Digest, size int64) (protocol.Receipt, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	tx, err := h.db.BeginTx(ctx, nil)
	if err != nil {
		return protocol.Receipt{}, err
	}
	defer tx.Rollback()
	if rc, found, err := receiptIn(ctx, tx, terminal, d); err != nil || found {
		return rc, err
	}
	n, err := logSize(ctx, tx)
	if err != nil {
		return protocol.Receipt{}, err
	}
	rc := protocol.Receipt{Digest: d, Size: size, Terminal: terminal, Time: h.now().UTC(), LogIndex: n}
	rc.Sig = h.key.Sign(rc.SignedBytes())
	if _, err := appendLeaf(ctx, tx, protocol.ReceiptLeaf(rc), "receipt", terminal+":"+d.String()); err != nil {
		return rc, err
	}
	b, _ := json.Marshal(rc)
	if _, err := tx.ExecContext(ctx, "INSERT INTO blobs (digest, size, terminal, received_at, log_index) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
		d.String(), size, terminal, rc.Time.Format(time.RFC3339Nano), rc.LogIndex); err != nil {
		return rc, err
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO receipts (terminal, digest, receipt) VALUES (?, ?, ?)", terminal, d.String(), string(b)); err != nil {
		return rc, err
	}
	if _, err := h.signCheckpoint(ctx, tx); err != nil {
		return rc, err
	}
	return rc, tx.Commit()
}

func fsyncPath(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("fsync %s: %w", filepath.Base(path), err)
	}
	defer f.Close()
	return f.Sync()
}
