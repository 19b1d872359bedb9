package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/ncruces/go-sqlite3"

	"lawtrail/casework"
	"lawtrail/evidence"
)

// KeyDir holds the sealed keys inside a data folder.
const KeyDir = "keys"

// ErrInitialized is returned when initialising a folder that already holds
// a terminal; nothing is overwritten.
var ErrInitialized = errors.New("data folder already holds a terminal")

// ErrNotInitialized is returned when a folder holds no terminal yet.
var ErrNotInitialized = errors.New("data folder holds no terminal (run init first)")

// TerminalSetup is what creating a terminal needs.
type TerminalSetup struct {
	TerminalName string
	AgencyID     string // derived from AgencyName when empty
	AgencyName   string
	OfficerID    string
	OfficerName  string
	CredentialNo string
	ValidUntil   string          // the credential's last valid day (YYYY-MM-DD); empty: none
	Roles        []casework.Role // of the first officer; must include admin
	Passphrase   []byte          // seals the terminal key
	PIN          []byte          // seals the officer key
	KDF          evidence.KDFParams
	Rand         io.Reader
}

// AgencyIDFromName makes a stable agency id from its (often Chinese) name.
func AgencyIDFromName(name string) string {
	sum := sha256.Sum256([]byte(name))
	return "a" + hex.EncodeToString(sum[:6])
}

// TerminalKeyPath and OfficerKeyPath are where sealed keys live.
func TerminalKeyPath(dir string) string { return filepath.Join(dir, KeyDir, "terminal.key") }

// OfficerKeyPath returns the sealed key file of officer id.
func OfficerKeyPath(dir, id string) string { return filepath.Join(dir, KeyDir, "officer-"+id+".key") }

// InitTerminal creates a terminal in dir: its key and the first officer's
// key (sealed), then the first events — terminal.initialized,
// agency.registered and officer.enrolled (co-signed by the officer) — in one
// transaction. It refuses a folder that already holds a terminal, and
// secrets CheckSecrets refuses.
func InitTerminal(ctx context.Context, dir string, setup TerminalSetup) (evidence.KeyPair, error) {
	if _, err := os.Stat(TerminalKeyPath(dir)); err == nil {
		return evidence.KeyPair{}, fmt.Errorf("init %s: %w", dir, ErrInitialized)
	}
	if err := CheckSecrets(setup.Passphrase, setup.PIN); err != nil {
		return evidence.KeyPair{}, fmt.Errorf("init %s: %w", dir, err)
	}
	if setup.AgencyID == "" {
		setup.AgencyID = AgencyIDFromName(setup.AgencyName)
	}
	drafts, keys, err := setupDrafts(setup)
	if err != nil {
		return evidence.KeyPair{}, fmt.Errorf("init %s: %w", dir, err)
	}
	// Validate every payload before anything touches the disk.
	for _, d := range drafts {
		if err := d.Payload.Validate(); err != nil {
			return evidence.KeyPair{}, fmt.Errorf("init %s: %w", dir, err)
		}
	}
	recordKeys, err := DeriveRecordKeys(keys.terminalPair)
	if err != nil {
		return evidence.KeyPair{}, fmt.Errorf("init %s: %w", dir, err)
	}
	defer recordKeys.Wipe()
	s, err := Open(ctx, dir, Options{Keys: recordKeys})
	if errors.Is(err, sqlite3.NOTADB) {
		// An earlier init was cut off after its events, sealed under a key
		// that was never written: they can no longer be read or signed after.
		return evidence.KeyPair{}, fmt.Errorf("init %s: %w (it holds a record from an interrupted init; move the folder aside)", dir, ErrInitialized)
	}
	if err != nil {
		return evidence.KeyPair{}, err
	}
	defer s.Close()
	if n, err := s.EventCount(ctx); err != nil || n > 0 {
		// An earlier init was cut off after its events but before the
		// terminal key was written: those events can no longer be signed
		// after, and a second chain must not start beside them.
		return evidence.KeyPair{}, fmt.Errorf("init %s: %w (it holds %d events from an interrupted init; move the folder aside)", dir, ErrInitialized, n)
	}
	if err := writeSealed(OfficerKeyPath(dir, setup.OfficerID), keys.officer); err != nil {
		return evidence.KeyPair{}, err
	}
	if _, err := s.Append(ctx, keys.terminalPair, drafts...); err != nil {
		return evidence.KeyPair{}, fmt.Errorf("init %s: %w", dir, err)
	}
	// The terminal key file is written last: its presence means "initialised".
	if err := writeSealed(TerminalKeyPath(dir), keys.terminal); err != nil {
		return evidence.KeyPair{}, err
	}
	return keys.terminalPair, nil
}

type setupKeys struct {
	terminalPair      evidence.KeyPair
	terminal, officer *evidence.SealedKey
}

func setupDrafts(setup TerminalSetup) ([]Draft, setupKeys, error) {
	var k setupKeys
	tk, err := evidence.GenerateKeyPair(setup.Rand)
	if err != nil {
		return nil, k, err
	}
	ok, err := evidence.GenerateKeyPair(setup.Rand)
	if err != nil {
		return nil, k, err
	}
	k.terminalPair = tk
	if k.terminal, err = evidence.Seal(tk, "terminal", tk.ID(), setup.Passphrase, setup.KDF, setup.Rand); err != nil {
		return nil, k, fmt.Errorf("seal terminal key: %w", err)
	}
	if k.officer, err = evidence.Seal(ok, "officer", setup.OfficerID, setup.PIN, setup.KDF, setup.Rand); err != nil {
		return nil, k, fmt.Errorf("seal officer key: %w", err)
	}
	drafts := []Draft{
		{Payload: &casework.TerminalInitialized{Terminal: tk.ID(), Name: setup.TerminalName, Agency: setup.AgencyID, PublicKey: tk.Public}},
		{Actor: setup.OfficerID, Payload: &casework.OfficerEnrolled{
			Officer: setup.OfficerID, Name: setup.OfficerName, CredentialNo: setup.CredentialNo,
			Agency: setup.AgencyID, Roles: setup.Roles, PublicKey: ok.Public, ValidUntil: setup.ValidUntil,
		}, CoSigners: []evidence.OfficerKey{{Officer: setup.OfficerID, Key: ok}}},
		{Actor: setup.OfficerID, Payload: &casework.AgencyRegistered{Agency: setup.AgencyID, Name: setup.AgencyName}},
	}
	return drafts, k, nil
}

// SaveOfficerKey seals officer id's key with pin and writes it as the
// officer's key file of dir, replacing an older file atomically (a changed
// PIN) with an fsync before and after.
func SaveOfficerKey(dir, id string, key evidence.KeyPair, pin []byte, kdf evidence.KDFParams, rnd io.Reader) error {
	sealed, err := evidence.Seal(key, "officer", id, pin, kdf, rnd)
	if err != nil {
		return fmt.Errorf("seal the key of officer %s: %w", id, err)
	}
	return writeSealed(OfficerKeyPath(dir, id), sealed)
}

func writeSealed(path string, s *evidence.SealedKey) error {
	raw, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, raw, 0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := fsyncFile(tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return syncDir(filepath.Dir(path))
}

func fsyncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("fsync %s: %w", path, err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("fsync %s: %w", path, err)
	}
	return nil
}

// ReadSealedKey reads a sealed key file.
// A sealed key file is under 1 KiB; MaxSealedKeyBytes refuses anything else
// put in its place before it is read whole.
const MaxSealedKeyBytes = 64 << 10

func ReadSealedKey(path string) (*evidence.SealedKey, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read %s: %w", path, ErrNotInitialized)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, MaxSealedKeyBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if len(raw) > MaxSealedKeyBytes {
		return nil, fmt.Errorf("read %s: larger than %d bytes, not a sealed key", path, MaxSealedKeyBytes)
	}
	s, err := evidence.ParseSealedKey(raw)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return s, nil
}

// TrustedKeys returns the key ring Check starts from: this folder's
// terminal public key (from its key file, which needs no passphrase).
func TrustedKeys(dir string) (*evidence.Keys, error) {
	s, err := ReadSealedKey(TerminalKeyPath(dir))
	if err != nil {
		return nil, err
	}
	pub, err := s.PublicKey()
	if err != nil {
		return nil, err
	}
	keys := &evidence.Keys{}
	keys.AddTerminal(evidence.KeyID(pub), pub)
	return keys, nil
}

// UnlockTerminal unseals the terminal key of dir.
func UnlockTerminal(dir string, passphrase []byte) (evidence.KeyPair, error) {
	s, err := ReadSealedKey(TerminalKeyPath(dir))
	if err != nil {
		return evidence.KeyPair{}, err
	}
	k, err := s.Unseal(passphrase)
	if err != nil {
		return evidence.KeyPair{}, fmt.Errorf("unlock terminal key: %w", err)
	}
	return k, nil
}

// OpenExisting opens the store of an initialised data folder. Unlike Open
// it never creates a folder or database where a mistyped path points.
func OpenExisting(ctx context.Context, dir string, opt Options) (*Store, error) {
	if _, err := ReadSealedKey(TerminalKeyPath(dir)); err != nil {
		return nil, err
	}
	return Open(ctx, dir, opt)
}
