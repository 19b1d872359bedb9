// Package web is the hub's public web: pages anyone may open without a
// client certificate, served on their own listener apart from the
// terminals' mutual-TLS port (docs/OPERATIONS.md, "The hub's web"). Today
// it serves the credential check reached from the QR of an officer's 亮证
// card (DOMAIN P2). Pages are server-rendered html/template in zh-CN, work
// without JavaScript, and carry a strict Content-Security-Policy.
package web

import (
	"bytes"
	"context"
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

var pages = template.Must(template.ParseFS(templateFS, "templates/*.html"))

// CardChecker answers the credential check (hub.Hub is one).
type CardChecker interface {
	CheckCard(ctx context.Context, token string) (hub.PublicCard, error)
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
}

// Handler serves the public pages.
type Handler struct {
	cards   CardChecker
	opt     Options
	limiter *ipLimiter
	mux     *http.ServeMux
}

// New returns the handler of the public web.
func New(cards CardChecker, opt Options) *Handler {
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
	h := &Handler{cards: cards, opt: opt, limiter: newIPLimiter(opt.Rate, opt.Burst, opt.Now), mux: http.NewServeMux()}
	h.mux.HandleFunc("GET /c/{token}", h.card)
	h.mux.HandleFunc("GET /static/style.css", h.style)
	h.mux.HandleFunc("/", h.notFound)
	return h
}

// ServeHTTP sets the security headers of every answer, applies the rate
// limit and routes.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Cross-Origin-Opener-Policy", "same-origin")
	hd.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
	if r.TLS != nil {
		hd.Set("Strict-Transport-Security", "max-age=31536000")
	}
	if !h.limiter.allow(clientIP(r, h.opt.ClientIPHeader)) {
		hd.Set("Retry-After", "10")
		h.render(w, http.StatusTooManyRequests, "notfound.html", message{Title: "请求过于频繁", Heading: "请求过于频繁",
			Message: "请稍后再试", Advice: "同一网络在短时间内的核验次数过多。请等待片刻后重新扫描二维码。"})
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
	c, err := h.cards.CheckCard(r.Context(), r.PathValue("token"))
	if errors.Is(err, hub.ErrNoCard) {
		h.badCard(w)
		return
	}
	if err != nil {
		h.opt.Log.Error("credential check", "err", err)
		h.render(w, http.StatusInternalServerError, "notfound.html", message{Title: "暂时无法核验", Heading: "暂时无法核验",
			Message: "系统暂时无法完成核验", Advice: "请稍后再试，或请执法人员出示证件当面核对。"})
		return
	}
	st := statusText[c.Status]
	w.Header().Set("Cache-Control", "no-store")
	h.render(w, http.StatusOK, "card.html", cardPage{Title: "执法证件核验：" + st[0], Status: string(c.Status), StatusText: st[0], Meaning: st[1],
		CheckedAt: h.opt.Now().In(casework.Shanghai).Format("2006-01-02 15:04"), Card: c})
}

// message is what notfound.html shows.
type message struct{ Title, Heading, Message, Advice string }

// badCard answers every token the hub cannot vouch for alike, so the answer
// says nothing about whether an officer or a number exists.
func (h *Handler) badCard(w http.ResponseWriter) {
	h.render(w, http.StatusNotFound, "notfound.html", message{Title: "无法核验", Heading: "执法证件核验",
		Message: "无法核验此二维码", Advice: "该链接无效、不完整或已被改动。请对照执法人员出示的证件，或联系其所属执法机关核实。"})
}

func (h *Handler) notFound(w http.ResponseWriter, _ *http.Request) {
	h.render(w, http.StatusNotFound, "notfound.html", message{Title: "页面不存在", Heading: "页面不存在",
		Message: "您访问的页面不存在", Advice: "请检查链接是否完整。"})
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
