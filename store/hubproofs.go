package store

import (
	"context"
	"fmt"

	"lawtrail/evidence"
)

// Ack is the hub's acknowledgment of one of this terminal's events: where
// its log holds the event and the inclusion proof against a checkpoint.
type Ack struct {
	Seq            uint64
	LogIndex       uint64
	CheckpointSize uint64
	Proof          []byte // JSON list of base64 hashes, as received
}

// Acks returns every acknowledgment kept, by sequence number.
func (s *Store) Acks(ctx context.Context) ([]Ack, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT seq, log_index, checkpoint_size, proof FROM sync_acks ORDER BY seq")
	if err != nil {
		return nil, fmt.Errorf("read acks: %w", err)
	}
	defer rows.Close()
	var out []Ack
	for rows.Next() {
		var a Ack
		var proof string
		if err := rows.Scan(&a.Seq, &a.LogIndex, &a.CheckpointSize, &proof); err != nil {
			return nil, fmt.Errorf("read acks: %w", err)
		}
		a.Proof = []byte(proof)
		out = append(out, a)
	}
	return out, rows.Err()
}

// Checkpoint returns the kept checkpoint of a size (JSON), or nil.
func (s *Store) Checkpoint(ctx context.Context, size uint64) ([]byte, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT body FROM sync_checkpoints WHERE size = ?", size)
	if err != nil {
		return nil, fmt.Errorf("read checkpoint %d: %w", size, err)
	}
	defer rows.Close()
	if !rows.Next() {
		return nil, rows.Err()
	}
	var body string
	if err := rows.Scan(&body); err != nil {
		return nil, fmt.Errorf("read checkpoint %d: %w", size, err)
	}
	return []byte(body), nil
}

// Receipt returns the hub's signed receipt of a blob (JSON), or nil.
func (s *Store) Receipt(ctx context.Context, d evidence.Digest) ([]byte, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT receipt FROM sync_receipts WHERE digest = ?", d.String())
	if err != nil {
		return nil, fmt.Errorf("read receipt %s: %w", d, err)
	}
	defer rows.Close()
	if !rows.Next() {
		return nil, rows.Err()
	}
	var body string
	if err := rows.Scan(&body); err != nil {
		return nil, fmt.Errorf("read receipt %s: %w", d, err)
	}
	return []byte(body), nil
}

// Receipts returns every kept receipt (JSON) by digest.
func (s *Store) Receipts(ctx context.Context) (map[evidence.Digest][]byte, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT digest, receipt FROM sync_receipts")
	if err != nil {
		return nil, fmt.Errorf("read receipts: %w", err)
	}
	defer rows.Close()
	out := map[evidence.Digest][]byte{}
	for rows.Next() {
		var d, body string
		if err := rows.Scan(&d, &body); err != nil {
			return nil, fmt.Errorf("read receipts: %w", err)
		}
		dg, err := evidence.ParseDigest(d)
		if err != nil {
			return nil, fmt.Errorf("read receipts: %w", err)
		}
		out[dg] = []byte(body)
	}
	return out, rows.Err()
}

// ReplaceReceipt keeps a receipt again with its inclusion proof (the
// signed part is the same; the caller checked it).
func (s *Store) ReplaceReceipt(ctx context.Context, d evidence.Digest, receipt []byte) error {
	_, err := s.db.ExecContext(ctx, "UPDATE sync_receipts SET receipt = ? WHERE digest = ?", string(receipt), d.String())
	if err != nil {
		return fmt.Errorf("keep proof of receipt %s: %w", d, err)
	}
	return nil
}
