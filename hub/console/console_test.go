package console_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"lawtrail/casework"
	"lawtrail/evidence"
	"lawtrail/hub"
	"lawtrail/hub/console"
	"lawtrail/hub/hubtest"
)

// Injection strings that reach pages through the request and the record.
const (
	evilScript = `<script>alert(1)</script>`
	evilImg    = `"><img src=x onerror=alert(1)>`
)

// Accounts of the tests: a supervisor of the district, a head of the
// fixture's agency, a head of another agency.
const (
	supervisor, supervisorPW = "chen.sj", "supervisor password"
	head, headPW             = "li.head", "head's long password"
	otherHead, otherHeadPW   = "wu.head", "other head password"
	otherAgency              = "某区城市管理局"
	agency                   = "某区市场监督管理局" // terminaltest.Agency
)

// site is a real hub (accounts, sessions, view records and the supervision
// views in its SQLite file) and the console served over HTTP.
type site struct {
	hub   *hubtest.Hub
	clock *time.Time
	srv   *httptest.Server
}

var hubStart = time.Date(2026, 12, 1, 10, 0, 0, 0, casework.Shanghai)

func newSite(t *testing.T, opt console.Options) *site {
	t.Helper()
	return newSiteWith(t, opt, nil)
}

// newSiteWith is newSite with live view: liveView, unless nil, makes the
// console's Options.Live from the hub.
func newSiteWith(t *testing.T, opt console.Options, liveView func(*hub.Hub) console.LiveView) *site {
	t.Helper()
	clock := hubStart
	now := func() time.Time { return clock }
	th := hubtest.StartWith(t, hub.Options{KDF: hubtest.FastKDF, Now: now})
	s := &site{hub: th, clock: &clock}
	for _, u := range []hub.NewWebUser{
		{Name: supervisor, Role: hub.WebSupervisor, Password: []byte(supervisorPW)},
		{Name: head, Role: hub.WebHead, Agency: agency, Password: []byte(headPW)},
		{Name: otherHead, Role: hub.WebHead, Agency: otherAgency, Password: []byte(otherHeadPW)},
	} {
		u.KDF = evidence.KDFParams{Time: 1, MemoryKiB: 1024, Threads: 1}
		if err := th.AddWebUser(context.Background(), u); err != nil {
			t.Fatal(err)
		}
	}
	opt.Now = now
	if liveView != nil {
		opt.Live = liveView(th.Hub)
	}
	c, err := console.New(th.Hub, opt)
	if err != nil {
		t.Fatal(err)
	}
	s.srv = httptest.NewServer(c)
	t.Cleanup(s.srv.Close)
	return s
}

func (s *site) advance(d time.Duration) { *s.clock = s.clock.Add(d) }

// browser is a client with its own cookies that does not follow
// redirects, so each answer can be looked at.
type browser struct {
	t    *testing.T
	c    *http.Client
	base string
	// header is added to every request (a client address, an Origin).
	header http.Header
}

func (s *site) browser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: s.srv.URL, header: http.Header{},
		c: &http.Client{Jar: jar, Timeout: 30 * time.Second, Transport: s.srv.Client().Transport,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) do(r *http.Request) (*http.Response, string) {
	b.t.Helper()
	for k, v := range b.header {
		r.Header[k] = v
	}
	res, err := b.c.Do(r)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res, string(body)
}

func (b *browser) get(path string) (*http.Response, string) {
	b.t.Helper()
	r, err := http.NewRequest(http.MethodGet, b.base+path, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(r)
}

// post sends a form as a browser on the same site would (Origin and
// Sec-Fetch-Site of this site) unless headers say otherwise.
func (b *browser) post(path string, form url.Values, headers ...string) (*http.Response, string) {
	b.t.Helper()
	r, err := http.NewRequest(http.MethodPost, b.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Origin", b.base)
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	return b.do(r)
}

func (b *browser) signIn(name, password string) *http.Response {
	b.t.Helper()
	res, body := b.post("/console/login", url.Values{"name": {name}, "password": {password}, "next": {"/console/"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/console/" {
		b.t.Fatalf("sign in as %s: %d %v\n%s", name, res.StatusCode, res.Header, body)
	}
	return res
}

// sessionCookie is the session cookie the browser holds, "" for none.
func (b *browser) sessionCookie(name string) string {
	u, _ := url.Parse(b.base)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// Every console route sends an anonymous visitor to sign in (303), with
// where it was going when that is a console page; no page content leaks.
func TestAnonymousIsSentToSignIn(t *testing.T) {
	s := newSite(t, console.Options{})
	b := s.browser(t)
	for _, path := range []string{"/console/", "/console/overdue", "/console/avgaps?agency=x", "/console/cases/c-1",
		"/console/cases/c-1/timeline.xlsx", "/console/overview.xlsx", "/console/access", "/console/no-such-page", "/console/trends"} {
		res, body := b.get(path)
		want := "/console/login?next=" + url.QueryEscape(path)
		if path == "/console/" {
			want = "/console/login"
		}
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != want || strings.Contains(body, "逾期") {
			t.Errorf("%s: %d → %q, want 303 → %q", path, res.StatusCode, res.Header.Get("Location"), want)
		}
	}
	if res, _ := b.get("/console"); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/console/" {
		t.Errorf("/console: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	res, body := b.get("/console/login")
	if res.StatusCode != 200 || !strings.Contains(body, `action="/console/login"`) || res.Header.Get("Content-Security-Policy") != console.CSP ||
		res.Header.Get("Cache-Control") != "no-store" || res.Header.Get("X-Frame-Options") != "DENY" {
		t.Fatalf("sign-in page: %d %v\n%s", res.StatusCode, res.Header, body)
	}
	if res, _ := b.post("/console/logout", nil); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/console/login" {
		t.Fatalf("anonymous sign-out: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
}

// Signing in sets an HttpOnly SameSite=Lax cookie (over plain HTTP the
// fallback name without __Host-), opens the overview, and makes a new
// session id each time, ending one the browser brought (fixation);
// signing out ends the session.
func TestSignInAndOut(t *testing.T) {
	s := newSite(t, console.Options{})
	b := s.browser(t)
	res := b.signIn(supervisor, supervisorPW)
	var cookie *http.Cookie
	for _, c := range res.Cookies() {
		if c.Name == "lawtrail_session" {
			cookie = c
		}
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.Path != "/" || cookie.Secure || len(cookie.Value) != 43 {
		t.Fatalf("session cookie over plain HTTP: %+v", res.Cookies())
	}
	res, body := b.get("/console/")
	if res.StatusCode != 200 || !strings.Contains(body, "执法监督概览") || !strings.Contains(body, supervisor) || !strings.Contains(body, `id="scope">全区<`) {
		t.Fatalf("overview: %d\n%s", res.StatusCode, body)
	}

	// Fixation: an attacker's own session planted in the victim's browser
	// is ended when the victim signs in, and the victim gets a new id.
	attacker := s.browser(t)
	attacker.signIn(otherHead, otherHeadPW)
	planted := attacker.sessionCookie("lawtrail_session")
	victim := s.browser(t)
	u, _ := url.Parse(victim.base)
	victim.c.Jar.SetCookies(u, []*http.Cookie{{Name: "lawtrail_session", Value: planted, Path: "/"}})
	victim.signIn(head, headPW)
	if got := victim.sessionCookie("lawtrail_session"); got == planted || got == "" {
		t.Fatalf("the victim kept the planted session id")
	}
	if res, _ := attacker.get("/console/"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("the planted session still signs in: %d", res.StatusCode)
	}

	old := b.sessionCookie("lawtrail_session")
	res, _ = b.post("/console/logout", nil)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/console/login" || b.sessionCookie("lawtrail_session") != "" {
		t.Fatalf("sign out: %d %v", res.StatusCode, res.Header)
	}
	if _, err := s.hub.WebSessionUser(context.Background(), old); err == nil {
		t.Fatal("the session outlived sign-out")
	}
	if res, _ := b.get("/console/"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("after sign-out: %d", res.StatusCode)
	}
}

// A wrong password, an unknown account and a disabled account get the
// same answer; after 30 idle minutes the session is gone.
func TestSignInRefusalsAndExpiry(t *testing.T) {
	s := newSite(t, console.Options{})
	if err := s.hub.DisableWebUser(context.Background(), otherHead); err != nil {
		t.Fatal(err)
	}
	var first string
	for i, c := range [][2]string{{supervisor, "wrong password!"}, {"nobody-here", supervisorPW}, {otherHead, otherHeadPW}} {
		b := s.browser(t)
		res, body := b.post("/console/login", url.Values{"name": {c[0]}, "password": {c[1]}, "next": {"/console/"}})
		msg := between(body, `role="alert" id="error">`, "<")
		if res.StatusCode != http.StatusUnauthorized || msg != "账户名或密码不正确。" || b.sessionCookie("lawtrail_session") != "" {
			t.Errorf("%s: %d %q", c[0], res.StatusCode, msg)
		}
		if i == 0 {
			first = msg
		} else if msg != first {
			t.Errorf("%s: %q differs from %q", c[0], msg, first)
		}
	}
	b := s.browser(t)
	b.signIn(supervisor, supervisorPW)
	s.advance(29 * time.Minute)
	if res, _ := b.get("/console/trends"); res.StatusCode != 200 {
		t.Fatalf("after 29 minutes: %d", res.StatusCode)
	}
	s.advance(31 * time.Minute)
	if res, _ := b.get("/console/trends"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("after 31 idle minutes: %d", res.StatusCode)
	}
}

// between is the text of s between the first from and the next to.
func between(s, from, to string) string {
	_, rest, ok := strings.Cut(s, from)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, to)
	return v
}

// Over TLS, and behind a TLS proxy (Options.HTTPS), the cookie is
// __Host-lawtrail_session with Secure.
func TestSecureCookie(t *testing.T) {
	check := func(name string, res *http.Response) {
		t.Helper()
		for _, c := range res.Cookies() {
			if c.Name == "__Host-lawtrail_session" && c.Secure && c.HttpOnly && c.Path == "/" && c.Domain == "" && c.SameSite == http.SameSiteLaxMode {
				return
			}
		}
		t.Errorf("%s: cookies %+v", name, res.Cookies())
	}
	proxied := newSite(t, console.Options{HTTPS: true})
	b := proxied.browser(t)
	res, body := b.post("/console/login", url.Values{"name": {supervisor}, "password": {supervisorPW}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("behind a proxy: %d %s", res.StatusCode, body)
	}
	check("behind a TLS proxy", res)

	tlsSite := newSite(t, console.Options{})
	tlsSite.srv.Close()
	tlsSite.srv = httptest.NewUnstartedServer(tlsSite.srv.Config.Handler)
	tlsSite.srv.StartTLS()
	t.Cleanup(tlsSite.srv.Close)
	b = tlsSite.browser(t)
	res, body = b.post("/console/login", url.Values{"name": {supervisor}, "password": {supervisorPW}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("over TLS: %d %s", res.StatusCode, body)
	}
	check("over TLS", res)
	if res, _ := b.get("/console/"); res.StatusCode != 200 {
		t.Fatalf("over TLS the cookie does not sign in: %d", res.StatusCode)
	}
}

// A cross-site form post — by Origin or by Sec-Fetch-Site — is refused
// with 403 and changes nothing; the same post from the console itself
// works.
func TestCrossSitePostRefused(t *testing.T) {
	s := newSite(t, console.Options{})
	form := url.Values{"name": {supervisor}, "password": {supervisorPW}}
	for name, h := range map[string][]string{
		"Origin of another site":    {"Origin", "https://evil.example", "Sec-Fetch-Site", ""},
		"Sec-Fetch-Site cross-site": {"Origin", "", "Sec-Fetch-Site", "cross-site"},
		"both":                      {"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"},
	} {
		b := s.browser(t)
		res, body := b.post("/console/login", form, h...)
		if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "已被拒绝") || b.sessionCookie("lawtrail_session") != "" {
			t.Errorf("sign-in, %s: %d\n%s", name, res.StatusCode, body)
		}
		b.signIn(supervisor, supervisorPW)
		if res, _ := b.post("/console/logout", nil, h...); res.StatusCode != http.StatusForbidden {
			t.Errorf("sign-out, %s: %d", name, res.StatusCode)
		}
		if res, _ := b.get("/console/"); res.StatusCode != 200 {
			t.Errorf("a cross-site sign-out ended the session (%s): %d", name, res.StatusCode)
		}
	}
	b := s.browser(t)
	if res, body := b.post("/console/login", form, "Sec-Fetch-Site", "same-origin"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("same-origin: %d\n%s", res.StatusCode, body)
	}
}

// After signing in the browser goes back where it was going only when
// that is a console page of this host.
func TestNextIsLocal(t *testing.T) {
	s := newSite(t, console.Options{})
	for next, want := range map[string]string{
		"/console/overdue?agency=x":             "/console/overdue?agency=x",
		"/console/cases/c-1":                    "/console/cases/c-1",
		"//evil.example/":                       "/console/",
		"https://evil.example/console/":         "/console/",
		`/\evil.example`:                        "/console/",
		`/console/\evil`:                        "/console/",
		"/console//evil.example":                "/console/",
		"/console/../../evil":                   "/console/",
		"javascript:alert(1)":                   "/console/",
		"/console/login":                        "/console/",
		"/elsewhere":                            "/console/",
		"/console/\r\nSet-Cookie: x=1":          "/console/",
		"/console/" + strings.Repeat("a", 5000): "/console/",
		"/console/" + evilImg:                   "/console/",
	} {
		b := s.browser(t)
		res, body := b.post("/console/login", url.Values{"name": {supervisor}, "password": {supervisorPW}, "next": {next}})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != want {
			t.Errorf("next %.40q: %d → %q, want %q\n%s", next, res.StatusCode, res.Header.Get("Location"), want, body)
		}
	}
	// A name typed into the form comes back as text.
	res, body := s.browser(t).post("/console/login", url.Values{"name": {evilImg + evilScript}, "password": {"x"}})
	if res.StatusCode != http.StatusUnauthorized || strings.Contains(body, "<img") || strings.Contains(body, "<script") || !strings.Contains(body, "&lt;img") {
		t.Fatalf("the name echoed: %d\n%s", res.StatusCode, body)
	}
	// The form carries next escaped.
	b := s.browser(t)
	_, body = b.get("/console/login?next=" + url.QueryEscape("/console/x"+evilImg+evilScript))
	if strings.Contains(body, "<img") || strings.Contains(body, "<script") {
		t.Fatalf("next reaches the form unescaped:\n%s", body)
	}
}

// Five failures in a row make an account wait before the next attempt —
// even with the right password — and the wait grows; an unknown account
// is limited alike; one address guessing at many accounts is limited too,
// while another address is not.
func TestSignInLimit(t *testing.T) {
	s := newSite(t, console.Options{ClientIPHeader: "X-Real-IP"})
	attempt := func(ip, name, password string) int {
		t.Helper()
		b := s.browser(t)
		b.header.Set("X-Real-IP", ip)
		res, _ := b.post("/console/login", url.Values{"name": {name}, "password": {password}})
		return res.StatusCode
	}
	for i := range 5 {
		if code := attempt("192.0.2."+string(rune('1'+i)), supervisor, "wrong password!"); code != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i+1, code)
		}
	}
	if code := attempt("192.0.2.100", supervisor, supervisorPW); code != http.StatusTooManyRequests {
		t.Fatalf("after 5 failures the right password: %d, want 429", code)
	}
	s.advance(31 * time.Second)
	if code := attempt("192.0.2.100", supervisor, "wrong again!!"); code != http.StatusUnauthorized {
		t.Fatalf("after the wait: %d", code)
	}
	s.advance(31 * time.Second) // the sixth failure doubled the wait to 60 s
	if code := attempt("192.0.2.100", supervisor, supervisorPW); code != http.StatusTooManyRequests {
		t.Fatalf("the wait did not grow: %d", code)
	}
	s.advance(30 * time.Second)
	if code := attempt("192.0.2.100", supervisor, supervisorPW); code != http.StatusSeeOther {
		t.Fatalf("after the longer wait: %d", code)
	}

	// An unknown name: the same limit, the same answers.
	for range 5 {
		attempt("192.0.2.200", "no-such-account", "whatever password")
	}
	if code := attempt("192.0.2.201", "No-Such-Account", "whatever password"); code != http.StatusTooManyRequests {
		t.Fatalf("unknown account after 5 failures: %d", code)
	}

	// One address trying five accounts is held back, on any account.
	s.advance(time.Hour)
	for i := range 5 {
		attempt("203.0.113.9", "guess"+string(rune('a'+i)), "whatever password")
	}
	if code := attempt("203.0.113.9", head, headPW); code != http.StatusTooManyRequests {
		t.Fatalf("an address after 5 failures: %d", code)
	}
	b := s.browser(t)
	b.header.Set("X-Real-IP", "203.0.113.9")
	res, body := b.post("/console/login", url.Values{"name": {head}, "password": {headPW}})
	if res.Header.Get("Retry-After") == "" || !strings.Contains(body, "登录失败次数过多") {
		t.Fatalf("the limit's answer: %v\n%s", res.Header, body)
	}
	if code := attempt("203.0.113.10", head, headPW); code != http.StatusSeeOther {
		t.Fatalf("another address: %d", code)
	}
}

// A head sees their own agency only; a supervisor picks any; the view
// records (访问记录) list every page viewed, for supervisors only, with
// what came in the address shown as text.
func TestScopesAndAccessRecords(t *testing.T) {
	s := newSite(t, console.Options{})
	h := s.browser(t)
	h.signIn(head, headPW)
	if res, body := h.get("/console/"); res.StatusCode != 200 || !strings.Contains(body, `id="scope">`+agency+`<`) || strings.Contains(body, "访问记录") {
		t.Fatalf("head's overview: %d\n%s", res.StatusCode, body)
	}
	if res, _ := h.get("/console/overdue?agency=" + url.QueryEscape(agency)); res.StatusCode != 200 {
		t.Fatalf("head, own agency: %d", res.StatusCode)
	}
	for _, path := range []string{"/console/?agency=" + url.QueryEscape(otherAgency), "/console/overdue.xlsx?agency=x", "/console/access", "/console/access.xlsx"} {
		if res, _ := h.get(path); res.StatusCode != http.StatusForbidden {
			t.Errorf("head: %s: %d, want 403", path, res.StatusCode)
		}
	}
	sup := s.browser(t)
	sup.signIn(supervisor, supervisorPW)
	evilPath := "/console/avgaps?agency=" + url.QueryEscape(evilScript+evilImg)
	if res, body := sup.get(evilPath); res.StatusCode == http.StatusInternalServerError || strings.Contains(body, "<script") || strings.Contains(body, "<img") {
		t.Fatalf("an agency picked by query: %d\n%s", res.StatusCode, body)
	}
	sup.get("/console/?agency=" + url.QueryEscape(strings.Repeat("局", 5000)))
	res, body := sup.get("/console/access")
	if res.StatusCode != 200 || strings.Contains(body, "<script") || strings.Contains(body, "<img") ||
		!strings.Contains(body, "/console/?agency="+url.QueryEscape(otherAgency)) || !strings.Contains(body, "执法机关负责人") {
		t.Fatalf("access records: %d\n%s", res.StatusCode, body)
	}
	views, total, err := s.hub.WebViews(context.Background(), hub.WebViewQuery{})
	if err != nil || total < 8 {
		t.Fatalf("%d view records: %v", total, err)
	}
	byHead := 0
	for _, v := range views {
		if v.User == head {
			byHead++
			if v.Role != hub.WebHead {
				t.Errorf("head's view recorded as %q", v.Role)
			}
		}
	}
	if byHead != 6 { // overview, overdue, and the four refused
		t.Errorf("%d of the head's views recorded, want 6", byHead)
	}
	for _, page := range []string{"0", "-1", "abc", "99999999999999999999", "2"} {
		if res, _ := sup.get("/console/access?page=" + page); res.StatusCode != 200 {
			t.Errorf("page %s: %d", page, res.StatusCode)
		}
	}
}
