package hub

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"lawtrail/evidence"
	"lawtrail/sync/protocol"
	"lawtrail/sync/server"
)

// feedTerminal is a terminal registered directly in the hub's table.
type feedTerminal struct {
	key  evidence.KeyPair
	seq  uint64
	prev evidence.Digest
}

func registerTerminal(t testing.TB, h *Hub, agency string) *feedTerminal {
	t.Helper()
	key, err := evidence.GenerateKeyPair(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.db.ExecContext(context.Background(), "INSERT INTO terminals (id, public_key, name, agency, enrolled_at) VALUES (?, ?, ?, ?, ?)",
		key.ID(), []byte(key.Public), "name of "+key.ID(), agency, time.Now().UTC().Format(time.RFC3339)); err != nil {
		t.Fatal(err)
	}
	return &feedTerminal{key: key}
}

// event signs the terminal's next event (a test type: the hub stores it
// verbatim; terminals check payloads).
func (ft *feedTerminal) event(t *testing.T) server.Verified {
	t.Helper()
	ft.seq++
	raw, err := evidence.EncodeBody(evidence.Body{Version: evidence.BodyVersion, Terminal: ft.key.ID(), Seq: ft.seq, Prev: ft.prev,
		Time: time.Date(2026, 11, 20, 10, 0, int(ft.seq), 0, time.UTC), Type: "test.event", Payload: []byte(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	ev := evidence.Sign(raw, ft.key)
	body, err := evidence.ParseBody(raw)
	if err != nil {
		t.Fatal(err)
	}
	ft.prev = ev.Hash()
	return server.Verified{Event: ev, Body: body}
}

func (ft *feedTerminal) send(t *testing.T, h *Hub, n int) {
	t.Helper()
	var vs []server.Verified
	for range n {
		vs = append(vs, ft.event(t))
	}
	if _, err := h.Append(context.Background(), ft.key.ID(), vs, 0, false); err != nil {
		t.Fatal(err)
	}
}

// allAgencyEvents follows the pages from 0 with the given limit.
func allAgencyEvents(t *testing.T, h *Hub, asker, writer string, limit int) ([]protocol.AgencyEvent, int) {
	t.Helper()
	var out []protocol.AgencyEvent
	pages := 0
	for from := uint64(0); ; {
		ans, err := h.AgencyEvents(context.Background(), asker, from, limit, 0, writer)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, e := range ans.Events {
			leafHash := e.Event.Hash()
			if err := protocol.VerifyInclusion(protocol.EventLeaf(leafHash[:]), e.LogIndex, ans.Checkpoint.Size, e.Inclusion, ans.Checkpoint.Root); err != nil {
				t.Fatalf("inclusion of %s#%d: %v", e.Terminal, e.Seq, err)
			}
			named := false
			for _, w := range ans.Terminals {
				named = named || (w.ID == e.Terminal && evidence.KeyID(w.PublicKey) == w.ID)
			}
			if !named {
				t.Fatalf("writer %s not named with its key: %+v", e.Terminal, ans.Terminals)
			}
		}
		out = append(out, ans.Events...)
		if ans.Next <= from || ans.Next > ans.Checkpoint.Size {
			t.Fatalf("next %d after from %d (size %d)", ans.Next, from, ans.Checkpoint.Size)
		}
		if ans.Next == ans.Checkpoint.Size {
			return out, pages
		}
		from = ans.Next
	}
}

// The agency feed serves the other terminals of the asker's agency, in log
// order, page by page with proofs; never the asker's own events, another
// agency's, or a quarantined fork.
func TestAgencyEventsServesTheAgencyOnly(t *testing.T) {
	ctx := context.Background()
	h := openTestHub(t)
	a, b, c := registerTerminal(t, h, "甲局"), registerTerminal(t, h, "甲局"), registerTerminal(t, h, "乙局")
	for round := 0; round < 3; round++ {
		a.send(t, h, 2)
		b.send(t, h, 3)
		c.send(t, h, 2)
	}
	held := b.prev
	b.seq = 1 // a second body under seq 2 of b (its prev is not seq 1's hash)
	forked := b.event(t)
	b.prev = held
	if err := h.Quarantine(ctx, b.key.ID(), forked.Event, forked.Body); err != nil {
		t.Fatal(err)
	}
	for _, limit := range []int{1, 4, 500} {
		got, pages := allAgencyEvents(t, h, a.key.ID(), "", limit)
		var seqs []string
		last := int64(-1)
		for _, e := range got {
			if e.Terminal != b.key.ID() {
				t.Fatalf("limit %d: an event of %s reached a", limit, e.Terminal)
			}
			if int64(e.LogIndex) <= last {
				t.Fatalf("limit %d: not in log order", limit)
			}
			last = int64(e.LogIndex)
			if e.Event.Hash() == forked.Event.Hash() {
				t.Fatal("a quarantined fork was served")
			}
			seqs = append(seqs, fmt.Sprint(e.Seq))
		}
		if strings.Join(seqs, ",") != "1,2,3,4,5,6,7,8,9" {
			t.Fatalf("limit %d: b's seqs %v", limit, seqs)
		}
		if want := (9 + limit - 1) / limit; limit < 9 && pages < want {
			t.Fatalf("limit %d: %d pages", limit, pages)
		}
	}
	if got, _ := allAgencyEvents(t, h, c.key.ID(), "", 500); len(got) != 0 {
		t.Fatalf("another agency's terminal got %d events", len(got))
	}
	if got, _ := allAgencyEvents(t, h, b.key.ID(), a.key.ID(), 500); len(got) != 6 {
		t.Fatalf("b asking for a's events only: %d", len(got))
	}
	var pe *protocol.Error
	if _, err := h.AgencyEvents(ctx, a.key.ID(), 0, 500, 0, a.key.ID()); !errors.As(err, &pe) || pe.Code != protocol.CodeMalformed {
		t.Fatalf("asking for one's own events: %v", err)
	}
	if _, err := h.AgencyEvents(ctx, a.key.ID(), 0, 500, 12345, ""); !errors.As(err, &pe) || pe.Code != protocol.CodeMalformed {
		t.Fatalf("a size the hub never signed: %v", err)
	}
	// Older checkpoints stay servable: proofs against the size asked for.
	ans, err := h.AgencyEvents(ctx, a.key.ID(), 0, 500, 5, "")
	if err != nil || ans.Checkpoint.Size != 5 || ans.Next != 5 {
		t.Fatalf("size 5: %+v %v", ans.Checkpoint, err)
	}
	for _, e := range ans.Events {
		if e.LogIndex >= 5 {
			t.Fatalf("an event at %d in the log of size 5", e.LogIndex)
		}
	}
}

// The page query walks the log index from `from` and stops at the limit:
// no scan of the agency's whole history, no sort. On PostgreSQL, which
// plans by its table statistics (a test's few rows make any plan cheap),
// sequential and bitmap scans are priced out in the asking transaction, so
// the plan shows whether the index can serve the query in order.
func TestAgencyEventsUsesTheLogIndex(t *testing.T) {
	ctx := context.Background()
	h := openTestHub(t)
	tx, err := h.db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	explain, noSort := "EXPLAIN QUERY PLAN ", "TEMP B-TREE"
	if h.db.dialect == postgres {
		for _, off := range []string{"enable_seqscan", "enable_bitmapscan"} {
			if _, err := tx.ExecContext(ctx, "SET LOCAL "+off+" = off"); err != nil {
				t.Fatal(err)
			}
		}
		explain, noSort = "EXPLAIN ", "Sort"
	}
	rows, err := tx.QueryContext(ctx, explain+agencyPageQuery+agencyPageOrder, 0, 10, "x", "k", 501)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var plan []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, fmt.Sprint(vals[len(vals)-1])) // SQLite's detail, PostgreSQL's one column
	}
	if p := strings.Join(plan, "; "); !strings.Contains(p, "events_log_index") || strings.Contains(p, noSort) {
		t.Fatalf("plan: %s", p)
	}
}
