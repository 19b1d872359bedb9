package protocol

import (
	"crypto/rand"
	"errors"
	"testing"
	"time"

	"lawtrail/evidence"
)

func TestReceiptAndCheckpointSignatures(t *testing.T) {
	hub, _ := evidence.GenerateKeyPair(rand.Reader)
	other, _ := evidence.GenerateKeyPair(rand.Reader)
	rc := Receipt{Digest: evidence.Sum([]byte("x")), Size: 1, Terminal: "k1", Time: time.Now(), LogIndex: 7}
	rc.Sig = hub.Sign(rc.SignedBytes())
	if err := rc.Verify(hub.Public); err != nil {
		t.Fatal(err)
	}
	for name, mutate := range map[string]func(*Receipt){
		"size":     func(r *Receipt) { r.Size++ },
		"terminal": func(r *Receipt) { r.Terminal = "k2" },
		"index":    func(r *Receipt) { r.LogIndex++ },
		"digest":   func(r *Receipt) { r.Digest[0] ^= 1 },
	} {
		r := rc
		mutate(&r)
		if err := r.Verify(hub.Public); !errors.Is(err, ErrBadHubSignature) {
			t.Errorf("%s changed: %v", name, err)
		}
	}
	if err := rc.Verify(other.Public); !errors.Is(err, ErrBadHubSignature) {
		t.Error("receipt verified under another key")
	}
	cp := Checkpoint{Size: 3, Root: []byte{1, 2, 3}, Time: time.Now()}
	cp.Sig = hub.Sign(cp.SignedBytes())
	if err := cp.Verify(hub.Public); err != nil {
		t.Fatal(err)
	}
	cp.Size = 4
	if err := cp.Verify(hub.Public); err == nil {
		t.Fatal("a resized checkpoint verified")
	}
}

func TestSelfSignedCertPinning(t *testing.T) {
	k, _ := evidence.GenerateKeyPair(rand.Reader)
	a, err := SelfSignedCert(k, "x")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := SelfSignedCert(k, "x")
	if Fingerprint(a.Certificate[0]) != Fingerprint(b.Certificate[0]) {
		t.Fatal("the same key gave two certificates: pins would break on restart")
	}
	if len(Fingerprint(a.Certificate[0])) != 64 {
		t.Fatal("fingerprint is not SHA-256 hex")
	}
}
