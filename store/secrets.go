package store

import (
	"bytes"
	"errors"
	"fmt"
	"unicode/utf8"
)

// The smallest secrets a terminal accepts. The terminal passphrase seals the
// key that signs every event of the terminal; an officer's PIN seals the key
// that co-signs that officer's acts. Both are checked by CheckSecrets, the one
// place the app and lawtrailctl share.
const (
	MinPassphraseChars = 10 // characters (not bytes) of the terminal passphrase
	MinPINDigits       = 6  // an officer PIN is at least six digits, and digits only
)

// Typed refusals of CheckSecrets, which front ends map to their own words.
var (
	ErrPassphraseShort = fmt.Errorf("terminal passphrase shorter than %d characters", MinPassphraseChars)
	ErrPINShort        = fmt.Errorf("officer PIN shorter than %d digits", MinPINDigits)
	ErrPINNotDigits    = errors.New("officer PIN holds characters other than the digits 0-9")
	ErrPINIsPassphrase = errors.New("officer PIN equals the terminal passphrase (they guard different keys)")
)

// CheckSecrets says whether a new terminal passphrase and officer PIN may
// seal keys: the passphrase has at least MinPassphraseChars characters, the
// PIN at least MinPINDigits ASCII digits and nothing else, and the two
// differ. A nil passphrase checks the PIN alone (an officer enrolled on an
// existing terminal).
func CheckSecrets(passphrase, pin []byte) error {
	if passphrase != nil && utf8.RuneCount(passphrase) < MinPassphraseChars {
		return ErrPassphraseShort
	}
	for _, c := range pin {
		if c < '0' || c > '9' {
			return ErrPINNotDigits
		}
	}
	if len(pin) < MinPINDigits {
		return ErrPINShort
	}
	if passphrase != nil && bytes.Equal(passphrase, pin) {
		return ErrPINIsPassphrase
	}
	return nil
}
