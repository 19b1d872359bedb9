package store

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"lawtrail/casework"
	"lawtrail/evidence"
)

// hubLog stands in for the hub's log in these tests: terminals "push" their
// events to it (each gets the next log index, acknowledged to its writer as
// the hub does) and "pull" the others' events from it as the agency feed
// brings them, in log order. The sync tests do the same over a real hub.
type hubLog struct {
	items  []ForeignItem
	pushed map[string]uint64 // terminal → last seq pushed
	pulled map[string]int    // terminal → items looked through
}

func newHubLog() *hubLog {
	return &hubLog{pushed: map[string]uint64{}, pulled: map[string]int{}}
}

// push logs every event of f the log does not hold yet.
func (l *hubLog) push(t *testing.T, f *fixture) {
	t.Helper()
	ctx := context.Background()
	id := f.terminal.ID()
	evs, err := f.store.EventsFrom(ctx, id, l.pushed[id]+1, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range evs {
		body, _ := evidence.ParseBody(ev.Body)
		idx := uint64(len(l.items))
		if err := f.store.SaveAck(ctx, body.Seq, idx, idx+1, []byte("[]")); err != nil {
			t.Fatal(err)
		}
		l.items = append(l.items, ForeignItem{Event: ev, Terminal: id, Seq: body.Seq, LogIndex: idx, CheckpointSize: idx + 1,
			Inclusion: []byte("[]"), WriterKey: f.terminal.Public, WriterName: "terminal " + id})
		l.pushed[id] = body.Seq
	}
}

// pending is what f has not looked through yet, other terminals' only.
func (l *hubLog) pending(f *fixture) []ForeignItem {
	var out []ForeignItem
	for _, it := range l.items[l.pulled[f.terminal.ID()]:] {
		if it.Terminal != f.terminal.ID() {
			out = append(out, it)
		}
	}
	return out
}

// pull applies to f what it has not looked through yet.
func (l *hubLog) pull(t *testing.T, f *fixture) ForeignResult {
	t.Helper()
	res, err := f.store.ApplyForeign(context.Background(), ForeignBatch{Items: l.pending(f), Next: uint64(len(l.items))})
	if err != nil {
		t.Fatal(err)
	}
	l.pulled[f.terminal.ID()] = len(l.items)
	if _, err := f.store.FinishForeign(context.Background()); err != nil {
		t.Fatal(err)
	}
	return res
}

func caseIDs(t *testing.T, s *Store) []string {
	t.Helper()
	cs, err := s.Cases(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range cs {
		ids = append(ids, c.ID+":"+string(c.Phase))
	}
	return ids
}

// A case opened on B shows on A, with its steps, B's officers and B's
// terminal; the feed applied again changes nothing; check passes.
func TestForeignEventsApply(t *testing.T) {
	ctx := context.Background()
	a, b := newFixtureNamed(t, "采集站-A"), newFixtureNamed(t, "采集站-B")
	b.append(t, b.caseDrafts(7)...)
	log := newHubLog()
	log.push(t, a)
	log.push(t, b)
	res := log.pull(t, a)
	if res.Applied != 6 || res.Refused != 0 || res.Conflicts != 0 {
		t.Fatalf("applied %+v, want B's 6 events", res)
	}
	if got := strings.Join(caseIDs(t, a.store), ","); got != "c-7:"+string(casework.PhaseInvestigation) {
		t.Fatalf("A's cases: %s", got)
	}
	steps, err := a.store.Steps(ctx, "c-7")
	if err != nil || len(steps) != 1 {
		t.Fatalf("B's step on A: %v %v", steps, err)
	}
	tl, err := a.store.Timeline(ctx, "c-7")
	if err != nil || len(tl) != 3 {
		t.Fatalf("timeline: %+v %v", tl, err)
	}
	for _, e := range tl {
		if e.Terminal != b.terminal.ID() || e.TerminalName != "采集站-B" || e.Own || e.ActorName != "张三" || e.LogIndex == nil {
			t.Fatalf("timeline entry %+v", e)
		}
	}
	if info, err := a.store.Terminal(ctx); err != nil || info.ID != a.terminal.ID() {
		t.Fatalf("A's terminal is %+v (%v)", info, err)
	}
	if head, _, _ := a.store.Head(ctx, a.terminal.ID()); head != 3 {
		t.Fatalf("A's own chain head %d: foreign events must stay out of it", head)
	}
	before := dumpProjections(t, a.store.db)
	again, err := a.store.ApplyForeign(ctx, ForeignBatch{Items: log.items})
	if err != nil || again.Applied != 0 || again.Duplicates != 6 || again.Refused != 3 {
		t.Fatalf("the whole log again: %+v %v (A's own 3 refused, B's held)", again, err)
	}
	if after := dumpProjections(t, a.store.db); after != before {
		t.Fatalf("replay changed the projections:\n%s\n---\n%s", before, after)
	}
	if err := a.store.RebuildProjections(ctx); err != nil {
		t.Fatal(err)
	}
	if after := dumpProjections(t, a.store.db); after != before {
		t.Fatalf("a rebuild differs from the applied feed:\n%s\n---\n%s", before, after)
	}
}

// A bad item is refused and recorded with nothing of it stored; its
// writer's later items wait while another writer's still apply; the same
// item served right later heals the chain.
func TestForeignBadItemsRefused(t *testing.T) {
	ctx := context.Background()
	cases := map[string]func(*ForeignItem){
		"bad signature": func(it *ForeignItem) { it.Event.Sig = append([]byte{}, it.Event.Sig...); it.Event.Sig[0] ^= 1 },
		"bad co-signature": func(it *ForeignItem) {
			it.Event.CoSigs = append([]evidence.CoSignature{}, it.Event.CoSigs...)
			it.Event.CoSigs[0].Sig = append([]byte{}, it.Event.CoSigs[0].Sig...)
			it.Event.CoSigs[0].Sig[5] ^= 1
		},
		"gap":          func(it *ForeignItem) { it.Seq, it.Event = 0, evidence.Event{} },
		"no proof":     func(it *ForeignItem) { it.Refused = "inclusion proof does not verify" },
		"another key":  func(it *ForeignItem) { it.WriterKey = newFixture(t).terminal.Public },
		"misfiled seq": func(it *ForeignItem) { it.Seq++ },
	}
	for name, spoil := range cases {
		t.Run(name, func(t *testing.T) {
			a, b, c := newFixtureNamed(t, "A"), newFixtureNamed(t, "B"), newFixtureNamed(t, "C")
			b.append(t, b.caseDrafts(1)...)
			c.append(t, c.caseDrafts(2)...)
			log := newHubLog()
			log.push(t, b)
			log.push(t, c)
			items := log.pending(a)
			bad := 1 // B's officer.enrolled: terminal signature and co-signature
			good := items[bad]
			spoil(&items[bad])
			if items[bad].Event.Body == nil { // a gap: the item is left out
				items = append(items[:bad], items[bad+1:]...)
			}
			res, err := a.store.ApplyForeign(ctx, ForeignBatch{Items: items, Next: uint64(len(log.items))})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := a.store.FinishForeign(ctx); err != nil {
				t.Fatal(err)
			}
			if res.Refused != 1 || res.Applied != 1+6 || res.Waiting != len(items)-8 {
				t.Fatalf("%+v: want B's first applied, one refused, B's rest waiting, C's 6 applied", res)
			}
			if got := strings.Join(caseIDs(t, a.store), ","); got != "c-2:"+string(casework.PhaseInvestigation) {
				t.Fatalf("cases on A: %s (C's only)", got)
			}
			if h, _, _ := a.store.Head(ctx, b.terminal.ID()); h != 1 {
				t.Fatalf("B's chain on A runs to %d, want 1", h)
			}
			refusals, _ := a.store.FeedRefusals(ctx, 10)
			blocked, _ := a.store.BlockedWriters(ctx)
			if len(refusals) != 1 || refusals[0].Terminal != b.terminal.ID() || len(blocked) != 1 || blocked[0].Terminal != b.terminal.ID() {
				t.Fatalf("refusals %+v blocked %+v", refusals, blocked)
			}
			if cur, _ := a.store.AgencyCursor(ctx); cur != uint64(len(log.items)) {
				t.Fatalf("cursor %d", cur)
			}
			// B retried from the refused item, served right this time.
			var retry []ForeignItem
			for _, it := range log.items {
				if it.Terminal == b.terminal.ID() && it.LogIndex >= good.LogIndex {
					retry = append(retry, it)
				}
			}
			res, err = a.store.ApplyForeign(ctx, ForeignBatch{Items: retry, Retry: b.terminal.ID()})
			if err != nil || res.Applied != 5 {
				t.Fatalf("retry: %+v %v", res, err)
			}
			if _, err := a.store.FinishForeign(ctx); err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(caseIDs(t, a.store), ","); !strings.Contains(got, "c-1:") {
				t.Fatalf("cases on A after the retry: %s", got)
			}
			if blocked, _ := a.store.BlockedWriters(ctx); len(blocked) != 0 {
				t.Fatalf("still blocked: %+v", blocked)
			}
			report, err := a.store.Check(ctx, a.trusted(t))
			if err != nil || !report.OK() {
				t.Fatalf("check: %+v %v", report.Problems, err)
			}
		})
	}
}

// Two terminals act on the same case at the same time: both advance its
// phase, and both finalize version 2 of the same document. Whichever order
// each receives the other's events in, both end with the same projections:
// the hub's log order decides, and the loser is kept as a conflict.
func TestConcurrentActsResolveByLogOrder(t *testing.T) {
	for _, bFirst := range []bool{true, false} {
		name := map[bool]string{true: "B logged first", false: "A logged first"}[bFirst]
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			a, b := newFixtureNamed(t, "采集站-A"), newFixtureNamed(t, "采集站-B")
			log := newHubLog()
			open := a.caseDrafts(1)[:1] // opened, still in initiation
			content := casework.DocumentContent{Doc: "d-1", Case: "c-1", Template: "note", TemplateVersion: 1, Version: 1,
				Fields: map[string]json.RawMessage{"findings": json.RawMessage(`"现场检查"`)}}
			h1, _ := content.Hash()
			a.append(t, open...)
			a.append(t, Draft{Actor: a.admin, Payload: &casework.DocFinalized{DocumentContent: content, ContentHash: h1}, CoSigners: []evidence.OfficerKey{a.officerKey(t)}})
			log.push(t, a)
			log.push(t, b)
			log.pull(t, b)
			log.pull(t, a)
			// Both, offline, advance the case and correct the document.
			for _, f := range []*fixture{a, b} {
				v2 := content
				v2.Version = 2
				v2.Fields = map[string]json.RawMessage{"findings": json.RawMessage(`"更正：` + f.terminal.ID() + `"`)}
				h2, _ := v2.Hash()
				f.append(t, Draft{Actor: f.admin, Payload: &casework.CasePhaseAdvanced{Case: "c-1", Phase: casework.PhaseInvestigation}},
					Draft{Actor: f.admin, Payload: &casework.DocFinalized{DocumentContent: v2, ContentHash: h2, Corrects: &h1},
						CoSigners: []evidence.OfficerKey{f.officerKey(t)}})
			}
			first, second := a, b
			if bFirst {
				first, second = b, a
			}
			log.push(t, first)
			log.push(t, second)
			res := map[*fixture]ForeignResult{a: log.pull(t, a), b: log.pull(t, b)}
			// The second's own acts sit after the first's in the log: it
			// rebuilds; the first takes the second's acts as conflicts.
			if !res[second].Rebuilt || res[first].Rebuilt || res[first].Conflicts != 2 {
				t.Fatalf("first %+v, second %+v", res[first], res[second])
			}
			pa, pb := dumpProjections(t, a.store.db), dumpProjections(t, b.store.db)
			if pa != pb {
				t.Fatalf("A and B differ:\nA:\n%s\nB:\n%s", pa, pb)
			}
			doc, err := a.store.Document(ctx, "d-1")
			if err != nil {
				t.Fatal(err)
			}
			if v := doc.Versions[len(doc.Versions)-1].Content; v.Version != 2 || !strings.Contains(string(v.Fields["findings"]), first.terminal.ID()) {
				t.Fatalf("version 2 is not the one logged first (%s): %+v", first.terminal.ID(), v)
			}
			for _, f := range []*fixture{a, b} {
				tl, err := f.store.Timeline(ctx, "c-1")
				if err != nil {
					t.Fatal(err)
				}
				var conflicts []string
				for _, e := range tl {
					if e.Conflict != "" {
						conflicts = append(conflicts, e.Terminal+" "+e.Type)
					}
				}
				want := second.terminal.ID() + " case.phase_advanced," + second.terminal.ID() + " doc.finalized"
				if strings.Join(conflicts, ",") != want {
					t.Fatalf("conflicts on %s: %v, want %s", f.terminal.ID(), conflicts, want)
				}
				if len(tl) != 6 {
					t.Fatalf("timeline of %d events, want 6 (the losers kept)", len(tl))
				}
				if report, err := f.store.Check(ctx, f.trusted(t)); err != nil || !report.OK() {
					t.Fatalf("check on %s: %+v %v", f.terminal.ID(), report.Problems, err)
				}
			}
		})
	}
}

// Footage another terminal took in arrives as custody, not bytes: A shows
// it, does not try to send it, and check does not miss its blob.
func TestForeignFootageIsCustodyOnly(t *testing.T) {
	ctx := context.Background()
	a, b := newFixtureNamed(t, "采集站-A"), newFixtureNamed(t, "采集站-B")
	d, n, err := b.store.Blobs().Put(ctx, strings.NewReader("B's clip"))
	if err != nil {
		t.Fatal(err)
	}
	b.append(t, footageDraft(b.admin, d, n, "DCIM/B.MP4"))
	log := newHubLog()
	log.push(t, b)
	if res := log.pull(t, a); res.Applied != 4 {
		t.Fatalf("%+v", res)
	}
	custody, err := a.store.Custody(ctx, d)
	if err != nil || len(custody) != 1 {
		t.Fatalf("custody on A: %+v %v", custody, err)
	}
	if pending, err := a.store.PendingBlobs(ctx); err != nil || len(pending) != 0 {
		t.Fatalf("A would send B's footage: %+v %v", pending, err)
	}
	if pending, err := b.store.PendingBlobs(ctx); err != nil || len(pending) != 1 {
		t.Fatalf("B's own footage waits: %+v %v", pending, err)
	}
	if report, err := a.store.Check(ctx, a.trusted(t)); err != nil || !report.OK() {
		t.Fatalf("check: %+v %v", report.Problems, err)
	}
}

// Check names a foreign event edited in SQLite, as it does an own one.
func TestCheckNamesAnEditedForeignEvent(t *testing.T) {
	ctx := context.Background()
	a, b := newFixtureNamed(t, "采集站-A"), newFixtureNamed(t, "采集站-B")
	b.append(t, b.caseDrafts(3)...)
	log := newHubLog()
	log.push(t, b)
	log.pull(t, a)
	if _, err := a.store.db.Exec("DROP TRIGGER events_no_update"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.store.db.Exec("UPDATE events SET sig = zeroblob(64) WHERE terminal = ? AND seq = 5", b.terminal.ID()); err != nil {
		t.Fatal(err)
	}
	report, err := a.store.Check(ctx, a.trusted(t))
	if err != nil {
		t.Fatal(err)
	}
	if report.OK() || !strings.Contains(report.Problems[0].Item, b.terminal.ID()+"#5") {
		t.Fatalf("check: %+v", report.Problems)
	}
}

// A pass cut after a page that deferred its rebuild leaves the projections
// stale; check does the rebuild first, then finds nothing wrong.
func TestCheckFinishesAPendingRebuild(t *testing.T) {
	ctx := context.Background()
	a, b := newFixtureNamed(t, "采集站-A"), newFixtureNamed(t, "采集站-B")
	b.append(t, b.caseDrafts(4)...)
	log := newHubLog()
	log.push(t, b)
	res, err := a.store.ApplyForeign(ctx, ForeignBatch{Items: log.pending(a), Next: uint64(len(log.items))})
	if err != nil || !res.Rebuilt {
		t.Fatalf("%+v %v: A's own unlogged enrollment of o-001 sits after B's acts", res, err)
	}
	if ids := caseIDs(t, a.store); len(ids) != 0 {
		t.Fatalf("projected before the rebuild: %v", ids)
	}
	report, err := a.store.Check(ctx, a.trusted(t))
	if err != nil || !report.OK() {
		t.Fatalf("check: %+v %v", report.Problems, err)
	}
	if ids := caseIDs(t, a.store); len(ids) != 1 {
		t.Fatalf("after check: %v", ids)
	}
}

// The rebuild runs aside while the terminal keeps working: its own acts
// recorded meanwhile are applied on top of the swapped-in tables, and
// another terminal's events recorded meanwhile make the swap a rebuild in
// place; either way the projections are what a full rebuild gives.
func TestRebuildAsideWhileWorking(t *testing.T) {
	for _, meanwhile := range []string{"own acts", "another page"} {
		t.Run(meanwhile, func(t *testing.T) {
			ctx := context.Background()
			a, b := newFixtureNamed(t, "采集站-A"), newFixtureNamed(t, "采集站-B")
			b.append(t, b.caseDrafts(4)...)
			log := newHubLog()
			log.push(t, b)
			first := log.pending(a)
			if res, err := a.store.ApplyForeign(ctx, ForeignBatch{Items: first[:5]}); err != nil || !res.Rebuilt {
				t.Fatalf("%+v %v", res, err)
			}
			rep, err := newReplica(ctx, a.dir)
			if err != nil {
				t.Fatal(err)
			}
			defer rep.Close()
			rep.cfg = a.store.cfg
			last, err := rep.replayCopyOf(ctx, filepath.Join(a.dir, DatabaseFile), a.store.dbKey)
			if err != nil {
				t.Fatal(err)
			}
			if meanwhile == "own acts" {
				a.append(t, a.caseDrafts(9)...)
			} else if _, err := a.store.ApplyForeign(ctx, ForeignBatch{Items: first[5:]}); err != nil {
				t.Fatal(err)
			}
			if err := a.store.swapIn(ctx, filepath.Join(rep.scratch, DatabaseFile), rep.dbKey, last); err != nil {
				t.Fatal(err)
			}
			got := dumpProjections(t, a.store.db)
			if err := a.store.RebuildProjections(ctx); err != nil {
				t.Fatal(err)
			}
			if want := dumpProjections(t, a.store.db); got != want {
				t.Fatalf("swapped in:\n%s\nfull rebuild:\n%s", got, want)
			}
			if ids := caseIDs(t, a.store); len(ids) != map[string]int{"own acts": 2, "another page": 1}[meanwhile] {
				t.Fatalf("cases %v", ids)
			}
		})
	}
}
