package evidence

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
)

// KeyPair is an Ed25519 key pair of a terminal, an officer or the hub.
type KeyPair struct {
	Public  ed25519.PublicKey
	Private ed25519.PrivateKey
}

// GenerateKeyPair makes a new key pair from the random source r
// (crypto/rand.Reader outside tests).
func GenerateKeyPair(r io.Reader) (KeyPair, error) {
	pub, priv, err := ed25519.GenerateKey(r)
	if err != nil {
		return KeyPair{}, fmt.Errorf("generate ed25519 key: %w", err)
	}
	return KeyPair{Public: pub, Private: priv}, nil
}

// Sign signs msg with the private key.
func (k KeyPair) Sign(msg []byte) []byte { return ed25519.Sign(k.Private, msg) }

// ID returns the key's short identifier.
func (k KeyPair) ID() string { return KeyID(k.Public) }

// KeyID names a public key: "k" and the first 16 hex digits of the SHA-256
// of its 32 bytes. Terminal ids are built from it, so a terminal's name and
// its key cannot drift apart.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return "k" + hex.EncodeToString(sum[:8])
}
