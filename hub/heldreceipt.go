package hub

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"lawtrail/evidence"
	"lawtrail/sync/protocol"
)

// ErrHeldSizeDiffers is an upload announcing a size other than the one of
// the blob the hub holds under that digest (the digest is SHA-256 of the
// bytes, so the announcement is wrong).
var ErrHeldSizeDiffers = errors.New("size differs from the held blob's")

// GrantHeldReceipt implements server.Backend: a terminal whose accepted event
// names a blob the hub already holds (another terminal uploaded the same
// bytes — the same clip docked twice) gets its own signed receipt, logged
// like any other, without sending the bytes again. found is false when the
// hub holds no such blob.
func (h *Hub) GrantHeldReceipt(ctx context.Context, terminal string, d evidence.Digest, size int64) (protocol.Receipt, bool, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	tx, err := h.db.BeginTx(ctx, nil)
	if err != nil {
		return protocol.Receipt{}, false, err
	}
	defer tx.Rollback()
	if rc, found, err := receiptIn(ctx, tx, terminal, d); err != nil || found {
		return rc, found, err
	}
	var held int64
	err = tx.QueryRowContext(ctx, "SELECT size FROM blobs WHERE digest = ?", d.String()).Scan(&held)
	if errors.Is(err, sql.ErrNoRows) {
		return protocol.Receipt{}, false, nil
	}
	if err != nil {
		return protocol.Receipt{}, false, err
	}
	if held != size {
		return protocol.Receipt{}, false, fmt.Errorf("%s: announced %d bytes: %w (%d)", d, size, ErrHeldSizeDiffers, held)
	}
	if err := h.blobs.Verify(ctx, d); err != nil {
		return protocol.Receipt{}, false, fmt.Errorf("held blob %s: %w", d, err)
	}
	n, err := logSize(ctx, tx)
	if err != nil {
		return protocol.Receipt{}, false, err
	}
	rc := protocol.Receipt{Digest: d, Size: held, Terminal: terminal, Time: h.now().UTC(), LogIndex: n}
	rc.Sig = h.key.Sign(rc.SignedBytes())
	if _, err := appendLeaf(ctx, tx, protocol.ReceiptLeaf(rc), "receipt", terminal+":"+d.String()); err != nil {
		return rc, false, err
	}
	b, _ := json.Marshal(rc)
	if _, err := tx.ExecContext(ctx, "INSERT INTO receipts (terminal, digest, receipt) VALUES (?, ?, ?)", terminal, d.String(), string(b)); err != nil {
		return rc, false, err
	}
	if _, err := h.signCheckpoint(ctx, tx); err != nil {
		return rc, false, err
	}
	return rc, true, tx.Commit()
}
