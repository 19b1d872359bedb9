package casework

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// CardToken is what the QR code of an officer's credential card (亮证)
// carries after the hub's web address: which officer, of which agency, and
// the terminal that vouches for it. The terminal signs it with its own key,
// so it is made offline and cannot be forged; the hub checks it with the key
// it pinned when the terminal enrolled. Nothing in it is secret: the
// signature is what stops anyone from walking credential numbers or officer
// ids to read the register (docs/ARCHITECTURE.md, "The credential card's
// QR").
type CardToken struct {
	Terminal string // the signing terminal's id (its key id)
	Agency   string // the officer's agency id
	Officer  string // the officer's id in the agency
}

// cardTokenContext starts the signed message, so a card signature can be
// taken for nothing else the terminal key signs.
const cardTokenContext = "lawtrail-card/v1\n"

// MaxCardToken is the longest token string ParseCardToken reads.
const MaxCardToken = 512

var errCardToken = errors.New("not a credential card token")

// SignedBytes is the message the terminal signs:
// "lawtrail-card/v1\n" terminal "\n" agency "\n" officer.
func (c CardToken) SignedBytes() []byte {
	return []byte(cardTokenContext + c.fields())
}

func (c CardToken) fields() string { return c.Terminal + "\n" + c.Agency + "\n" + c.Officer }

// Encode returns the token string: base64url (no padding) of
// terminal "\n" agency "\n" officer, ".", base64url of the signature.
func (c CardToken) Encode(sign func([]byte) []byte) (string, error) {
	for _, f := range []string{c.Terminal, c.Agency, c.Officer} {
		if f == "" || strings.ContainsAny(f, "\n\r") {
			return "", fmt.Errorf("card token: field %q: empty or holds a line break", f)
		}
	}
	b64 := base64.RawURLEncoding
	return b64.EncodeToString([]byte(c.fields())) + "." + b64.EncodeToString(sign(c.SignedBytes())), nil
}

// ParseCardToken reads a token string into its fields and signature; it
// does not check the signature (Verify does, with the terminal's key).
func ParseCardToken(s string) (CardToken, []byte, error) {
	if len(s) > MaxCardToken {
		return CardToken{}, nil, errCardToken
	}
	fields, sig, ok := strings.Cut(s, ".")
	if !ok {
		return CardToken{}, nil, errCardToken
	}
	b64 := base64.RawURLEncoding
	raw, err := b64.DecodeString(fields)
	if err != nil {
		return CardToken{}, nil, errCardToken
	}
	sigBytes, err := b64.DecodeString(sig)
	if err != nil || len(sigBytes) != ed25519.SignatureSize {
		return CardToken{}, nil, errCardToken
	}
	parts := strings.Split(string(raw), "\n")
	if len(parts) != 3 {
		return CardToken{}, nil, errCardToken
	}
	c := CardToken{Terminal: parts[0], Agency: parts[1], Officer: parts[2]}
	for _, p := range parts {
		if p == "" || strings.ContainsRune(p, '\r') {
			return CardToken{}, nil, errCardToken
		}
	}
	return c, sigBytes, nil
}

// Verify reports whether sig is the terminal's signature over the token.
func (c CardToken) Verify(pub ed25519.PublicKey, sig []byte) bool {
	return len(pub) == ed25519.PublicKeySize && ed25519.Verify(pub, c.SignedBytes(), sig)
}
