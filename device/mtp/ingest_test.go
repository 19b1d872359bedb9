package mtp

import (
	"context"
	"crypto/rand"
	"testing"

	"lawtrail/casework"
	"lawtrail/evidence"
	"lawtrail/ingest"
	"lawtrail/store"
	"lawtrail/store/storetest"
)

// An MTP recorder goes through the same docking pipeline: every file
// signed, then cleared from the device after re-verification.
func TestIngestFromMTP(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	key, err := store.InitTerminal(ctx, dir, store.TerminalSetup{TerminalName: "t", AgencyName: "某局", OfficerID: "clerk1",
		OfficerName: "王五", Roles: []casework.Role{casework.RoleAdmin, casework.RoleClerk}, Passphrase: []byte("terminal pass"), PIN: []byte("123456"),
		KDF: evidence.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}, Rand: rand.Reader})
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, dir, store.Options{Keys: storetest.Keys(t, key)})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	f, deleted, _, _ := recorder(t)
	c, _ := Open(ctx, f)
	src, err := NewSource(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	d, err := ingest.NewDock(st, key, ingest.Options{Clerk: "clerk1", Clear: ingest.ClearLocal})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := d.Ingest(ctx, ingest.Recorder{Source: src, Label: "usb-1-2"})
	if err != nil || !sum.OK() || sum.Copied != 3 || sum.Cleared != 3 || sum.Serial != "DSJ7654321" {
		t.Fatalf("summary %+v %v", sum, err)
	}
	if len(*deleted) != 3 {
		t.Fatalf("deleted %v", *deleted)
	}
	keys, _ := store.TrustedKeys(dir)
	if r, err := st.Check(ctx, keys); err != nil || !r.OK() {
		t.Fatalf("check %v %v", r.Problems, err)
	}
}
