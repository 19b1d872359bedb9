package web_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"net/url"
	"testing"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"

	"lawtrail/casework"
	"lawtrail/evidence"
	"lawtrail/hub"
	"lawtrail/sync/protocol"
)

// The downloadable proof of a publication checks from the file alone,
// without trusting the page or asking the hub: the checkpoint is signed by
// the hub's key; the file carries the signing terminal's terminal.initialized
// event, in the log by its own inclusion proof and signed by the key it
// carries; each signed event (the publication, then its withdrawal) is
// signed by that key and is in the log at the leaf the page names, by an
// RFC 6962 inclusion proof; a changed event, key or proof no longer checks.
func TestPublicationProof(t *testing.T) {
	w := newPublicWorld(t)
	ctx := context.Background()
	for _, c := range []struct {
		id    string
		types []string
	}{
		{w.onTime, []string{casework.TypePublicityPublished}},
		{w.withdrawn, []string{casework.TypePublicityPublished, casework.TypePublicityWithdrawn}},
	} {
		res, body := w.page(t, "/decisions/"+url.PathEscape(c.id)+"/proof.json", 200)
		if res.Header.Get("Content-Type") != "application/json" || res.Header.Get("Content-Disposition") != `attachment; filename="`+c.id+`-proof.json"` {
			t.Errorf("%s: headers %v", c.id, res.Header)
		}
		var p hub.PublicationProof
		if err := json.Unmarshal([]byte(body), &p); err != nil {
			t.Fatal(err)
		}
		var cp protocol.Checkpoint
		if err := json.Unmarshal(p.Checkpoint, &cp); err != nil {
			t.Fatal(err)
		}
		if err := cp.Verify(w.hub.PublicKey()); err != nil || p.Publication != c.id || !bytes.Equal(p.HubKey, w.hub.PublicKey()) {
			t.Fatalf("%s: checkpoint %v, proof of %q, key %x", c.id, err, p.Publication, p.HubKey)
		}
		if len(p.Events) != len(c.types) {
			t.Fatalf("%s: %d events, want %d", c.id, len(p.Events), len(c.types))
		}
		d, err := w.hub.PublicDecision(ctx, c.id)
		if err != nil {
			t.Fatal(err)
		}
		keys := terminalKeys(t, cp, p)
		if len(keys) != 1 || keys[w.f.Desk.Info.ID] == nil {
			t.Fatalf("%s: the file's terminal keys %v, want the key of %s", c.id, keys, w.f.Desk.Info.ID)
		}
		if p.Events[0].Digest != d.Event || p.Events[0].LeafIndex != d.LogIndex {
			t.Errorf("%s: the proof's event %s at %d, the page's %s at %d", c.id, p.Events[0].Digest, p.Events[0].LeafIndex, d.Event, d.LogIndex)
		}
		for i, e := range p.Events {
			if e.Type != c.types[i] {
				t.Errorf("%s event %d: type %q", c.id, i, e.Type)
			}
			if err := verifyProved(cp, e, c.id, keys); err != nil {
				t.Errorf("%s event %d: %v", c.id, i, err)
			}
			// Tampered, it fails: the test can tell.
			bad := e
			bad.Proof = append([][]byte{}, e.Proof...)
			if len(bad.Proof) > 0 {
				bad.Proof[0] = append([]byte{}, bad.Proof[0]...)
				bad.Proof[0][0] ^= 1
			} else {
				bad.LeafIndex++
			}
			if err := verifyProved(cp, bad, c.id, keys); err == nil {
				t.Errorf("%s event %d: a changed proof verifies", c.id, i)
			}
			for _, change := range []func(*evidence.Event){
				func(ev *evidence.Event) { ev.Body = bytes.Replace(ev.Body, []byte(`"seq":`), []byte(`"seq":1`), 1) },
				func(ev *evidence.Event) { ev.Sig[0] ^= 1 },
			} {
				var ev evidence.Event
				if err := json.Unmarshal(e.Event, &ev); err != nil {
					t.Fatal(err)
				}
				change(&ev)
				bad = e
				bad.Event, _ = json.Marshal(ev)
				if err := verifyProved(cp, bad, c.id, keys); err == nil {
					t.Errorf("%s event %d: a changed event verifies", c.id, i)
				}
			}
		}
	}
}

// terminalKeys reads the terminals' keys from the proof file as a member
// of the public would, each from a terminal.initialized event that is in
// the checkpoint's log, names the terminal its key's id, and is signed by
// that key; a changed key or signature is refused.
func terminalKeys(t *testing.T, cp protocol.Checkpoint, p hub.PublicationProof) map[string]ed25519.PublicKey {
	t.Helper()
	keys := map[string]ed25519.PublicKey{}
	for _, e := range p.Terminals {
		id, key, err := terminalKey(cp, e)
		if err != nil {
			t.Fatalf("terminal in the proof: %v", err)
		}
		keys[id] = key
		var ev evidence.Event
		if err := json.Unmarshal(e.Event, &ev); err != nil {
			t.Fatal(err)
		}
		for what, change := range map[string]func(*evidence.Event){
			"signature": func(ev *evidence.Event) { ev.Sig[0] ^= 1 },
			"key": func(ev *evidence.Event) {
				i := bytes.Index(ev.Body, []byte(`"public_key":"`)) + len(`"public_key":"`)
				ev.Body[i] ^= 1
			},
		} {
			bad := e
			changed := evidence.Event{Body: bytes.Clone(ev.Body), Sig: bytes.Clone(ev.Sig)}
			change(&changed)
			bad.Event, _ = json.Marshal(changed)
			if _, _, err := terminalKey(cp, bad); err == nil {
				t.Errorf("terminal %s: a changed %s checks", id, what)
			}
		}
	}
	return keys
}

// terminalKey checks one terminal.initialized event of a proof and returns
// the terminal's id and key.
func terminalKey(cp protocol.Checkpoint, e hub.ProvedEvent) (string, ed25519.PublicKey, error) {
	var ev evidence.Event
	if err := json.Unmarshal(e.Event, &ev); err != nil {
		return "", nil, err
	}
	b, err := evidence.ParseBody(ev.Body)
	if err != nil {
		return "", nil, err
	}
	var init casework.TerminalInitialized
	if err := json.Unmarshal(b.Payload, &init); err != nil || b.Type != casework.TypeTerminalInitialized || e.Type != b.Type || b.Seq != 1 {
		return "", nil, errors.New("not a terminal.initialized")
	}
	key := ed25519.PublicKey(init.PublicKey)
	if len(key) != ed25519.PublicKeySize || init.Terminal != b.Terminal || evidence.KeyID(key) != b.Terminal {
		return "", nil, errors.New("the terminal's id is not its key's")
	}
	if !ed25519.Verify(key, ev.Body, ev.Sig) {
		return "", nil, errors.New("not signed by the key it carries")
	}
	sum := ev.Hash()
	if sum != e.Digest {
		return "", nil, errors.New("the event's body does not hash to its digest")
	}
	leaf := rfc6962.DefaultHasher.HashLeaf(protocol.EventLeaf(sum[:]))
	return b.Terminal, key, proof.VerifyInclusion(rfc6962.DefaultHasher, e.LeafIndex, cp.Size, leaf, e.Proof, cp.Root)
}

// verifyProved checks one proved event as a member of the public would:
// its body hashes to its digest, is signed by its terminal's key as the
// proof file gives it (keys), is about publication id, and its leaf is
// included in the checkpoint's tree.
func verifyProved(cp protocol.Checkpoint, e hub.ProvedEvent, id string, keys map[string]ed25519.PublicKey) error {
	var ev evidence.Event
	if err := json.Unmarshal(e.Event, &ev); err != nil {
		return err
	}
	if ev.Hash() != e.Digest {
		return errors.New("the event's body does not hash to its digest")
	}
	b, err := evidence.ParseBody(ev.Body)
	if err != nil {
		return err
	}
	if key := keys[b.Terminal]; key == nil || !ed25519.Verify(key, ev.Body, ev.Sig) {
		return errors.New("not signed by its terminal")
	}
	var payload struct{ Publication string }
	if err := json.Unmarshal(b.Payload, &payload); err != nil || payload.Publication != id || b.Type != e.Type {
		return errors.New("another event")
	}
	leaf := rfc6962.DefaultHasher.HashLeaf(protocol.EventLeaf(e.Digest[:]))
	return proof.VerifyInclusion(rfc6962.DefaultHasher, e.LeafIndex, cp.Size, leaf, e.Proof, cp.Root)
}
