package console

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"lawtrail/hub"
)

// The session cookie. Its value is the session's random id (32 bytes,
// base64url); the hub stores only its SHA-256 and ends it 30 minutes after
// its last use or 12 hours after sign-in (hub/webusers.go). Every sign-in
// makes a new id, and an id the browser brought along is ended first, so a
// planted cookie never becomes a signed-in session (no fixation). The
// cookie has no Max-Age: closing the browser forgets it.
//
// Over HTTPS (this process serving TLS, or Options.HTTPS behind a proxy
// that terminates it) the cookie is __Host-lawtrail_session: Secure,
// HttpOnly, SameSite=Lax, Path=/ and no Domain, which browsers enforce for
// the __Host- prefix, so no other host or plain-HTTP page can set or read
// it. On plain HTTP end to end (a test, a trial on one machine) a Secure
// cookie would not be kept and the prefix is not allowed, so the fallback
// is lawtrail_session: HttpOnly, SameSite=Lax, Path=/, not Secure. Each
// mode reads only its own name.
const (
	cookieHTTPS = "__Host-lawtrail_session"
	cookiePlain = "lawtrail_session"
)

// maxForm bounds a sign-in form's body.
const maxForm = 8 << 10

func (h *Handler) https(r *http.Request) bool { return r.TLS != nil || h.opt.HTTPS }

func (h *Handler) cookieName(r *http.Request) string {
	if h.https(r) {
		return cookieHTTPS
	}
	return cookiePlain
}

func (h *Handler) setSessionCookie(w http.ResponseWriter, r *http.Request, token string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: h.cookieName(r), Value: token, Path: "/", MaxAge: maxAge,
		Secure: h.https(r), HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

// sessionToken is the session id the request carries, "" for none.
func (h *Handler) sessionToken(r *http.Request) string {
	c, err := r.Cookie(h.cookieName(r))
	if err != nil {
		return ""
	}
	return c.Value
}

// viewer is who asks for a page and what scope it covers.
type viewer struct {
	User  hub.WebUser
	Scope hub.Scope
}

// query is "?agency=ID" when the viewer picked an agency the account's own
// scope does not fix; what links keep to stay in the scope.
func (v viewer) Query() string {
	if v.Scope.Agency == "" || v.User.Agency != "" {
		return ""
	}
	return "?agency=" + url.QueryEscape(v.Scope.Agency)
}

// District says whether the viewer sees every agency.
func (v viewer) District() bool { return v.Scope.Agency == "" }

// CanPick says whether the viewer may choose among agencies.
func (v viewer) CanPick() bool { return v.User.Agency == "" }

// Supervisor says whether the account is the 司法局's.
func (v viewer) Supervisor() bool { return v.User.Role == hub.WebSupervisor }

// signedIn serves page to a signed-in account in the scope it asked for
// and may see, after recording the view. Anyone else is sent to sign in.
func (h *Handler) signedIn(page func(http.ResponseWriter, *http.Request, viewer)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, err := h.b.WebSessionUser(r.Context(), h.sessionToken(r))
		if errors.Is(err, hub.ErrNoWebSession) {
			h.toSignIn(w, r)
			return
		}
		if err != nil {
			h.failed(w, nil, "session", err)
			return
		}
		scope, scopeErr := scopeOf(u, r.URL.Query().Get("agency"))
		if err := h.b.RecordWebView(r.Context(), hub.WebView{User: u.Name, Role: u.Role, Scope: scope.Agency, Path: r.URL.RequestURI()}); err != nil {
			h.failed(w, &u, "record view", err) // a view not recorded is not shown
			return
		}
		if scopeErr != nil {
			h.forbidden(w, u)
			return
		}
		page(w, r, viewer{User: u, Scope: scope})
	})
}

// maxAgency bounds an agency id from a query string.
const maxAgency = 200

// scopeOf is the scope a request covers: an account bound to one agency
// sees that agency only; a district account sees the agency it picked, or
// the district.
func scopeOf(u hub.WebUser, picked string) (hub.Scope, error) {
	if len(picked) > maxAgency || !utf8.ValidString(picked) {
		return hub.Scope{Agency: u.Agency}, errNotYours
	}
	if u.Agency != "" {
		if picked != "" && picked != u.Agency {
			return hub.Scope{Agency: picked}, errNotYours
		}
		return hub.Scope{Agency: u.Agency}, nil
	}
	return hub.Scope{Agency: picked}, nil
}

// toSignIn sends an anonymous request to the sign-in page, to come back
// where it was going.
func (h *Handler) toSignIn(w http.ResponseWriter, r *http.Request) {
	target := "/console/login"
	if r.Method == http.MethodGet {
		if next := localNext(r.URL.RequestURI()); next != "/console/" {
			target += "?next=" + url.QueryEscape(next)
		}
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// localNext is where to go after signing in: next when it is a console
// page of this host, else the overview. A path that a browser would take
// to another host (//evil, /\evil, https://…) or that leaves the console
// is refused, as are the sign-in and sign-out pages themselves.
func localNext(next string) string {
	const home = "/console/"
	if len(next) > 2048 || !strings.HasPrefix(next, home) || strings.ContainsAny(next, "\\\x00\r\n\t ") {
		return home
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" ||
		!strings.HasPrefix(u.Path, home) || strings.Contains(u.Path, "/..") || strings.Contains(u.Path, "//") {
		return home
	}
	if u.Path == "/console/login" || u.Path == "/console/logout" {
		return home
	}
	return next
}

// loginPage is what login.html shows.
type loginPage struct {
	Title, Next, Name, Error string
}

func (h *Handler) loginForm(w http.ResponseWriter, r *http.Request) {
	next := localNext(r.URL.Query().Get("next"))
	if tok := h.sessionToken(r); tok != "" {
		if _, err := h.b.WebSessionUser(r.Context(), tok); err == nil {
			http.Redirect(w, r, next, http.StatusSeeOther)
			return
		}
	}
	h.render(w, http.StatusOK, "login.html", loginPage{Title: "登录执法监督平台", Next: next})
}

// login checks a name and password within the sign-in limits (see
// ratelimit.go) and opens a new session.
func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		h.render(w, http.StatusBadRequest, "login.html", loginPage{Title: "登录执法监督平台", Next: "/console/", Error: "表单无效，请重新填写。"})
		return
	}
	name, password, next := r.PostForm.Get("name"), r.PostForm.Get("password"), localNext(r.PostForm.Get("next"))
	page := loginPage{Title: "登录执法监督平台", Next: next, Name: truncate(name, hub.MaxWebUserName)}
	keys := []string{accountKey(name), "ip " + clientKey(r, h.opt.ClientIPHeader)}
	if wait := h.limiter.wait(keys...); wait > 0 {
		w.Header().Set("Retry-After", retryAfter(wait))
		page.Error = "登录失败次数过多，请于 " + waitText(wait) + " 后再试。"
		h.render(w, http.StatusTooManyRequests, "login.html", page)
		return
	}
	s, err := h.signIn(r.Context(), name, password)
	if errors.Is(err, hub.ErrSignInFailed) {
		h.limiter.fail(keys...)
		page.Error = "账户名或密码不正确。"
		h.render(w, http.StatusUnauthorized, "login.html", page)
		return
	}
	if err != nil {
		h.failed(w, nil, "sign in", err)
		return
	}
	h.limiter.succeed(keys[0])
	if old := h.sessionToken(r); old != "" {
		h.b.WebSignOut(r.Context(), old) // the id the browser brought is never reused
	}
	h.setSessionCookie(w, r, s.Token, 0)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// signIn runs the hub's sign-in when one of the few hashing slots is free.
func (h *Handler) signIn(ctx context.Context, name, password string) (hub.WebSession, error) {
	select {
	case h.hashing <- struct{}{}:
		defer func() { <-h.hashing }()
	case <-ctx.Done():
		return hub.WebSession{}, ctx.Err()
	}
	return h.b.WebSignIn(ctx, name, []byte(password))
}

// logout ends the session and forgets the cookie.
func (h *Handler) logout(w http.ResponseWriter, r *http.Request) {
	if tok := h.sessionToken(r); tok != "" {
		if err := h.b.WebSignOut(r.Context(), tok); err != nil {
			h.failed(w, nil, "sign out", err)
			return
		}
	}
	h.setSessionCookie(w, r, "", -1)
	http.Redirect(w, r, "/console/login", http.StatusSeeOther)
}

// truncate cuts s to at most n characters.
func truncate(s string, n int) string {
	s = strings.ToValidUTF8(s, "")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// retryAfter is a Retry-After header's seconds, rounded up.
func retryAfter(d time.Duration) string {
	return strconv.Itoa(int((d + time.Second - 1) / time.Second))
}
