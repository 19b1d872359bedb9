package hub

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"lawtrail/evidence"
	"lawtrail/hub/blobstore/s3test"
	"lawtrail/hub/postgrestest"
	"lawtrail/store"
	"lawtrail/sync/protocol"
)

func openTestHub(t testing.TB) *Hub {
	t.Helper()
	dir := t.TempDir()
	h, err := Open(context.Background(), dir, []byte("pw"), Options{KDF: evidence.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1},
		DB: postgrestest.HubDB(t), Blobs: s3test.HubBlobs(t, dir)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

func leaf(i int) []byte { return []byte(fmt.Sprintf("leaf %d", i)) }

// Inclusion and consistency proofs of the stored log verify for every
// leaf and every pair of sizes, against roots recomputed independently.
func TestLogProofsVerify(t *testing.T) {
	ctx := context.Background()
	h := openTestHub(t)
	const n = 37
	tx, _ := h.db.BeginTx(ctx, nil)
	for i := 0; i < n; i++ {
		if _, err := appendLeaf(ctx, tx, leaf(i), "test", fmt.Sprint(i)); err != nil {
			t.Fatal(err)
		}
	}
	tx.Commit()
	// A leaf's hash is stored once, in its log_leaves row: proofs and roots
	// below read level 0 from there.
	var zero int
	if err := h.db.QueryRowContext(ctx, "SELECT count(*) FROM log_nodes WHERE level = 0").Scan(&zero); err != nil || zero != 0 {
		t.Fatalf("log_nodes holds %d leaves (%v), want none", zero, err)
	}
	roots := make([][]byte, n+1)
	for size := 1; size <= n; size++ {
		r := rangeFactory.NewEmptyRange(0)
		for i := 0; i < size; i++ {
			r.Append(hasher.HashLeaf(leaf(i)), nil)
		}
		roots[size], _ = r.GetRootHash(nil)
		stored, err := rootAt(ctx, h.db, uint64(size))
		if err != nil || string(stored) != string(roots[size]) {
			t.Fatalf("root of %d leaves differs", size)
		}
	}
	for size := uint64(1); size <= n; size++ {
		for i := uint64(0); i < size; i++ {
			p, err := inclusionProof(ctx, h.db, i, size)
			if err != nil {
				t.Fatal(err)
			}
			if err := protocol.VerifyInclusion(leaf(int(i)), i, size, p, roots[size]); err != nil {
				t.Fatalf("inclusion %d in %d: %v", i, size, err)
			}
			if i == 0 && size > 1 {
				if protocol.VerifyInclusion(leaf(1), i, size, p, roots[size]) == nil {
					t.Fatal("an inclusion proof verified for the wrong leaf")
				}
			}
		}
		for s1 := uint64(1); s1 <= size; s1++ {
			p, err := consistencyProof(ctx, h.db, s1, size)
			if err != nil {
				t.Fatal(err)
			}
			if err := protocol.VerifyConsistency(s1, size, p, roots[s1], roots[size]); err != nil {
				t.Fatalf("consistency %d→%d: %v", s1, size, err)
			}
		}
	}
	// A root that rewrites history does not verify as consistent.
	p, _ := consistencyProof(ctx, h.db, 10, n)
	if protocol.VerifyConsistency(10, n, p, roots[9], roots[n]) == nil {
		t.Fatal("a rewritten history verified as consistent")
	}
}

func TestCheckFindsDamagedLog(t *testing.T) {
	ctx := context.Background()
	h := openTestHub(t)
	tx, _ := h.db.BeginTx(ctx, nil)
	for i := 0; i < 8; i++ {
		appendLeaf(ctx, tx, leaf(i), "test", fmt.Sprint(i))
	}
	h.signCheckpoint(ctx, tx)
	tx.Commit()
	if r, err := h.Check(ctx); err != nil || !r.OK() {
		t.Fatalf("clean log: %v %v", r.Problems, err)
	}
	h.db.ExecContext(ctx, "UPDATE log_nodes SET hash = ? WHERE level = 1 AND idx = 2", make([]byte, 32))
	r, err := h.Check(ctx)
	if err != nil || len(r.Problems) == 0 || !strings.Contains(r.Problems[0].Item, "log node 1/2") {
		t.Fatalf("a damaged node was not named: %v %v", r.Problems, err)
	}
	// A node gone (a restored partial backup, a hand-edited record) is
	// named too: every proof through it would fail.
	h.db.ExecContext(ctx, "DELETE FROM log_nodes WHERE level = 2 AND idx = 0")
	r, err = h.Check(ctx)
	if err != nil || !slices.ContainsFunc(r.Problems, func(p store.Problem) bool {
		return p.Item == "log node 2/0" && strings.Contains(p.Err.Error(), "missing")
	}) {
		t.Fatalf("a missing node was not named: %v %v", r.Problems, err)
	}
}

func TestEnrollCodeRoundTripAndGarbage(t *testing.T) {
	c := protocol.EnrollCode{URL: "https://hub:8443", Fingerprint: strings.Repeat("ab", 32), Secret: "s"}
	back, err := protocol.ParseEnrollCode(c.String())
	if err != nil || back != c {
		t.Fatalf("%+v %v", back, err)
	}
	for _, bad := range []string{"", "LT1-", "LT1-!!!", "XX-" + c.String()[4:], protocol.EnrollCode{URL: "http://x", Fingerprint: c.Fingerprint, Secret: "s"}.String()} {
		if _, err := protocol.ParseEnrollCode(bad); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

func TestHubKeyNeedsItsPassphrase(t *testing.T) {
	dir := t.TempDir()
	kdf := evidence.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}
	h, err := Open(context.Background(), dir, []byte("right"), Options{KDF: kdf})
	if err != nil {
		t.Fatal(err)
	}
	fp := h.CertFingerprint()
	h.Close()
	if _, err := Open(context.Background(), dir, []byte("wrong"), Options{KDF: kdf}); err == nil {
		t.Fatal("opened with a wrong passphrase")
	}
	h, err = Open(context.Background(), dir, []byte("right"), Options{KDF: kdf})
	if err != nil || h.CertFingerprint() != fp {
		t.Fatalf("reopened hub has another certificate: %v", err)
	}
	h.Close()
}
