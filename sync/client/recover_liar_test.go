package client

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"testing"

	"lawtrail/sync/protocol"
)

// liar serves a real hub whose answers to GET /v1/events pass through lie
// when one is set: a hub that lies to a terminal recovering its folder.
type liar struct {
	mu  sync.Mutex
	lie func(*protocol.HeldEvents)
}

func (l *liar) set(f func(*protocol.HeldEvents)) { l.mu.Lock(); l.lie = f; l.mu.Unlock() }

func startLyingHub(t *testing.T, l *liar) *testHub {
	t.Helper()
	return startHubRewriting(t, http.MethodGet, protocol.PathEvents, func(b []byte) []byte {
		l.mu.Lock()
		lie := l.lie
		l.mu.Unlock()
		if lie == nil {
			return b
		}
		var held protocol.HeldEvents
		if err := json.Unmarshal(b, &held); err != nil {
			t.Errorf("held events: %v", err)
		}
		lie(&held)
		out, _ := json.Marshal(held)
		return out
	})
}

// sync recover trusts nothing the hub says: events that are not the
// terminal's own signed continuation, that skip a seq, come out of order,
// or whose inclusion proofs do not lead to a checkpoint the terminal
// verified are refused — and the folder is left exactly as it was (nothing
// set aside, nothing re-recorded). With the hub honest again it recovers.
func TestRecoverRefusesALyingHub(t *testing.T) {
	ctx := context.Background()
	l := &liar{}
	th := startLyingHub(t, l)
	_, backup := restoredBackup(t, th, 2, 3)
	backup.cases(t, 1)
	bc := clientFor(t, backup)
	if _, err := bc.Once(ctx); err == nil {
		t.Fatal("a restored folder synced")
	}
	before, beforeHash, _ := backup.store.Head(ctx, backup.key.ID())

	// Recovery reads the hub's events a page at a time; each lie changes
	// the first event of every page.
	var first *protocol.HeldEvent
	lies := map[string]func(*protocol.HeldEvents){
		"a changed body": func(h *protocol.HeldEvents) {
			b := h.Events[0].Event.Body
			b[len(b)-3] ^= 1
		},
		"another seq":        func(h *protocol.HeldEvents) { h.Events[0].Seq++ },
		"a forged signature": func(h *protocol.HeldEvents) { h.Events[0].Event.Sig[5] ^= 1 },
		"a broken inclusion proof": func(h *protocol.HeldEvents) {
			h.Events[0].Inclusion[0][0] ^= 1
		},
		"another log index": func(h *protocol.HeldEvents) { h.Events[0].LogIndex++ },
		"no events at all":  func(h *protocol.HeldEvents) { h.Events = nil },
		"an earlier event again": func(h *protocol.HeldEvents) {
			if first == nil {
				e := h.Events[0]
				first = &e
				return
			}
			h.Events[0] = *first
		},
	}
	for name, lie := range lies {
		l.set(func(h *protocol.HeldEvents) {
			if len(h.Events) > 0 || name == "no events at all" {
				lie(h)
			}
		})
		_, err := bc.Recover(ctx)
		if err == nil {
			t.Errorf("%s: recover accepted it", name)
		}
		t.Logf("%s: %v", name, err)
		after, afterHash, _ := backup.store.Head(ctx, backup.key.ID())
		q, _ := backup.store.QuarantinedEvents(ctx)
		if after != before || afterHash != beforeHash || len(q) != 0 {
			t.Fatalf("%s: the folder changed (head %d→%d, %d set aside)", name, before, after, len(q))
		}
	}
	l.set(nil)
	if _, err := bc.Recover(ctx); err != nil {
		t.Fatalf("recover from the honest hub: %v", err)
	}
	if _, err := bc.Once(ctx); err != nil {
		t.Fatalf("sync after recover: %v", err)
	}
	checkClean(t, backup)
}
