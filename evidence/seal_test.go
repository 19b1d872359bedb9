package evidence

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"testing"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/chacha20poly1305"
)

// testKDF keeps argon2id cheap in tests; the parameters travel with the file.
var testKDF = KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}

func mustKey(t testing.TB) KeyPair {
	t.Helper()
	k, err := GenerateKeyPair(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSealUnsealRoundTrip(t *testing.T) {
	k := mustKey(t)
	s, err := Seal(k, "officer", "o-001", []byte("123456"), testKDF, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, k.Private.Seed()) {
		t.Fatal("sealed file contains the private seed in the clear")
	}
	parsed, err := ParseSealedKey(raw)
	if err != nil {
		t.Fatal(err)
	}
	got, err := parsed.Unseal([]byte("123456"))
	if err != nil {
		t.Fatal(err)
	}
	if !got.Private.Equal(k.Private) || !got.Public.Equal(k.Public) {
		t.Fatal("unsealed key differs from the sealed one")
	}
}

func TestUnsealWrongPassphraseIsClearError(t *testing.T) {
	k := mustKey(t)
	s, err := Seal(k, "terminal", "t1", []byte("correct horse"), testKDF, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for _, pw := range []string{"", "correct hors", "correct horse ", "CORRECT HORSE"} {
		if _, err := s.Unseal([]byte(pw)); !errors.Is(err, ErrWrongPassphrase) {
			t.Errorf("passphrase %q: got %v, want ErrWrongPassphrase", pw, err)
		}
	}
}

func TestSealRefusesEmptyPassphrase(t *testing.T) {
	if _, err := Seal(mustKey(t), "officer", "o", nil, testKDF, rand.Reader); !errors.Is(err, ErrEmptyPassphrase) {
		t.Fatalf("got %v, want ErrEmptyPassphrase", err)
	}
}

// A sealed file is input from disk: every damaged or crafted form must give
// a clear error, never a panic, a huge allocation or a wrong key.
func TestUnsealDamagedOrCraftedFiles(t *testing.T) {
	k := mustKey(t)
	good, err := Seal(k, "officer", "o-001", []byte("pin"), testKDF, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	other := mustKey(t)
	cases := []struct {
		name   string
		mutate func(s *SealedKey)
		want   error
	}{
		{"relabelled owner", func(s *SealedKey) { s.Owner = "o-002" }, ErrWrongPassphrase},
		{"relabelled purpose", func(s *SealedKey) { s.Purpose = "hub" }, ErrWrongPassphrase},
		{"swapped public key", func(s *SealedKey) { s.Public = other.Public }, ErrWrongPassphrase},
		{"flipped ciphertext", func(s *SealedKey) { s.Ciphertext[3] ^= 1 }, ErrWrongPassphrase},
		{"changed salt", func(s *SealedKey) { s.Salt[0] ^= 1 }, ErrWrongPassphrase},
		{"short nonce", func(s *SealedKey) { s.Nonce = s.Nonce[:12] }, ErrSealedKeyInvalid},
		{"short ciphertext", func(s *SealedKey) { s.Ciphertext = s.Ciphertext[:10] }, ErrSealedKeyInvalid},
		{"huge memory", func(s *SealedKey) { s.Params.MemoryKiB = 1 << 31 }, ErrSealedKeyInvalid},
		{"huge time", func(s *SealedKey) { s.Params.Time = 1 << 30 }, ErrSealedKeyInvalid},
		{"zero threads", func(s *SealedKey) { s.Params.Threads = 0 }, ErrSealedKeyInvalid},
		{"other kdf", func(s *SealedKey) { s.KDF = "scrypt" }, ErrSealedKeyInvalid},
		{"other format", func(s *SealedKey) { s.Format = "x" }, ErrSealedKeyInvalid},
		{"no public key", func(s *SealedKey) { s.Public = nil }, ErrSealedKeyInvalid},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			raw, _ := json.Marshal(good)
			var s SealedKey
			if err := json.Unmarshal(raw, &s); err != nil {
				t.Fatal(err)
			}
			tc.mutate(&s)
			if _, err := s.Unseal([]byte("pin")); !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
	for _, raw := range []string{"", "{", "null", "[]", `{"format":1}`} {
		if _, err := ParseSealedKey([]byte(raw)); !errors.Is(err, ErrSealedKeyInvalid) {
			t.Errorf("ParseSealedKey(%q): got %v, want ErrSealedKeyInvalid", raw, err)
		}
	}
}

func TestKeyIDIsStableAndDistinct(t *testing.T) {
	a, b := mustKey(t), mustKey(t)
	if KeyID(a.Public) != a.ID() || len(a.ID()) != 17 {
		t.Fatalf("key id %q", a.ID())
	}
	if a.ID() == b.ID() {
		t.Fatal("two keys share an id")
	}
}

// Warming argon2's memory (warmArgon2Memory) changes only where its pages
// come from: the key derived is argon2id's, byte for byte, for a first
// derivation on fresh memory and for a second on memory a first freed.
func TestDeriveKEKIsArgon2id(t *testing.T) {
	p := KDFParams{Time: 1, MemoryKiB: 8 * 1024, Threads: 2}
	salt := []byte("0123456789abcdef")
	for i, pass := range []string{"终端口令", "another passphrase"} {
		want := argon2.IDKey([]byte(pass), salt, p.Time, p.MemoryKiB, p.Threads, chacha20poly1305.KeySize)
		if got := deriveKEK([]byte(pass), salt, p); !bytes.Equal(got, want) {
			t.Fatalf("derivation %d: %x, argon2id gives %x", i, got, want)
		}
	}
}
