package hub_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"

	"lawtrail/casework"
	"lawtrail/device"
	"lawtrail/device/msc"
	"lawtrail/evidence"
	"lawtrail/hub"
	"lawtrail/hub/hubtest"
	"lawtrail/ingest"
	"lawtrail/sync/client"
	"lawtrail/sync/protocol"
	"lawtrail/terminal"
	"lawtrail/terminal/terminaltest"
)

// avList is the AV matters list the agency publishes: seizures must be
// filmed, as in the bundled one.
const avList = `{"version":1,"mandatory":["seizure","evidence_preservation","forced_demolition"],"suggested":["interview"]}`

// otherAgency is a second agency of the hub, with a terminal of its own.
const otherAgency = "某区交通运输局"

// record is a hub whose clock the test sets, a terminal of
// terminaltest.Agency that joined it and recorded the cases below through
// its own actions, and a terminal of otherAgency with one case; both
// synced.
type record struct {
	hub        *hub.Hub
	hubtest    *hubtest.Hub
	clock      *time.Time
	f, other   *terminaltest.Fixture
	officer    *terminal.Session // o-002
	publisher  *terminal.Session // o-006
	caseA      string            // a fine, published, later withdrawn
	pubA       string
	caseB      string // a fine left unpublished past its due day
	caseC      string // a seizure with no footage: an AV gap
	caseD      string // a seizure its linked footage covers
	caseE      string // a fine published after its due day
	caseMajor  string // a major fine, reviewed before it was decided
	caseOther  string // the other agency's case
	stepC      string
	stepD      string
	footage    evidence.Digest
	inspection string // an inspection case, opened
}

func newRecord(t *testing.T) *record {
	t.Helper()
	ctx := context.Background()
	clock := time.Date(2026, 12, 9, 10, 0, 0, 0, casework.Shanghai) // a Wednesday
	r := &record{clock: &clock}
	th := hubtest.StartWith(t, hub.Options{KDF: hubtest.FastKDF, Now: func() time.Time { return *r.clock }})
	r.hub, r.hubtest = th.Hub, th
	r.f = joined(t, th, terminaltest.Agency)
	f := r.f
	f.Enroll(t, "o-002", "李四", "35010000002", "246802", casework.RoleOfficer)
	f.Enroll(t, "o-006", "孙八", "", "246806", casework.RolePublisher)
	f.Enroll(t, "o-007", "周九", "35010000007", "246807", casework.RoleReviewer)
	r.officer, r.publisher = f.Login(t, "o-002", "246802"), f.Login(t, "o-006", "246806")
	if _, err := f.Admin.PublishConfig(ctx, terminal.ConfigFile{Kind: casework.ConfigAVMatters, Content: []byte(avList), Note: "本局清单"}); err != nil {
		t.Fatal(err)
	}

	r.caseA = f.OpenCase(t, r.officer, "示市监罚〔2026〕11号", "销售过期食品")
	r.pubA = f.PublishDoc(t, r.publisher, f.FineOnIndividual(t, r.officer, r.caseA, "5000", "2026-11-25 10:00"))
	r.caseB = f.OpenCase(t, r.officer, "示市监罚〔2026〕12号", "无证经营")
	f.FineOnIndividual(t, r.officer, r.caseB, "3000", "2026-11-25 10:00")
	r.inspection = openCase(t, r.officer, terminal.NewCase{Number: "示市监检〔2026〕1号", Title: "日常检查", Act: casework.ActInspection})
	r.recordMajor(t)
	r.recordSteps(t)

	// A fine decided 11-25 (due 12-04) and published on 12-08: late.
	r.caseE = f.OpenCase(t, r.officer, "示市监罚〔2026〕15号", "虚假宣传")
	docE := f.FineOnIndividual(t, r.officer, r.caseE, "2000", "2026-11-25 10:00")
	f.Clock.T = time.Date(2026, 12, 8, 9, 0, 0, 0, casework.Shanghai)
	f.PublishDoc(t, r.publisher, docE)
	r.sync(t, r.f)

	r.other = joined(t, th, otherAgency)
	r.caseOther = openCase(t, r.other.Admin, terminal.NewCase{Number: "示交罚〔2026〕1号", Title: "超限运输"})
	r.sync(t, r.other)
	return r
}

// joined is a new terminal enrolled in the hub under agency.
func joined(t *testing.T, th *hubtest.Hub, agency string) *terminaltest.Fixture {
	t.Helper()
	f := terminaltest.New(t)
	if _, err := f.Desk.JoinHub(context.Background(), th.Code(t, agency)); err != nil {
		t.Fatal(err)
	}
	return f
}

func openCase(t *testing.T, s *terminal.Session, n terminal.NewCase) string {
	t.Helper()
	c, err := s.OpenCase(context.Background(), n)
	if err != nil {
		t.Fatal(err)
	}
	return c.Case
}

// recordMajor: a fine of 20,000 yuan on an individual (major by the
// bundled list) proposed, submitted for review, reviewed by o-007 who
// agrees, then decided.
func (r *record) recordMajor(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	r.caseMajor = r.f.OpenCase(t, r.officer, "示市监罚〔2026〕13号", "销售假冒商品")
	d := casework.Decision{Act: casework.ActPenalty, PartyKind: casework.PartyIndividual,
		Penalties: []casework.Penalty{{Kind: casework.PenaltyFine, AmountYuan: "20000"}}}
	if err := r.officer.ProposeDecision(ctx, r.caseMajor, d); err != nil {
		t.Fatal(err)
	}
	doc := r.f.FineDraft(t, r.officer, r.caseMajor, "20000", "2026-11-26 10:00")
	sub, err := r.officer.SubmitReview(ctx, terminal.Submission{Case: r.caseMajor, Doc: doc})
	if err != nil {
		t.Fatal(err)
	}
	reviewer := r.f.Login(t, "o-007", "246807")
	if err := reviewer.AssignReview(ctx, sub.Review, "o-007"); err != nil {
		t.Fatal(err)
	}
	if _, err := reviewer.GiveOpinion(ctx, sub.Review, terminal.Opinion{Outcome: casework.OutcomeAgree}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.officer.FinalizeLatestDraft(ctx, doc, nil); err != nil {
		t.Fatal(err)
	}
}

// recordSteps: two seizures (mandatory AV by the bundled list) by the
// admin, one with no footage, one covered by a recorder file docked from
// recorder DSJ-A8 and linked to it.
func (r *record) recordSteps(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	f := r.f
	f.Clock.T = time.Date(2026, 11, 20, 12, 0, 0, 0, casework.Shanghai)
	r.caseC = f.OpenCase(t, f.Admin, "示市监罚〔2026〕14号", "查封扣押")
	r.caseD = f.OpenCase(t, f.Admin, "示市监罚〔2026〕16号", "查封扣押（有录像）")
	at := func(h, m, s int) time.Time { return time.Date(2026, 11, 20, h, m, s, 0, casework.Shanghai) }
	c, err := f.Admin.RecordStep(ctx, terminal.NewStep{Case: r.caseC, Kind: casework.StepSeizure, Start: at(10, 50, 0), End: at(11, 0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	d, err := f.Admin.RecordStep(ctx, terminal.NewStep{Case: r.caseD, Kind: casework.StepSeizure, Start: at(10, 16, 0), End: at(10, 40, 0)})
	if err != nil {
		t.Fatal(err)
	}
	r.stepC, r.stepD = c.Step, d.Step
	r.footage = dockRecording(t, f, "查封现场录像", at(10, 15, 30), at(10, 45, 0))
	if err := f.Admin.LinkFootage(ctx, r.stepD, r.footage); err != nil {
		t.Fatal(err)
	}
}

// dockRecording docks a recorder (DSJ-A8, assigned to o-001) holding one
// file that recorded from start to end, and returns the file's digest.
func dockRecording(t *testing.T, f *terminaltest.Fixture, content string, start, end time.Time) evidence.Digest {
	t.Helper()
	root := t.TempDir()
	name := filepath.Join(root, "DCIM", "DSJ1234_350101_"+start.Format("20060102150405")+"_0001.MP4")
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(name, end, end); err != nil {
		t.Fatal(err)
	}
	dir, err := msc.OpenDir(root)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dir.Close() })
	dock, err := f.Admin.NewDock(terminal.DockOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := dock.Ingest(context.Background(), ingest.Recorder{Source: msc.New(dir, device.Info{Serial: "DSJ-A8", OfficerID: terminaltest.AdminID}),
		Label: "/media/DSJ-A8"})
	if err != nil || !sum.OK() || sum.Copied != 1 {
		t.Fatalf("dock: %+v, %v", sum, err)
	}
	return evidence.Sum([]byte(content))
}

func (r *record) sync(t *testing.T, f *terminaltest.Fixture) {
	t.Helper()
	c, err := f.Desk.SyncClient(context.Background(), client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Once(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// readModelTables are the tables of the read model a rebuild must give
// back exactly.
var readModelTables = []string{"rm_agencies", "rm_officers", "rm_terminals", "rm_cases", "rm_case_events", "rm_steps",
	"rm_step_footage", "rm_footage", "rm_documents", "rm_reviews", "rm_publications", "rm_publication_counts", "rm_config"}

// dump reads every row of every read-model table as an insider would, by
// reading the database around the hub's API, each row as JSON, sorted.
func (r *record) dump(t *testing.T) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, table := range readModelTables {
		rows, err := r.hub.InsiderQuery(context.Background(), "SELECT * FROM "+table)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(vals)
			out[table] = append(out[table], string(b))
		}
		rows.Close()
		slices.Sort(out[table])
	}
	return out
}

// exec changes the hub's database as an insider would.
func (r *record) exec(t *testing.T, query string, args ...any) {
	t.Helper()
	res, err := r.hub.InsiderExec(context.Background(), query, args...)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("%s changed %d rows", query, n)
	}
}

func (r *record) check(t *testing.T) []string {
	t.Helper()
	rep, err := r.hub.Check(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range rep.Problems {
		out = append(out, p.Item+": "+p.Err.Error())
	}
	return out
}

// What the sync path applied as it accepted each event is exactly what a
// rebuild from the stored events makes, table by table; check agrees, and
// flags a row an insider edited or added until a rebuild restores it.
func TestReadModelAppliedEqualsRebuild(t *testing.T) {
	r := newRecord(t)
	applied := r.dump(t)
	for _, table := range readModelTables {
		if len(applied[table]) == 0 {
			t.Errorf("%s is empty after the sync", table)
		}
	}
	if p := r.check(t); len(p) != 0 {
		t.Fatalf("check after sync: %v", p)
	}
	rep, err := r.hub.Rebuild(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Cases != 8 || rep.Decisions != 4 || rep.Publications != 2 || rep.Reviews != 1 || rep.Steps != 2 || rep.Footage != 1 {
		t.Errorf("rebuild report %+v", rep)
	}
	rebuilt := r.dump(t)
	for _, table := range readModelTables {
		if !slices.Equal(applied[table], rebuilt[table]) {
			t.Errorf("%s applied:\n%s\nrebuilt:\n%s", table, strings.Join(applied[table], "\n"), strings.Join(rebuilt[table], "\n"))
		}
	}

	for _, edit := range []struct {
		query, want string
		args        []any
	}{
		{"UPDATE rm_publications SET withdrawn_code = 'revoked', withdraw_reason = '撤销' WHERE publication = ?", "read model publication", []any{r.pubA}},
		{"UPDATE rm_cases SET phase = 'execution' WHERE case_id = ?", "read model case", []any{r.caseB}},
		{"UPDATE rm_steps SET text_only = '未录像' WHERE step = ?", "read model step", []any{r.stepC}},
		{"INSERT INTO rm_step_footage (hub_agency, step, digest) VALUES (?, ?, ?)", "read model step footage", []any{terminaltest.Agency, r.stepC, r.footage.String()}},
		{"UPDATE rm_publication_counts SET n = n + 1 WHERE terminal = ?", "read model publication count", []any{r.f.Desk.Info.ID}},
	} {
		r.exec(t, edit.query, edit.args...)
		problems := r.check(t)
		if !slices.ContainsFunc(problems, func(p string) bool { return strings.HasPrefix(p, edit.want) }) {
			t.Errorf("after %q check says %v", edit.query, problems)
		}
		if _, err := r.hub.Rebuild(context.Background()); err != nil {
			t.Fatal(err)
		}
		if p := r.check(t); len(p) != 0 {
			t.Errorf("check after rebuild: %v", p)
		}
	}
}

// The public sees a publication as signed — the party masked, no ID-card
// number, phone or name anywhere in what the public views return — and,
// once withdrawn, the withdrawal with its reason; a publication of a
// terminal the hub no longer trusts is no publication.
func TestPublicDecisions(t *testing.T) {
	r := newRecord(t)
	ctx := context.Background()
	page, err := r.hub.PublicDecisions(ctx, hub.DecisionQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != 2 || len(page.Items) != 2 {
		t.Fatalf("page %+v", page)
	}
	d, err := r.hub.PublicDecision(ctx, r.pubA)
	if err != nil {
		t.Fatal(err)
	}
	if d.Text.Party != terminaltest.PartyMasked || d.Case != r.caseA || d.Act != casework.ActPenalty || d.Decided != "2026-11-25" ||
		d.Due != "2026-12-04" || d.Late || d.Withdrawn != nil || d.AgencyName != terminaltest.Agency || d.Agency != terminaltest.Agency {
		t.Fatalf("publication %+v", d)
	}
	late := page.Items[0]
	if late.Publication == r.pubA {
		late = page.Items[1]
	}
	if !late.Late || late.Published != "2026-12-08" || late.Case != r.caseE {
		t.Errorf("the late publication: %+v", late)
	}
	noPrivate(t, r, "before withdrawal")

	if err := r.publisher.Withdraw(ctx, r.pubA, casework.WithdrawRevoked, "行政复议决定撤销原处罚决定"); err != nil {
		t.Fatal(err)
	}
	r.sync(t, r.f)
	d, err = r.hub.PublicDecision(ctx, r.pubA)
	if err != nil {
		t.Fatal(err)
	}
	if w := d.Withdrawn; w == nil || w.Code != casework.WithdrawRevoked || w.Reason != "行政复议决定撤销原处罚决定" || w.At != "2026-12-08" || w.LogIndex <= d.LogIndex {
		t.Fatalf("withdrawal %+v", d.Withdrawn)
	}
	noPrivate(t, r, "after withdrawal")

	if err := r.hub.Revoke(ctx, r.f.Desk.Info.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := r.hub.PublicDecision(ctx, r.pubA); !errors.Is(err, hub.ErrNotPublished) {
		t.Errorf("a revoked terminal's publication: %v", err)
	}
	if _, err := r.hub.PublicationProof(ctx, r.pubA); !errors.Is(err, hub.ErrNotPublished) {
		t.Errorf("a revoked terminal's proof: %v", err)
	}
	if page, err := r.hub.PublicDecisions(ctx, hub.DecisionQuery{}); err != nil || page.Total != 0 || len(page.Items) != 0 {
		t.Errorf("after revoking the terminal: %+v, %v", page, err)
	}
}

// noPrivate: none of the party's personal data is in any view, public or
// the console's.
func noPrivate(t *testing.T, r *record, when string) {
	t.Helper()
	ctx := context.Background()
	var views []any
	add := func(v any, err error) {
		if err != nil {
			t.Fatal(err)
		}
		views = append(views, v)
	}
	add(r.hub.PublicAgencies(ctx))
	add(r.hub.PublicDecisions(ctx, hub.DecisionQuery{}))
	add(r.hub.PublicDecision(ctx, r.pubA))
	add(r.hub.PublicationProof(ctx, r.pubA))
	add(r.hub.AnnualStats(ctx, 2026))
	add(r.hub.Supervision(ctx, hub.Scope{}))
	for _, c := range []string{r.caseA, r.caseB, r.caseE} {
		sum, entries, err := r.hub.CaseTimeline(ctx, hub.Scope{}, c)
		add([]any{sum, entries}, err)
	}
	raw, _ := json.Marshal(views)
	all := string(raw)
	// The proof carries the signed event as base64: decode what it says too.
	p, _ := r.hub.PublicationProof(ctx, r.pubA)
	for _, e := range append(p.Events, p.Terminals...) {
		var ev evidence.Event
		json.Unmarshal(e.Event, &ev)
		all += string(ev.Body)
	}
	for _, private := range []string{terminaltest.PartyID, terminaltest.PartyName, terminaltest.PartyPhone, "0000 1111", "五四路"} {
		if i := strings.Index(all, private); i >= 0 {
			t.Errorf("%s: a view carries %q: …%s…", when, private, all[max(i-200, 0):min(i+50, len(all))])
		}
	}
	if !strings.Contains(all, terminaltest.PartyMasked) {
		t.Errorf("%s: no view names the party masked", when)
	}
}

// The downloadable proof: each signed event is in the log under the
// checkpoint the hub signed (RFC 6962, checked with the transparency-dev
// verifier); a changed byte of the event, of the proof or of the root
// fails.
func TestPublicationProofVerifies(t *testing.T) {
	r := newRecord(t)
	ctx := context.Background()
	if err := r.publisher.Withdraw(ctx, r.pubA, casework.WithdrawRedo, "责令重做"); err != nil {
		t.Fatal(err)
	}
	r.sync(t, r.f)
	p, err := r.hub.PublicationProof(ctx, r.pubA)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var got hub.PublicationProof // as a downloader reads it
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	var cp protocol.Checkpoint
	if err := json.Unmarshal(got.Checkpoint, &cp); err != nil {
		t.Fatal(err)
	}
	if err := cp.Verify(got.HubKey); err != nil || !slices.Equal(got.HubKey, r.hub.PublicKey()) {
		t.Fatalf("checkpoint signature: %v", err)
	}
	if len(got.Events) != 2 || got.Events[0].Type != casework.TypePublicityPublished || got.Events[1].Type != casework.TypePublicityWithdrawn {
		t.Fatalf("events %+v", got.Events)
	}
	keys := proofTerminalKeys(t, got, cp)
	if _, ok := keys.TerminalKey(r.f.Desk.Info.ID); len(got.Terminals) != 1 || !ok {
		t.Fatalf("the proof's terminals %+v", got.Terminals)
	}
	d, _ := r.hub.PublicDecision(ctx, r.pubA)
	if got.Events[0].Digest != d.Event || got.Events[1].Digest != d.Withdrawn.Event || got.Events[0].LeafIndex != d.LogIndex {
		t.Errorf("the proof's events are not the page's: %+v / %+v", got.Events, d)
	}
	for _, e := range got.Events {
		var ev evidence.Event
		if err := json.Unmarshal(e.Event, &ev); err != nil {
			t.Fatal(err)
		}
		if err := verifyLeaf(ev.Body, e, cp); err != nil {
			t.Errorf("%s: %v", e.Type, err)
		}
		if ev.Hash() != e.Digest {
			t.Errorf("%s: digest %s, the body hashes to %s", e.Type, e.Digest, ev.Hash())
		}
		// The terminal's signature, with the key the file itself carries
		// (the officers' co-signatures are not what this checks).
		signed := evidence.Event{Body: ev.Body, Sig: ev.Sig}
		if _, err := evidence.VerifyEvent(signed, keys); err != nil {
			t.Errorf("%s: %v", e.Type, err)
		}
		signed.Sig = slices.Clone(ev.Sig)
		signed.Sig[0] ^= 1
		if _, err := evidence.VerifyEvent(signed, keys); !errors.Is(err, evidence.ErrBadSignature) {
			t.Errorf("%s: a changed signature: %v", e.Type, err)
		}
		body, err := evidence.ParseBody(ev.Body)
		if err != nil || body.Type != e.Type || !strings.Contains(string(body.Payload), r.pubA) {
			t.Errorf("%s: body %+v, %v", e.Type, body, err)
		}
		changed := slices.Clone(ev.Body)
		changed[len(changed)/2] ^= 1
		if verifyLeaf(changed, e, cp) == nil {
			t.Errorf("%s: a changed byte of the event verifies", e.Type)
		}
		if len(e.Proof) > 0 {
			bad := e
			bad.Proof = slices.Clone(e.Proof)
			bad.Proof[0] = slices.Clone(bad.Proof[0])
			bad.Proof[0][0] ^= 1
			if verifyLeaf(ev.Body, bad, cp) == nil {
				t.Errorf("%s: a changed byte of the proof verifies", e.Type)
			}
		}
		root := cp
		root.Root = slices.Clone(cp.Root)
		root.Root[0] ^= 1
		if verifyLeaf(ev.Body, e, root) == nil {
			t.Errorf("%s: a changed root verifies", e.Type)
		}
	}
	if _, err := r.hub.PublicationProof(ctx, "p-000000000000"); !errors.Is(err, hub.ErrNotPublished) {
		t.Errorf("an unknown publication's proof: %v", err)
	}
}

// proofTerminalKeys reads the proof's terminal.initialized events: each in
// the log under cp, the first event of its terminal, naming the terminal
// by its key's id, and signed by that key (evidence.VerifyEvent against
// the key it carries) — a changed byte of the key no longer verifies.
func proofTerminalKeys(t *testing.T, p hub.PublicationProof, cp protocol.Checkpoint) *evidence.Keys {
	t.Helper()
	keys := &evidence.Keys{}
	for _, e := range p.Terminals {
		var ev evidence.Event
		if err := json.Unmarshal(e.Event, &ev); err != nil {
			t.Fatal(err)
		}
		if err := verifyLeaf(ev.Body, e, cp); err != nil || ev.Hash() != e.Digest {
			t.Fatalf("terminal event at %d: %v", e.LeafIndex, err)
		}
		body, err := evidence.ParseBody(ev.Body)
		if err != nil {
			t.Fatal(err)
		}
		var init casework.TerminalInitialized
		if err := json.Unmarshal(body.Payload, &init); err != nil || body.Type != casework.TypeTerminalInitialized || e.Type != body.Type ||
			body.Seq != 1 || init.Terminal != body.Terminal || evidence.KeyID(init.PublicKey) != body.Terminal {
			t.Fatalf("terminal event %+v %+v, %v", body, init, err)
		}
		self := &evidence.Keys{}
		self.AddTerminal(init.Terminal, init.PublicKey)
		if _, err := evidence.VerifyEvent(evidence.Event{Body: ev.Body, Sig: ev.Sig}, self); err != nil {
			t.Fatalf("terminal event of %s: %v", init.Terminal, err)
		}
		other := slices.Clone(init.PublicKey)
		other[0] ^= 1
		wrong := &evidence.Keys{}
		wrong.AddTerminal(init.Terminal, other)
		if _, err := evidence.VerifyEvent(evidence.Event{Body: ev.Body, Sig: ev.Sig}, wrong); !errors.Is(err, evidence.ErrBadSignature) {
			t.Errorf("terminal event of %s verifies with a changed key: %v", init.Terminal, err)
		}
		keys.AddTerminal(init.Terminal, init.PublicKey)
	}
	return keys
}

// verifyLeaf checks body is the leaf e names under checkpoint cp: the
// leaf is "lawtrail-event/v1\n" and the body's SHA-256 (docs/SYNC.md).
func verifyLeaf(body []byte, e hub.ProvedEvent, cp protocol.Checkpoint) error {
	sum := evidence.Sum(body)
	leaf := rfc6962.DefaultHasher.HashLeaf(protocol.EventLeaf(sum[:]))
	return proof.VerifyInclusion(rfc6962.DefaultHasher, e.LeafIndex, cp.Size, leaf, e.Proof, cp.Root)
}

// The publication generation changes in the transaction of each change to
// what the decision pages show, and only then: an officer enrolled leaves
// it; a withdrawal, a new agency's terminal, a rebuild and a revoked
// terminal each change it, never back to a value it had; check does not
// count it as a read-model row, and a check (which rebuilds and rolls
// back) leaves it.
func TestPublicationGeneration(t *testing.T) {
	r := newRecord(t)
	ctx := context.Background()
	seen := map[uint64]bool{}
	gen := func() uint64 {
		t.Helper()
		g, err := r.hub.PublicationGeneration(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	last := gen()
	seen[last] = true
	step := func(what string, changes bool) {
		t.Helper()
		g := gen()
		switch {
		case !changes && g != last:
			t.Errorf("%s: generation %d, was %d", what, g, last)
		case changes && (g <= last || seen[g]):
			t.Errorf("%s: generation %d, was %d (seen %v)", what, g, last, seen)
		}
		last, seen[g] = g, true
	}
	r.f.Enroll(t, "o-009", "吴十一", "35010000009", "246809", casework.RoleOfficer)
	r.sync(t, r.f)
	step("an officer enrolled", false)
	if p := r.check(t); len(p) != 0 {
		t.Fatalf("check: %v", p)
	}
	step("check", false)
	if err := r.publisher.Withdraw(ctx, r.pubA, casework.WithdrawRevoked, "撤销"); err != nil {
		t.Fatal(err)
	}
	r.sync(t, r.f)
	step("a withdrawal", true)
	joined(t, r.hubtest, "某区文化和旅游局")
	step("a new agency's terminal", true)
	if _, err := r.hub.Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	step("a rebuild", true)
	if err := r.hub.Revoke(ctx, r.other.Desk.Info.ID); err != nil {
		t.Fatal(err)
	}
	step("a terminal revoked", true)
	if p := r.check(t); len(p) != 0 {
		t.Errorf("check: %v", p)
	}
	step("check", false)
}

// The list's filters, bounds and worst inputs.
func TestPublicDecisionsQuery(t *testing.T) {
	r := newRecord(t)
	ctx := context.Background()
	for _, c := range []struct {
		name  string
		q     hub.DecisionQuery
		items int
		total int
	}{
		{"every agency", hub.DecisionQuery{}, 2, 2},
		{"the agency", hub.DecisionQuery{Agency: terminaltest.Agency}, 2, 2},
		{"the other agency", hub.DecisionQuery{Agency: otherAgency}, 0, 0},
		{"penalties", hub.DecisionQuery{Act: casework.ActPenalty}, 2, 2},
		{"licensing", hub.DecisionQuery{Act: casework.ActLicensing}, 0, 0},
		{"decided in 2026", hub.DecisionQuery{Year: 2026}, 2, 2},
		{"decided in 2025", hub.DecisionQuery{Year: 2025}, 0, 0},
		{"one per page", hub.DecisionQuery{Limit: 1}, 1, 2},
		{"second page", hub.DecisionQuery{Limit: 1, Offset: 1}, 1, 2},
		{"past the end", hub.DecisionQuery{Offset: 1 << 40}, 0, 2},
		{"negative bounds", hub.DecisionQuery{Offset: -5, Limit: -1}, 2, 2},
		{"a huge limit", hub.DecisionQuery{Limit: 1 << 40}, 2, 2},
		{"a bad year", hub.DecisionQuery{Year: -2026}, 0, 0},
		{"a huge year", hub.DecisionQuery{Year: 1 << 40}, 0, 0},
		{"injection in the agency", hub.DecisionQuery{Agency: `' OR 1=1 --`}, 0, 0},
		{"script in the act", hub.DecisionQuery{Act: `<script>alert(1)</script>`}, 0, 0},
		{"a long agency", hub.DecisionQuery{Agency: strings.Repeat("局", 100000)}, 0, 0},
	} {
		page, err := r.hub.PublicDecisions(ctx, c.q)
		if err != nil || len(page.Items) != c.items || page.Total != c.total {
			t.Errorf("%s: %d items, total %d, %v; want %d, %d", c.name, len(page.Items), page.Total, err, c.items, c.total)
		}
	}
	page, _ := r.hub.PublicDecisions(ctx, hub.DecisionQuery{})
	if page.Items[0].Decided < page.Items[1].Decided || (page.Items[0].Decided == page.Items[1].Decided && page.Items[0].LogIndex < page.Items[1].LogIndex) {
		t.Errorf("not newest first: %+v", page.Items)
	}
	for _, id := range []string{"", "p-unknown", `"><img src=x onerror=alert(1)>`, strings.Repeat("p", 100000), "p-' OR '1'='1"} {
		if _, err := r.hub.PublicDecision(ctx, id); !errors.Is(err, hub.ErrNotPublished) {
			t.Errorf("publication %.40q: %v", id, err)
		}
	}
}

// The agency pages: each agency with a terminal, its officers holding a
// credential number with their card's state, and its lists with their
// versions; a published AV matters list is version 1 in force above the
// bundled one.
func TestPublicAgencies(t *testing.T) {
	r := newRecord(t)
	ctx := context.Background()
	list := []byte(`{"version":1,"mandatory":["seizure","interview"],"suggested":[]}`)
	if _, err := r.f.Admin.PublishConfig(ctx, terminal.ConfigFile{Kind: casework.ConfigAVMatters, Content: list, Note: "增加询问"}); err != nil {
		t.Fatal(err)
	}
	if err := r.f.Admin.RevokeOfficer(ctx, "o-002", "调离"); err != nil {
		t.Fatal(err)
	}
	r.sync(t, r.f)
	all, err := r.hub.PublicAgencies(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 {
		t.Fatalf("agencies %+v", all)
	}
	// The filter's light list names the same agencies in the same order.
	names, err := r.hub.AgencyNames(ctx)
	if err != nil || len(names) != len(all) {
		t.Fatalf("agency names %+v, %v", names, err)
	}
	for i, a := range all {
		if names[i] != (hub.AgencyName{ID: a.ID, Name: a.Name}) {
			t.Errorf("agency name %d: %+v, the agency %s %s", i, names[i], a.ID, a.Name)
		}
	}
	a, err := r.hub.PublicAgency(ctx, terminaltest.Agency)
	if err != nil {
		t.Fatal(err)
	}
	var officers []string
	for _, o := range a.Officers {
		officers = append(officers, fmt.Sprintf("%s %s %s", o.Name, o.CredentialNo, o.Status))
	}
	want := []string{"张三 35010000001 valid", "李四 35010000002 revoked", "周九 35010000007 valid"}
	if !slices.Equal(officers, want) {
		t.Errorf("officers %q, want %q (孙八 holds no credential number)", officers, want)
	}
	var lists []string
	for _, l := range a.Lists {
		lists = append(lists, fmt.Sprintf("%s v%d %s %v %q", l.Kind, l.Version, l.Published, l.InForce, l.Note))
		if !json.Valid(l.Content) {
			t.Errorf("%s v%d: content is no JSON", l.Kind, l.Version)
		}
	}
	wantLists := []string{`av_matters v2 2026-12-08 true "增加询问"`, `av_matters v1 2026-11-20 false "本局清单"`, `av_matters v0  false ""`,
		`major_list v0  true ""`}
	if !slices.Equal(lists, wantLists) {
		t.Errorf("lists %q, want %q", lists, wantLists)
	}
	if string(a.Lists[0].Content) != string(list) {
		t.Errorf("the published list's content %s", a.Lists[0].Content)
	}
	for _, id := range []string{"", "nope", `<script>alert(1)</script>`, strings.Repeat("局", 100000)} {
		if _, err := r.hub.PublicAgency(ctx, id); !errors.Is(err, hub.ErrNoAgency) {
			t.Errorf("agency %.20q: %v", id, err)
		}
	}
}

// The annual statistics count what the test recorded: per agency, cases
// opened by act, decisions by act and outcome.
func TestAnnualStats(t *testing.T) {
	r := newRecord(t)
	ctx := context.Background()
	s, err := r.hub.AnnualStats(ctx, 2026)
	if err != nil {
		t.Fatal(err)
	}
	var rows []string
	for _, row := range s.Rows {
		rows = append(rows, fmt.Sprintf("%s/%s/%s/%s=%d", row.Agency, row.AgencyName, row.Act, row.Outcome, row.Count))
	}
	a, o := terminaltest.Agency, otherAgency
	want := []string{ // by agency id
		o + "/" + a + "/penalty/opened=1", // the other terminal registered the same agency name (terminaltest)
		a + "/" + a + "/inspection/opened=1",
		a + "/" + a + "/penalty/fine=4",
		a + "/" + a + "/penalty/opened=6",
	}
	if !slices.Equal(rows, want) || s.Complete || s.Year != 2026 {
		t.Errorf("2026: %q complete %v, want %q", rows, s.Complete, want)
	}
	if s, err := r.hub.AnnualStats(ctx, 2025); err != nil || len(s.Rows) != 0 || !s.Complete {
		t.Errorf("2025: %+v, %v", s, err)
	}
	*r.clock = time.Date(2027, 1, 1, 0, 0, 0, 0, casework.Shanghai)
	if s, err := r.hub.AnnualStats(ctx, 2026); err != nil || !s.Complete {
		t.Errorf("on 1 January 2027: %+v, %v", s, err)
	}
	for _, y := range []int{0, -1, 10000, 1 << 40} {
		if s, err := r.hub.AnnualStats(ctx, y); err != nil || len(s.Rows) != 0 {
			t.Errorf("year %d: %+v, %v", y, s, err)
		}
	}
}

func TestDecisionOutcome(t *testing.T) {
	for _, c := range []struct {
		d    casework.Decision
		want string
	}{
		{casework.Decision{Act: casework.ActPenalty, Penalties: []casework.Penalty{{Kind: casework.PenaltyWarning}, {Kind: casework.PenaltyFine, AmountYuan: "1"},
			{Kind: casework.PenaltyConfiscateIncome, AmountYuan: "2"}}}, "confiscate_income"},
		{casework.Decision{Act: casework.ActPenalty, Penalties: []casework.Penalty{{Kind: casework.PenaltyClose}, {Kind: casework.PenaltyWarning}}}, "close"},
		{casework.Decision{Act: casework.ActPenalty, CrimeTransfer: true}, "transfer"},
		{casework.Decision{Act: casework.ActPenalty}, "no_penalty"},
		{casework.Decision{Act: casework.ActLicensing}, "other"},
	} {
		if got := hub.DecisionOutcome(c.d); got != c.want {
			t.Errorf("%+v: %s, want %s", c.d, got, c.want)
		}
	}
}
