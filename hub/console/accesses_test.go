package console_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"lawtrail/casework"
	"lawtrail/evidence"
	"lawtrail/hub/console"
	"lawtrail/terminal"
	"lawtrail/terminal/terminaltest"
)

// evilReason is the reason an officer off the case types: a formula, a
// script and a broken-out attribute.
const evilReason = `=HYPERLINK("http://evil.example","督查") ` + evilScript + evilImg

// onAccessRecord is a site whose hub holds a terminal of the fixture's
// agency where the admin docked a clip and linked it to a seizure of a case
// they opened; o-002 (李四, not on that case) played it giving evilReason,
// and o-003 (王五) made a PDF of their own fine's decision; all synced.
type onAccessRecord struct {
	*site
	f          *terminaltest.Fixture
	clip       evidence.Digest
	caseID     string
	o2, o3     *terminal.Session
	playsSoFar int
}

func newOnAccessRecord(t *testing.T) *onAccessRecord {
	t.Helper()
	ctx := context.Background()
	s := newSite(t, console.Options{})
	*s.clock = time.Date(2026, 12, 9, 10, 0, 0, 0, casework.Shanghai)
	f := terminaltest.New(t)
	f.Clock.T = time.Date(2026, 12, 5, 9, 0, 0, 0, casework.Shanghai)
	join(t, s, f, agency)
	f.Enroll(t, "o-002", "李四", "35010000002", "246802", casework.RoleOfficer)
	f.Enroll(t, "o-003", "王五", "35010000003", "246803", casework.RoleOfficer)
	r := &onAccessRecord{site: s, f: f, o2: f.Login(t, "o-002", "246802"), o3: f.Login(t, "o-003", "246803")}
	r.caseID = f.OpenCase(t, f.Admin, "示市监罚〔2026〕21号", "查封扣押")
	at := func(h, m int) time.Time { return time.Date(2026, 12, 5, h, m, 0, 0, casework.Shanghai) }
	step, err := f.Admin.RecordStep(ctx, terminal.NewStep{Case: r.caseID, Kind: casework.StepSeizure, Start: at(8, 0), End: at(8, 10)})
	if err != nil {
		t.Fatal(err)
	}
	r.clip = dockClip(t, f, "查封现场录像 执法记录")
	if err := f.Admin.LinkFootage(ctx, step.Step, r.clip); err != nil {
		t.Fatal(err)
	}
	r.play(t, r.o2, 1, evilReason)
	own := f.OpenCase(t, r.o3, "示市监罚〔2026〕22号", "无照经营")
	doc := f.FineOnIndividual(t, r.o3, own, "1000", "2026-12-05 10:00")
	if _, _, err := r.o3.ViewDocument(ctx, doc, 1, casework.ViewPDF, ""); err != nil {
		t.Fatal(err)
	}
	sync(t, f)
	return r
}

// play has s play the clip n times through the terminal's own player.
func (r *onAccessRecord) play(t *testing.T, s *terminal.Session, n int, reason string) {
	t.Helper()
	for range n {
		c, err := s.PlayFootage(context.Background(), r.clip.String(), reason)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// dockClip docks one recorder file through the admin's own docking and
// returns its digest.
func dockClip(t *testing.T, f *terminaltest.Fixture, content string) evidence.Digest {
	return terminaltest.DockClip(t, f.Admin, "DSJ1234_350101_20261205080000_0001.MP4", content)
}

// flaggedCounts are the page's count of flagged people and the overview's,
// as HTML around them.
func flaggedCounts(t *testing.T, b *browser) (page, overview string) {
	t.Helper()
	_, body := b.get("/console/accesses")
	i := strings.Index(body, `id="flagged"`)
	_, over := b.get("/console/")
	j := strings.Index(over, "调阅量异常的人员")
	if i < 0 || j < 0 {
		t.Fatalf("no flagged count:\n%s\n%s", body, over)
	}
	return body[i : i+120], over[max(0, j-40):j]
}

// R6 (调阅监督: every access is signed and names who and, off the case,
// why; supervisors see them per person): a supervisor sees that 李四, not
// on the case, played its clip and why — as text, never markup — with a
// link to the case's timeline and to 李四's own accesses; the page is not
// the console's page-view log (访问记录), which stays as it was.
func TestSupervisorSeesAnOffCaseAccessWithItsReason(t *testing.T) {
	r := newOnAccessRecord(t)
	b := r.browser(t)
	b.signIn(supervisor, supervisorPW)

	res, body := b.get("/console/accesses")
	noMarkup(t, "/console/accesses", body)
	person := `href="/console/accesses?agency=` + url.QueryEscape(agency) + `&amp;officer=`
	for _, want := range []string{"<h1>调阅监督</h1>", person + `o-002"`, person + `o-003"`,
		"李四", "王五", "播放音像", "打印文书（PDF）", html(evilReason), `href="/console/cases/` + r.caseID + `"`, "示市监罚〔2026〕21号",
		`<span class="count">0</span> 名人员调阅量异常`, "音像记录 SHA-256 " + r.clip.String(), `>调阅监督</a>`, `>访问记录</a>`} {
		if !strings.Contains(body, want) {
			t.Errorf("/console/accesses lacks %q", want)
		}
	}
	if res.StatusCode != 200 || t.Failed() {
		t.Fatalf("%d\n%s", res.StatusCode, body)
	}

	res, body = b.get("/console/accesses?officer=o-002")
	noMarkup(t, "o-002's accesses", body)
	list := body[strings.Index(body, `id="list-h"`):]
	if res.StatusCode != 200 || !strings.Contains(list, "调阅记录：o-002") || !strings.Contains(list, html(evilReason)) ||
		strings.Contains(list, "打印文书") || !strings.Contains(list, "共 1 条") {
		t.Fatalf("o-002's accesses: %d\n%s", res.StatusCode, body)
	}
	if res, body := b.get("/console/accesses?agency=" + url.QueryEscape(agency) + "&officer=o-002"); res.StatusCode != 200 ||
		!strings.Contains(body, "调阅记录：o-002") || !strings.Contains(body, `<strong id="scope">`+agency+`</strong>`) {
		t.Errorf("the person's link from the district: %d\n%s", res.StatusCode, body)
	}
	if _, body := b.get("/console/cases/" + r.caseID); !strings.Contains(body, "播放音像记录") || !strings.Contains(body, html("理由："+evilReason)) {
		t.Errorf("the case's timeline lacks the play:\n%s", body)
	}
	if res, body := b.get("/console/access"); res.StatusCode != 200 || !strings.Contains(body, "<h1>访问记录</h1>") ||
		!strings.Contains(body, "/console/accesses?officer=o-002") {
		t.Errorf("访问记录 no longer logs the console's page views: %d\n%s", res.StatusCode, body)
	}

	// A head of the agency sees the same; a head of an agency with no
	// terminal sees nobody, and may not pick another agency.
	h := r.browser(t)
	h.signIn(head, headPW)
	if res, body := h.get("/console/accesses"); res.StatusCode != 200 || !strings.Contains(body, html(evilReason)) || strings.Contains(body, `>访问记录</a>`) ||
		!strings.Contains(body, `href="/console/accesses?officer=o-002"`) {
		t.Errorf("the head's 调阅监督: %d\n%s", res.StatusCode, body)
	}
	o := r.browser(t)
	o.signIn(otherHead, otherHeadPW)
	if res, body := o.get("/console/accesses?officer=o-002"); res.StatusCode != 200 || strings.Contains(body, "李四") ||
		!strings.Contains(body, "最近 30 日内没有调阅记录") {
		t.Errorf("another agency's head: %d\n%s", res.StatusCode, body)
	}
	if res, _ := o.get("/console/accesses?agency=" + url.QueryEscape(agency)); res.StatusCode != http.StatusForbidden {
		t.Errorf("another agency's head picked this agency: %d", res.StatusCode)
	}

	// The worst of the query string: markup, a long id, bad page numbers.
	for path, code := range map[string]int{
		"/console/accesses?officer=" + url.QueryEscape(evilScript):               200,
		"/console/accesses?officer=" + url.QueryEscape(evilImg):                  200,
		"/console/accesses?officer=" + strings.Repeat("o", 5000):                 404,
		"/console/accesses?officer=%ff%fe":                                       404,
		"/console/accesses?page=-1":                                              200,
		"/console/accesses?page=99999999999999999999":                            200,
		"/console/accesses?page=abc&officer=o-002":                               200,
		"/console/accesses?agency=" + url.QueryEscape(evilScript):                200,
		"/console/accesses.xlsx?officer=" + strings.Repeat("o", 5000):            404,
		"/console/accesses?agency=" + url.QueryEscape(strings.Repeat("a", 5000)): 403,
	} {
		res, body := b.get(path)
		noMarkup(t, path, body)
		if res.StatusCode != code {
			t.Errorf("%.80s: %d, want %d", path, res.StatusCode, code)
		}
	}

	// The export: the people and the accesses, the reason text (a leading
	// '), never a formula.
	res, raw := b.get("/console/accesses.xlsx?officer=o-002")
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
		t.Fatalf("export: %d %v", res.StatusCode, res.Header)
	}
	x, err := excelize.OpenReader(bytes.NewReader([]byte(raw)))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if got := x.GetSheetList(); len(got) != 2 || got[0] != "调阅监督（按人员）" || got[1] != "调阅记录：o-002" {
		t.Fatalf("sheets %q", got)
	}
	people, _ := x.GetRows("调阅监督（按人员）")
	rows, _ := x.GetRows("调阅记录：o-002")
	if len(people) != 3 || len(rows) != 2 || rows[1][1] != "o-002" || rows[1][6] != "'"+evilReason {
		t.Fatalf("export rows:\n%q\n%q", people, rows)
	}
	if f, _ := x.GetCellFormula("调阅记录：o-002", "G2"); f != "" {
		t.Fatalf("the reason became a formula: %q", f)
	}
}

// The flag rule with a volume: the admin, on the file (they docked it),
// plays the clip 19 times — more than 3× the agency's median (1) but under
// 20: not flagged; once more, flagged, on the page and the overview; then
// 李四 plays it off the case 10 times more (11 with a reason): flagged for
// that, and the admin's 20 no longer exceed 3× the new median (11).
func TestUnusualAccessVolumeIsFlagged(t *testing.T) {
	r := newOnAccessRecord(t)
	b := r.browser(t)
	b.signIn(supervisor, supervisorPW)

	r.play(t, r.f.Admin, 19, "")
	sync(t, r.f)
	page, over := flaggedCounts(t, b)
	if !strings.Contains(page, `<span class="count">0</span>`) || !strings.Contains(over, `<span class="count">0</span>`) {
		t.Fatalf("19 accesses flagged: %q %q", page, over)
	}

	r.play(t, r.f.Admin, 1, "")
	sync(t, r.f)
	page, over = flaggedCounts(t, b)
	if !strings.Contains(page, `class="bad"`) || !strings.Contains(page, `<span class="count">1</span>`) || !strings.Contains(over, `<span class="count">1</span>`) {
		t.Fatalf("20 accesses not flagged: %q %q", page, over)
	}
	_, body := b.get("/console/accesses")
	people := body[strings.Index(body, `id="access-people"`):strings.Index(body, `id="list-h"`)]
	if !strings.Contains(people, `<td class="bad">异常</td><td class="bad">30 日内调阅 20 次，超过本机关中位数（1 次）的 3 倍</td>`) {
		t.Fatalf("the admin is not flagged with why:\n%s", people)
	}
	if first := people[:strings.Index(people, "</tr>\n<tr>")+1]; !strings.Contains(first, terminaltest.AdminID) {
		t.Errorf("the flagged person does not come first:\n%s", people)
	}

	r.play(t, r.o2, 10, "复查当事人投诉")
	sync(t, r.f)
	_, body = b.get("/console/accesses")
	people = body[strings.Index(body, `id="access-people"`):strings.Index(body, `id="list-h"`)]
	if strings.Count(people, `<td class="bad">异常</td>`) != 1 || !strings.Contains(people, "30 日内调阅非本人承办（须说明理由）的记录 11 次，超过 10 次") ||
		strings.Contains(people, "超过本机关中位数") {
		t.Fatalf("after 11 off-case accesses:\n%s", people)
	}

	// Thirty days on, the window is empty: nobody flagged.
	*r.clock = r.clock.AddDate(0, 0, 35)
	b.signIn(supervisor, supervisorPW)
	if page, _ := flaggedCounts(t, b); !strings.Contains(page, `<span class="count">0</span>`) {
		t.Errorf("flagged after the window: %q", page)
	}
}

// The ledger leaving a terminal is an access the supervisor sees: 王五's
// export stands in the list (导出执法台账, its format and rows) and is
// counted in his row's 导出台账 column, on the page and in its XLSX export
// alike; nobody has printed a review paper (打印审核文书 0).
func TestSupervisorSeesALedgerExport(t *testing.T) {
	r := newOnAccessRecord(t)
	if _, err := r.o3.ExportLedger(context.Background(), filepath.Join(t.TempDir(), "台账.csv"), "月度报送"); err != nil {
		t.Fatal(err)
	}
	sync(t, r.f)
	b := r.browser(t)
	b.signIn(supervisor, supervisorPW)
	_, body := b.get("/console/accesses?officer=o-003")
	for _, want := range []string{"打印审核文书", "导出台账", "导出执法台账", "执法台账（CSV，2 件案件）", "月度报送"} {
		if !strings.Contains(body, want) {
			t.Errorf("/console/accesses?officer=o-003 lacks %q", want)
		}
	}
	if t.Failed() {
		t.Fatal(body)
	}
	_, raw := b.get("/console/accesses.xlsx?officer=o-003")
	x, err := excelize.OpenReader(bytes.NewReader([]byte(raw)))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	people, _ := x.GetRows("调阅监督（按人员）")
	col := map[string]int{}
	for i, h := range people[0] {
		col[h] = i
	}
	for _, row := range people[1:] {
		if row[1] != "o-003" {
			continue
		}
		if row[col["合计"]] != "2" || row[col["导出台账"]] != "1" || row[col["打印审核文书"]] != "0" || row[col["查看文书"]] != "1" {
			t.Fatalf("o-003's row %q under %q", row, people[0])
		}
		return
	}
	t.Fatalf("no row of o-003: %q", people)
}
