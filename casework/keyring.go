package casework

import (
	"bytes"
	"crypto/ed25519"

	"lawtrail/evidence"
)

// EnrollingKeys is the key ring of a log being verified: the trusted
// terminal keys, the officers enrolled so far, and — while an
// officer.enrolled event is verified — the new officer's key from its
// payload, because that event is co-signed by the officer it enrolls. The
// key joins the ring only once the event has verified (Settle(true)).
type EnrollingKeys struct {
	*evidence.Keys
	pending *OfficerEnrolled
}

// NewEnrollingKeys starts from keys (nil: an empty ring).
func NewEnrollingKeys(keys *evidence.Keys) *EnrollingKeys {
	if keys == nil {
		keys = &evidence.Keys{}
	}
	return &EnrollingKeys{Keys: keys}
}

// Expect looks at the body about to be verified.
func (k *EnrollingKeys) Expect(raw []byte) {
	k.pending = nil
	// Bodies are canonical JSON (evidence.ParseBody refuses any other
	// spelling), so an enrollment's type is there verbatim: the others are
	// passed over without parsing them.
	if !bytes.Contains(raw, []byte(`"`+TypeOfficerEnrolled+`"`)) && !bytes.Contains(raw, []byte(`"`+TypeEventRebased+`"`)) {
		return
	}
	body, err := evidence.ParseBody(raw)
	if err != nil || (body.Type != TypeOfficerEnrolled && body.Type != TypeEventRebased) {
		return
	}
	p, err := Decode(body.Type, body.Payload)
	if err != nil {
		return
	}
	// A rebased enrollment that takes effect enrolls its officer too.
	if inner, _, ok := Effective(p); ok {
		k.pending, _ = inner.(*OfficerEnrolled)
	}
}

// Settle says whether the expected event verified; an enrollment that did
// adds its officer's key.
func (k *EnrollingKeys) Settle(verified bool) {
	if verified && k.pending != nil {
		k.AddOfficer(k.pending.Officer, k.pending.PublicKey)
	}
	k.pending = nil
}

// OfficerKey implements evidence.KeyRing.
func (k *EnrollingKeys) OfficerKey(id string) (ed25519.PublicKey, bool) {
	if k.pending != nil && k.pending.Officer == id {
		return k.pending.PublicKey, true
	}
	return k.Keys.OfficerKey(id)
}

// AddChain verifies ev as the next event of v's chain with this ring.
func (k *EnrollingKeys) AddChain(v *evidence.ChainVerifier, ev evidence.Event) (evidence.Body, error) {
	k.Expect(ev.Body)
	body, err := v.Add(ev)
	k.Settle(err == nil)
	return body, err
}
