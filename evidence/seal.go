package evidence

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/chacha20poly1305"
)

// SealedKeyFormat names the on-disk format of a sealed private key.
const SealedKeyFormat = "lawtrail-sealed-key/1"

// Errors of sealing and unsealing.
var (
	// ErrWrongPassphrase: the passphrase does not open the key (or the
	// sealed file was altered; AEAD cannot tell the two apart).
	ErrWrongPassphrase = errors.New("wrong passphrase or PIN (or the key file was altered)")
	// ErrSealedKeyInvalid: the sealed file is not a well-formed sealed key.
	ErrSealedKeyInvalid = errors.New("invalid sealed key file")
	// ErrEmptyPassphrase: sealing with an empty passphrase is refused.
	ErrEmptyPassphrase = errors.New("empty passphrase")
)

// KDFParams are the argon2id parameters stored beside the ciphertext.
type KDFParams struct {
	Time      uint32 `json:"time"`
	MemoryKiB uint32 `json:"memory_kib"`
	Threads   uint8  `json:"threads"`
}

// DefaultKDFParams follow RFC 9106's second recommended option
// (t=3, m=64 MiB), light enough for a tablet.
var DefaultKDFParams = KDFParams{Time: 3, MemoryKiB: 64 * 1024, Threads: 2}

// Bounds that a sealed file read from disk must respect, so a crafted file
// cannot make unsealing allocate gigabytes or run for hours.
const (
	maxKDFMemoryKiB = 1 << 20 // 1 GiB
	maxKDFTime      = 64
	saltSize        = 16
)

func (p KDFParams) validate() error {
	switch {
	case p.Time < 1 || p.Time > maxKDFTime:
		return fmt.Errorf("%w: argon2id time %d outside 1..%d", ErrSealedKeyInvalid, p.Time, maxKDFTime)
	case p.Threads < 1:
		return fmt.Errorf("%w: argon2id threads 0", ErrSealedKeyInvalid)
	case p.MemoryKiB < 8*uint32(p.Threads) || p.MemoryKiB > maxKDFMemoryKiB:
		return fmt.Errorf("%w: argon2id memory %d KiB outside %d..%d", ErrSealedKeyInvalid,
			p.MemoryKiB, 8*uint32(p.Threads), maxKDFMemoryKiB)
	}
	return nil
}

// SealedKey is an Ed25519 private key encrypted under a passphrase or PIN.
// The public key, purpose and owner are in the clear and bound to the
// ciphertext as associated data, so a sealed key cannot be relabelled.
type SealedKey struct {
	Format     string    `json:"format"`
	Purpose    string    `json:"purpose"` // "terminal", "officer" or "hub"
	Owner      string    `json:"owner"`   // terminal id, officer id or hub name
	Public     []byte    `json:"public"`
	KDF        string    `json:"kdf"`
	Params     KDFParams `json:"params"`
	Salt       []byte    `json:"salt"`
	Nonce      []byte    `json:"nonce"`
	Ciphertext []byte    `json:"ciphertext"`
}

func (s *SealedKey) associatedData() []byte {
	ad := make([]byte, 0, len(s.Format)+len(s.Purpose)+len(s.Owner)+len(s.Public)+3)
	ad = append(ad, s.Format...)
	ad = append(ad, 0)
	ad = append(ad, s.Purpose...)
	ad = append(ad, 0)
	ad = append(ad, s.Owner...)
	ad = append(ad, 0)
	return append(ad, s.Public...)
}

func deriveKEK(passphrase []byte, salt []byte, p KDFParams) []byte {
	warmArgon2Memory(p)
	return argon2.IDKey(passphrase, salt, p.Time, p.MemoryKiB, p.Threads, chacha20poly1305.KeySize)
}

// warmArgon2Memory writes one byte a page of a buffer as large as the
// memory argon2 is about to allocate, on as many goroutines as it has
// threads, and frees it, so that argon2's allocation reuses pages already
// mapped. Why: argon2 (x/crypto v0.59.0, processBlockXOR) reads each new
// block before writing it, so on fresh memory every page is first mapped to
// the shared zero page and then copied on write, and each such copy flushes
// the TLB of every core the process runs on — on a VM an interrupt to each.
// Unsealing a key with 64 MiB took 340–450 ms here, 60 % of it in those
// flushes; warmed, 150–180 ms with the warming (docs/OPERATIONS.md). The
// key derived is the same: only where its memory comes from changes.
func warmArgon2Memory(p KDFParams) {
	buf := make([]byte, int(p.MemoryKiB)<<10)
	parts := max(1, int(p.Threads))
	page := os.Getpagesize()
	var wg sync.WaitGroup
	for i := range parts {
		part := buf[i*len(buf)/parts : (i+1)*len(buf)/parts]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < len(part); j += page {
				part[j] = 1
			}
		}()
	}
	wg.Wait()
	runtime.KeepAlive(buf)
	runtime.GC() // buf's pages go back to the heap, where argon2's allocation finds them
}

// Seal encrypts k's private key under passphrase. rand supplies salt and nonce.
func Seal(k KeyPair, purpose, owner string, passphrase []byte, p KDFParams, rand io.Reader) (*SealedKey, error) {
	if len(passphrase) == 0 {
		return nil, ErrEmptyPassphrase
	}
	if err := p.validate(); err != nil {
		return nil, err
	}
	s := &SealedKey{
		Format: SealedKeyFormat, Purpose: purpose, Owner: owner,
		Public: append([]byte(nil), k.Public...), KDF: "argon2id", Params: p,
		Salt: make([]byte, saltSize), Nonce: make([]byte, chacha20poly1305.NonceSizeX),
	}
	if _, err := io.ReadFull(rand, s.Salt); err != nil {
		return nil, fmt.Errorf("seal key: read salt: %w", err)
	}
	if _, err := io.ReadFull(rand, s.Nonce); err != nil {
		return nil, fmt.Errorf("seal key: read nonce: %w", err)
	}
	aead, err := chacha20poly1305.NewX(deriveKEK(passphrase, s.Salt, p))
	if err != nil {
		return nil, fmt.Errorf("seal key: %w", err)
	}
	s.Ciphertext = aead.Seal(nil, s.Nonce, k.Private.Seed(), s.associatedData())
	return s, nil
}

// Unseal decrypts the private key. A wrong passphrase gives
// ErrWrongPassphrase; a malformed file gives ErrSealedKeyInvalid.
func (s *SealedKey) Unseal(passphrase []byte) (KeyPair, error) {
	if err := s.check(); err != nil {
		return KeyPair{}, err
	}
	aead, err := chacha20poly1305.NewX(deriveKEK(passphrase, s.Salt, s.Params))
	if err != nil {
		return KeyPair{}, fmt.Errorf("unseal key: %w", err)
	}
	seed, err := aead.Open(nil, s.Nonce, s.Ciphertext, s.associatedData())
	if err != nil {
		return KeyPair{}, ErrWrongPassphrase
	}
	if len(seed) != ed25519.SeedSize {
		return KeyPair{}, fmt.Errorf("%w: seed of %d bytes", ErrSealedKeyInvalid, len(seed))
	}
	priv := ed25519.NewKeyFromSeed(seed)
	pub := priv.Public().(ed25519.PublicKey)
	if !pub.Equal(ed25519.PublicKey(s.Public)) {
		return KeyPair{}, fmt.Errorf("%w: private key does not match the public key", ErrSealedKeyInvalid)
	}
	return KeyPair{Public: pub, Private: priv}, nil
}

func (s *SealedKey) check() error {
	switch {
	case s.Format != SealedKeyFormat:
		return fmt.Errorf("%w: format %q, want %q", ErrSealedKeyInvalid, truncate(s.Format, 40), SealedKeyFormat)
	case s.KDF != "argon2id":
		return fmt.Errorf("%w: kdf %q", ErrSealedKeyInvalid, truncate(s.KDF, 40))
	case len(s.Public) != ed25519.PublicKeySize:
		return fmt.Errorf("%w: public key of %d bytes", ErrSealedKeyInvalid, len(s.Public))
	case len(s.Salt) < saltSize:
		return fmt.Errorf("%w: salt of %d bytes", ErrSealedKeyInvalid, len(s.Salt))
	case len(s.Nonce) != chacha20poly1305.NonceSizeX:
		return fmt.Errorf("%w: nonce of %d bytes", ErrSealedKeyInvalid, len(s.Nonce))
	case len(s.Ciphertext) != ed25519.SeedSize+chacha20poly1305.Overhead:
		return fmt.Errorf("%w: ciphertext of %d bytes", ErrSealedKeyInvalid, len(s.Ciphertext))
	}
	return s.Params.validate()
}

// PublicKey returns the public key in the clear part of the sealed file.
func (s *SealedKey) PublicKey() (ed25519.PublicKey, error) {
	if len(s.Public) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("%w: public key of %d bytes", ErrSealedKeyInvalid, len(s.Public))
	}
	return ed25519.PublicKey(s.Public), nil
}

// ParseSealedKey reads a sealed key file's JSON and checks its form.
func ParseSealedKey(b []byte) (*SealedKey, error) {
	var s SealedKey
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSealedKeyInvalid, err)
	}
	if err := s.check(); err != nil {
		return nil, err
	}
	return &s, nil
}
