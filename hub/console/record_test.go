package console_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"lawtrail/casework"
	"lawtrail/hub"
	"lawtrail/hub/console"
	"lawtrail/sync/client"
	"lawtrail/terminal"
	"lawtrail/terminal/terminaltest"
)

// Values from the record that try to break out of a page or a sheet.
const (
	evilNumber   = `=HYPERLINK("http://evil.example","示市监罚")`
	evilTitle    = evilScript + evilImg
	evilTerminal = `<script>alert("终端")</script>`
	evilAgency   = `"><img src=x onerror=alert("局")>`
)

// onRecord is a site whose hub holds what terminals made through their own
// actions: in the fixture's agency (by a terminal named with markup) a fine
// decided on 25 November and never published, and a seizure with no
// footage; in a second agency, named with markup, one case.
type onRecord struct {
	*site
	caseOverdue, caseGap, caseOther string
	caseMajor                       string // a major fine reviewed before it was decided
}

func newOnRecord(t *testing.T) *onRecord {
	t.Helper()
	s := newSite(t, console.Options{})
	*s.clock = time.Date(2026, 12, 9, 10, 0, 0, 0, casework.Shanghai)
	ctx := context.Background()
	r := &onRecord{site: s}

	f := terminaltest.NewIn(t, t.TempDir(), evilTerminal)
	join(t, s, f, agency)
	f.Enroll(t, "o-002", "李四", "35010000002", "246802", casework.RoleOfficer)
	officer := f.Login(t, "o-002", "246802")
	r.caseOverdue = f.OpenCase(t, officer, evilNumber, evilTitle)
	f.FineOnIndividual(t, officer, r.caseOverdue, "3000", "2026-11-25 10:00")
	f.Clock.T = time.Date(2026, 11, 20, 12, 0, 0, 0, casework.Shanghai)
	r.caseGap = f.OpenCase(t, f.Admin, "示市监罚〔2026〕14号", evilTitle)
	at := func(h, m int) time.Time { return time.Date(2026, 11, 20, h, m, 0, 0, casework.Shanghai) }
	if _, err := f.Admin.RecordStep(ctx, terminal.NewStep{Case: r.caseGap, Kind: casework.StepSeizure, Start: at(10, 50), End: at(11, 0)}); err != nil {
		t.Fatal(err)
	}
	r.caseMajor = recordMajor(t, f, officer)
	sync(t, f)

	other := terminaltest.New(t)
	join(t, s, other, evilAgency)
	r.caseOther = other.OpenCase(t, other.Admin, "示交罚〔2026〕1号", "超限运输")
	sync(t, other)
	if err := s.hub.AddWebUser(ctx, hub.NewWebUser{Name: "evil.head", Role: hub.WebHead, Agency: evilAgency, Password: []byte(otherHeadPW)}); err != nil {
		t.Fatal(err)
	}
	return r
}

// recordMajor: a fine of 20,000 yuan on an individual (major by the
// bundled list) proposed by officer, its draft submitted for legal review,
// agreed by reviewer o-007, then finalized; returns the case.
func recordMajor(t *testing.T, f *terminaltest.Fixture, officer *terminal.Session) string {
	t.Helper()
	ctx := context.Background()
	f.Enroll(t, "o-007", "周九", "35010000007", "246807", casework.RoleReviewer)
	c := f.OpenCase(t, officer, "示市监罚〔2026〕13号", "销售假冒商品")
	d := casework.Decision{Act: casework.ActPenalty, PartyKind: casework.PartyIndividual,
		Penalties: []casework.Penalty{{Kind: casework.PenaltyFine, AmountYuan: "20000"}}}
	if err := officer.ProposeDecision(ctx, c, d); err != nil {
		t.Fatal(err)
	}
	doc := f.FineDraft(t, officer, c, "20000", "2026-11-26 10:00")
	sub, err := officer.SubmitReview(ctx, terminal.Submission{Case: c, Doc: doc})
	if err != nil {
		t.Fatal(err)
	}
	reviewer := f.Login(t, "o-007", "246807")
	if err := reviewer.AssignReview(ctx, sub.Review, "o-007"); err != nil {
		t.Fatal(err)
	}
	if _, err := reviewer.GiveOpinion(ctx, sub.Review, terminal.Opinion{Outcome: casework.OutcomeAgree}); err != nil {
		t.Fatal(err)
	}
	if _, err := officer.FinalizeLatestDraft(ctx, doc, nil); err != nil {
		t.Fatal(err)
	}
	return c
}

func join(t *testing.T, s *site, f *terminaltest.Fixture, agency string) {
	t.Helper()
	if _, err := f.Desk.JoinHub(context.Background(), s.hub.Code(t, agency)); err != nil {
		t.Fatal(err)
	}
}

func sync(t *testing.T, f *terminaltest.Fixture) {
	t.Helper()
	c, err := f.Desk.SyncClient(context.Background(), client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Once(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// noMarkup fails when a page carries a value of the record as markup, a
// party's private data, or any script.
func noMarkup(t *testing.T, path, body string) {
	t.Helper()
	for _, bad := range []string{"<script", "<img", terminaltest.PartyID, terminaltest.PartyPhone, terminaltest.PartyAddress} {
		if strings.Contains(body, bad) {
			t.Errorf("%s contains %q", path, bad)
		}
	}
}

// A supervisor signs in and sees, district-wide, the overdue publication
// and the AV gap, on the overview and in their lists, each linking to the
// case's read-only timeline; every value from the record is text, not
// markup; the charts are SVG with their numbers in words and a link to the
// table of them.
func TestSupervisorSeesTheRecord(t *testing.T) {
	r := newOnRecord(t)
	b := r.browser(t)
	b.signIn(supervisor, supervisorPW)

	res, body := b.get("/console/")
	noMarkup(t, "/console/", body)
	if res.StatusCode != 200 || !strings.Contains(body, `<span class="count">2</span> 逾期公示`) || !strings.Contains(body, `<span class="count">1</span> 音像记录缺口`) {
		t.Fatalf("overview: %d\n%s", res.StatusCode, body)
	}
	if !strings.Contains(body, `href="/console/?agency=`+url.QueryEscape(evilAgency)+`"`) && !strings.Contains(body, `href="/console/?agency=`+template(url.QueryEscape(evilAgency))+`"`) {
		t.Errorf("the overview does not link the second agency:\n%s", body)
	}
	s, err := r.hub.Supervision(context.Background(), hub.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	checkCharts(t, body, s)

	res, body = b.get("/console/overdue")
	noMarkup(t, "/console/overdue", body)
	caseLink := `href="/console/cases/` + r.caseOverdue + `"`
	if res.StatusCode != 200 || !strings.Contains(body, caseLink) || !strings.Contains(body, "未公示") || !strings.Contains(body, "2026-11-25") ||
		!strings.Contains(body, html(evilNumber)) {
		t.Fatalf("overdue: %d\n%s", res.StatusCode, body)
	}
	res, body = b.get("/console/avgaps")
	noMarkup(t, "/console/avgaps", body)
	if res.StatusCode != 200 || !strings.Contains(body, `href="/console/cases/`+r.caseGap+`"`) || !strings.Contains(body, "查封扣押") || !strings.Contains(body, "10 分 0 秒") {
		t.Fatalf("AV gaps: %d\n%s", res.StatusCode, body)
	}
	res, body = b.get("/console/cases/" + r.caseOverdue)
	noMarkup(t, "timeline", body)
	if res.StatusCode != 200 || !strings.Contains(body, html(evilTitle)) || !strings.Contains(body, "行政处罚") || strings.Contains(body, "<form method=\"post\" action=\"/console/cases") {
		t.Fatalf("timeline: %d\n%s", res.StatusCode, body)
	}
	res, body = b.get("/console/reviews")
	if res.StatusCode != 200 || !strings.Contains(body, `href="/console/cases/`+r.caseMajor+`"`) || !strings.Contains(body, "同意") {
		t.Fatalf("reviews: %d\n%s", res.StatusCode, body)
	}
	res, body = b.get("/console/agencies")
	if res.StatusCode != 200 || !strings.Contains(body, `<td class="num">100.0%</td>`) || !strings.Contains(body, "达标") {
		t.Fatalf("agencies: %d\n%s", res.StatusCode, body)
	}
	for _, path := range []string{"/console/agencies", "/console/limits", "/console/reviews", "/console/terminals", "/console/forks", "/console/trends",
		"/console/?agency=" + url.QueryEscape(evilAgency), "/console/access"} {
		res, body := b.get(path)
		noMarkup(t, path, body)
		if res.StatusCode != 200 {
			t.Errorf("%s: %d", path, res.StatusCode)
		}
		if path == "/console/terminals" && !strings.Contains(body, html(evilTerminal)) {
			t.Errorf("terminals: the terminal's name is missing:\n%s", body)
		}
	}
	// Past 行政处罚法 Art. 60's 90 days the fine's case is listed with its
	// title, as text.
	*r.clock = time.Date(2027, 3, 1, 10, 0, 0, 0, casework.Shanghai)
	b.signIn(supervisor, supervisorPW)
	res, body = b.get("/console/limits")
	noMarkup(t, "/console/limits", body)
	if res.StatusCode != 200 || !strings.Contains(body, html(evilTitle)) || !strings.Contains(body, `href="/console/cases/`+r.caseGap+`"`) {
		t.Fatalf("cases past their limit: %d\n%s", res.StatusCode, body)
	}
	for _, id := range []string{"c-none", evilScript, strings.Repeat("c", 5000), "..%2f..%2fetc"} {
		res, body := b.get("/console/cases/" + url.PathEscape(id))
		noMarkup(t, "a bad case id", body)
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("case %.20q: %d, want 404", id, res.StatusCode)
		}
	}
}

// html is s as html/template writes it in text.
func html(s string) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;", "+", "&#43;")
	return r.Replace(s)
}

// template is a URL query as html/template writes it in an attribute.
func template(s string) string { return strings.ReplaceAll(s, "+", "&#43;") }

var descRE = regexp.MustCompile(`<desc id="chart-cases-d">([^<]*)</desc>`)

// checkCharts: four SVG charts, each with a title, a description holding
// every month's numbers as the hub's figures have them, and the link to
// the table.
func checkCharts(t *testing.T, body string, s hub.Supervision) {
	t.Helper()
	if n := strings.Count(body, "<svg "); n != 4 || strings.Count(body, `role="img"`) != 4 || strings.Count(body, `<a href="/console/trends">查看数据表</a>`) != 4 {
		t.Fatalf("%d charts, %d img, %d links\n%s", n, strings.Count(body, `role="img"`), strings.Count(body, `href="/console/trends"`), body)
	}
	m := descRE.FindStringSubmatch(body)
	if m == nil || len(s.Monthly) != 12 {
		t.Fatalf("cases chart description missing, or %d months", len(s.Monthly))
	}
	nov := s.Monthly[len(s.Monthly)-2]
	if nov.Month != "2026-11" || nov.Opened < 2 {
		t.Fatalf("the hub's November: %+v", nov)
	}
	want := "2026-11：立案 " + strconv.Itoa(nov.Opened) + " 件，结案 " + strconv.Itoa(nov.Closed) + " 件"
	if !strings.Contains(m[1], want) {
		t.Errorf("chart description %q lacks %q", m[1], want)
	}
}

// A head sees their agency only: the other agency's head sees neither the
// overdue publication nor the case's timeline.
func TestHeadSeesOwnAgencyOnly(t *testing.T) {
	r := newOnRecord(t)
	own := r.browser(t)
	own.signIn(head, headPW)
	if _, body := own.get("/console/overdue"); !strings.Contains(body, r.caseOverdue) {
		t.Fatalf("the head does not see their overdue publication:\n%s", body)
	}
	if res, _ := own.get("/console/cases/" + r.caseOther); res.StatusCode != http.StatusNotFound {
		t.Fatalf("the head sees another agency's case: %d", res.StatusCode)
	}
	other := r.browser(t)
	other.signIn("evil.head", otherHeadPW)
	res, body := other.get("/console/overdue")
	noMarkup(t, "other head's overdue", body)
	if res.StatusCode != 200 || strings.Contains(body, r.caseOverdue) || !strings.Contains(body, "没有逾期公示的决定") {
		t.Fatalf("other agency's head: %d\n%s", res.StatusCode, body)
	}
	for _, path := range []string{"/console/cases/" + r.caseOverdue, "/console/cases/" + r.caseOverdue + "/timeline.xlsx"} {
		if res, _ := other.get(path); res.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, res.StatusCode)
		}
	}
	if res, body := other.get("/console/cases/" + r.caseOther); res.StatusCode != 200 || !strings.Contains(body, "超限运输") {
		t.Fatalf("own case: %d\n%s", res.StatusCode, body)
	}
}

// Each view exports as XLSX with the page's rows: numbers as numbers, a
// case number written as a formula kept as text (a leading '), never a
// formula.
func TestExportsXLSX(t *testing.T) {
	r := newOnRecord(t)
	b := r.browser(t)
	b.signIn(supervisor, supervisorPW)
	open := func(path string) *excelize.File {
		t.Helper()
		res, body := b.get(path)
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" ||
			!strings.HasPrefix(res.Header.Get("Content-Disposition"), `attachment; filename="lawtrail-`) {
			t.Fatalf("%s: %d %v", path, res.StatusCode, res.Header)
		}
		x, err := excelize.OpenReader(bytes.NewReader([]byte(body)))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		t.Cleanup(func() { x.Close() })
		return x
	}
	x := open("/console/overdue.xlsx")
	rows, err := x.GetRows("逾期公示")
	if err != nil || len(rows) != 3 || rows[0][1] != "案号" {
		t.Fatalf("overdue sheet: %v %q", err, rows)
	}
	if rows[1][1] != "'"+evilNumber || rows[1][5] != "未公示" {
		t.Fatalf("overdue row: %q", rows[1])
	}
	if f, _ := x.GetCellFormula("逾期公示", "B2"); f != "" {
		t.Fatalf("the case number became a formula: %q", f)
	}
	if typ, _ := x.GetCellType("逾期公示", "G2"); typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
		t.Fatalf("days late is a %v cell", typ)
	}
	if days, _ := x.GetCellValue("逾期公示", "G2"); days == "" || days == "0" {
		t.Fatalf("days late %q", days)
	}

	all := open("/console/overview.xlsx")
	if got := all.GetSheetList(); len(got) != 10 || got[0] != "各执法机关指标" || got[7] != "月度趋势" || got[8] != "暂缓公示" ||
		got[9] != "调阅监督（按人员）" {
		t.Fatalf("overview workbook sheets %q", got)
	}
	tl := open("/console/cases/" + r.caseOverdue + "/timeline.xlsx")
	summary, _ := tl.GetRows("案件")
	if len(summary) != 2 || summary[1][1] != "'"+evilNumber || summary[1][2] != evilTitle {
		t.Fatalf("timeline summary %q", summary)
	}
	events, _ := tl.GetRows("案件时间线")
	if len(events) < 3 {
		t.Fatalf("timeline events %q", events)
	}
	for _, row := range append(summary, events...) {
		for _, v := range row {
			if strings.Contains(v, terminaltest.PartyID) {
				t.Fatalf("the party's ID-card number in the export: %q", v)
			}
		}
	}
	acc := open("/console/access.xlsx")
	if rows, _ := acc.GetRows("访问记录"); len(rows) < 4 {
		t.Fatalf("access records %q", rows)
	}
}
