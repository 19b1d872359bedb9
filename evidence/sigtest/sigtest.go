// Package sigtest makes Ed25519 signatures that verifiers are known to
// disagree on, for tests that check the record takes exactly what
// crypto/ed25519 takes (as httptest is a server: for tests only).
package sigtest

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha512"
	"encoding/hex"
	"fmt"

	"github.com/oasisprotocol/curve25519-voi/curve"
	"github.com/oasisprotocol/curve25519-voi/curve/scalar"
)

// OrderEight is the encoding of a point of order 8 on edwards25519.
const OrderEight = "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"

// TorsionSignature signs msg with priv as Ed25519 does, except that R
// carries a component of order 8: R = rB + T. The signature satisfies
// the cofactored verification equation (RFC 8032's, which batch
// verification needs) and not the cofactorless one of crypto/ed25519.
func TorsionSignature(priv ed25519.PrivateKey, msg []byte) ([]byte, error) {
	h := sha512.Sum512(priv.Seed())
	h[0] &= 248
	h[31] &= 127
	h[31] |= 64
	var a, r, k, s scalar.Scalar
	if _, err := a.SetBytesModOrder(h[:32]); err != nil {
		return nil, err
	}
	if _, err := r.SetRandom(rand.Reader); err != nil {
		return nil, err
	}
	torsion, err := point(OrderEight)
	if err != nil {
		return nil, err
	}
	var rp curve.EdwardsPoint
	rp.MulBasepoint(curve.ED25519_BASEPOINT_TABLE, &r)
	rp.Add(&rp, torsion)
	var rc curve.CompressedEdwardsY
	rc.SetEdwardsPoint(&rp)
	hram := sha512.New()
	hram.Write(rc[:])
	hram.Write(priv.Public().(ed25519.PublicKey))
	hram.Write(msg)
	if _, err := k.SetBytesModOrderWide(hram.Sum(nil)); err != nil {
		return nil, err
	}
	s.Mul(&k, &a)
	s.Add(&s, &r)
	sb := make([]byte, 32)
	if err := s.ToBytes(sb); err != nil {
		return nil, err
	}
	return append(rc[:], sb...), nil
}

// point decodes a point of small order, and checks that it is one.
func point(encoded string) (*curve.EdwardsPoint, error) {
	raw, err := hex.DecodeString(encoded)
	if err != nil {
		return nil, err
	}
	var c curve.CompressedEdwardsY
	if _, err := c.SetBytes(raw); err != nil {
		return nil, err
	}
	var p curve.EdwardsPoint
	if _, err := p.SetCompressedY(&c); err != nil {
		return nil, fmt.Errorf("decode %s: %w", encoded, err)
	}
	if !p.IsSmallOrder() || p.IsIdentity() {
		return nil, fmt.Errorf("%s is not a point of small order other than the identity", encoded)
	}
	return &p, nil
}
