package protocol

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
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
	root := bytes.Repeat([]byte{7}, 32)
	cp := Checkpoint{Size: 3, Root: root, Time: time.Now()}
	cp.Sig = hub.Sign(cp.SignedBytes())
	if err := cp.Verify(hub.Public); err == nil {
		t.Fatal("a checkpoint without its signed note verified")
	}
	note, err := SignNote(3, root, hub.Public, hub.Sign)
	if err != nil {
		t.Fatal(err)
	}
	cp.Note = note
	if err := cp.Verify(hub.Public); err != nil {
		t.Fatal(err)
	}
	resized := cp
	resized.Size = 4
	if err := resized.Verify(hub.Public); err == nil {
		t.Fatal("a resized checkpoint verified")
	}
	// A note of another size, correctly signed, beside the checkpoint's own
	// signature: the two must agree.
	other4, _ := SignNote(4, root, hub.Public, hub.Sign)
	mixed := cp
	mixed.Note = other4
	if err := mixed.Verify(hub.Public); !errors.Is(err, ErrBadNote) {
		t.Fatalf("a note of another size beside the checkpoint: %v", err)
	}
	if _, _, err := VerifyNote(cp.Note, other.Public); !errors.Is(err, ErrBadNote) {
		t.Fatal("a note verified under another key")
	}
}

// The checkpoint note is standard C2SP: the key hash is SHA-256(name ‖ "\n"
// ‖ 0x01 ‖ key)[:4], the signature Ed25519 over the three text lines.
func TestCheckpointNoteIsStandardSignedNote(t *testing.T) {
	hub, _ := evidence.GenerateKeyPair(rand.Reader)
	root := bytes.Repeat([]byte{9}, 32)
	signed, err := SignNote(12, root, hub.Public, hub.Sign)
	if err != nil {
		t.Fatal(err)
	}
	origin := LogOrigin(hub.Public)
	text := string(CheckpointText(origin, 12, root))
	if !strings.HasPrefix(signed, text+"\n\u2014 "+origin+" ") {
		t.Fatalf("note layout:\n%s", signed)
	}
	line := strings.TrimSuffix(strings.TrimPrefix(signed, text+"\n\u2014 "+origin+" "), "\n")
	sig, err := base64.StdEncoding.DecodeString(line)
	if err != nil || len(sig) != 68 {
		t.Fatalf("signature line %q", line)
	}
	h := sha256.Sum256(append([]byte(origin+"\n\x01"), hub.Public...))
	if !bytes.Equal(sig[:4], h[:4]) {
		t.Fatal("key hash is not SHA-256(name, newline, 0x01, key)[:4]")
	}
	if !ed25519.Verify(hub.Public, []byte(text), sig[4:]) {
		t.Fatal("the signature is not plain Ed25519 over the note text")
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
