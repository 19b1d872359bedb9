package main

import (
	"context"
	"testing"

	"lawtrail/hub"
	"lawtrail/hub/postgrestest"
	"lawtrail/sync/simterminal"
)

// A rogue terminal of the agency opens, batch after batch, cases another
// terminal opened before, under titles of its own, while an honest
// terminal syncs beside it, all through `lawtrail-hub serve` as a
// process. On PostgreSQL a group stored at once copies case openings, so
// each such batch fails there and its group is stored again in savepoints
// (hub/appendgroup.go): every event of all three is still stored and
// proved once, each case keeps its first opening, and `lawtrail-hub
// check` passes.
func TestRogueTerminalReopensAnothersCases(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			r := record{dir: t.TempDir()}
			if engine == "postgres" {
				r.db = postgrestest.Start(t)
			}
			p := startServe(t, r)
			defer p.kill()
			ts := joinTerminals(t, r, "https://"+p.addr, 3)
			first, rogue, beside := ts[0], ts[1], ts[2]
			if err := first.Cases(100); err != nil {
				t.Fatal(err)
			}
			syncAll(t, []*simterminal.Terminal{first}, 1, 50, nil)
			for seq := range uint64(100) {
				if err := rogue.OpenCase(first.CaseID(seq+1), "冒名立案"); err != nil {
					t.Fatal(err)
				}
				if err := rogue.Cases(1); err != nil {
					t.Fatal(err)
				}
			}
			if err := beside.Cases(400); err != nil {
				t.Fatal(err)
			}
			syncAll(t, []*simterminal.Terminal{rogue, beside}, 2, 20, nil)
			hubCheck(t, r)

			h := r.open(t)
			defer h.Close()
			ctx := context.Background()
			st, err := h.Stats(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if st.Events != 100+200+400 || st.Forks != 0 {
				t.Fatalf("the hub holds %d events and %d forks, want 700 and none", st.Events, st.Forks)
			}
			for seq := range uint64(100) {
				id := first.CaseID(seq + 1)
				sum, _, err := h.CaseTimeline(ctx, hub.Scope{}, id)
				if err != nil {
					t.Fatalf("case %s: %v", id, err)
				}
				if sum.Title != "无照经营" {
					t.Fatalf("case %s is titled %q: the rogue terminal's opening again replaced the first", id, sum.Title)
				}
			}
		})
	}
}
