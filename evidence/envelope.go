package evidence

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// BodyVersion is the version of the event body format this package writes.
const BodyVersion = 1

// MaxBodySize bounds an event body; larger input is malformed, not parsed.
const MaxBodySize = 1 << 20

// Body is the signed content of an event. Its JSON bytes are produced once,
// by EncodeBody, and from then on stored, sent and verified verbatim.
type Body struct {
	Version  int             `json:"v"`
	Terminal string          `json:"terminal"` // id of the terminal (or hub) that wrote the event
	Seq      uint64          `json:"seq"`      // 1, 2, 3 … without gaps, per terminal
	Prev     Digest          `json:"prev"`     // SHA-256 of the previous body; zero for seq 1
	Time     time.Time       `json:"time"`     // terminal clock, RFC 3339 with its zone
	Actor    string          `json:"actor"`    // officer id, or "" for the terminal itself
	Type     string          `json:"type"`     // e.g. "case.opened"
	Payload  json.RawMessage `json:"payload"`  // a JSON object, meaning given by Type
	Blobs    []Digest        `json:"blobs"`    // digests of the blobs the event refers to
}

// CoSignature is an officer's own signature over an event body: the act
// (a document, a decision) is the officer's, not only the terminal's.
type CoSignature struct {
	Officer string `json:"officer"`
	Sig     []byte `json:"sig"`
}

// Event is a body with its terminal signature and any officer co-signatures.
type Event struct {
	Body   []byte        `json:"body"`
	Sig    []byte        `json:"sig"`
	CoSigs []CoSignature `json:"cosigs,omitempty"`
}

// Hash returns the SHA-256 of the body bytes: the event's identity and the
// value the next event links to.
func (e Event) Hash() Digest { return Sum(e.Body) }

// ErrMalformed is returned for a body that is not a well-formed event body.
var ErrMalformed = errors.New("malformed event body")

// EncodeBody produces the canonical bytes of b, checking it first.
func EncodeBody(b Body) ([]byte, error) {
	if b.Payload == nil {
		b.Payload = json.RawMessage(`{}`)
	}
	if b.Blobs == nil {
		b.Blobs = []Digest{}
	}
	if err := b.validate(); err != nil {
		return nil, err
	}
	out, err := json.Marshal(b)
	if err != nil {
		return nil, fmt.Errorf("%w: encode: %v", ErrMalformed, err)
	}
	if len(out) > MaxBodySize {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrMalformed, len(out), MaxBodySize)
	}
	return out, nil
}

// ParseBody decodes body bytes strictly: anything other than the canonical
// form EncodeBody writes — unknown or duplicate fields, whitespace, trailing
// data, other spellings of the same values — is ErrMalformed, so one body
// has exactly one meaning.
func ParseBody(raw []byte) (Body, error) {
	var b Body
	if len(raw) > MaxBodySize {
		return b, fmt.Errorf("%w: %d bytes, limit %d", ErrMalformed, len(raw), MaxBodySize)
	}
	if err := json.Unmarshal(raw, &b); err != nil {
		return Body{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if err := b.validate(); err != nil {
		return Body{}, err
	}
	// Re-encoding is the strictness check: an unknown field, a repeated key
	// or any non-canonical spelling makes the bytes differ.
	canonical, err := json.Marshal(b)
	if err != nil || !bytes.Equal(canonical, raw) {
		return Body{}, fmt.Errorf("%w: not in canonical form", ErrMalformed)
	}
	return b, nil
}

func (b Body) validate() error {
	switch {
	case b.Version != BodyVersion:
		return fmt.Errorf("%w: version %d, want %d", ErrMalformed, b.Version, BodyVersion)
	case b.Terminal == "":
		return fmt.Errorf("%w: no terminal id", ErrMalformed)
	case b.Seq == 0:
		return fmt.Errorf("%w: sequence number 0", ErrMalformed)
	case b.Seq == 1 && !b.Prev.IsZero():
		return fmt.Errorf("%w: seq 1 links to a previous event", ErrMalformed)
	case b.Seq > 1 && b.Prev.IsZero():
		return fmt.Errorf("%w: seq %d has no previous hash", ErrMalformed, b.Seq)
	case b.Time.IsZero():
		return fmt.Errorf("%w: no time", ErrMalformed)
	case b.Type == "":
		return fmt.Errorf("%w: no type", ErrMalformed)
	case len(b.Payload) == 0 || b.Payload[0] != '{':
		return fmt.Errorf("%w: payload is not a JSON object", ErrMalformed)
	case b.Blobs == nil:
		return fmt.Errorf("%w: no blobs list", ErrMalformed)
	}
	return nil
}

// Sign makes an event from canonical body bytes, signed by the terminal key
// and co-signed by each officer key given.
func Sign(body []byte, terminal KeyPair, officers ...OfficerKey) Event {
	ev := Event{Body: body, Sig: terminal.Sign(body)}
	for _, o := range officers {
		ev.CoSigs = append(ev.CoSigs, CoSignature{Officer: o.Officer, Sig: o.Key.Sign(body)})
	}
	return ev
}

// OfficerKey is an officer's unsealed key, used to co-sign.
type OfficerKey struct {
	Officer string
	Key     KeyPair
}
