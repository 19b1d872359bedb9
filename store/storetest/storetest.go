// Package storetest gives other packages' tests the keys that open a sealed
// terminal record: derived from a terminal key the test holds, or unsealed
// from a data folder with its passphrase, as terminal.Open does.
package storetest

import (
	"testing"

	"lawtrail/evidence"
	"lawtrail/store"
)

// Keys derives the record's keys from the terminal key.
func Keys(t testing.TB, terminal evidence.KeyPair) *store.RecordKeys {
	t.Helper()
	k, err := store.DeriveRecordKeys(terminal)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// KeysOf unseals the terminal key of dir with passphrase and derives the
// record's keys.
func KeysOf(t testing.TB, dir, passphrase string) *store.RecordKeys {
	t.Helper()
	key, err := store.UnlockTerminal(dir, []byte(passphrase))
	if err != nil {
		t.Fatal(err)
	}
	return Keys(t, key)
}
