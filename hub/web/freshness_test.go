package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"lawtrail/casework"
	"lawtrail/hub"
	"lawtrail/hub/web"
	"lawtrail/terminal/terminaltest"
)

// listReads is the hub as the web reads it, counting the reads of list
// pages: a page served from the cache reads none.
type listReads struct {
	*hub.Hub
	n atomic.Int64
}

func (r *listReads) PublicDecisions(ctx context.Context, q hub.DecisionQuery) (hub.DecisionPage, error) {
	r.n.Add(1)
	return r.Hub.PublicDecisions(ctx, q)
}

// getIf asks h for path with If-None-Match: tag ("" for none).
func getIf(t *testing.T, h http.Handler, path, tag string) (*http.Response, string) {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, path, nil)
	r.RemoteAddr = "192.0.2.1:1000"
	if tag != "" {
		r.Header.Set("If-None-Match", tag)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	res := rec.Result()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// listItem is the list's entry of publication id ("" when it has none).
func listItem(body, id string) string {
	m := regexp.MustCompile(`(?s)<li>\n<a href="` + regexp.QuoteMeta(decisionPathOf(id)) + `">.*?</li>`).FindString(body)
	return m
}

func decisionPathOf(id string) string { return "/decisions/" + url.PathEscape(id) }

// freshPages is the cached handler and one that caches nothing, over the
// same hub: at every step the cached list must be what a fresh render
// says.
type freshPages struct {
	cached, fresh http.Handler
	reads         *listReads
}

// list asks both handlers for path, fails unless both answer 200 with the
// same page revalidated on each use, and returns it with its ETag.
func (p freshPages) list(t *testing.T, path string) (body, tag string) {
	t.Helper()
	res, body := getIf(t, p.cached, path, "")
	_, want := getIf(t, p.fresh, path, "")
	if res.StatusCode != 200 || body != want {
		t.Fatalf("%s: %d, the cached page is not what a fresh render says:\n%s\n----\n%s", path, res.StatusCode, body, want)
	}
	if cc, tag := res.Header.Get("Cache-Control"), res.Header.Get("ETag"); cc != "no-cache" || !strings.HasPrefix(tag, `"`) {
		t.Fatalf("%s: Cache-Control %q, ETag %q", path, cc, tag)
	}
	return body, res.Header.Get("ETag")
}

// The decision pages follow the record with no delay: a page of the list
// is served from the cache while nothing it shows changes (an officer
// enrolled and synced meanwhile changes nothing), and a revalidation is
// then a 304; a withdrawal made on the terminal and synced shows 已撤回 on
// the next request of the list and of the decision's page, and the old
// ETag no longer matches; a new publication, a new agency's terminal and a
// revoked terminal likewise. No sleep anywhere: nothing waits for a time.
func TestDecisionPagesFollowTheRecord(t *testing.T) {
	w := newPublicWorld(t)
	ctx := context.Background()
	reads := &listReads{Hub: w.hub}
	p := freshPages{reads: reads,
		cached: web.New(reads, web.Options{Now: func() time.Time { return publicNow }, Burst: 100000}),
		fresh:  web.New(w.hub, web.Options{Now: func() time.Time { return publicNow }, Burst: 100000, NoListCache: true})}

	body, listTag := p.list(t, "/decisions")
	if item := listItem(body, w.onTime); item == "" || strings.Contains(item, "已撤回") {
		t.Fatalf("before: the entry of %s: %q", w.onTime, item)
	}
	res, page := getIf(t, p.cached, decisionPathOf(w.onTime), "")
	pageTag := res.Header.Get("ETag")
	if res.StatusCode != 200 || res.Header.Get("Cache-Control") != "no-cache" || pageTag == "" || strings.Contains(page, `id="withdrawn"`) {
		t.Fatalf("the decision's page: %d %v", res.StatusCode, res.Header)
	}

	// Nothing the list shows changes: served again without a read, 304s.
	f := w.f
	f.Enroll(t, "o-008", "钱十", "35010000008", "246808", casework.RoleOfficer)
	w.sync(t)
	before := reads.n.Load()
	if again, tag := p.list(t, "/decisions"); again != body || tag != listTag || reads.n.Load() != before {
		t.Errorf("an unrelated write: the list read again (%d reads) or changed (tag %s, was %s)", reads.n.Load()-before, tag, listTag)
	}
	for path, tag := range map[string]string{"/decisions": listTag, decisionPathOf(w.onTime): pageTag} {
		res, b := getIf(t, p.cached, path, tag)
		if res.StatusCode != http.StatusNotModified || b != "" || res.Header.Get("ETag") != tag || res.Header.Get("Cache-Control") != "no-cache" {
			t.Errorf("%s revalidated: %d %v %q", path, res.StatusCode, res.Header, b)
		}
	}

	// Withdrawn on the terminal and synced: at once, everywhere.
	pub := f.Login(t, "o-005", "246805")
	f.WithdrawPublication(t, pub, w.onTime, casework.WithdrawRevoked, "行政复议决定撤销")
	w.sync(t)
	res, body = getIf(t, p.cached, "/decisions", listTag)
	if item := listItem(body, w.onTime); res.StatusCode != 200 || !strings.Contains(item, `<span class="tag revoked">已撤回</span>`) {
		t.Errorf("after the withdrawal, revalidating the list: %d, the entry %q", res.StatusCode, item)
	}
	if now, tag := p.list(t, "/decisions"); now != body || tag == listTag {
		t.Errorf("after the withdrawal: tag %s, was %s", tag, listTag)
	}
	res, page = getIf(t, p.cached, decisionPathOf(w.onTime), pageTag)
	if res.StatusCode != 200 || !strings.Contains(page, `<p id="withdrawn" class="status revoked" role="status">已撤回</p>`) ||
		!strings.Contains(page, "行政复议决定撤销") || res.Header.Get("ETag") == pageTag {
		t.Errorf("after the withdrawal, revalidating the decision's page: %d %v", res.StatusCode, res.Header)
	}

	// A new publication heads the list at once.
	c := f.OpenCase(t, f.Admin, "示市监立〔2026〕9号", "销售过期食品")
	id := f.PublishDoc(t, pub, f.FineOnIndividual(t, f.Admin, c, "300", "2026-12-16 10:00"))
	w.sync(t)
	if body, _ = p.list(t, "/decisions"); len(decisionItems(body)) != 4 || decisionItems(body)[0] != id {
		t.Errorf("after a publication: %v", decisionItems(body))
	}

	// A terminal of a new agency: the filter offers it at once.
	const newAgency = "某区城市管理局"
	code, err := w.hub.IssueCode(ctx, "https://"+w.addr, newAgency, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	g := terminaltest.NewIn(t, t.TempDir(), "采集站-3")
	if _, err := g.Desk.JoinHub(ctx, code.String()); err != nil {
		t.Fatal(err)
	}
	if body, _ = p.list(t, "/decisions?page=1"); !strings.Contains(body, `<option value="`+newAgency+`">`) {
		t.Errorf("the new agency is not offered:\n%s", body)
	}

	// The terminal revoked at the hub: its publications are gone at once.
	if err := w.hub.Revoke(ctx, f.Desk.Info.ID); err != nil {
		t.Fatal(err)
	}
	if body, _ = p.list(t, "/decisions"); len(decisionItems(body)) != 0 || !strings.Contains(body, "共 0 条") {
		t.Errorf("after revoking the terminal: %v", decisionItems(body))
	}
	if res, _ := getIf(t, p.cached, decisionPathOf(w.onTime), pageTag); res.StatusCode != 404 {
		t.Errorf("a revoked terminal's decision: %d", res.StatusCode)
	}
}

// Bad and hostile If-None-Match values are no match: the page is sent.
func TestDecisionPagesBadRevalidation(t *testing.T) {
	w := newPublicWorld(t)
	for _, tag := range []string{`<script>alert(1)</script>`, `"><img src=x onerror=alert(1)>`, strings.Repeat(`"x",`, 4000),
		`W/"`, `""`, "\x00"} {
		for _, path := range []string{"/decisions", decisionPathOf(w.late)} {
			res, body := getIf(t, w.handler, path, tag)
			if res.StatusCode != 200 || !strings.Contains(body, "</html>") || strings.Contains(body, "<script>alert") {
				t.Errorf("%s with If-None-Match %.40q: %d", path, tag, res.StatusCode)
			}
		}
	}
}
