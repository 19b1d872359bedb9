package hub

import (
	"context"
	"errors"
	"fmt"
	"io"

	"lawtrail/evidence"
	"lawtrail/hub/blobstore"
	"lawtrail/sync/protocol"
)

// OpenAgencyBlob implements server.Backend: a blob a terminal of terminal's
// agency sent (the asking terminal included) — it holds the receipt, which
// the hub signs only for bytes that an accepted event of that terminal names
// and that hashed to the digest. Naming a digest is not enough: a terminal
// could name any digest it learnt in an event of its own. Any other digest
// is not found.
func (h *Hub) OpenAgencyBlob(ctx context.Context, terminal string, d evidence.Digest) (io.ReadSeekCloser, bool, error) {
	var n int
	err := h.db.QueryRowContext(ctx, `SELECT count(*) FROM blobs b WHERE b.digest = ? AND EXISTS (
		SELECT 1 FROM receipts r JOIN terminals w ON w.id = r.terminal JOIN terminals me ON me.agency = w.agency
		WHERE r.digest = b.digest AND me.id = ?)`, d.String(), terminal).Scan(&n)
	if err != nil {
		return nil, false, fmt.Errorf("blob %s for %s: %w", d, terminal, err)
	}
	if n == 0 {
		return nil, false, nil
	}
	if gone, err := blobDeleted(ctx, h.db, terminal, d); err != nil || gone { // retention.go
		if err == nil {
			err = &protocol.Error{Code: protocol.CodeDeleted, Message: "footage " + d.String() + " was deleted from the agency's record (footage.deleted); its custody record, receipts and log stay"}
		}
		return nil, false, err
	}
	b, err := h.blobs.Open(ctx, d)
	if errors.Is(err, blobstore.ErrNotFound) {
		return nil, false, fmt.Errorf("blob %s: received and receipted, but its file is missing (run lawtrail-hub check)", d)
	}
	if err != nil {
		return nil, false, fmt.Errorf("blob %s: %w", d, err)
	}
	return b, true, nil
}
