package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"lawtrail/casework"
	"lawtrail/hub"
	"lawtrail/hub/hubtest"
	"lawtrail/hub/web"
	"lawtrail/sync/client"
	"lawtrail/terminal"
	"lawtrail/terminal/terminaltest"
)

// hubNow is the hub's clock in these tests: after o-002's credential ran out.
var hubNow = time.Date(2026, 12, 1, 10, 0, 0, 0, casework.Shanghai)

// world is a hub serving sync on a loopback port, and a terminal that
// joined it and enrolled officers.
type world struct {
	hub  *hub.Hub
	f    *terminaltest.Fixture
	addr string // the hub's sync address
}

// Injection strings that reach the page through an officer's enrollment.
const (
	evilName = `<script>alert("名")</script>`
	evilCred = `"><img src=x onerror=alert(1)>`
)

func newWorld(t *testing.T) *world { return newWorldAt(t, hubNow) }

// newWorldAt is newWorld with the hub's clock at now.
func newWorldAt(t *testing.T, now time.Time) *world {
	t.Helper()
	ctx := context.Background()
	th := hubtest.StartWith(t, hub.Options{KDF: hubtest.FastKDF, Now: func() time.Time { return now }})
	h := th.Hub
	code, err := h.IssueCode(ctx, "https://"+th.Addr, terminaltest.Agency, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	f := terminaltest.New(t)
	if _, err := f.Desk.JoinHub(ctx, code.String()); err != nil {
		t.Fatal(err)
	}
	w := &world{hub: h, f: f, addr: th.Addr}
	f.Enroll(t, "o-002", "李四", "35010000002", "246802", casework.RoleOfficer)
	if _, err := f.Admin.EnrollOfficer(ctx, terminalNewOfficer("o-003", "王五", "35010000003", "2026-11-25")); err != nil {
		t.Fatal(err)
	}
	f.Enroll(t, "o-004", evilName, evilCred, "246804", casework.RoleOfficer)
	if err := f.Admin.RevokeOfficer(ctx, "o-002", "调离执法岗位"); err != nil {
		t.Fatal(err)
	}
	w.sync(t)
	return w
}

func (w *world) sync(t *testing.T) {
	t.Helper()
	c, err := w.f.Desk.SyncClient(context.Background(), client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Once(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// get asks the handler for path from addr.
func get(t *testing.T, h http.Handler, path, addr string) (*http.Response, string) {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, path, nil)
	r.RemoteAddr = addr
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	res := rec.Result()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func (w *world) token(t *testing.T, officer string) string {
	t.Helper()
	tok, err := w.f.Desk.CardToken(context.Background(), officer)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// The credential check shows each officer's state from the QR's token, and
// nothing private; every token the hub cannot vouch for gets the same page.
func TestCredentialCheck(t *testing.T) {
	w := newWorld(t)
	h := web.New(w.hub, web.Options{Now: func() time.Time { return hubNow }, Burst: 1000})
	for _, c := range []struct {
		officer, status, name, cred string
	}{
		{"o-001", "有效", terminaltest.AdminName, terminaltest.AdminCred},
		{"o-002", "已注销", "李四", "35010000002"},
		{"o-003", "已过期", "王五", "35010000003"},
	} {
		res, body := get(t, h, "/c/"+w.token(t, c.officer), "192.0.2.1:1000")
		if res.StatusCode != 200 || !strings.Contains(body, `role="status">`+c.status+"<") ||
			!strings.Contains(body, c.name) || !strings.Contains(body, c.cred) || !strings.Contains(body, terminaltest.Agency) {
			t.Errorf("%s: %d\n%s", c.officer, res.StatusCode, body)
		}
		// Nothing private: not the revocation reason, nor roles.
		if strings.Contains(body, "调离") || strings.Contains(body, "admin") || strings.Contains(body, "管理员") {
			t.Errorf("%s: the page shows private detail:\n%s", c.officer, body)
		}
	}
	_, notFound := get(t, h, "/c/x", "192.0.2.1:1000")
	good := w.token(t, "o-001")
	fields, sig, _ := strings.Cut(good, ".")
	forged, _ := casework.CardToken{Terminal: w.f.Desk.Info.ID, Agency: "a", Officer: "o-001"}.Encode(func([]byte) []byte { return make([]byte, 64) })
	for name, tok := range map[string]string{
		"forged (signed by no terminal key)": forged,
		"tampered signature":                 fields + "." + flip(sig),
		"tampered fields":                    flip(fields) + "." + sig,
		"another officer's fields":           strings.Split(w.token(t, "o-002"), ".")[0] + "." + sig,
		"garbage":                            "AAAA.BBBB",
		"too long":                           strings.Repeat("A", 600) + "." + sig,
	} {
		res, body := get(t, h, "/c/"+tok, "192.0.2.1:1000")
		if res.StatusCode != 404 || body != notFound || strings.Contains(body, "张三") {
			t.Errorf("%s: %d\n%s", name, res.StatusCode, body)
		}
	}
	// An unknown officer id signed by the terminal is the same page too.
	unknown, _ := casework.CardToken{Terminal: w.f.Desk.Info.ID, Agency: "x", Officer: "o-999"}.Encode(func([]byte) []byte { return make([]byte, 64) })
	if res, body := get(t, h, "/c/"+unknown, "192.0.2.1:1000"); res.StatusCode != 404 || body != notFound {
		t.Errorf("unknown officer: %d", res.StatusCode)
	}
}

// flip changes one base64url character of s.
func flip(s string) string {
	b := []byte(s)
	if b[3] == 'A' {
		b[3] = 'B'
	} else {
		b[3] = 'A'
	}
	return string(b)
}

// Names and numbers from the record reach the page escaped: a script in an
// officer's name is text, not markup.
func TestCredentialCheckEscapes(t *testing.T) {
	w := newWorld(t)
	h := web.New(w.hub, web.Options{Now: func() time.Time { return hubNow }})
	res, body := get(t, h, "/c/"+w.token(t, "o-004"), "192.0.2.1:1000")
	if res.StatusCode != 200 || strings.Contains(body, "<script") || strings.Contains(body, "<img") ||
		!strings.Contains(body, "&lt;script&gt;") || !strings.Contains(body, "&lt;img src=x onerror=alert(1)&gt;") {
		t.Fatalf("%d\n%s", res.StatusCode, body)
	}
}

// Every answer carries the security headers; unknown routes are 404; a
// client past its burst gets 429 while another client is still served.
func TestHeadersRoutesAndRateLimit(t *testing.T) {
	w := newWorld(t)
	clock := hubNow
	h := web.New(w.hub, web.Options{Now: func() time.Time { return clock }, Rate: 1, Burst: 3})
	tok := w.token(t, "o-001")
	for _, path := range []string{"/c/" + tok, "/", "/verify/officer?officer=o-001", "/c/", "/static/style.css"} {
		res, _ := get(t, h, path, "198.51.100.7:1")
		want := map[string]string{
			"Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
			"X-Content-Type-Options":  "nosniff", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY",
		}
		for k, v := range want {
			if got := res.Header.Get(k); got != v {
				t.Errorf("%s: %s = %q, want %q", path, k, got, v)
			}
		}
		wantCode := 404
		if path == "/static/style.css" || path == "/" || path == "/c/"+tok {
			wantCode = 200
		}
		if res.StatusCode != wantCode && res.StatusCode != 429 {
			t.Errorf("%s: %d, want %d", path, res.StatusCode, wantCode)
		}
	}
	for i := range 5 {
		res, _ := get(t, h, "/c/"+tok, "203.0.113.9:5")
		if want := map[bool]int{true: 200, false: 429}[i < 3]; res.StatusCode != want {
			t.Fatalf("request %d: %d, want %d", i+1, res.StatusCode, want)
		}
	}
	if res, _ := get(t, h, "/c/"+tok, "203.0.113.10:5"); res.StatusCode != 200 {
		t.Fatalf("another client: %d", res.StatusCode)
	}
	clock = clock.Add(2 * time.Second) // two tokens back
	if res, _ := get(t, h, "/c/"+tok, "203.0.113.9:5"); res.StatusCode != 200 {
		t.Fatalf("after waiting: %d", res.StatusCode)
	}
}

func terminalNewOfficer(id, name, cred, until string) terminal.NewOfficer {
	return terminal.NewOfficer{ID: id, Name: name, CredentialNo: cred, ValidUntil: until, Roles: []casework.Role{casework.RoleOfficer}, PIN: []byte("246803")}
}

// The read model the sync path kept equals a rebuild from the events: the
// hub's check finds nothing, a rebuild gives the same officers, and the
// pages read the same after it.
func TestReadModelRebuild(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	if r, err := w.hub.Check(ctx); err != nil || !r.OK() {
		t.Fatalf("check: %v %v", err, r.Problems)
	}
	r, err := w.hub.Rebuild(ctx)
	if err != nil || r.Officers != 4 || r.Agencies != 1 || r.Terminals != 1 {
		t.Fatalf("rebuild: %+v %v", r, err)
	}
	h := web.New(w.hub, web.Options{Now: func() time.Time { return hubNow }})
	if res, body := get(t, h, "/c/"+w.token(t, "o-002"), "192.0.2.1:1"); res.StatusCode != 200 || !strings.Contains(body, "已注销") {
		t.Fatalf("after rebuild: %d %s", res.StatusCode, body)
	}
}
