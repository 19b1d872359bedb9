package client

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"lawtrail/casework"
	"lawtrail/store"
	"lawtrail/store/storetest"
	"lawtrail/sync/protocol"
)

const (
	agencyOne = "某区市场监督管理局"
	agencyTwo = "另一区市场监督管理局"
)

// agencyTerminal is a terminal of agency, named, whose first officer
// (o-001, 张三) is an admin and an enforcement officer, joined to th.
func agencyTerminal(t testing.TB, th *testHub, name, agency string) *terminal {
	t.Helper()
	tm := officerTerminal(t, name, agency)
	code, err := th.hub.IssueCode(context.Background(), th.url(), agency, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Join(context.Background(), tm.store, tm.key, code.String(), name); err != nil {
		t.Fatal(err)
	}
	return tm
}

// officerTerminal is agencyTerminal before it joins a hub.
func officerTerminal(t testing.TB, name, agency string) *terminal {
	t.Helper()
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "terminal")
	key, err := store.InitTerminal(ctx, dir, store.TerminalSetup{
		TerminalName: name, AgencyName: agency, OfficerID: "o-001", OfficerName: "张三", CredentialNo: "35010000001",
		Roles: []casework.Role{casework.RoleAdmin, casework.RoleOfficer}, Passphrase: []byte("terminal pass"), PIN: []byte("123456"),
		KDF: fastKDF, Rand: rand.Reader,
	})
	if err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(ctx, dir, store.Options{Keys: storetest.Keys(t, key)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return &terminal{dir: dir, store: s, key: key}
}

// openCase records case id with a step on tm.
func (tm *terminal) openCase(t testing.TB, id string) {
	t.Helper()
	start := time.Date(2026, 11, 20, 10, 0, 0, 0, casework.Shanghai)
	_, err := tm.store.Append(context.Background(), tm.key,
		store.Draft{Actor: "o-001", Payload: &casework.CaseOpened{Case: id, Number: id, Title: "无照经营", ActType: casework.ActPenalty,
			Agency: store.AgencyIDFromName(agencyOne)}},
		store.Draft{Actor: "o-001", Payload: &casework.CasePhaseAdvanced{Case: id, Phase: casework.PhaseInvestigation}})
	if err != nil {
		t.Fatal(err)
	}
	tm.addStep(t, id, id+"-s1", start)
}

func (tm *terminal) addStep(t testing.TB, caseID, step string, start time.Time) {
	t.Helper()
	_, err := tm.store.Append(context.Background(), tm.key, store.Draft{Actor: "o-001", Payload: &casework.StepRecorded{
		Step: step, Case: caseID, Kind: casework.StepOnSiteInspection, Start: start, End: start.Add(30 * time.Minute),
		Officers: []string{"o-001"}, Note: "现场检查"}})
	if err != nil {
		t.Fatal(err)
	}
}

func (tm *terminal) sync(t testing.TB, opt Options) Report {
	t.Helper()
	c, err := New(context.Background(), tm.store, tm.key, opt)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := c.Once(context.Background())
	if err != nil {
		t.Fatalf("sync %s: %v (%+v)", tm.key.ID(), err, rep)
	}
	return rep
}

func (tm *terminal) caseIDs(t testing.TB) []string {
	t.Helper()
	cs, err := tm.store.Cases(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range cs {
		ids = append(ids, c.ID)
	}
	slices.Sort(ids)
	return ids
}

func (tm *terminal) check(t testing.TB) {
	t.Helper()
	trusted, err := store.TrustedKeys(tm.dir)
	if err != nil {
		t.Fatal(err)
	}
	r, err := tm.store.Check(context.Background(), trusted)
	if err != nil || !r.OK() {
		t.Fatalf("check %s: %v %v", tm.key.ID(), r.Problems, err)
	}
}

// Terminals A and B of one agency and C of another, over a real hub on
// loopback TLS: each case reaches the other terminal of its agency, is
// continued there and comes back in log order; C sees nothing of them.
func TestAgencyFeedAcrossTerminals(t *testing.T) {
	ctx := context.Background()
	th := startHub(t, t.TempDir())
	a := agencyTerminal(t, th, "采集站-A", agencyOne)
	b := agencyTerminal(t, th, "采集站-B", agencyOne)
	c := agencyTerminal(t, th, "采集站-C", agencyTwo)
	a.openCase(t, "c-a")
	b.openCase(t, "c-b")
	c.openCase(t, "c-c")
	for _, tm := range []*terminal{a, b, c, a} {
		tm.sync(t, Options{})
	}
	if got := strings.Join(a.caseIDs(t), ","); got != "c-a,c-b" {
		t.Fatalf("A's cases: %s", got)
	}
	if got := strings.Join(b.caseIDs(t), ","); got != "c-a,c-b" {
		t.Fatalf("B's cases: %s", got)
	}
	if got := strings.Join(c.caseIDs(t), ","); got != "c-c" {
		t.Fatalf("C's cases: %s (another agency's must never reach it)", got)
	}
	if keys, _ := c.store.ForeignTerminalKeys(ctx); len(keys) != 0 {
		t.Fatalf("C holds events of %v", keys)
	}
	// B continues A's case; A takes it back.
	b.addStep(t, "c-a", "c-a-s2", time.Date(2026, 11, 21, 9, 0, 0, 0, casework.Shanghai))
	b.sync(t, Options{})
	rep := a.sync(t, Options{})
	if rep.Agency.Applied != 1 || rep.Agency.Refused != 0 {
		t.Fatalf("A's second pass took %+v from the agency feed", rep.Agency)
	}
	tl, err := a.store.Timeline(ctx, "c-a")
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	var last uint64
	for i, e := range tl {
		lines = append(lines, e.TerminalName+" "+e.Type)
		if e.LogIndex == nil || (i > 0 && *e.LogIndex <= last) {
			t.Fatalf("timeline not in log order: %+v", tl)
		}
		last = *e.LogIndex
	}
	want := "采集站-A case.opened,采集站-A case.phase_advanced,采集站-A step.recorded,采集站-B step.recorded"
	if strings.Join(lines, ",") != want {
		t.Fatalf("timeline of c-a on A:\n%s\nwant\n%s", strings.Join(lines, ","), want)
	}
	ct, err := a.store.CaseTerminals(ctx)
	if err != nil || len(ct["c-a"]) != 2 || ct["c-a"][0].ID != a.key.ID() {
		t.Fatalf("terminals of c-a: %+v %v", ct, err)
	}
	st, err := ReadStatus(ctx, a.store, a.key.ID())
	if err != nil || st.AgencyCursor == 0 || len(st.FeedRefusals) != 0 || st.PendingEvents != 0 {
		t.Fatalf("status %+v %v", st, err)
	}
	for _, tm := range []*terminal{a, b, c} {
		tm.check(t)
	}
	// A pass with nothing new takes nothing and refuses nothing.
	if rep := b.sync(t, Options{}); rep.Agency.Applied != 0 || rep.Agency.Refused != 0 {
		t.Fatalf("an idle pass: %+v", rep.Agency)
	}
}

// More events than a page holds come in several pages, each once.
func TestAgencyFeedPages(t *testing.T) {
	th := startHub(t, t.TempDir())
	a := agencyTerminal(t, th, "采集站-A", agencyOne)
	b := agencyTerminal(t, th, "采集站-B", agencyOne)
	for i := range 170 {
		b.openCase(t, fmt.Sprintf("c-%03d", i))
	}
	b.sync(t, Options{BatchSize: 7})
	rep := a.sync(t, Options{})
	if rep.Agency.Applied != 3+170*3 || rep.Agency.Pages != 2 {
		t.Fatalf("%+v", rep.Agency)
	}
	if n := len(a.caseIDs(t)); n != 170 {
		t.Fatalf("%d cases", n)
	}
}

// A hub whose agency feed lies — an event with a forged signature, an
// inclusion proof left out, a page whose checkpoint is not the one asked
// for — gets the bad items refused and recorded, nothing of them stored,
// while the other writer's items still apply; the refused writer's items
// apply once the hub serves them right.
func TestAgencyFeedFromALyingHub(t *testing.T) {
	lies := map[string]func(*protocol.AgencyEvents, string){
		"forged signature": func(p *protocol.AgencyEvents, victim string) {
			for i := range p.Events {
				if p.Events[i].Terminal == victim && p.Events[i].Seq == 4 {
					p.Events[i].Event.Sig[3] ^= 1
				}
			}
		},
		"no inclusion proof": func(p *protocol.AgencyEvents, victim string) {
			for i := range p.Events {
				if p.Events[i].Terminal == victim && p.Events[i].Seq == 4 {
					p.Events[i].Inclusion = nil
				}
			}
		},
		"an event left out": func(p *protocol.AgencyEvents, victim string) {
			p.Events = slices.DeleteFunc(p.Events, func(e protocol.AgencyEvent) bool { return e.Terminal == victim && e.Seq == 4 })
		},
	}
	for name, lie := range lies {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			var lying atomic.Bool
			lying.Store(true)
			var victim atomic.Value
			victim.Store("")
			th := startHubRewriting(t, "GET", protocol.PathAgencyEvents, func(raw []byte) []byte {
				var p protocol.AgencyEvents
				if !lying.Load() || json.Unmarshal(raw, &p) != nil {
					return raw
				}
				lie(&p, victim.Load().(string))
				out, _ := json.Marshal(p)
				return out
			})
			a := agencyTerminal(t, th, "采集站-A", agencyOne)
			b := agencyTerminal(t, th, "采集站-B", agencyOne)
			d := agencyTerminal(t, th, "采集站-D", agencyOne)
			victim.Store(b.key.ID())
			b.openCase(t, "c-b")
			d.openCase(t, "c-d")
			b.sync(t, Options{})
			d.sync(t, Options{})
			rep := a.sync(t, Options{})
			if rep.Agency.Refused != 1 || rep.Agency.Applied != 3+6 {
				t.Fatalf("%+v: want B's 3 first applied, its 4th refused, D's 6 applied", rep.Agency)
			}
			if got := strings.Join(a.caseIDs(t), ","); got != "c-d" {
				t.Fatalf("A's cases: %s", got)
			}
			st, err := ReadStatus(ctx, a.store, a.key.ID())
			if err != nil || len(st.FeedRefusals) != 1 || st.FeedRefusals[0].Terminal != b.key.ID() || len(st.Blocked) != 1 {
				t.Fatalf("status: %+v %v", st, err)
			}
			if raw, _ := json.Marshal(st); !strings.Contains(string(raw), `"feed_refusals":[{"log_index"`) {
				t.Fatalf("status JSON: %s", raw)
			}
			if h, _, _ := a.store.Head(ctx, b.key.ID()); h != 3 {
				t.Fatalf("B's chain on A runs to %d", h)
			}
			a.check(t)
			lying.Store(false)
			rep = a.sync(t, Options{})
			if rep.Agency.Applied != 3 || rep.Agency.Refused != 0 {
				t.Fatalf("from the honest hub: %+v", rep.Agency)
			}
			if got := strings.Join(a.caseIDs(t), ","); got != "c-b,c-d" {
				t.Fatalf("A's cases: %s", got)
			}
			if st, _ := ReadStatus(ctx, a.store, a.key.ID()); len(st.Blocked) != 0 {
				t.Fatalf("still blocked: %+v", st.Blocked)
			}
			a.check(t)
		})
	}
}

// A page whose checkpoint is not the one asked for, or whose events do not
// climb, is refused whole: the cursor stays, nothing is stored.
func TestAgencyPageRefusedWhole(t *testing.T) {
	lies := map[string]func(*protocol.AgencyEvents){
		"another checkpoint": func(p *protocol.AgencyEvents) { p.Checkpoint.Size++ },
		"reordered":          func(p *protocol.AgencyEvents) { slices.Reverse(p.Events) },
		"next going back":    func(p *protocol.AgencyEvents) { p.Next = 0 },
		"too many": func(p *protocol.AgencyEvents) {
			for len(p.Events) <= protocol.MaxAgencyEvents {
				p.Events = append(p.Events, p.Events...)
			}
		},
	}
	for name, lie := range lies {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			th := startHubRewriting(t, "GET", protocol.PathAgencyEvents, func(raw []byte) []byte {
				var p protocol.AgencyEvents
				if json.Unmarshal(raw, &p) != nil || len(p.Events) == 0 {
					return raw
				}
				lie(&p)
				out, _ := json.Marshal(p)
				return out
			})
			a := agencyTerminal(t, th, "采集站-A", agencyOne)
			b := agencyTerminal(t, th, "采集站-B", agencyOne)
			b.openCase(t, "c-b")
			b.sync(t, Options{})
			c, err := New(ctx, a.store, a.key, Options{})
			if err != nil {
				t.Fatal(err)
			}
			rep, err := c.Once(ctx)
			if err == nil || !strings.Contains(err.Error(), "agency feed") {
				t.Fatalf("pass: %v", err)
			}
			if rep.Agency.Applied != 0 || len(a.caseIDs(t)) != 0 {
				t.Fatalf("stored from a refused page: %+v", rep.Agency)
			}
			if cur, _ := a.store.AgencyCursor(ctx); cur != 0 {
				t.Fatalf("cursor moved to %d", cur)
			}
		})
	}
}

// An answer to a batch lost after the hub stored it leaves the terminal
// without the events' log places; the next pass learns them back (checked
// against its own events and the log), so the log order places them where
// the other terminals do.
func TestLostAcknowledgmentsAreLearnt(t *testing.T) {
	ctx := context.Background()
	var cut atomic.Bool
	cut.Store(true)
	th := startHubRewriting(t, "POST", protocol.PathEvents, func(raw []byte) []byte {
		if cut.Load() {
			return []byte("{")
		}
		return raw
	})
	a := agencyTerminal(t, th, "采集站-A", agencyOne)
	a.openCase(t, "c-a")
	c, err := New(ctx, a.store, a.key, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Once(ctx); err == nil {
		t.Fatal("a pass whose answer was cut succeeded")
	}
	if missing, _ := a.store.UnackedSeqs(ctx, a.key.ID(), 100, 100); len(missing) != 6 {
		t.Fatalf("unacknowledged after the cut: %v", missing)
	}
	cut.Store(false)
	a.sync(t, Options{})
	if missing, _ := a.store.UnackedSeqs(ctx, a.key.ID(), 100, 100); len(missing) != 0 {
		t.Fatalf("still unacknowledged: %v", missing)
	}
	places, err := a.store.LogPlaces(ctx)
	if err != nil || len(places) != 6 || places[0].LogIndex != 0 || places[5].Seq != 6 {
		t.Fatalf("places %+v %v", places, err)
	}
}
