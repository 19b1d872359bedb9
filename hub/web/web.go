// Package web is the hub's public web: pages anyone may open without a
// client certificate, served on their own listener apart from the
// terminals' mutual-TLS port (docs/OPERATIONS.md, "The hub's web"): the
// credential check reached from the QR of an officer's 亮证 card (DOMAIN
// P2: anyone checks that an officer may enforce), each agency's 事前公开
// page (P1: its officers and credential numbers, its published lists with
// every version), the published decisions (P3: masked, withdrawn ones
// marked, each with the proof that it is in the hub's log) and the annual
// statistics (P4: a page, XLSX and CSV). It reads only the hub's public
// views, never footage, unpublished cases or unmasked personal data. Pages
// are server-rendered html/template in zh-CN, work without JavaScript, and
// carry a strict Content-Security-Policy. The supervision console, when
// given, is served under /console/ beside them.
package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"embed"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"time"

	"golang.org/x/time/rate"

	"lawtrail/casework"
	"lawtrail/hub"
)

//go:embed templates
var templateFS embed.FS

var pages = template.Must(template.New("pages").Funcs(template.FuncMap{
	"agencyPath": agencyPath, "decisionPath": decisionPath, "proofPath": proofPath,
	"act": actWord, "party": partyWord, "withdraw": withdrawWord, "outcome": outcomeWord,
	"list": listWord, "card": cardWord,
}).ParseFS(templateFS, "templates/*.html"))

// Reader is what the public pages read: the hub's public views (hub.Hub
// is one; hub/views.go describes them).
type Reader interface {
	CheckCard(ctx context.Context, token string) (hub.PublicCard, error)
	AgencyNames(ctx context.Context) ([]hub.AgencyName, error)
	PublicationGeneration(ctx context.Context) (uint64, error)
	PublicAgency(ctx context.Context, id string) (hub.PublicAgency, error)
	PublicDecisions(ctx context.Context, q hub.DecisionQuery) (hub.DecisionPage, error)
	PublicDecision(ctx context.Context, id string) (hub.PublicDecision, error)
	PublicationProof(ctx context.Context, id string) (hub.PublicationProof, error)
	AnnualStats(ctx context.Context, year int) (hub.AnnualStats, error)
}

// Options adjust the handler. Zero fields take the defaults.
type Options struct {
	Now func() time.Time // the clock the page's check time is read from
	// Rate and Burst limit each client address's requests (default 1 per
	// second, bursts of 20); past them the answer is 429.
	Rate  rate.Limit
	Burst int
	// ClientIPHeader names a header a reverse proxy sets to the client's
	// address (e.g. X-Real-IP); empty: the connection's peer address. Set it
	// only behind a proxy that overwrites the header.
	ClientIPHeader string
	Log            *slog.Logger
	// PageSize is how many publications a page of the decision list shows
	// (default 20, at most 200).
	PageSize int
	// NoListCache renders every page of the decision list anew. By default
	// a rendered page is served again while the hub's publication
	// generation is the one it was rendered at (listcache.go).
	NoListCache bool
	// Console, when set, serves /console and everything under /console/
	// (the supervision console): with the security headers, which it may
	// override, but not through the public rate limit (it limits its own
	// sign-in attempts).
	Console http.Handler
}

// Handler serves the public pages.
type Handler struct {
	read    Reader
	opt     Options
	limiter *ipLimiter
	lists   *listCache
	epoch   string         // this handler's part of every ETag: a restart or a new build never answers 304 to an old page
	root    *http.ServeMux // the console, and the public pages behind the rate limit
	mux     *http.ServeMux // the public pages
}

// New returns the handler of the public web.
func New(read Reader, opt Options) *Handler {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Rate <= 0 {
		opt.Rate = 1
	}
	if opt.Burst <= 0 {
		opt.Burst = 20
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if opt.PageSize <= 0 || opt.PageSize > 200 {
		opt.PageSize = 20
	}
	h := &Handler{read: read, opt: opt, limiter: newIPLimiter(opt.Rate, opt.Burst, opt.Now),
		lists: newListCache(opt.NoListCache), epoch: rand.Text()[:8], root: http.NewServeMux(), mux: http.NewServeMux()}
	h.mux.HandleFunc("GET /c/{token}", h.card)
	h.mux.HandleFunc("GET /{$}", h.index)
	h.mux.HandleFunc("GET /a/{agency}", h.agency)
	h.mux.HandleFunc("GET /decisions", h.decisions)
	h.mux.HandleFunc("GET /decisions/{id}", h.decision)
	h.mux.HandleFunc("GET /decisions/{id}/proof.json", h.proof)
	h.mux.HandleFunc("GET /annual/{file}", h.annual)
	h.mux.HandleFunc("GET /static/style.css", h.style)
	h.mux.HandleFunc("/", h.notFound)
	if opt.Console != nil {
		h.root.Handle("/console", opt.Console)
		h.root.Handle("/console/", opt.Console)
	}
	h.root.HandleFunc("/", h.public)
	return h
}

// CSP is the public pages' Content-Security-Policy: nothing but the own
// stylesheet and images, forms only to the own pages, no framing.
const CSP = "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// ServeHTTP sets the security headers of every answer and routes: the
// console to its handler, the rest through the rate limit to the pages.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", CSP)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Cross-Origin-Opener-Policy", "same-origin")
	hd.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
	if r.TLS != nil {
		hd.Set("Strict-Transport-Security", "max-age=31536000")
	}
	h.root.ServeHTTP(w, r)
}

// public serves a public page within the client's rate limit.
func (h *Handler) public(w http.ResponseWriter, r *http.Request) {
	if !h.limiter.allow(clientIP(r, h.opt.ClientIPHeader)) {
		w.Header().Set("Retry-After", "10")
		w.Header().Set("Cache-Control", "no-store")
		h.render(w, http.StatusTooManyRequests, "notfound.html", message{Title: "请求过于频繁", Heading: "请求过于频繁",
			Message: "请稍后再试", Advice: "同一网络在短时间内的访问次数过多。请等待片刻后再打开本页或重新扫描二维码。"})
		return
	}
	h.mux.ServeHTTP(w, r)
}

// cardPage is what card.html shows.
type cardPage struct {
	Title, Status, StatusText, Meaning, CheckedAt string
	Card                                          hub.PublicCard
}

var statusText = map[hub.CardStatus][2]string{
	hub.CardValid:        {"有效", "该执法人员的行政执法证件有效，可以在其执法机关的职权范围内从事行政执法活动。"},
	hub.CardExpired:      {"已过期", "该行政执法证件已超过有效期，持证人不得从事行政执法活动。"},
	hub.CardRevoked:      {"已注销", "该人员的行政执法资格已注销，不得从事行政执法活动。"},
	hub.CardNoCredential: {"无执法证件", "该人员未持有行政执法证件，不得从事行政执法活动。"},
}

// card is the credential check: GET /c/<token>.
func (h *Handler) card(w http.ResponseWriter, r *http.Request) {
	c, err := h.read.CheckCard(r.Context(), r.PathValue("token"))
	if errors.Is(err, hub.ErrNoCard) {
		h.badCard(w)
		return
	}
	if err != nil {
		h.opt.Log.Error("credential check", "err", err)
		h.render(w, http.StatusInternalServerError, "notfound.html", message{Title: "暂时无法核验", Heading: "暂时无法核验",
			Message: "系统暂时无法完成核验", Advice: "请稍后再试，或请执法人员出示证件当面核对。", NoStore: true})
		return
	}
	st := statusText[c.Status]
	w.Header().Set("Cache-Control", "no-store")
	h.render(w, http.StatusOK, "card.html", cardPage{Title: "执法证件核验：" + st[0], Status: string(c.Status), StatusText: st[0], Meaning: st[1],
		CheckedAt: h.opt.Now().In(casework.Shanghai).Format("2006-01-02 15:04"), Card: c})
}

// message is what notfound.html shows: an error, or a notice in place of
// a page. NoStore keeps it out of caches (every error page).
type message struct {
	Title, Heading, Message, Advice string
	NoStore                         bool
}

// badCard answers every token the hub cannot vouch for alike, so the answer
// says nothing about whether an officer or a number exists.
func (h *Handler) badCard(w http.ResponseWriter) {
	h.render(w, http.StatusNotFound, "notfound.html", message{Title: "无法核验", Heading: "执法证件核验",
		Message: "无法核验此二维码", Advice: "该链接无效、不完整或已被改动。请对照执法人员出示的证件，或联系其所属执法机关核实。", NoStore: true})
}

func (h *Handler) notFound(w http.ResponseWriter, _ *http.Request) {
	h.render(w, http.StatusNotFound, "notfound.html", message{Title: "页面不存在", Heading: "页面不存在",
		Message: "您访问的页面不存在", Advice: "请检查链接是否完整。", NoStore: true})
}

// missing is a 404 page that says what was not found.
func (h *Handler) missing(w http.ResponseWriter, msg, advice string) {
	h.render(w, http.StatusNotFound, "notfound.html", message{Title: msg, Heading: "页面不存在", Message: msg, Advice: advice, NoStore: true})
}

// badRequest is a 400 page that says what was wrong with the request.
func (h *Handler) badRequest(w http.ResponseWriter, msg string) {
	h.render(w, http.StatusBadRequest, "notfound.html", message{Title: "请求有误", Heading: "请求有误", Message: msg,
		Advice: "请返回上一页，修改查询条件后重试。", NoStore: true})
}

// failed is the 500 page of an error reading the hub; the error goes to
// the log, not to the visitor.
func (h *Handler) failed(w http.ResponseWriter, what string, err error) {
	h.opt.Log.Error(what, "err", err)
	h.render(w, http.StatusInternalServerError, "notfound.html", message{Title: "暂时无法显示", Heading: "暂时无法显示",
		Message: "系统暂时无法显示此页面", Advice: "请稍后再试。", NoStore: true})
}

func (h *Handler) style(w http.ResponseWriter, _ *http.Request) {
	css, err := templateFS.ReadFile("templates/style.css")
	if err != nil {
		http.Error(w, "style", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	w.Write(css)
}

// render executes a page into a buffer first, so a failure is a 500, not
// half a page.
func (h *Handler) render(w http.ResponseWriter, code int, name string, data any) {
	page, ok := h.execute(w, name, data)
	if !ok {
		return
	}
	if m, ok := data.(message); ok && m.NoStore {
		w.Header().Set("Cache-Control", "no-store")
	}
	writeHTML(w, code, page)
}

// execute renders a page; a failure is answered 500 here.
func (h *Handler) execute(w http.ResponseWriter, name string, data any) ([]byte, bool) {
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name, data); err != nil {
		h.opt.Log.Error("render", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return nil, false
	}
	return buf.Bytes(), true
}

func writeHTML(w http.ResponseWriter, code int, page []byte) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	w.Write(page)
}

// publicCache lets browsers and proxies keep a public page briefly (the
// home page, an agency's page, the annual report): a change shows within a
// minute. The decision pages revalidate instead (revalidate).
func publicCache(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "public, max-age=60")
}
