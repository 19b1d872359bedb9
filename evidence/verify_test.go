package evidence

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"
)

type testChain struct {
	terminal KeyPair
	officer  KeyPair
	keys     *Keys
	id       string
}

func newTestChain(t testing.TB) *testChain {
	c := &testChain{terminal: mustKey(t), officer: mustKey(t), keys: &Keys{}}
	c.id = c.terminal.ID()
	c.keys.AddTerminal(c.id, c.terminal.Public)
	c.keys.AddOfficer("o-001", c.officer.Public)
	return c
}

// events makes n correctly chained events, every third co-signed by the officer.
func (c *testChain) events(t testing.TB, n int) []Event {
	var out []Event
	var prev Digest
	for i := 1; i <= n; i++ {
		ev := c.event(t, uint64(i), prev, fmt.Sprintf(`{"n":%d}`, i))
		prev = ev.Hash()
		out = append(out, ev)
	}
	return out
}

func (c *testChain) event(t testing.TB, seq uint64, prev Digest, payload string) Event {
	t.Helper()
	raw, err := EncodeBody(Body{
		Version: BodyVersion, Terminal: c.id, Seq: seq, Prev: prev,
		Time: time.Date(2026, 11, 26, 10, 0, int(seq%60), 0, shanghai), Actor: "o-001",
		Type: "step.recorded", Payload: json.RawMessage(payload),
	})
	if err != nil {
		t.Fatal(err)
	}
	if seq%3 == 0 {
		return Sign(raw, c.terminal, OfficerKey{Officer: "o-001", Key: c.officer})
	}
	return Sign(raw, c.terminal)
}

func TestVerifyChainAcceptsGoodChain(t *testing.T) {
	c := newTestChain(t)
	if err := VerifyChain(c.events(t, 10), c.keys); err != nil {
		t.Fatal(err)
	}
}

// Each way a chain can fail is produced on purpose and must be named.
func TestVerifyChainNamesEachFailure(t *testing.T) {
	c := newTestChain(t)
	stranger := mustKey(t)
	cases := []struct {
		name  string
		build func([]Event) []Event
		want  error
		seq   uint64
	}{
		{"bad terminal signature", func(e []Event) []Event { e[4].Sig[0] ^= 1; return e }, ErrBadSignature, 5},
		{"bad officer co-signature", func(e []Event) []Event { e[5].CoSigs[0].Sig[9] ^= 1; return e }, ErrBadSignature, 6},
		{"co-signature by another officer's key", func(e []Event) []Event {
			e[2].CoSigs[0].Sig = stranger.Sign(e[2].Body)
			return e
		}, ErrBadSignature, 3},
		{"unknown terminal key", func(e []Event) []Event {
			raw := rewrite(t, e[0].Body, func(b *Body) { b.Terminal = "kstranger" })
			e[0] = Sign(raw, stranger)
			return e
		}, ErrUnknownKey, 1},
		{"unknown officer", func(e []Event) []Event { e[2].CoSigs[0].Officer = "o-999"; return e }, ErrUnknownKey, 3},
		{"gap", func(e []Event) []Event { return append(e[:4:4], e[5:]...) }, ErrGap, 6},
		{"reordering", func(e []Event) []Event { e[3], e[4] = e[4], e[3]; return e }, ErrReordered, 5},
		{"broken link", func(e []Event) []Event {
			e[6] = c.event(t, 7, Sum([]byte("not the previous event")), `{"n":7}`)
			return e
		}, ErrBrokenLink, 7},
		{"fork", func(e []Event) []Event {
			return append(e[:8:8], c.event(t, 5, e[3].Hash(), `{"n":"other"}`))
		}, ErrFork, 5},
		{"duplicate", func(e []Event) []Event { return append(e[:8:8], e[2]) }, ErrDuplicate, 3},
		{"malformed body", func(e []Event) []Event {
			e[1].Body = append([]byte(nil), e[1].Body[:20]...)
			return e
		}, ErrMalformed, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := VerifyChain(tc.build(c.events(t, 9)), c.keys)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			var ee *EventError
			if !errors.As(err, &ee) || ee.Seq != tc.seq {
				t.Fatalf("error %v names seq %d, want %d", err, ee.Seq, tc.seq)
			}
			for _, other := range []error{ErrBadSignature, ErrUnknownKey, ErrGap, ErrReordered, ErrBrokenLink, ErrFork, ErrDuplicate, ErrMalformed} {
				if other != tc.want && errors.Is(err, other) {
					t.Fatalf("error %v also matches %v", err, other)
				}
			}
		})
	}
}

// An unreadable body cannot tell its own position; the store knows it and
// marks the slot, and then the damage is reported once, not again as a gap
// or broken link at every event after it.
func TestChainVerifierUnreadableSlotReportedOnce(t *testing.T) {
	c := newTestChain(t)
	evs := c.events(t, 6)
	v := NewChainVerifier(c.keys)
	var failed []int
	for i, ev := range evs {
		if i == 2 {
			v.MarkDamaged(c.id)
			failed = append(failed, i)
			continue
		}
		if _, err := v.Add(ev); err != nil {
			failed = append(failed, i)
		}
	}
	if fmt.Sprint(failed) != "[2]" {
		t.Fatalf("failures at %v, want only [2]", failed)
	}
}

func TestChainVerifierSignatureTamperReportedOnce(t *testing.T) {
	c := newTestChain(t)
	evs := c.events(t, 6)
	// Flip one byte inside the payload: still parseable, signature now wrong.
	evs[3].Body = rewriteRaw(evs[3].Body, `{"n":4}`, `{"n":5}`)
	v := NewChainVerifier(c.keys)
	var failed []string
	for _, ev := range evs {
		if _, err := v.Add(ev); err != nil {
			failed = append(failed, err.Error())
		}
	}
	if len(failed) != 1 {
		t.Fatalf("got %d failures, want exactly 1: %v", len(failed), failed)
	}
}

func rewrite(t testing.TB, raw []byte, f func(*Body)) []byte {
	t.Helper()
	b, err := ParseBody(raw)
	if err != nil {
		t.Fatal(err)
	}
	f(&b)
	out, err := EncodeBody(b)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func rewriteRaw(raw []byte, from, to string) []byte {
	s := string(raw)
	for i := 0; i+len(from) <= len(s); i++ {
		if s[i:i+len(from)] == from {
			return []byte(s[:i] + to + s[i+len(from):])
		}
	}
	panic("rewriteRaw: " + from + " not found")
}
