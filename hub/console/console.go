// Package console is the hub's supervision console (DOMAIN O1, O2): the
// pages the district's 司法局 and agency heads sign in to on the hub's web
// (mounted by hub/web under /console/) to see, for their scope, overdue
// publications, audio/video coverage gaps in mandatory steps, cases past
// their statutory limits, legal-review turnaround, staffing (reviewers and
// recorders per officer), terminals last seen and quarantined forks, with
// monthly trends as server-rendered SVG charts, a case's timeline
// read-only, and the accesses to the record per person with unusual volume
// flagged (调阅监督). Every view is exportable as XLSX and every page a person views
// is recorded (hub.RecordWebView). It reads the hub's supervision views and
// its console accounts (hub/webusers.go); it never writes to the record.
//
// Live view (直播, live.go): the sessions terminals stream through the
// hub's SFU (hub/live), each played on its page beside its officer, case
// and step, with push-to-talk; who watched and talked when is recorded.
//
// Pages are html/template in zh-CN and work without JavaScript under a
// strict Content-Security-Policy; only the live session page runs a script
// (WebRTC needs it), its own, under LiveCSP. State-changing requests
// (sign-in and sign-out, both POST forms; the live page's fetches) pass
// Go's http.CrossOriginProtection. How
// sessions, cookies and sign-in limits work is in session.go and
// ratelimit.go.
package console

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"lawtrail/hub"
)

//go:embed templates
var templateFS embed.FS

var pages = template.Must(template.New("console").Funcs(funcs).ParseFS(templateFS, "templates/*.html"))

// Supervisor is what the console reads of the record (hub.Hub is one;
// hub/views.go describes the views).
type Supervisor interface {
	Supervision(ctx context.Context, s hub.Scope) (hub.Supervision, error)
	CaseTimeline(ctx context.Context, s hub.Scope, caseID string) (hub.CaseSummary, []hub.TimelineEntry, error)
	WithheldPublications(ctx context.Context, s hub.Scope) ([]hub.WithheldPublication, error)
	Accesses(ctx context.Context, s hub.Scope, q hub.AccessQuery) (hub.AccessPage, error)
	AccessFigures(ctx context.Context, s hub.Scope) (hub.AccessSummary, error)
}

// Accounts are the console's accounts, sessions and view records (hub.Hub
// is one; hub/webusers.go).
type Accounts interface {
	WebSignIn(ctx context.Context, name string, password []byte) (hub.WebSession, error)
	WebSessionUser(ctx context.Context, token string) (hub.WebUser, error)
	WebSignOut(ctx context.Context, token string) error
	RecordWebView(ctx context.Context, v hub.WebView) error
	WebViews(ctx context.Context, q hub.WebViewQuery) ([]hub.WebView, int, error)
}

// Backend is everything the console needs.
type Backend interface {
	Supervisor
	Accounts
	LiveRecord // live.go
}

// Options adjust the console. Zero fields take the defaults.
type Options struct {
	Now func() time.Time // the clock of sign-in limits; the hub's clock rules sessions
	// HTTPS says people reach the console over HTTPS although this process
	// serves plain HTTP (a reverse proxy terminates TLS): the session
	// cookie is then the Secure __Host- one, as when serving TLS itself.
	HTTPS bool
	// TrustedOrigins are origins (scheme://host[:port]) whose form posts
	// are accepted besides the request's own host, e.g. the public address
	// when a proxy rewrites Host.
	TrustedOrigins []string
	// ClientIPHeader names a header a reverse proxy sets to the client's
	// address (e.g. X-Real-IP); empty: the connection's peer address.
	ClientIPHeader string
	// PublicBase is where the public pages are (a publication's link); ""
	// for the same host.
	PublicBase string
	// Live is the hub's SFU (live.go); nil: no session is live.
	Live LiveView
	Log  *slog.Logger
}

// Handler serves the console.
type Handler struct {
	b       Backend
	opt     Options
	limiter *failureLimiter
	hashing chan struct{} // sign-ins hashing at once (argon2id takes 64 MiB each)
	handler http.Handler
}

// CSP is the console's Content-Security-Policy: the own stylesheet, inline
// SVG charts (no script at all), forms only to the console itself, no
// framing. The live pages alone add their script (LiveCSP, live.go).
const CSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// concurrentSignIns bounds the argon2id hashes running at once.
const concurrentSignIns = 2

// New returns the console's handler, which expects the full paths
// (/console/…).
func New(b Backend, opt Options) (*Handler, error) {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	h := &Handler{b: b, opt: opt, limiter: newFailureLimiter(opt.Now), hashing: make(chan struct{}, concurrentSignIns)}
	cop := http.NewCrossOriginProtection()
	for _, o := range opt.TrustedOrigins {
		if err := cop.AddTrustedOrigin(o); err != nil {
			return nil, err
		}
	}
	cop.SetDenyHandler(http.HandlerFunc(h.crossOrigin))
	h.handler = cop.Handler(h.routes())
	return h, nil
}

// views are the console's list pages: path slug → how to build the table.
var views = map[string]func(hub.Supervision, viewer) table{
	"agencies":  agenciesTable,
	"overdue":   overdueTable,
	"avgaps":    avGapsTable,
	"limits":    limitsTable,
	"reviews":   reviewsTable,
	"terminals": terminalsTable,
	"forks":     forksTable,
	"trends":    trendsTable,
}

func (h *Handler) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /console", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/console/", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /console/login", h.loginForm)
	mux.HandleFunc("POST /console/login", h.login)
	mux.HandleFunc("POST /console/logout", h.logout)
	mux.HandleFunc("GET /console/static/console.css", embedded("console.css", "text/css; charset=utf-8", "public, max-age=86400"))
	mux.Handle("GET /console/{$}", h.signedIn(h.overview))
	mux.Handle("GET /console/overview.xlsx", h.signedIn(h.overviewXLSX))
	for slug, build := range views {
		mux.Handle("GET /console/"+slug, h.signedIn(h.listPage(build)))
		mux.Handle("GET /console/"+slug+".xlsx", h.signedIn(h.listXLSX(slug, build)))
	}
	mux.Handle("GET /console/withheld", h.signedIn(h.withheldPage))
	mux.Handle("GET /console/withheld.xlsx", h.signedIn(h.withheldXLSX))
	mux.Handle("GET /console/cases/{id}", h.signedIn(h.timeline))
	mux.Handle("GET /console/cases/{id}/timeline.xlsx", h.signedIn(h.timelineXLSX))
	mux.Handle("GET /console/accesses", h.signedIn(h.accesses))
	mux.Handle("GET /console/accesses.xlsx", h.signedIn(h.accessesXLSX))
	mux.Handle("GET /console/access", h.signedIn(h.access))
	mux.Handle("GET /console/access.xlsx", h.signedIn(h.accessXLSX))
	h.liveRoutes(mux) // live.go
	mux.Handle("/console/", h.signedIn(h.notFound))
	return mux
}

// ServeHTTP sets the console's headers and serves it.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", CSP)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "same-origin")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Cross-Origin-Opener-Policy", "same-origin")
	hd.Set("Cache-Control", "no-store")
	h.handler.ServeHTTP(w, r)
}

// message is what message.html shows.
type message struct {
	Title, Message, Advice string
	User                   *hub.WebUser
}

func (h *Handler) crossOrigin(w http.ResponseWriter, _ *http.Request) {
	h.render(w, http.StatusForbidden, "message.html", message{Title: "请求被拒绝",
		Message: "此请求来自其他网站，已被拒绝。", Advice: "请从执法监督平台本身的页面提交表单。"})
}

func (h *Handler) notFound(w http.ResponseWriter, _ *http.Request, v viewer) {
	h.render(w, http.StatusNotFound, "message.html", message{Title: "页面不存在", Message: "您访问的页面不存在。", Advice: "请从导航中选择要查看的内容。", User: &v.User})
}

func (h *Handler) forbidden(w http.ResponseWriter, u hub.WebUser) {
	h.render(w, http.StatusForbidden, "message.html", message{Title: "无权查看", Message: "您的账户无权查看此范围的内容。", Advice: "执法机关负责人只能查看本机关的情况。", User: &u})
}

func (h *Handler) failed(w http.ResponseWriter, u *hub.WebUser, what string, err error) {
	h.opt.Log.Error("console", "what", what, "err", err)
	h.render(w, http.StatusInternalServerError, "message.html", message{Title: "暂时无法显示", Message: "系统暂时无法读取数据。", Advice: "请稍后再试。", User: u})
}

// embedded serves one file of the embedded templates folder as is.
func embedded(name, contentType, cacheControl string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		b, err := templateFS.ReadFile("templates/" + name)
		if err != nil {
			http.Error(w, name, http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Cache-Control", cacheControl)
		w.Write(b)
	}
}

// render executes a page into a buffer first, so a failure is a 500, not
// half a page.
func (h *Handler) render(w http.ResponseWriter, code int, name string, data any) {
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name, data); err != nil {
		h.opt.Log.Error("render", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	w.Write(buf.Bytes())
}

// errNotYours is a scope the account may not see.
var errNotYours = errors.New("outside the account's scope")

// funcs are the templates' helpers.
var funcs = template.FuncMap{
	// f1 writes an SVG coordinate with one decimal.
	"f1": func(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) },
}
