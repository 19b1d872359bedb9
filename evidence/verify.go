package evidence

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
)

// The ways an event or a chain can fail verification. Each is distinct so a
// report (and the hub's quarantine) can say exactly what is wrong.
var (
	ErrBadSignature = errors.New("bad signature")
	ErrUnknownKey   = errors.New("unknown key")
	ErrGap          = errors.New("gap in sequence")
	ErrReordered    = errors.New("events out of order")
	ErrBrokenLink   = errors.New("broken hash link")
	ErrFork         = errors.New("fork: same sequence number, other body")
	ErrDuplicate    = errors.New("duplicate event")
	// ErrMalformed is declared beside ParseBody.
)

// EventError says which event failed and why; errors.Is matches the
// sentinel errors above through it.
type EventError struct {
	Terminal string
	Seq      uint64
	Err      error
}

func (e *EventError) Error() string {
	if e.Terminal == "" {
		return fmt.Sprintf("event: %v", e.Err)
	}
	return fmt.Sprintf("event %s#%d: %v", e.Terminal, e.Seq, e.Err)
}

func (e *EventError) Unwrap() error { return e.Err }

// KeyRing resolves the public keys that signatures are checked against.
type KeyRing interface {
	TerminalKey(terminal string) (ed25519.PublicKey, bool)
	OfficerKey(officer string) (ed25519.PublicKey, bool)
}

// Keys is a KeyRing held in memory. The zero value is empty and usable.
type Keys struct {
	terminals map[string]ed25519.PublicKey
	officers  map[string]ed25519.PublicKey
}

// AddTerminal trusts pub as the key of terminal.
func (k *Keys) AddTerminal(terminal string, pub ed25519.PublicKey) {
	if k.terminals == nil {
		k.terminals = map[string]ed25519.PublicKey{}
	}
	k.terminals[terminal] = pub
}

// AddOfficer trusts pub as the key of officer.
func (k *Keys) AddOfficer(officer string, pub ed25519.PublicKey) {
	if k.officers == nil {
		k.officers = map[string]ed25519.PublicKey{}
	}
	k.officers[officer] = pub
}

// TerminalKey implements KeyRing.
func (k *Keys) TerminalKey(t string) (ed25519.PublicKey, bool) { p, ok := k.terminals[t]; return p, ok }

// OfficerKey implements KeyRing.
func (k *Keys) OfficerKey(o string) (ed25519.PublicKey, bool) { p, ok := k.officers[o]; return p, ok }

// VerifyEvent checks one event on its own: a well-formed body, the terminal
// signature, and every officer co-signature. It does not check the chain.
func VerifyEvent(ev Event, keys KeyRing) (Body, error) {
	return VerifyEventChecked(ev, keys, nil)
}

// VerifyEventChecked is VerifyEvent taking the signatures in checked as
// verified (CheckSignatures found them good over these very bytes); every
// other signature is verified here.
func VerifyEventChecked(ev Event, keys KeyRing, checked *CheckedSignatures) (Body, error) {
	body, err := ParseBody(ev.Body)
	if err != nil {
		return Body{}, &EventError{Err: err}
	}
	fail := func(err error) (Body, error) {
		return Body{}, &EventError{Terminal: body.Terminal, Seq: body.Seq, Err: err}
	}
	pub, ok := keys.TerminalKey(body.Terminal)
	if !ok {
		return fail(fmt.Errorf("%w: terminal %s", ErrUnknownKey, body.Terminal))
	}
	if !checked.verify(pub, ev.Body, ev.Sig) {
		return fail(fmt.Errorf("%w: terminal %s", ErrBadSignature, body.Terminal))
	}
	for _, cs := range ev.CoSigs {
		opub, ok := keys.OfficerKey(cs.Officer)
		if !ok {
			return fail(fmt.Errorf("%w: officer %s", ErrUnknownKey, cs.Officer))
		}
		if !checked.verify(opub, ev.Body, cs.Sig) {
			return fail(fmt.Errorf("%w: officer %s", ErrBadSignature, cs.Officer))
		}
	}
	return body, nil
}

// ChainVerifier checks events one by one, in the order given, across any
// number of terminals: each terminal's events must run 1, 2, 3 … without
// gaps, each linking to the hash of the one before. It remembers every hash
// it has seen, so a second body under a known sequence number is a fork.
type ChainVerifier struct {
	keys   KeyRing
	chains map[string]*chainState
}

type chainState struct {
	hashes   []Digest // hashes[i] is the hash of seq i+1
	lastGood bool     // whether the last event verified, so its hash can be linked to
}

// NewChainVerifier returns a verifier that checks signatures against keys.
func NewChainVerifier(keys KeyRing) *ChainVerifier {
	return &ChainVerifier{keys: keys, chains: map[string]*chainState{}}
}

// Next returns the sequence number the verifier expects next from terminal.
func (v *ChainVerifier) Next(terminal string) uint64 {
	if c, ok := v.chains[terminal]; ok {
		return uint64(len(c.hashes)) + 1
	}
	return 1
}

// Last returns the hash of terminal's last event seen (zero if none).
func (v *ChainVerifier) Last(terminal string) Digest {
	if c, ok := v.chains[terminal]; ok && len(c.hashes) > 0 {
		return c.hashes[len(c.hashes)-1]
	}
	return Digest{}
}

// Add verifies ev as the next event of its terminal's chain. An event that
// fails its own checks still takes its place in the chain (its slot is
// used, its successor's link is not held against it), so one damaged event
// is reported once, not again for every event after it.
func (v *ChainVerifier) Add(ev Event) (Body, error) {
	body, err := VerifyEvent(ev, v.keys)
	if err != nil {
		v.skipDamaged(ev)
		return Body{}, err
	}
	c := v.chains[body.Terminal]
	if c == nil {
		c = &chainState{lastGood: true}
		v.chains[body.Terminal] = c
	}
	hash := ev.Hash()
	fail := func(err error) (Body, error) {
		return Body{}, &EventError{Terminal: body.Terminal, Seq: body.Seq, Err: err}
	}
	next := uint64(len(c.hashes)) + 1
	switch {
	case body.Seq < next && c.hashes[body.Seq-1] == hash:
		return fail(fmt.Errorf("%w: seq %d seen before", ErrDuplicate, body.Seq))
	case body.Seq < next:
		return fail(fmt.Errorf("%w: seq %d has body %s, had %s", ErrFork, body.Seq, hash, c.hashes[body.Seq-1]))
	case body.Seq > next:
		return fail(fmt.Errorf("%w: expected seq %d, got %d", ErrGap, next, body.Seq))
	}
	linkOK := !c.lastGood || body.Prev == v.Last(body.Terminal) || next == 1
	c.hashes = append(c.hashes, hash)
	c.lastGood = true // the event itself verified: its successor may link to it
	if !linkOK {
		return fail(fmt.Errorf("%w: prev %s, previous event is %s", ErrBrokenLink, body.Prev, c.hashes[len(c.hashes)-2]))
	}
	return body, nil
}

// skipDamaged advances the chain past an event that failed its own checks,
// when its sequence number is readable and is the expected one.
func (v *ChainVerifier) skipDamaged(ev Event) {
	terminal, seq, ok := peekPosition(ev.Body)
	if !ok {
		return
	}
	c := v.chains[terminal]
	if c == nil {
		c = &chainState{}
		v.chains[terminal] = c
	}
	if seq == uint64(len(c.hashes))+1 {
		c.hashes = append(c.hashes, ev.Hash())
		c.lastGood = false
	}
}

// MarkDamaged tells the verifier that the event at terminal's next sequence
// number could not be read at all (a storage layer knows its position even
// when its body is unreadable), so verification can continue after it.
func (v *ChainVerifier) MarkDamaged(terminal string) {
	c := v.chains[terminal]
	if c == nil {
		c = &chainState{}
		v.chains[terminal] = c
	}
	c.hashes = append(c.hashes, Digest{})
	c.lastGood = false
}

// VerifyChain verifies events as one ordered stream and returns the first
// failure. When the next expected sequence number appears later in the
// slice, the failure is ErrReordered rather than a gap.
func VerifyChain(events []Event, keys KeyRing) error {
	v := NewChainVerifier(keys)
	for i, ev := range events {
		_, err := v.Add(ev)
		if err == nil {
			continue
		}
		if errors.Is(err, ErrGap) {
			var ee *EventError
			errors.As(err, &ee)
			if laterHas(events[i+1:], ee.Terminal, v.Next(ee.Terminal)) {
				return &EventError{Terminal: ee.Terminal, Seq: ee.Seq,
					Err: fmt.Errorf("%w: seq %d comes before seq %d", ErrReordered, ee.Seq, v.Next(ee.Terminal))}
			}
		}
		return err
	}
	return nil
}

func laterHas(events []Event, terminal string, seq uint64) bool {
	for _, ev := range events {
		if t, s, ok := peekPosition(ev.Body); ok && t == terminal && s == seq {
			return true
		}
	}
	return false
}

// peekPosition reads terminal and seq from a body that may fail other checks.
func peekPosition(raw []byte) (string, uint64, bool) {
	var pos struct {
		Terminal string `json:"terminal"`
		Seq      uint64 `json:"seq"`
	}
	if err := json.Unmarshal(raw, &pos); err != nil || pos.Terminal == "" || pos.Seq == 0 {
		return "", 0, false
	}
	return pos.Terminal, pos.Seq, true
}

// TerminalIDs lists the terminals whose keys are trusted, sorted.
func (k *Keys) TerminalIDs() []string {
	ids := make([]string, 0, len(k.terminals))
	for id := range k.terminals {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}
