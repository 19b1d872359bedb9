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

// The downloadable proof of a publication checks without trusting the
// page: the checkpoint is signed by the hub's key, each signed event (the
// publication, then its withdrawal) is signed by its terminal and is in
// the log at the leaf the page names, by an RFC 6962 inclusion proof; a
// changed event or proof no longer checks.
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
		if p.Events[0].Digest != d.Event || p.Events[0].LeafIndex != d.LogIndex {
			t.Errorf("%s: the proof's event %s at %d, the page's %s at %d", c.id, p.Events[0].Digest, p.Events[0].LeafIndex, d.Event, d.LogIndex)
		}
		for i, e := range p.Events {
			if e.Type != c.types[i] {
				t.Errorf("%s event %d: type %q", c.id, i, e.Type)
			}
			if err := w.verifyProved(ctx, cp, e, c.id); err != nil {
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
			if err := w.verifyProved(ctx, cp, bad, c.id); err == nil {
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
				if err := w.verifyProved(ctx, cp, bad, c.id); err == nil {
					t.Errorf("%s event %d: a changed event verifies", c.id, i)
				}
			}
		}
	}
}

// verifyProved checks one proved event as a member of the public would:
// its body hashes to its digest, is signed by its terminal's key, is about
// publication id, and its leaf is included in the checkpoint's tree.
func (w *publicWorld) verifyProved(ctx context.Context, cp protocol.Checkpoint, e hub.ProvedEvent, id string) error {
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
	term, ok, err := w.hub.Terminal(ctx, b.Terminal)
	if err != nil || !ok || !ed25519.Verify(term.PublicKey, ev.Body, ev.Sig) {
		return errors.New("not signed by its terminal")
	}
	var payload struct{ Publication string }
	if err := json.Unmarshal(b.Payload, &payload); err != nil || payload.Publication != id || b.Type != e.Type {
		return errors.New("another event")
	}
	leaf := rfc6962.DefaultHasher.HashLeaf(protocol.EventLeaf(e.Digest[:]))
	return proof.VerifyInclusion(rfc6962.DefaultHasher, e.LeafIndex, cp.Size, leaf, e.Proof, cp.Root)
}
