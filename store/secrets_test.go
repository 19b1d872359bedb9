package store

import (
	"context"
	"crypto/rand"
	"errors"
	"os"
	"testing"

	"lawtrail/casework"
)

// A terminal is created only with a passphrase of at least ten characters
// and an officer PIN of at least six digits (digits only) that is not the
// passphrase; nothing is written for a refused pair.
func TestInitTerminalRefusesWeakSecrets(t *testing.T) {
	cases := []struct {
		name, pass, pin string
		want            error
	}{
		{"one-character passphrase", "p", "123456", ErrPassphraseShort},
		{"nine characters", "123456789", "123456", ErrPassphraseShort},
		{"nine Chinese characters", "终端口令终端口令终", "123456", ErrPassphraseShort},
		{"one-digit PIN", "terminal pass", "1", ErrPINShort},
		{"five digits", "terminal pass", "12345", ErrPINShort},
		{"letters in the PIN", "terminal pass", "12345a", ErrPINNotDigits},
		{"spaces in the PIN", "terminal pass", "123 456", ErrPINNotDigits},
		{"empty PIN", "terminal pass", "", ErrPINShort},
		{"PIN equals passphrase", "1234567890", "1234567890", ErrPINIsPassphrase},
		{"ten Chinese characters, six digits", "终端口令终端口令终端", "123456", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			_, err := InitTerminal(context.Background(), dir, TerminalSetup{
				TerminalName: "t", AgencyName: "a", OfficerID: "o-1", OfficerName: "x", Roles: []casework.Role{casework.RoleAdmin},
				Passphrase: []byte(c.pass), PIN: []byte(c.pin), KDF: testKDF, Rand: rand.Reader})
			if !errors.Is(err, c.want) {
				t.Fatalf("InitTerminal(%q, %q) = %v, want %v", c.pass, c.pin, err, c.want)
			}
			_, statErr := os.Stat(TerminalKeyPath(dir))
			if (c.want == nil) == os.IsNotExist(statErr) {
				t.Fatalf("terminal key file after %v: %v", err, statErr)
			}
		})
	}
}
