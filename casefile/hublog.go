package casefile

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"

	"lawtrail/evidence"
	"lawtrail/store"
	"lawtrail/sync/protocol"
)

// The hub's proof that the record existed no later than a checkpoint: for
// every event the hub acknowledged, its log index and an RFC 6962
// inclusion proof against a checkpoint the hub signed (as JSON and as a
// C2SP signed note), and the hub's receipts of the case's footage.

type bundleHub struct {
	Origin      string `json:"origin"`
	HubKey      []byte `json:"hub_key"`
	HubKeyPEM   string `json:"hub_key_pem"`
	VerifierKey string `json:"note_verifier_key"`
}

type bundleInclusion struct {
	Seq            uint64          `json:"seq"`
	EventSHA256    evidence.Digest `json:"event_sha256"`
	LogIndex       uint64          `json:"log_index"`
	CheckpointSize uint64          `json:"checkpoint_size"`
	Inclusion      [][]byte        `json:"inclusion"`
}

// bundleReceipt is a hub receipt of a footage file with its inclusion
// proof, and the exact bytes the hub signed (for verifiers without code).
type bundleReceipt struct {
	protocol.Receipt
	Signed []byte `json:"signed"`
}

// hubProofs gathers the log files of the case file: nothing when the
// terminal never joined a hub.
func hubProofs(ctx context.Context, rep, live *store.Store, footage []evidence.Digest) (map[string][]byte, error) {
	link, err := live.Hub(ctx)
	if errors.Is(err, store.ErrNoHub) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	hubKey := ed25519.PublicKey(link.HubKey)
	vkey, err := protocol.NoteVerifierKey(hubKey)
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{}
	if err := putJSON(files, "log/hub.json", bundleHub{Origin: protocol.LogOrigin(hubKey), HubKey: hubKey,
		HubKeyPEM: evidence.PublicKeyPEM(hubKey), VerifierKey: vkey}); err != nil {
		return nil, err
	}
	lines, err := inclusionLines(ctx, rep, live, hubKey, files)
	if err != nil {
		return nil, err
	}
	files["log/inclusion.jsonl"] = lines
	receipts, err := receiptLines(ctx, live, footage, hubKey, files)
	if err != nil {
		return nil, err
	}
	files["log/receipts.jsonl"] = receipts
	return files, nil
}

// receiptLines writes the proven receipt of each footage file, where kept.
func receiptLines(ctx context.Context, live *store.Store, footage []evidence.Digest, hubKey ed25519.PublicKey, files map[string][]byte) ([]byte, error) {
	var out bytes.Buffer
	good := map[uint64]bool{}
	for _, d := range footage {
		raw, err := live.Receipt(ctx, d)
		if err != nil || raw == nil {
			if err != nil {
				return nil, err
			}
			continue
		}
		var rc protocol.Receipt
		if err := json.Unmarshal(raw, &rc); err != nil {
			return nil, fmt.Errorf("receipt of %s: %w", d, err)
		}
		if len(rc.Inclusion) == 0 && rc.CheckpointSize == 0 {
			continue // not proven yet: the next sync brings the proof
		}
		if ok, err := addCheckpoint(ctx, live, rc.CheckpointSize, hubKey, good, files); err != nil || !ok {
			if err != nil {
				return nil, err
			}
			continue
		}
		b, _ := json.Marshal(bundleReceipt{Receipt: rc, Signed: rc.SignedBytes()})
		out.Write(append(b, '\n'))
	}
	return out.Bytes(), nil
}

// inclusionLines writes one line per acknowledged event whose checkpoint
// verifies, and adds each checkpoint used to files.
func inclusionLines(ctx context.Context, rep, live *store.Store, hubKey ed25519.PublicKey, files map[string][]byte) ([]byte, error) {
	info, err := rep.Terminal(ctx)
	if err != nil {
		return nil, err
	}
	hashes := map[uint64]evidence.Digest{}
	err = rep.Events(ctx, func(se store.StoredEvent) error {
		if se.Terminal == info.ID {
			hashes[se.Seq] = se.Event.Hash()
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	acks, err := live.Acks(ctx)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	good := map[uint64]bool{}
	for _, a := range acks {
		if ok, err := addCheckpoint(ctx, live, a.CheckpointSize, hubKey, good, files); err != nil || !ok {
			if err != nil {
				return nil, err
			}
			continue
		}
		h, ok := hashes[a.Seq]
		if !ok {
			continue
		}
		var proof [][]byte
		if err := json.Unmarshal(a.Proof, &proof); err != nil {
			return nil, fmt.Errorf("inclusion proof of #%d: %w", a.Seq, err)
		}
		b, _ := json.Marshal(bundleInclusion{Seq: a.Seq, EventSHA256: h, LogIndex: a.LogIndex,
			CheckpointSize: a.CheckpointSize, Inclusion: proof})
		out.Write(append(b, '\n'))
	}
	return out.Bytes(), nil
}

// addCheckpoint puts a kept checkpoint that verifies under the hub key into
// files (once) and says whether it did.
func addCheckpoint(ctx context.Context, live *store.Store, size uint64, hubKey ed25519.PublicKey, good map[uint64]bool, files map[string][]byte) (bool, error) {
	if ok, seen := good[size]; seen {
		return ok, nil
	}
	raw, err := live.Checkpoint(ctx, size)
	if err != nil {
		return false, err
	}
	var cp protocol.Checkpoint
	good[size] = raw != nil && json.Unmarshal(raw, &cp) == nil && cp.Verify(hubKey) == nil
	if good[size] {
		files[fmt.Sprintf("log/checkpoints/%d.json", size)] = indentJSON(cp)
		files[fmt.Sprintf("log/checkpoints/%d.note", size)] = []byte(cp.Note)
		return true, addTimestamp(ctx, live, cp, files) // timestamps.go
	}
	return good[size], nil
}

func indentJSON(v any) []byte {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		panic(fmt.Sprintf("casefile: marshal %T: %v", v, err)) // only fixed types are passed
	}
	return append(b, '\n')
}

// checkHubLog verifies the hub's checkpoints and every inclusion proof.
func (v *verification) checkHubLog() {
	raw, err := readCapped(v.b, "log/hub.json", maxSmallBytes)
	if errors.Is(err, fs.ErrNotExist) {
		v.out.Notes = append(v.out.Notes, "no hub proofs: the terminal had not synced with a hub when it exported")
		return
	}
	var hub bundleHub
	if err == nil {
		err = json.Unmarshal(raw, &hub)
	}
	if err != nil || len(hub.HubKey) != ed25519.PublicKeySize {
		v.out.problem("log/hub.json: not a hub key (%v)", err)
		return
	}
	key := ed25519.PublicKey(hub.HubKey)
	switch {
	case v.opt.HubKey == nil:
		v.out.Notes = append(v.out.Notes, fmt.Sprintf("the hub key %s was taken from log/hub.json: compare it with the key the district publishes, or pass --hub-key", evidence.KeyID(key)))
	case !bytes.Equal(v.opt.HubKey, key):
		v.out.problem("log/hub.json: the key is %s, not the trusted hub key %s", evidence.KeyID(key), evidence.KeyID(v.opt.HubKey))
		key = v.opt.HubKey
	}
	roots := v.checkpoints(key)
	v.checkTimestamps(roots) // timestamps.go
	proven, bad := 0, 0
	err = eachLine(v.b, "log/inclusion.jsonl", maxEventLine, func(n int, line []byte) error {
		if err := v.checkInclusion(line, roots); err != nil {
			v.out.problem("log/inclusion.jsonl line %d: %v", n, err)
			bad++
			return nil
		}
		proven++
		return nil
	})
	if err != nil {
		v.out.problem("log/inclusion.jsonl: %v", err)
		return
	}
	v.checkReceipts(key, roots)
	if bad == 0 && proven > 0 {
		newest := slices.Max(slices.Collect(maps.Keys(roots)))
		v.out.Claims = append(v.out.Claims, fmt.Sprintf("%d of %d events are in the hub's log: inclusion proofs against %d checkpoint(s) signed by hub key %s (the newest of size %d)",
			proven, v.chain.events, len(roots), evidence.KeyID(key), newest))
	}
}

// checkpoints verifies every checkpoint file and returns the roots by size.
func (v *verification) checkpoints(key ed25519.PublicKey) map[uint64][]byte {
	roots := map[uint64][]byte{}
	names, _ := fs.Glob(v.b, "log/checkpoints/*.json")
	for _, name := range names {
		raw, err := readCapped(v.b, name, maxSmallBytes)
		var cp protocol.Checkpoint
		if err == nil {
			err = json.Unmarshal(raw, &cp)
		}
		if err == nil {
			err = cp.Verify(key)
		}
		if err != nil {
			v.out.problem("%s: %v", name, err)
			continue
		}
		noteName := strings.TrimSuffix(name, ".json") + ".note"
		if n, err := readCapped(v.b, noteName, maxSmallBytes); err != nil || string(n) != cp.Note {
			v.out.problem("%s: not the signed note of %s", noteName, name)
			continue
		}
		if name != fmt.Sprintf("log/checkpoints/%d.json", cp.Size) {
			v.out.problem("%s: holds the checkpoint of size %d", name, cp.Size)
			continue
		}
		roots[cp.Size] = cp.Root
	}
	return roots
}

func (v *verification) checkInclusion(line []byte, roots map[uint64][]byte) error {
	var in bundleInclusion
	if err := json.Unmarshal(line, &in); err != nil {
		return err
	}
	h, ok := v.chain.hashes[in.Seq]
	if !ok || h != in.EventSHA256 {
		return fmt.Errorf("event #%d with SHA-256 %s is not in %s", in.Seq, in.EventSHA256, EventsFile)
	}
	root, ok := roots[in.CheckpointSize]
	if !ok {
		return fmt.Errorf("event #%d: no verified checkpoint of size %d", in.Seq, in.CheckpointSize)
	}
	if err := protocol.VerifyInclusion(protocol.EventLeaf(h[:]), in.LogIndex, in.CheckpointSize, in.Inclusion, root); err != nil {
		return fmt.Errorf("event #%d: inclusion proof: %w", in.Seq, err)
	}
	return nil
}

// checkReceipts verifies each receipt's signature, that it is this
// terminal's receipt of footage the case names, and its inclusion proof.
func (v *verification) checkReceipts(key ed25519.PublicKey, roots map[uint64][]byte) {
	n, bad := 0, 0
	err := eachLine(v.b, "log/receipts.jsonl", maxEventLine, func(line int, b []byte) error {
		n++
		if err := v.checkReceipt(b, key, roots); err != nil {
			v.out.problem("log/receipts.jsonl line %d: %v", line, err)
			bad++
		}
		return nil
	})
	if errors.Is(err, fs.ErrNotExist) {
		return
	}
	if err != nil {
		v.out.problem("log/receipts.jsonl: %v", err)
		return
	}
	if n > 0 && bad == 0 {
		v.out.Claims = append(v.out.Claims, fmt.Sprintf("%d footage file(s) have the hub's signed receipt, each in the hub's log (inclusion proofs)", n))
	}
}

func (v *verification) checkReceipt(line []byte, key ed25519.PublicKey, roots map[uint64][]byte) error {
	var br bundleReceipt
	if err := json.Unmarshal(line, &br); err != nil {
		return err
	}
	rc := br.Receipt
	if !bytes.Equal(br.Signed, rc.SignedBytes()) {
		return fmt.Errorf("receipt of %s: \"signed\" is not the receipt's signed text", rc.Digest)
	}
	if err := rc.Verify(key); err != nil {
		return err
	}
	if rc.Terminal != evidence.KeyID(v.key) || !v.chain.custody[rc.Digest] {
		return fmt.Errorf("receipt of %s: not this terminal's receipt of footage in its custody", rc.Digest)
	}
	root, ok := roots[rc.CheckpointSize]
	if !ok {
		return fmt.Errorf("receipt of %s: no verified checkpoint of size %d", rc.Digest, rc.CheckpointSize)
	}
	if err := protocol.VerifyInclusion(protocol.ReceiptLeaf(rc), rc.LogIndex, rc.CheckpointSize, rc.Inclusion, root); err != nil {
		return fmt.Errorf("receipt of %s: inclusion proof: %w", rc.Digest, err)
	}
	return nil
}
