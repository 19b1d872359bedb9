package hub

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/transparency-dev/merkle/compact"

	"lawtrail/casework"
	"lawtrail/evidence"
	"lawtrail/hub/blobstore"
	"lawtrail/store"
	"lawtrail/sync/protocol"
)

// Check re-verifies everything the hub holds: SQLite's integrity, every
// event (signature, co-signatures, chain per terminal, its log leaf), every
// blob re-hashed and its receipt's signature, and the log itself — every
// stored node recomputed from the leaves, and the latest checkpoint's root
// and signature — and compares the read model with a rebuild from the
// events. Each problem is named.
func (h *Hub) Check(ctx context.Context) (store.Report, error) {
	var r store.Report
	add := func(item string, err error) { r.Problems = append(r.Problems, store.Problem{Item: item, Err: err}) }
	if h.db.dialect == sqlite { // PostgreSQL checks its pages itself (and with data checksums when initdb enabled them)
		var line string
		if err := h.db.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&line); err != nil || line != "ok" {
			add("sqlite", fmt.Errorf("integrity check: %s %v", line, err))
		}
	}
	keys := &evidence.Keys{}
	rows, err := h.db.QueryContext(ctx, "SELECT id, public_key FROM terminals")
	if err != nil {
		return r, err
	}
	for rows.Next() {
		var id string
		var pub []byte
		rows.Scan(&id, &pub)
		keys.AddTerminal(id, ed25519.PublicKey(pub))
	}
	rows.Close()
	if err := h.checkEvents(ctx, keys, &r, add); err != nil {
		return r, err
	}
	if err := h.checkForks(ctx, keys, add); err != nil {
		return r, err
	}
	if _, err := h.finishDeletions(ctx, nil); err != nil { // retention.go: a removal a crash cut short
		return r, err
	}
	if err := h.checkBlobs(ctx, &r, add); err != nil {
		return r, err
	}
	if err := h.checkDeletions(ctx, add); err != nil { // retention.go
		return r, err
	}
	if err := h.checkTimestamps(ctx, add); err != nil { // timestamp.go
		return r, err
	}
	if err := h.checkReadModel(ctx, add); err != nil { // readmodel.go
		return r, err
	}
	return r, h.checkLog(ctx, add)
}

func (h *Hub) checkEvents(ctx context.Context, trusted *evidence.Keys, r *store.Report, add func(string, error)) error {
	keys := casework.NewEnrollingKeys(trusted)
	v := evidence.NewChainVerifier(keys)
	rows, err := h.db.QueryContext(ctx, `SELECT e.terminal, e.seq, e.body, e.sig, e.cosigs, e.log_index, l.leaf_hash
		FROM events e LEFT JOIN log_leaves l ON l.idx = e.log_index ORDER BY e.terminal, e.seq`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var terminal, cosigs string
		var seq, idx uint64
		var ev evidence.Event
		var leaf []byte
		if err := rows.Scan(&terminal, &seq, &ev.Body, &ev.Sig, &cosigs, &idx, &leaf); err != nil {
			return err
		}
		r.Events++
		item := fmt.Sprintf("event %s#%d", terminal, seq)
		json.Unmarshal([]byte(cosigs), &ev.CoSigs)
		if _, err := keys.AddChain(v, ev); err != nil {
			add(item, err)
			continue
		}
		hash := ev.Hash()
		if !bytes.Equal(leaf, hasher.HashLeaf(protocol.EventLeaf(hash[:]))) {
			add(item, fmt.Errorf("log leaf %d does not match the event", idx))
		}
	}
	return rows.Err()
}

// checkBlobs verifies every held blob's bytes once, and every receipt: the
// hub's signature and the log leaf at the receipt's own index (a blob two
// terminals docked has a receipt, and a leaf, for each).
func (h *Hub) checkBlobs(ctx context.Context, r *store.Report, add func(string, error)) error {
	rows, err := h.db.QueryContext(ctx, `SELECT b.digest, r.receipt, `+deletedHere+` FROM blobs b
		JOIN receipts r ON r.digest = b.digest ORDER BY b.digest`)
	if err != nil {
		return err
	}
	type held struct {
		digest, receipt string
		deleted         bool // retention.go: its bytes are legitimately gone
	}
	var all []held
	for rows.Next() {
		var x held
		if err := rows.Scan(&x.digest, &x.receipt, &x.deleted); err != nil {
			rows.Close()
			return err
		}
		all = append(all, x)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	if err := h.checkStrayKeys(ctx, add); err != nil {
		return err
	}
	verified := map[string]bool{}
	for _, x := range all {
		item := "blob " + x.digest
		d, err := evidence.ParseDigest(x.digest)
		if err != nil {
			add(item, err)
			continue
		}
		if !verified[x.digest] && !x.deleted {
			verified[x.digest] = true
			r.Blobs++
			if err := h.blobs.Verify(ctx, d); err != nil {
				add(item, err)
			}
		}
		var rc protocol.Receipt
		if err := json.Unmarshal([]byte(x.receipt), &rc); err != nil {
			add(item, err)
			continue
		}
		if err := rc.Verify(h.key.Public); err != nil {
			add(item, err)
		}
		var leaf []byte
		if err := h.db.QueryRowContext(ctx, "SELECT leaf_hash FROM log_leaves WHERE idx = ?", rc.LogIndex).Scan(&leaf); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if !bytes.Equal(leaf, hasher.HashLeaf(protocol.ReceiptLeaf(rc))) {
			add(item, fmt.Errorf("log leaf %d does not match the receipt of %s", rc.LogIndex, rc.Terminal))
		}
	}
	return nil
}

// checkLog recomputes the tree from the leaves and compares every stored
// node (and that none above the leaves is missing: proofs read them) and
// the latest checkpoint.
func (h *Hub) checkLog(ctx context.Context, add func(string, error)) error {
	rows, err := h.db.QueryContext(ctx, "SELECT leaf_hash FROM log_leaves ORDER BY idx")
	if err != nil {
		return err
	}
	r := rangeFactory.NewEmptyRange(0)
	stored := map[[2]uint64][]byte{}
	var leaves [][]byte
	for rows.Next() {
		var lh []byte
		if err := rows.Scan(&lh); err != nil {
			rows.Close()
			return err
		}
		leaves = append(leaves, lh)
	}
	rows.Close()
	for _, lh := range leaves {
		if err := r.Append(lh, func(id compact.NodeID, hash []byte) { stored[[2]uint64{uint64(id.Level), id.Index}] = hash }); err != nil {
			return err
		}
	}
	nodes, err := h.db.QueryContext(ctx, "SELECT level, idx, hash FROM log_nodes")
	if err != nil {
		return err
	}
	defer nodes.Close()
	seen := map[[2]uint64]bool{}
	for nodes.Next() {
		var level, idx uint64
		var hash []byte
		nodes.Scan(&level, &idx, &hash)
		seen[[2]uint64{level, idx}] = true
		if want, ok := stored[[2]uint64{level, idx}]; !ok || !bytes.Equal(want, hash) {
			add(fmt.Sprintf("log node %d/%d", level, idx), fmt.Errorf("does not match the tree recomputed from the leaves"))
		}
	}
	if err := nodes.Err(); err != nil {
		return err
	}
	for id := range stored {
		if id[0] > 0 && !seen[id] { // level 0 is the leaf's own row
			add(fmt.Sprintf("log node %d/%d", id[0], id[1]), fmt.Errorf("is missing: proofs that need it cannot be made"))
		}
	}
	cp, err := latestCheckpoint(ctx, h.db)
	if err != nil {
		return err
	}
	if err := cp.Verify(h.key.Public); err != nil {
		add(fmt.Sprintf("checkpoint %d", cp.Size), err)
	}
	if cp.Size > uint64(len(leaves)) {
		add(fmt.Sprintf("checkpoint %d", cp.Size), fmt.Errorf("larger than the log (%d leaves)", len(leaves)))
		return nil
	}
	part := rangeFactory.NewEmptyRange(0)
	for _, lh := range leaves[:cp.Size] {
		part.Append(lh, nil)
	}
	root, _ := part.GetRootHash(nil)
	if cp.Size == 0 {
		root = hasher.EmptyRoot()
	}
	if !bytes.Equal(root, cp.Root) {
		add(fmt.Sprintf("checkpoint %d", cp.Size), fmt.Errorf("root does not match the log's leaves"))
	}
	return nil
}

// checkStrayKeys names the objects under an S3 store's blobs/ prefix that
// are not blobs' keys (planted by something other than the hub; a LIST per
// 1,000 keys, far less than re-reading the blobs). Blobs held without a
// receipt are not named: a hub killed between keeping the bytes and
// committing their receipt leaves one, and the terminal's next upload
// receipts it. A folder's stray files are left to its own tools, as
// before (its tmp/ holds uploads in progress).
func (h *Hub) checkStrayKeys(ctx context.Context, add func(string, error)) error {
	s3, ok := h.blobs.(*blobstore.S3)
	if !ok {
		return nil
	}
	return s3.ListStray(ctx, func(key string) error {
		add("s3 object "+key, errors.New("not a blob's key (blobs/ab/<64 hex digits>): the hub did not put it there"))
		return nil
	})
}
