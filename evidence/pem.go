package evidence

import (
	"crypto/ed25519"
	"encoding/pem"
)

// ed25519SPKIPrefix is the DER of an Ed25519 SubjectPublicKeyInfo up to the
// key (RFC 8410): SEQUENCE { SEQUENCE { OID 1.3.101.112 } BIT STRING }.
var ed25519SPKIPrefix = []byte{0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00}

// PublicKeyPEM writes a raw Ed25519 public key as the PEM openssl reads.
func PublicKeyPEM(pub ed25519.PublicKey) string {
	der := append(append([]byte{}, ed25519SPKIPrefix...), pub...)
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}
