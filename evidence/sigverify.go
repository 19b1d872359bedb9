package evidence

import (
	"crypto/ed25519"

	voi "github.com/oasisprotocol/curve25519-voi/primitives/ed25519"
)

// Signature verification. Every event signature is checked with
// curve25519-voi's Ed25519 under its crypto/ed25519 preset
// (VerifyOptionsStdLib): the same signatures are good as for the Go
// standard library — canonical S, R compared as encoded, the cofactorless
// equation, small-order and non-canonical keys as the standard library
// takes them (TestVerifyAgreesWithStdlib tries the edge cases of each) —
// in a little over half the time, and under half with a key expanded once
// for a batch's many signatures by one terminal (sigVerifier). The hub's
// acceptance of events is mostly signature checks: this is its largest
// cost. Batch verification, faster again, is not used: it needs the
// cofactored equation, which takes signatures the standard library (and
// so every other verifier of the record) refuses.

// stdlibSemantics has voi verify as crypto/ed25519 does.
var stdlibSemantics = &voi.Options{Verify: voi.VerifyOptionsStdLib}

func verifySig(pub ed25519.PublicKey, msg, sig []byte) bool {
	return len(pub) == ed25519.PublicKeySize && len(sig) == ed25519.SignatureSize &&
		voi.VerifyWithOptions(voi.PublicKey(pub), msg, sig, stdlibSemantics)
}

// sigVerifier verifies signatures with each key expanded once: one per
// goroutine (it is not safe for concurrent use).
type sigVerifier struct {
	expanded map[[ed25519.PublicKeySize]byte]*voi.ExpandedPublicKey
}

func newSigVerifier() *sigVerifier {
	return &sigVerifier{expanded: map[[ed25519.PublicKeySize]byte]*voi.ExpandedPublicKey{}}
}

// verify is verifySig, with pub's expansion kept for the next signature
// by the same key.
func (v *sigVerifier) verify(pub ed25519.PublicKey, msg, sig []byte) bool {
	if len(pub) != ed25519.PublicKeySize || len(sig) != ed25519.SignatureSize {
		return false
	}
	k := [ed25519.PublicKeySize]byte(pub)
	x, ok := v.expanded[k]
	if !ok {
		var err error
		if x, err = voi.NewExpandedPublicKey(voi.PublicKey(pub)); err != nil {
			x = nil // not a point: every signature by it is refused, as verifySig would
		}
		v.expanded[k] = x
	}
	return x != nil && voi.VerifyExpandedWithOptions(x, msg, sig, stdlibSemantics)
}
