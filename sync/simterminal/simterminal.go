// Package simterminal simulates terminals for load tests and benchmarks.
// Each has its own key and joins a hub with a real enrolment code over the
// real protocol; it signs a chained stream of events (cases opened,
// footage docked) and sends them as a terminal does — batches of events,
// footage over tus, then the receipts — checking every answer as a
// terminal would: the checkpoint's signature, its consistency with the one
// before, every event's inclusion proof, every receipt's signature.
//
// It keeps its chain and its footage in memory, not in a terminal's sealed
// database, so that a few hundred of them on a small machine load the hub
// and not themselves. A failed Sync (a hub killed mid-request, a cut
// connection) loses nothing: the next Sync asks the hub where it stands and
// goes on from there.
package simterminal

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"lawtrail/casework"
	"lawtrail/evidence"
	"lawtrail/sync/client"
	"lawtrail/sync/protocol"
)

// Terminal is one simulated terminal.
type Terminal struct {
	Key evidence.KeyPair

	url, fingerprint string
	hubKey           ed25519.PublicKey
	http             *http.Client

	seq     uint64
	prev    evidence.Digest
	events  []evidence.Event // signed, in order; events[i] has seq i+1
	footage map[evidence.Digest][]byte
	order   []evidence.Digest // footage in the order it was docked

	known    protocol.Checkpoint // the newest checkpoint verified
	accepted uint64              // the hub's last seq, as last proved
	receipts map[evidence.Digest]protocol.Receipt
}

// Report says what one Sync did.
type Report struct {
	Events, Blobs int
	Bytes         int64
	Batches       []time.Duration // each event batch's round trip
}

// New makes a terminal with a fresh key.
func New() (*Terminal, error) {
	key, err := evidence.GenerateKeyPair(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("simulated terminal: %w", err)
	}
	return &Terminal{Key: key, footage: map[evidence.Digest][]byte{}, receipts: map[evidence.Digest]protocol.Receipt{}}, nil
}

// Join enrolls the terminal with a code from `lawtrail-hub enroll`. url,
// when not empty, replaces the code's address (a load balancer's, say).
func (t *Terminal) Join(ctx context.Context, code, name, url string) error {
	c, err := protocol.ParseEnrollCode(code)
	if err != nil {
		return err
	}
	if url == "" {
		url = c.URL
	}
	t.url, t.fingerprint = strings.TrimRight(url, "/"), c.Fingerprint
	enroll, err := t.client(protocol.ServerNameEnroll)
	if err != nil {
		return err
	}
	var resp protocol.EnrollResponse
	if err := call(ctx, enroll, http.MethodPost, t.url+protocol.PathEnroll, protocol.EnrollRequest{Code: c.Secret, TerminalName: name}, &resp); err != nil {
		return fmt.Errorf("join: %w", err)
	}
	if resp.Terminal != t.Key.ID() {
		return fmt.Errorf("join: the hub enrolled %s, this terminal is %s", resp.Terminal, t.Key.ID())
	}
	if err := resp.Checkpoint.Verify(resp.HubKey); err != nil {
		return fmt.Errorf("join: %w", err)
	}
	t.hubKey, t.known = resp.HubKey, resp.Checkpoint
	t.http, err = t.client(protocol.ServerNameHub)
	return err
}

func (t *Terminal) client(serverName string) (*http.Client, error) {
	tc, err := client.TLSConfig(t.Key, t.fingerprint, serverName)
	if err != nil {
		return nil, err
	}
	return &http.Client{Timeout: 2 * time.Minute, Transport: &http.Transport{TLSClientConfig: tc, MaxIdleConnsPerHost: 2, IdleConnTimeout: 30 * time.Second}}, nil
}

// sign appends the terminal's next event.
func (t *Terminal) sign(typ string, payload any, blobs ...evidence.Digest) error {
	p, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	t.seq++
	raw, err := evidence.EncodeBody(evidence.Body{Version: evidence.BodyVersion, Terminal: t.Key.ID(), Seq: t.seq, Prev: t.prev,
		Time: time.Now().UTC(), Actor: "o-001", Type: typ, Payload: p, Blobs: blobs})
	if err != nil {
		t.seq--
		return fmt.Errorf("sign %s: %w", typ, err)
	}
	ev := evidence.Sign(raw, t.Key)
	t.prev = ev.Hash()
	t.events = append(t.events, ev)
	return nil
}

// Cases signs n case.opened events, each case named CaseID of its seq.
func (t *Terminal) Cases(n int) error {
	for range n {
		if err := t.OpenCase(t.CaseID(t.seq+1), "无照经营"); err != nil {
			return err
		}
	}
	return nil
}

// CaseID is the case Cases opens with the event of seq.
func (t *Terminal) CaseID(seq uint64) string { return fmt.Sprintf("c-%s-%d", t.Key.ID()[:8], seq) }

// OpenCase signs a case.opened of case id with title: a case of another
// terminal's, too, as a rogue terminal would.
func (t *Terminal) OpenCase(id, title string) error {
	return t.sign(casework.TypeCaseOpened, casework.CaseOpened{Case: id, Number: id, Title: title,
		ActType: casework.ActPenalty, Agency: "a1"})
}

// Footage docks size random bytes: a footage.ingested event naming them.
func (t *Terminal) Footage(size int) (evidence.Digest, error) {
	b := make([]byte, size)
	if _, err := rand.Read(b); err != nil {
		return evidence.Digest{}, err
	}
	d := evidence.Sum(b)
	t.footage[d] = b
	t.order = append(t.order, d)
	src := casework.SourceKey{DeviceSerial: "SIM" + t.Key.ID()[:6], Path: fmt.Sprintf("DCIM/%d.MP4", len(t.order)), Size: int64(size), ModTime: time.Now().UTC().Truncate(time.Second)}
	return d, t.sign(casework.TypeFootageIngested, casework.FootageIngested{Digest: d, SourceKey: src, Clerk: "o-001", Station: "sim"}, d)
}

// Events returns how many events the terminal has signed.
func (t *Terminal) Events() int { return len(t.events) }

// Accepted returns the last seq the hub holds with a verified inclusion
// proof.
func (t *Terminal) Accepted() uint64 { return t.accepted }

// Blobs returns how many blobs the terminal has docked.
func (t *Terminal) Blobs() int { return len(t.footage) }

// Receipts returns how many blobs the hub has given a verified receipt for.
func (t *Terminal) Receipts() int { return len(t.receipts) }

// Done reports whether the hub holds everything: every event proved and
// every blob receipted.
func (t *Terminal) Done() bool {
	return t.accepted == uint64(len(t.events)) && len(t.receipts) == len(t.footage)
}

// Sync sends what the hub does not hold yet: events in batches of at most
// batch, then footage, then fetches the receipts.
func (t *Terminal) Sync(ctx context.Context, batch int) (Report, error) {
	var rep Report
	if t.http == nil {
		return rep, ErrNotJoined
	}
	var st protocol.State
	if err := call(ctx, t.http, http.MethodGet, t.url+protocol.PathState, nil, &st); err != nil {
		return rep, fmt.Errorf("state: %w", err)
	}
	if st.LastSeq > uint64(len(t.events)) {
		return rep, fmt.Errorf("state: the hub holds seq %d, this terminal signed %d", st.LastSeq, len(t.events))
	}
	if st.LastSeq > 0 && st.LastHash != t.events[st.LastSeq-1].Hash() {
		return rep, fmt.Errorf("state: the hub's seq %d is not this terminal's", st.LastSeq)
	}
	if st.LastSeq > t.accepted {
		if err := t.learnHeld(ctx, st); err != nil {
			return rep, err
		}
	}
	for from := st.LastSeq; from < uint64(len(t.events)); {
		to := min(from+uint64(batch), uint64(len(t.events)))
		start := time.Now()
		if err := t.sendEvents(ctx, from+1, t.events[from:to], st.Offers(protocol.FeatureRangeProof)); err != nil {
			return rep, err
		}
		rep.Batches = append(rep.Batches, time.Since(start))
		rep.Events += int(to - from)
		from = to
	}
	for _, d := range t.order {
		if _, ok := t.receipts[d]; ok {
			continue
		}
		n, err := t.sendBlob(ctx, d)
		if err != nil {
			return rep, err
		}
		rep.Blobs++
		rep.Bytes += n
	}
	return rep, nil
}

// learnHeld proves the events the hub holds whose acknowledgment never
// came (a hub killed between its commit and its answer), as the real
// client's fillAcks does: it catches the kept checkpoint up to the hub's
// current one with a consistency proof, then asks for its own events back
// with inclusion proofs against it and checks each is its own.
func (t *Terminal) learnHeld(ctx context.Context, st protocol.State) error {
	if st.Checkpoint.Size > t.known.Size {
		var ans protocol.ConsistencyAnswer
		if err := call(ctx, t.http, http.MethodGet, fmt.Sprintf("%s%s?from=%d", t.url, protocol.PathCheckpoint, t.known.Size), nil, &ans); err != nil {
			return fmt.Errorf("checkpoint: %w", err)
		}
		if err := t.acceptCheckpoint(ans.Checkpoint, ans.Consistency); err != nil {
			return err
		}
	}
	for t.accepted < st.LastSeq {
		var held protocol.HeldEvents
		path := fmt.Sprintf("%s%s?after=%d&limit=%d&size=%d", t.url, protocol.PathEvents, t.accepted, protocol.MaxHeldEvents, t.known.Size)
		if err := call(ctx, t.http, http.MethodGet, path, nil, &held); err != nil {
			return fmt.Errorf("own events after %d: %w", t.accepted, err)
		}
		if len(held.Events) == 0 {
			return fmt.Errorf("the hub holds seq %d and gives none after %d", st.LastSeq, t.accepted)
		}
		for _, he := range held.Events {
			if he.Seq != t.accepted+1 || he.Seq > uint64(len(t.events)) || he.Event.Hash() != t.events[he.Seq-1].Hash() {
				return fmt.Errorf("the hub's event %d is not this terminal's next", he.Seq)
			}
			h := he.Event.Hash()
			if err := protocol.VerifyInclusion(protocol.EventLeaf(h[:]), he.LogIndex, t.known.Size, he.Inclusion, t.known.Root); err != nil {
				return fmt.Errorf("held seq %d: %w", he.Seq, err)
			}
			t.accepted = he.Seq
		}
	}
	return nil
}

// acceptCheckpoint verifies a checkpoint's signature and its consistency
// with the one kept, then keeps it.
func (t *Terminal) acceptCheckpoint(cp protocol.Checkpoint, consistency [][]byte) error {
	if err := cp.Verify(t.hubKey); err != nil {
		return err
	}
	if cp.Size < t.known.Size {
		return fmt.Errorf("the hub's checkpoint shrank from %d to %d", t.known.Size, cp.Size)
	}
	if err := protocol.VerifyConsistency(t.known.Size, cp.Size, consistency, t.known.Root, cp.Root); err != nil {
		return fmt.Errorf("checkpoint %d → %d: %w", t.known.Size, cp.Size, err)
	}
	t.known = cp
	return nil
}

// sendEvents sends one batch, evs from seq first on, and checks the answer
// as a terminal does: by one range proof when ranged (the hub offers it).
func (t *Terminal) sendEvents(ctx context.Context, first uint64, evs []evidence.Event, ranged bool) error {
	var res protocol.BatchResult
	if err := call(ctx, t.http, http.MethodPost, t.url+protocol.PathEvents, protocol.EventBatch{Events: evs, KnownSize: t.known.Size, RangeProof: ranged}, &res); err != nil {
		return fmt.Errorf("events from seq %d: %w", first, err)
	}
	cp := res.Checkpoint
	if err := t.acceptCheckpoint(cp, res.Consistency); err != nil {
		return err
	}
	// evs are in seq order (the terminal signed them so): a seq finds its
	// event without parsing bodies, as the simulation's CPU is taken from
	// the hub it measures.
	sent := func(seq uint64) ([]byte, bool) {
		if seq < first || seq-first >= uint64(len(evs)) {
			return nil, false
		}
		h := evs[seq-first].Hash()
		return protocol.EventLeaf(h[:]), true
	}
	proven, err := protocol.RangeInclusion(res, sent)
	if err != nil {
		return fmt.Errorf("events from seq %d: %w", first, err)
	}
	for _, a := range res.Accepted {
		if a.Seq < first || a.Seq-first >= uint64(len(evs)) {
			return fmt.Errorf("the hub acknowledged seq %d, which was not sent", a.Seq)
		}
		ev := evs[a.Seq-first]
		if _, ok := proven[a.Seq]; a.Duplicate || ok {
			continue
		}
		h := ev.Hash()
		if err := protocol.VerifyInclusion(protocol.EventLeaf(h[:]), a.LogIndex, cp.Size, a.Inclusion, cp.Root); err != nil {
			return fmt.Errorf("seq %d: %w", a.Seq, err)
		}
	}
	if len(res.Accepted) != len(evs) {
		return fmt.Errorf("the hub acknowledged %d of %d events", len(res.Accepted), len(evs))
	}
	t.accepted = res.LastSeq
	return nil
}

// sendBlob uploads one blob over tus in one PATCH and fetches its receipt.
func (t *Terminal) sendBlob(ctx context.Context, d evidence.Digest) (int64, error) {
	b := t.footage[d]
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.url+protocol.PathBlobs, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Tus-Resumable", "1.0.0")
	req.Header.Set("Upload-Length", strconv.Itoa(len(b)))
	req.Header.Set("Upload-Metadata", "digest "+base64.StdEncoding.EncodeToString([]byte(d.String())))
	resp, err := t.http.Do(req)
	if err != nil {
		return 0, fmt.Errorf("create upload of %s: %w", d, err)
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusCreated || loc == "" {
		if resp.StatusCode == http.StatusConflict || resp.StatusCode == http.StatusOK {
			return 0, t.fetchReceipt(ctx, d) // held already
		}
		return 0, fmt.Errorf("create upload of %s: %s", d, resp.Status)
	}
	if !strings.HasPrefix(loc, "http") {
		loc = t.url + loc
	}
	req, err = http.NewRequestWithContext(ctx, http.MethodPatch, loc, bytes.NewReader(b))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Tus-Resumable", "1.0.0")
	req.Header.Set("Content-Type", "application/offset+octet-stream")
	req.Header.Set("Upload-Offset", "0")
	resp, err = t.http.Do(req)
	if err != nil {
		return 0, fmt.Errorf("upload %s: %w", d, err)
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		return 0, fmt.Errorf("upload %s: %s", d, resp.Status)
	}
	return int64(len(b)), t.fetchReceipt(ctx, d)
}

func (t *Terminal) fetchReceipt(ctx context.Context, d evidence.Digest) error {
	var rc protocol.Receipt
	if err := call(ctx, t.http, http.MethodGet, t.url+protocol.PathReceipt+d.String(), nil, &rc); err != nil {
		return fmt.Errorf("receipt of %s: %w", d, err)
	}
	if err := rc.Verify(t.hubKey); err != nil {
		return err
	}
	if rc.Digest != d || rc.Terminal != t.Key.ID() || rc.Size != int64(len(t.footage[d])) {
		return fmt.Errorf("receipt of %s names %s of %d bytes for %s", d, rc.Digest, rc.Size, rc.Terminal)
	}
	t.receipts[d] = rc
	return nil
}

// call sends a JSON request and decodes a JSON answer; a refusal is a
// *protocol.Error.
func call(ctx context.Context, hc *http.Client, method, url string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		var pe protocol.Error
		if json.Unmarshal(raw, &pe) == nil && pe.Code != "" {
			return &pe
		}
		return fmt.Errorf("%s %s: %s", method, url, resp.Status)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("%s %s: %w", method, url, err)
	}
	return nil
}

// ErrNotJoined is returned by Sync before Join.
var ErrNotJoined = errors.New("simulated terminal has not joined a hub")

// Signed returns the events the terminal has signed, in order.
func (t *Terminal) Signed() []evidence.Event { return t.events }
