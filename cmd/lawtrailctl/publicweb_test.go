package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The party of the published fine: an individual whose name, ID-card
// number and phone must never reach a public page or the console.
const (
	webPartyName  = "王小明"
	webPartyID    = "35010219900101123X"
	webPartyPhone = "13800001111"
)

// webFine writes the fields of a finalized-to-be 行政处罚决定书 fining
// 王小明 yuan, decided on decided ("2006-01-02 15:04").
func webFine(t *testing.T, number, yuan, decided string) string {
	t.Helper()
	return jsonFile(t, "fine-"+yuan+".json", `{"doc_no": "`+number+`",
 "party": {"name": "`+webPartyName+`", "id_no": "`+webPartyID+`", "address": "福建省福州市鼓楼区五四路128号", "legal_rep": "", "phone": "`+webPartyPhone+`"},
 "facts": "当事人`+webPartyName+`（身份证号`+webPartyID+`，电话`+webPartyPhone+`）销售过期食品。", "basis": "《食品安全法》第一百二十四条。",
 "penalty": "罚款`+yuan+`元。", "fine": `+yuan+`,
 "decision": {"act": "penalty", "party_kind": "individual", "penalties": [{"kind": "fine", "amount_yuan": `+yuan+`}]},
 "payment": "十五日内缴纳。", "remedies": "六十日内申请行政复议。", "decided_at": "`+decided+`"}`)
}

// browser is a headless Chromium at a window size, for one test.
type browser struct {
	t   *testing.T
	ctx context.Context
}

func newBrowser(t *testing.T, width, height int64) *browser {
	t.Helper()
	chrome, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("chromium is not installed: run `make deps` (Debian's chromium drives the browser test)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chrome), chromedp.NoSandbox,
		chromedp.WindowSize(int(width), int(height)))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	vp := []chromedp.EmulateViewportOption{chromedp.EmulateScale(1)}
	if width < 600 {
		vp = append(vp, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, height, vp...)); err != nil {
		t.Fatalf("browser: %v", err)
	}
	return &browser{t: t, ctx: ctx}
}

// open navigates to url and returns the page's visible text.
func (b *browser) open(url string) string {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, chromedp.Navigate(url)); err != nil {
		b.t.Fatalf("browser on %s: %v", url, err)
	}
	return b.text()
}

func (b *browser) text() string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.body.innerText`))
	if err != nil {
		b.t.Fatalf("browser: page text: %v", err)
	}
	return s
}

func (b *browser) location() string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`location.href`))
	if err != nil {
		b.t.Fatalf("browser: location: %v", err)
	}
	return s
}

func (b *browser) html() string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`))
	if err != nil {
		b.t.Fatalf("browser: html: %v", err)
	}
	return s
}

// shot saves a full-page PNG (quality 100: below it Chromium writes JPEG) into LAWTRAIL_WEB_SCREENSHOTS when set (make
// screenshots sets it to docs/screenshots).
func (b *browser) shot(name string) {
	b.t.Helper()
	dir := os.Getenv("LAWTRAIL_WEB_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// noPersonalData fails when a page shows the party's ID-card number, phone
// or full name.
func noPersonalData(t *testing.T, where, page string) {
	t.Helper()
	for _, s := range []string{webPartyID, webPartyPhone, webPartyName} {
		if strings.Contains(page, s) {
			t.Fatalf("%s shows %q:\n%s", where, s, page)
		}
	}
}

// curlDo runs curl with args and returns the status and body.
func curlDo(t *testing.T, args ...string) (string, string) {
	t.Helper()
	out, err := exec.Command("curl", append([]string{"-sS", "-w", "\n%{http_code}"}, args...)...).Output()
	if err != nil {
		t.Fatalf("curl %v: %v", args, err)
	}
	i := strings.LastIndex(string(out), "\n")
	return string(out[i+1:]), string(out[:max(i, 0)])
}

// 公示 and 监督 end to end, as people use them: a hub process serving
// --web, a terminal of 某区市场监督管理局 joined to it, lawtrailctl as
// processes, the pages in curl and a real Chromium. P3 (事后公开): a fine
// on an individual published on the terminal appears within its deadline
// with the party masked (王某, no ID-card number), withdrawn it shows 已撤回
// with the reason; P4: the annual page's counts are the test's cases and
// decisions; O2: a supervisor signs in and sees the unpublished decision
// past its due day and the seizure filmed by nobody (a mandatory-AV step
// without footage); an anonymous visitor gets no console page, and a form
// posted to the console from another site is refused.
func TestPublicWebAndConsole(t *testing.T) {
	const agency = "某区市场监督管理局"
	h := startHubProcess(t, "--web", "127.0.0.1:0")
	web := h.webURL(t)
	dir := agencyTerminal(t, h, agency)
	addOfficer(t, dir, "o-002", "李四", "35010000002", liPINCLI, "officer")
	addOfficer(t, dir, "o-006", "孙八", "", "246806", "publisher")
	asSun := map[string]string{"LAWTRAIL_OFFICER": "o-006", "LAWTRAIL_PIN": "246806"}
	sync := func() { t.Helper(); mustAgencyCtl(t, nil, "--data", dir, "sync", "--once") }

	// A fine decided on 25 November, due 4 December: published in time.
	published := strings.TrimSpace(mustAgencyCtl(t, asLi, "--data", dir, "case", "new", "--number", "示市监罚〔2026〕11号", "--title", "销售过期食品"))
	doc := strings.TrimSpace(mustAgencyCtl(t, asLi, "--data", dir, "doc", "new", "--case", published, "--template", "penalty_decision",
		"--fields", webFine(t, "示市监罚〔2026〕11号", "5000", "2026-11-25 10:00")))
	mustAgencyCtl(t, asLi, "--data", dir, "doc", "finalize", doc)
	pub := lastWord(mustAgencyCtl(t, asSun, "--data", dir, "publicity", "publish", "--doc", doc))

	// A fine decided on 2 November, due 11 November, never published; and
	// a seizure on that case filmed by nobody.
	late := strings.TrimSpace(mustAgencyCtl(t, asLi, "--data", dir, "case", "new", "--number", "示市监罚〔2026〕12号", "--title", "无证经营"))
	mustAgencyCtl(t, asLi, "--data", dir, "case", "step", late, "--kind", "seizure", "--start", "2026-11-01 09:00", "--end", "2026-11-01 09:40")
	lateDoc := strings.TrimSpace(mustAgencyCtl(t, asLi, "--data", dir, "doc", "new", "--case", late, "--template", "penalty_decision",
		"--fields", webFine(t, "示市监罚〔2026〕12号", "3000", "2026-11-02 10:00")))
	mustAgencyCtl(t, asLi, "--data", dir, "doc", "finalize", lateDoc)
	sync()

	phone := newBrowser(t, 390, 844)
	desk := newBrowser(t, 1280, 900)

	// 事后公开: the list and the publication, masked.
	list := phone.open(web + "/decisions")
	if !strings.Contains(list, "示市监罚〔2026〕11号") || strings.Contains(list, "示市监罚〔2026〕12号") {
		t.Fatalf("the decision list:\n%s", list)
	}
	noPersonalData(t, "the decision list", list)
	page := phone.open(web + "/decisions/" + pub)
	if !strings.Contains(page, "王某") || !strings.Contains(page, "罚款5000元") {
		t.Fatalf("the publication:\n%s", page)
	}
	noPersonalData(t, "the publication", page)
	phone.shot("web-decision-phone")
	desk.open(web + "/decisions/" + pub)
	desk.shot("web-decision")
	if status, body := curlDo(t, web+"/decisions/"+pub+"/proof.json"); status != "200" || !strings.Contains(body, `"leaf_index"`) {
		t.Fatalf("proof.json: %s\n%s", status, body)
	}

	// Withdrawn on the terminal: 已撤回 and the reason.
	mustAgencyCtl(t, asSun, "--data", dir, "publicity", "withdraw", pub, "--code", "revoked", "--reason", "行政复议决定撤销原处罚决定")
	sync()
	page = phone.open(web + "/decisions/" + pub)
	if !strings.Contains(page, "已撤回") || !strings.Contains(page, "行政复议决定撤销原处罚决定") || !strings.Contains(page, "撤销") {
		t.Fatalf("the withdrawn publication:\n%s", page)
	}

	// P4: two penalty cases opened and two fines decided in 2026.
	annual := desk.open(web + "/annual/2026")
	if !strings.Contains(annual, agency) || !strings.Contains(annual, "全年立案 2 件，作出决定 2 件") {
		t.Fatalf("the annual page:\n%s", annual)
	}
	desk.shot("web-annual")
	if status, csv := curlDo(t, web+"/annual/2026.csv"); status != "200" || !strings.Contains(csv, agency+",行政处罚") {
		t.Fatalf("annual CSV: %s\n%s", status, csv)
	} else {
		opened, fines := csvCount(t, csv, "立案"), csvCount(t, csv, "罚款")
		if opened != 2 || fines != 2 {
			t.Fatalf("annual CSV: %d cases opened, %d fines; want 2 and 2:\n%s", opened, fines, csv)
		}
	}
	// 事前公开: the agency, its officers with credential numbers.
	ap := phone.open(web + "/a/" + url.PathEscape(agency))
	if !strings.Contains(ap, "李四") || !strings.Contains(ap, "35010000002") || strings.Contains(ap, "孙八") {
		t.Fatalf("the agency page:\n%s", ap)
	}
	phone.shot("web-agency-phone")
	if idx := desk.open(web + "/"); !strings.Contains(idx, agency) {
		t.Fatalf("the index:\n%s", idx)
	}
	desk.shot("web-index")

	// curl, as a script would: no public page or download carries the
	// party's ID-card number, phone or name.
	for _, path := range []string{"/", "/decisions", "/decisions/" + pub, "/decisions/" + pub + "/proof.json",
		"/a/" + url.PathEscape(agency), "/annual/2026", "/annual/2026.csv"} {
		status, body := curlDo(t, web+path)
		if status != "200" {
			t.Fatalf("curl %s: %s", path, status)
		}
		noPersonalData(t, "curl "+path, body)
	}

	// The console: anonymous visitors are sent to sign in; a cross-site
	// post is refused; a supervisor sees the overdue publication and the
	// AV gap.
	for _, path := range []string{"/console/", "/console/cases/" + late} {
		status, _ := curlDo(t, "-o", "/dev/null", web+path)
		if status != "303" && status != "302" {
			t.Fatalf("anonymous %s: %s", path, status)
		}
	}
	if status, _ := curlDo(t, "-X", "POST", "-H", "Origin: https://evil.example", "-H", "Sec-Fetch-Site: cross-site",
		"--data", "name=x&password=y", web+"/console/login"); status != "403" {
		t.Fatalf("a cross-site post to the console: %s", status)
	}
	if status, body := curlDo(t, web+"/no/such/page"); status != "404" || strings.Contains(body, "李四") {
		t.Fatalf("an unknown route: %s", status)
	}
	const password = "监督口令 correct horse"
	cmd := exec.Command(h.bin, "--data", h.dir, "user", "add", "司法局", "--role", "supervisor", "--agency", "all")
	cmd.Env = append(os.Environ(), append(hubEnv, "LAWTRAIL_WEB_PASSWORD="+password)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("user add: %v\n%s", err, out)
	}
	desk.open(web + "/console/")
	if loc := desk.location(); !strings.Contains(loc, "/console/login") {
		t.Fatalf("the console without signing in is at %s", loc)
	}
	desk.shot("console-login")
	if err := chromedp.Do(desk.ctx,
		chromedp.SendKeys(`#name`, "司法局"),
		chromedp.SendKeys(`#password`, password),
		chromedp.Click(`button[type=submit]`),
		chromedp.WaitVisible(`#alerts`)); err != nil {
		t.Fatalf("sign in: %v", err)
	}
	overview := desk.text()
	if !strings.Contains(overview, "1 逾期公示") || !strings.Contains(overview, "1 音像记录缺口") {
		t.Fatalf("the console's overview:\n%s", overview)
	}
	noPersonalData(t, "the console's overview", overview)
	desk.shot("console")
	overdue := desk.open(web + "/console/overdue")
	if !strings.Contains(overdue, "示市监罚〔2026〕12号") || strings.Contains(overdue, "示市监罚〔2026〕11号") {
		t.Fatalf("the console's overdue publications:\n%s", overdue)
	}
	gaps := desk.open(web + "/console/avgaps")
	if !strings.Contains(gaps, "示市监罚〔2026〕12号") || !strings.Contains(gaps, "查封") {
		t.Fatalf("the console's AV gaps:\n%s", gaps)
	}
	for what, page := range map[string]string{"overdue": overdue, "AV gaps": gaps, "the case": desk.open(web + "/console/cases/" + late)} {
		noPersonalData(t, "the console's "+what, page)
	}

	// A page on another site posts a form to the console (logout): the
	// browser sends it cross-site, the hub refuses, the session stays.
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<form id="f" method="post" action="%s/console/logout"></form><script>document.getElementById("f").submit()</script>`, web)
	}))
	defer evil.Close()
	desk.open(evil.URL)
	deadline := time.Now().Add(20 * time.Second)
	for !strings.HasSuffix(desk.location(), "/console/logout") && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond) // the hostile page's script submits its form
	}
	if loc, text := desk.location(), desk.text(); !strings.HasSuffix(loc, "/console/logout") || !strings.Contains(text, "请求被拒绝") {
		t.Fatalf("the cross-site post landed on %s: %s", loc, text)
	}
	desk.open(web + "/console/")
	if loc := desk.location(); strings.Contains(loc, "/console/login") {
		t.Fatalf("a cross-site post ended the supervisor's session")
	}
	if out, rc := h.run(t, "check"); rc != 0 {
		t.Fatalf("hub check: %d %s", rc, out)
	}
}

// csvCount sums the last column of the CSV rows whose line contains word.
func csvCount(t *testing.T, csv, word string) int {
	t.Helper()
	n := 0
	for _, line := range strings.Split(csv, "\n") {
		if !strings.Contains(line, word) {
			continue
		}
		f := strings.Split(strings.TrimSpace(line), ",")
		var c int
		if _, err := fmt.Sscanf(f[len(f)-1], "%d", &c); err != nil {
			t.Fatalf("CSV line %q: %v", line, err)
		}
		n += c
	}
	return n
}
