package hub_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"lawtrail/casework"
	"lawtrail/hub"
	"lawtrail/terminal"
	"lawtrail/terminal/terminaltest"
)

// accessRecord is newRecord with four accesses made through the
// terminal's own actions and synced: o-002 plays the seizure's footage of
// caseD, a case they are not on, giving a reason; o-002 views their own
// fine's decision document and exports the fine's case file; the admin,
// who docked the footage, exports it.
type accessRecord struct {
	*record
	doc  string // o-002's fine's document
	fine string // its case
}

const offCaseReason = `督查抽查 <script>alert(1)</script>`

func newAccessRecord(t *testing.T) *accessRecord {
	t.Helper()
	ctx := context.Background()
	r := &accessRecord{record: newRecord(t)}
	f := r.f
	c := f.OpenCase(t, r.officer, "示市监罚〔2026〕17号", "无照经营")
	r.doc = f.FineOnIndividual(t, r.officer, c, "1000", "2026-12-01 10:00")
	clip, err := r.officer.PlayFootage(ctx, r.footage.String(), offCaseReason)
	if err != nil {
		t.Fatal(err)
	}
	clip.Close()
	if _, _, err := r.officer.ViewDocument(ctx, r.doc, 1, casework.ViewShown, ""); err != nil {
		t.Fatal(err)
	}
	r.fine = c
	if _, err := r.officer.ExportCase(ctx, terminal.CaseExport{Case: c, Out: filepath.Join(t.TempDir(), "case")}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Admin.ExportFootage(ctx, terminal.FootageExport{Digest: r.footage.String(), Out: filepath.Join(t.TempDir(), "clip.mp4")}); err != nil {
		t.Fatal(err)
	}
	r.sync(t, f)
	return r
}

// accessRows reads rm_accesses as an insider would, each row as JSON,
// sorted.
func (r *accessRecord) accessRows(t *testing.T) []string {
	t.Helper()
	rows, err := r.hub.InsiderQuery(context.Background(), "SELECT * FROM rm_accesses")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
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
		out = append(out, string(b))
	}
	slices.Sort(out)
	return out
}

// R6 (every access is on the record, and supervisors see it per person):
// the accesses the sync path applied as it accepted them are exactly what
// a rebuild makes; check names an edited access row until a rebuild
// restores it.
func TestAccessesAppliedEqualRebuild(t *testing.T) {
	r := newAccessRecord(t)
	applied := r.accessRows(t)
	if len(applied) != 4 {
		t.Fatalf("rm_accesses after sync:\n%s", strings.Join(applied, "\n"))
	}
	if p := r.check(t); len(p) != 0 {
		t.Fatalf("check after sync: %v", p)
	}
	rep, err := r.hub.Rebuild(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Accesses != 4 {
		t.Errorf("rebuild report %+v", rep)
	}
	if rebuilt := r.accessRows(t); !slices.Equal(applied, rebuilt) {
		t.Fatalf("applied:\n%s\nrebuilt:\n%s", strings.Join(applied, "\n"), strings.Join(rebuilt, "\n"))
	}
	for _, edit := range []string{
		"UPDATE rm_accesses SET reason = '' WHERE reason != ''",
		"UPDATE rm_accesses SET officer = 'o-999' WHERE type = 'access.footage_exported'",
		"DELETE FROM rm_accesses WHERE type = 'access.document_viewed'",
	} {
		r.exec(t, edit)
		problems := r.check(t)
		if !slices.ContainsFunc(problems, func(p string) bool { return strings.HasPrefix(p, "read model access ") }) {
			t.Errorf("after %q check says %v", edit, problems)
		}
		if _, err := r.hub.Rebuild(context.Background()); err != nil {
			t.Fatal(err)
		}
		if p := r.check(t); len(p) != 0 {
			t.Errorf("check after rebuild: %v", p)
		}
	}
}

// The access list holds who, what, which case and why, newest first, with
// the officer's name; the per-person figures count them by type, off the
// case and by case; the off-case play stands in the case's timeline with
// its reason; another agency's scope sees none of it.
func TestAccessesView(t *testing.T) {
	r := newAccessRecord(t)
	ctx := context.Background()
	own := hub.Scope{Agency: terminaltest.Agency}
	page, err := r.hub.Accesses(ctx, own, hub.AccessQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != 4 || len(page.Items) != 4 {
		t.Fatalf("accesses: %+v", page)
	}
	newest, played := page.Items[0], page.Items[3]
	if newest.Type != casework.TypeFootageExported || newest.Officer != terminaltest.AdminID || newest.Reason != "" {
		t.Errorf("newest: %+v", newest)
	}
	if played.Type != casework.TypeFootagePlayed || played.Officer != "o-002" || played.OfficerName != "李四" || played.Case != r.caseD ||
		played.CaseNumber != "示市监罚〔2026〕16号" || played.Reason != offCaseReason || played.Digest != r.footage.String() {
		t.Errorf("the off-case play: %+v", played)
	}
	if exported := page.Items[1]; exported.Type != casework.TypeCaseExported || exported.Case != r.fine || exported.Digest == "" {
		t.Errorf("the case export: %+v", exported)
	}
	if viewed := page.Items[2]; viewed.Doc != r.doc || viewed.Version != 1 || viewed.How != "shown" || viewed.Reason != "" {
		t.Errorf("the document view: %+v", viewed)
	}
	mine, err := r.hub.Accesses(ctx, hub.Scope{}, hub.AccessQuery{Officer: "o-002", Limit: 1})
	if err != nil || mine.Total != 3 || len(mine.Items) != 1 || mine.Items[0].Type != casework.TypeCaseExported {
		t.Fatalf("o-002's newest access: %+v %v", mine, err)
	}
	if later, err := r.hub.Accesses(ctx, own, hub.AccessQuery{Since: r.f.Clock.T.AddDate(1, 0, 0)}); err != nil || later.Total != 0 {
		t.Fatalf("accesses since next year: %+v %v", later, err)
	}

	sum, err := r.hub.AccessFigures(ctx, own)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Officers) != 2 {
		t.Fatalf("figures: %+v", sum)
	}
	o := sum.Officers[0]
	if o.Officer != "o-002" || o.Name != "李四" || o.Total != 3 || o.Played != 1 || o.Documents != 1 || o.CaseExports != 1 || o.OffCase != 1 ||
		o.Cases != 2 || o.Unusual || o.AgencyMedian != 2 {
		t.Errorf("o-002's figures: %+v", o)
	}
	if a := sum.Officers[1]; a.Officer != terminaltest.AdminID || a.Exported != 1 || a.OffCase != 0 || a.Cases != 1 {
		t.Errorf("the admin's figures: %+v", a)
	}

	_, entries, err := r.hub.CaseTimeline(ctx, own, r.caseD)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(entries, func(e hub.TimelineEntry) bool {
		return e.Type == casework.TypeFootagePlayed && e.Actor == "o-002" && strings.Contains(e.Summary, "理由："+offCaseReason)
	}) {
		t.Errorf("caseD's timeline lacks the play: %v", lines(entries))
	}

	other := hub.Scope{Agency: otherAgency}
	if p, err := r.hub.Accesses(ctx, other, hub.AccessQuery{}); err != nil || p.Total != 0 || len(p.Items) != 0 {
		t.Errorf("another agency's accesses: %+v %v", p, err)
	}
	if s, err := r.hub.AccessFigures(ctx, other); err != nil || len(s.Officers) != 0 {
		t.Errorf("another agency's figures: %+v %v", s, err)
	}
}

// A download from the hub is an access too: a supervisor of a second
// terminal of the agency fetches the footage; after syncing, the hub lists
// the footage.fetched under them, naming the digest, and check passes.
func TestFootageFetchedIsAnAccess(t *testing.T) {
	r := newRecord(t)
	ctx := context.Background()
	b := joined(t, r.hubtest, terminaltest.Agency)
	b.Enroll(t, "o-009", "孙九", "", "975319", casework.RoleSupervisor)
	sup := b.Login(t, "o-009", "975319")
	r.sync(t, b)
	if _, err := sup.FetchFootage(ctx, r.footage.String()); err != nil {
		t.Fatal(err)
	}
	r.sync(t, b)
	page, err := r.hub.Accesses(ctx, hub.Scope{Agency: terminaltest.Agency}, hub.AccessQuery{Officer: "o-009"})
	if err != nil || page.Total != 1 || page.Items[0].Type != casework.TypeFootageFetched || page.Items[0].Digest != r.footage.String() ||
		page.Items[0].OfficerName != "孙九" || page.Items[0].Terminal != b.Desk.Info.ID {
		t.Fatalf("o-009's accesses: %+v %v", page, err)
	}
	sum, err := r.hub.AccessFigures(ctx, hub.Scope{})
	if err != nil || len(sum.Officers) != 1 || sum.Officers[0].Fetched != 1 || sum.Officers[0].Total != 1 {
		t.Fatalf("figures: %+v %v", sum, err)
	}
	if p := r.check(t); len(p) != 0 {
		t.Fatalf("check: %v", p)
	}
}

// R6: a review paper printed and the ledger exported are accesses the hub
// sees too: rm_accesses holds them (review, round, paper; format, rows),
// the list names them, the per-person figures count them (Printed,
// Ledgers, in the total), the print stands in its case's timeline with the
// reason, and a rebuild makes exactly what the sync applied.
func TestAccessesCountPrintsAndLedgers(t *testing.T) {
	r := newAccessRecord(t)
	ctx := context.Background()
	rounds, err := r.f.Terminal.Store().CaseReviewRounds(ctx, r.caseMajor)
	if err != nil || len(rounds) != 1 {
		t.Fatalf("the major case's rounds: %v %v", rounds, err)
	}
	review := rounds[0].ID
	r.f.Enroll(t, "o-009", "孙九", "", "975319", casework.RoleSupervisor)
	sup := r.f.Login(t, "o-009", "975319")
	if _, err := sup.PrintReviewOpinion(ctx, review, 1, offCaseReason); err != nil {
		t.Fatal(err)
	}
	if _, err := r.officer.PrintReviewOpinion(ctx, review, 1, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := sup.ExportLedger(ctx, filepath.Join(t.TempDir(), "ledger.csv"), "月度报送"); err != nil {
		t.Fatal(err)
	}
	r.sync(t, r.f)

	own := hub.Scope{Agency: terminaltest.Agency}
	page, err := r.hub.Accesses(ctx, own, hub.AccessQuery{Officer: "o-009"})
	if err != nil || page.Total != 2 {
		t.Fatalf("o-009's accesses: %+v %v", page, err)
	}
	ledger, printed := page.Items[0], page.Items[1]
	if ledger.Type != casework.TypeLedgerExported || ledger.Format != "csv" || ledger.Rows < 1 || ledger.Reason != "月度报送" || ledger.Case != "" {
		t.Errorf("the ledger export: %+v", ledger)
	}
	if printed.Type != casework.TypeReviewPrinted || printed.Review != review || printed.Round != 1 || printed.Kind != "opinion" ||
		printed.Case != r.caseMajor || printed.CaseNumber != "示市监罚〔2026〕13号" || printed.Reason != offCaseReason || printed.Rows != -1 {
		t.Errorf("the print: %+v", printed)
	}

	sum, err := r.hub.AccessFigures(ctx, own)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]hub.OfficerAccesses{}
	for _, o := range sum.Officers {
		byID[o.Officer] = o
	}
	if o := byID["o-009"]; o.Printed != 1 || o.Ledgers != 1 || o.Total != 2 || o.OffCase != 2 || o.Cases != 1 || o.Documents != 0 {
		t.Errorf("o-009's figures: %+v", o)
	}
	if o := byID["o-002"]; o.Printed != 1 || o.Ledgers != 0 || o.Total != 4 || o.OffCase != 1 {
		t.Errorf("o-002's figures: %+v", o)
	}

	_, entries, err := r.hub.CaseTimeline(ctx, own, r.caseMajor)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(entries, func(e hub.TimelineEntry) bool {
		return e.Type == casework.TypeReviewPrinted && e.Actor == "o-009" && strings.Contains(e.Summary, "法制审核意见书") &&
			strings.Contains(e.Summary, "理由："+offCaseReason)
	}) {
		t.Errorf("the major case's timeline lacks the print: %v", lines(entries))
	}

	applied := r.accessRows(t)
	if len(applied) != 7 {
		t.Fatalf("rm_accesses after sync:\n%s", strings.Join(applied, "\n"))
	}
	if p := r.check(t); len(p) != 0 {
		t.Fatalf("check after sync: %v", p)
	}
	if _, err := r.hub.Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	if rebuilt := r.accessRows(t); !slices.Equal(applied, rebuilt) {
		t.Fatalf("applied:\n%s\nrebuilt:\n%s", strings.Join(applied, "\n"), strings.Join(rebuilt, "\n"))
	}
	r.exec(t, "UPDATE rm_accesses SET ledger_rows = 0 WHERE type = 'access.ledger_exported'")
	if problems := r.check(t); !slices.ContainsFunc(problems, func(p string) bool { return strings.HasPrefix(p, "read model access ") }) {
		t.Errorf("an edited ledger row: check says %v", problems)
	}
}
