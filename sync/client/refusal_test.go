package client

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lawtrail/casework"
	"lawtrail/evidence"
	"lawtrail/evidence/sigtest"
	"lawtrail/store"
	"lawtrail/sync/protocol"
)

func hubCounts(t *testing.T, th *testHub) (events, forks, blobs int) {
	t.Helper()
	st, err := th.hub.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return st.Events, st.Forks, st.Blobs
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	var pe *protocol.Error
	if !errors.As(err, &pe) || pe.Code != code {
		t.Fatalf("got %v, want a %q refusal", err, code)
	}
}

// signedNext makes a validly signed event at seq with prev, as a terminal
// that misbehaves (or was cloned) would.
func (tm *terminal) signedNext(t *testing.T, seq uint64, prev evidence.Digest, title string) evidence.Event {
	t.Helper()
	raw, err := evidence.EncodeBody(evidence.Body{Version: 1, Terminal: tm.key.ID(), Seq: seq, Prev: prev,
		Time: time.Now(), Actor: "o-001", Type: "case.opened",
		Payload: json.RawMessage(`{"case":"x` + title + `","number":"1","title":"` + title + `","act_type":"penalty","agency":"a1"}`)})
	if err != nil {
		t.Fatal(err)
	}
	return evidence.Sign(raw, tm.key)
}

func TestRefusedEventsStoreNothing(t *testing.T) {
	ctx := context.Background()
	th := startHub(t, t.TempDir())
	tm, c := joined(t, th)
	if _, err := c.Once(ctx); err != nil {
		t.Fatal(err)
	}
	head, headHash, _ := tm.store.Head(ctx, tm.key.ID())
	before, _, _ := hubCounts(t, th)
	send := func(evs ...evidence.Event) (protocol.BatchResult, error) {
		var res protocol.BatchResult
		err := c.call(ctx, "POST", protocol.PathEvents, protocol.EventBatch{Events: evs}, &res)
		return res, err
	}

	forged := tm.signedNext(t, head+1, headHash, "forged")
	forged.Sig[5] ^= 1
	_, err := send(forged)
	wantCode(t, err, protocol.CodeBadSignature)

	// A torsion component in R: good under the cofactored equation,
	// refused by crypto/ed25519 and so by every other verifier of the
	// record. The hub, which verifies with curve25519-voi, refuses it too.
	rogue := tm.signedNext(t, head+1, headHash, "rogue")
	if rogue.Sig, err = sigtest.TorsionSignature(tm.key.Private, rogue.Body); err != nil {
		t.Fatal(err)
	}
	if ed25519.Verify(tm.key.Public, rogue.Body, rogue.Sig) {
		t.Fatal("crypto/ed25519 takes the crafted signature: the case proves nothing")
	}
	_, err = send(rogue)
	wantCode(t, err, protocol.CodeBadSignature)

	_, err = send(tm.signedNext(t, head+1, evidence.Sum([]byte("elsewhere")), "broken"))
	wantCode(t, err, protocol.CodeBrokenChain)

	_, err = send(tm.signedNext(t, head+2, headHash, "gap"))
	wantCode(t, err, protocol.CodeGap)

	other := newTerminal(t)
	_, err = send(other.signedNext(t, 1, evidence.Digest{}, "stranger"))
	wantCode(t, err, protocol.CodeWrongTerminal)

	if n, _, _ := hubCounts(t, th); n != before {
		t.Fatalf("refused events changed the hub: %d → %d events", before, n)
	}

	// A replayed batch is accepted idempotently: no duplicates stored.
	evs, _ := tm.store.EventsFrom(ctx, tm.key.ID(), 1, 100)
	res, err := send(evs...)
	if err != nil || len(res.Accepted) != len(evs) || !res.Accepted[0].Duplicate {
		t.Fatalf("replay: %+v %v", res, err)
	}
	if n, _, _ := hubCounts(t, th); n != before {
		t.Fatalf("a replay stored %d more events", n-before)
	}

	// A fork: a second, validly signed body under a known seq.
	_, err = send(tm.signedNext(t, 2, evs[0].Hash(), "fork"))
	wantCode(t, err, protocol.CodeFork)
	if n, forks, _ := hubCounts(t, th); n != before || forks != 1 {
		t.Fatalf("after a fork: %d events (want %d), %d quarantined (want 1)", n, before, forks)
	}
}

func TestOversizedRequestsRefused(t *testing.T) {
	ctx := context.Background()
	th := startHub(t, t.TempDir())
	tm, c := joined(t, th)
	many := make([]evidence.Event, protocol.MaxBatchEvents+1)
	for i := range many {
		many[i] = tm.signedNext(t, uint64(i+4), evidence.Sum([]byte{byte(i)}), "x")
	}
	err := c.call(ctx, "POST", protocol.PathEvents, protocol.EventBatch{Events: many}, nil)
	wantCode(t, err, protocol.CodeTooLarge)
	huge := evidence.Event{Body: bytes.Repeat([]byte("a"), protocol.MaxRequestBody)}
	err = c.call(ctx, "POST", protocol.PathEvents, protocol.EventBatch{Events: []evidence.Event{huge}}, nil)
	wantCode(t, err, protocol.CodeTooLarge)
}

func TestRefusedBlobs(t *testing.T) {
	ctx := context.Background()
	th := startHub(t, t.TempDir())
	tm, c := joined(t, th)
	digests := tm.addFootage(t, 300<<10)
	c.opt.Metered = true // events only: the blob stays for this test
	if _, err := c.Once(ctx); err != nil {
		t.Fatal(err)
	}
	// A blob no accepted event names.
	_, err := c.create(ctx, store.PendingBlob{Digest: evidence.Sum([]byte("never named")), Size: 11})
	wantCode(t, err, protocol.CodeUnnamedBlob)

	// Bytes that do not hash to the named digest: refused, nothing kept.
	u, err := c.create(ctx, store.PendingBlob{Digest: digests[0], Size: 300 << 10})
	if err != nil {
		t.Fatal(err)
	}
	wrong := bytes.Repeat([]byte("x"), 300<<10)
	_, err = c.patch(ctx, u, io.NewSectionReader(bytes.NewReader(wrong), 0, int64(len(wrong))))
	if err == nil || !strings.Contains(err.Error(), protocol.CodeDigestMismatch) {
		t.Fatalf("mismatching bytes: %v", err)
	}
	if _, _, blobs := hubCounts(t, th); blobs != 0 {
		t.Fatal("the hub kept a blob that does not match its digest")
	}
	if _, ok, _ := c.receipt(ctx, digests[0]); ok {
		t.Fatal("a receipt for a refused blob")
	}
	// The right bytes then go through.
	c.opt.Metered = false
	if rep, err := c.Once(ctx); err != nil || rep.Receipts != 1 {
		t.Fatalf("%+v %v", rep, err)
	}
}

func TestEnrollmentRefusals(t *testing.T) {
	ctx := context.Background()
	th := startHub(t, t.TempDir())
	code := th.code(t)
	a, b := newTerminal(t), newTerminal(t)
	if _, err := Join(ctx, a.store, a.key, code, "a"); err != nil {
		t.Fatal(err)
	}
	_, err := Join(ctx, b.store, b.key, code, "b")
	wantCode(t, err, protocol.CodeBadCode)

	expired, err := th.hub.IssueCode(ctx, th.url(), "x", time.Nanosecond)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Millisecond)
	_, err = Join(ctx, b.store, b.key, expired.String(), "b")
	wantCode(t, err, protocol.CodeBadCode)

	// An unenrolled key is refused at the TLS handshake.
	pc, _ := protocol.ParseEnrollCode(code)
	b.store.SetHub(ctx, store.HubLink{URL: pc.URL, Fingerprint: pc.Fingerprint, HubKey: make([]byte, 32), Agency: "x", JoinedAt: time.Now()})
	cb, err := New(ctx, b.store, b.key, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cb.Once(ctx); err == nil || !strings.Contains(err.Error(), "tls") {
		t.Fatalf("unenrolled terminal: %v", err)
	}

	// A revoked terminal is refused at the handshake too.
	if err := th.hub.Revoke(ctx, a.key.ID()); err != nil {
		t.Fatal(err)
	}
	ca, _ := New(ctx, a.store, a.key, Options{})
	if _, err := ca.Once(ctx); err == nil || !strings.Contains(err.Error(), "tls") {
		t.Fatalf("revoked terminal: %v", err)
	}
	st, _ := ReadStatus(ctx, a.store, a.key.ID())
	if st.LastError == "" {
		t.Fatal("the failure is not kept in the status")
	}

	// A hub whose certificate is not the pinned one is refused by the terminal.
	if _, err := Join(ctx, b.store, b.key, protocol.EnrollCode{URL: pc.URL, Fingerprint: strings.Repeat("0", 64), Secret: "x"}.String(), "b"); err == nil {
		t.Fatal("joined a hub with the wrong fingerprint")
	}
}

// A hub that rewrites its history (same key, another log) is detected by
// the consistency check against the checkpoint the terminal kept.
func TestRewrittenHistoryDetected(t *testing.T) {
	ctx := context.Background()
	dirA := t.TempDir()
	thA := startHub(t, dirA)
	tm, c := joined(t, thA)
	tm.cases(t, 3)
	if _, err := c.Once(ctx); err != nil {
		t.Fatal(err)
	}
	thA.stop()

	// The same hub identity over a log with other content.
	dirB := t.TempDir()
	for _, f := range []string{"keys/hub.key", "tls/hub.crt"} {
		raw, _ := os.ReadFile(filepath.Join(dirA, f))
		os.MkdirAll(filepath.Dir(filepath.Join(dirB, f)), 0o700)
		os.WriteFile(filepath.Join(dirB, f), raw, 0o600)
	}
	thB := startHub(t, dirB)
	other, oc := joined(t, thB)
	other.cases(t, 20)
	if _, err := oc.Once(ctx); err != nil {
		t.Fatal(err)
	}
	if err := thB.hub.Reenroll(ctx, tm.key.Public, "agency"); err != nil {
		t.Fatal(err)
	}
	c.hub.URL = thB.url()
	_, err := c.Once(ctx)
	if !errors.Is(err, ErrHistoryRewritten) {
		t.Fatalf("got %v, want ErrHistoryRewritten", err)
	}
}

// A hub restored from an older backup of itself (a shorter log than a
// checkpoint the terminal verified) raises the same alarm; the terminal
// sends nothing to it.
func TestHubRestoredToAShorterLogDetected(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	th := startHub(t, dir)
	tm, c := joined(t, th)
	tm.cases(t, 2)
	if _, err := c.Once(ctx); err != nil {
		t.Fatal(err)
	}
	th.stop()
	backup := filepath.Join(t.TempDir(), "hub-backup")
	if out, err := exec.Command("cp", "-a", dir, backup).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
	th = startHubAt(t, dir, th.addr)
	tm.cases(t, 3)
	if _, err := c.Once(ctx); err != nil {
		t.Fatal(err)
	}
	th.stop()
	os.RemoveAll(dir)
	if out, err := exec.Command("cp", "-a", backup, dir).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
	th = startHubAt(t, dir, th.addr)
	tm.cases(t, 1)
	rep, err := c.Once(ctx)
	if !errors.Is(err, ErrHistoryRewritten) || rep.EventsSent != 0 {
		t.Fatalf("got %v (sent %d), want ErrHistoryRewritten and nothing sent", err, rep.EventsSent)
	}
	// sync recover meets the same alarm before it fetches, reports or
	// re-bases anything: this folder's chain is left as it was.
	seq, hash, _ := c.st.Head(ctx, tm.key.ID())
	if _, err := c.Recover(ctx); !errors.Is(err, ErrHistoryRewritten) {
		t.Fatalf("recover: got %v, want ErrHistoryRewritten", err)
	}
	if seq2, hash2, _ := c.st.Head(ctx, tm.key.ID()); seq2 != seq || hash2 != hash {
		t.Fatalf("recover changed the folder's head: %d %s, was %d %s", seq2, hash2, seq, hash)
	}
}

// The hub checks a batch's signatures on every core before its in-order
// pass: a forgery deep in a long batch is still refused, by its seq, with
// nothing of the batch stored; an officer the batch itself enrolls can
// co-sign a later event of the same batch (that key is not known before
// the batch, so the in-order pass verifies it).
func TestParallelSignatureChecksDecideNothingAlone(t *testing.T) {
	ctx := context.Background()
	th := startHub(t, t.TempDir())
	tm, c := joined(t, th)
	if _, err := c.Once(ctx); err != nil {
		t.Fatal(err)
	}
	head, prev, _ := tm.store.Head(ctx, tm.key.ID())
	before, _, _ := hubCounts(t, th)
	send := func(evs ...evidence.Event) (protocol.BatchResult, error) {
		var res protocol.BatchResult
		err := c.call(ctx, "POST", protocol.PathEvents, protocol.EventBatch{Events: evs}, &res)
		return res, err
	}
	var batch []evidence.Event
	p := prev
	for i := range 300 {
		ev := tm.signedNext(t, head+1+uint64(i), p, fmt.Sprint("c", i))
		p = ev.Hash()
		batch = append(batch, ev)
	}
	batch[233].Sig = append([]byte(nil), batch[233].Sig...)
	batch[233].Sig[7] ^= 1
	_, err := send(batch...)
	wantCode(t, err, protocol.CodeBadSignature)
	var pe *protocol.Error
	if errors.As(err, &pe); !strings.Contains(pe.Message, fmt.Sprintf("#%d", head+234)) {
		t.Fatalf("the refusal does not name seq %d: %v", head+234, pe)
	}
	if n, _, _ := hubCounts(t, th); n != before {
		t.Fatalf("a refused batch stored %d events", n-before)
	}

	// An officer enrolled by the batch co-signs its next event.
	officer, err := evidence.GenerateKeyPair(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := json.Marshal(casework.OfficerEnrolled{Officer: "o-new", Name: "新警员", Agency: "a1",
		Roles: []casework.Role{casework.RoleOfficer}, PublicKey: officer.Public})
	enrol := tm.signedBody(t, head+1, prev, casework.TypeOfficerEnrolled, payload)
	cosigned := tm.signedBody(t, head+2, enrol.Hash(), "case.opened",
		json.RawMessage(`{"case":"xy","number":"1","title":"y","act_type":"penalty","agency":"a1"}`), evidence.OfficerKey{Officer: "o-new", Key: officer})
	res, err := send(enrol, cosigned)
	if err != nil || len(res.Accepted) != 2 {
		t.Fatalf("enrolment and co-signed event in one batch: %+v %v", res, err)
	}
	// The same with the co-signature forged is refused.
	forged := tm.signedBody(t, head+3, cosigned.Hash(), "case.opened",
		json.RawMessage(`{"case":"xz","number":"2","title":"z","act_type":"penalty","agency":"a1"}`), evidence.OfficerKey{Officer: "o-new", Key: officer})
	forged.CoSigs[0].Sig[3] ^= 1
	_, err = send(forged)
	wantCode(t, err, protocol.CodeBadSignature)
}

func (tm *terminal) signedBody(t *testing.T, seq uint64, prev evidence.Digest, typ string, payload json.RawMessage, officers ...evidence.OfficerKey) evidence.Event {
	t.Helper()
	raw, err := evidence.EncodeBody(evidence.Body{Version: 1, Terminal: tm.key.ID(), Seq: seq, Prev: prev,
		Time: time.Now(), Actor: "o-001", Type: typ, Payload: payload})
	if err != nil {
		t.Fatal(err)
	}
	return evidence.Sign(raw, tm.key, officers...)
}
