package console

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"lawtrail/casework"
	"lawtrail/hub"
	"lawtrail/hub/live"
	"lawtrail/sync/protocol"
)

// Live view in the console (直播): /console/live lists the sessions live
// now in the account's scope and the recorded ones; /console/live/{id} plays
// a session (static/live.js, WebRTC) beside its officer, case and step,
// with who watched and talked when. The page's script signals WHEP-style
// with complete SDP:
//
//	GET    /console/live/{id}/ice                 protocol.LiveICE: TURN servers, credentials that expire
//	GET    /console/live/{id}/status              protocol.LiveStatus: the terminal's link, the viewers (404 once ended)
//	POST   /console/live/{id}/whep                application/sdp offer → 201, the answer, Location …/whep/{viewer}
//	DELETE /console/live/{id}/whep/{viewer}       stop watching
//	POST   /console/live/{id}/whep/{viewer}/talk  body "on" or "off": push-to-talk held or let go
//
// Every route needs a signed-in account whose scope covers the session
// (a head: their agency's sessions; a supervisor: every agency's); a
// session outside it is not found. Viewing the page is recorded as every
// console page is; watching (from the WHEP offer to the connection's end)
// and talking are recorded by hub/live in live_views.
//
// Talk-back is given to every account that may watch the session: the
// agency's head commands its officers on site, and the district's
// supervisors (司法局) may direct an act they supervise live; both are
// recorded. Narrow it in mayTalk.

// LiveView is the SFU as the console uses it (*live.SFU is one).
type LiveView interface {
	Sessions(agency string) []live.Info
	Session(id string) (live.Info, bool)
	ICE(user string) protocol.LiveICE
	Watch(ctx context.Context, id string, w live.Watcher, offer string) (viewerID, answer string, err error)
	Leave(id, viewerID, account string) error
	Talk(id, viewerID, account string, on bool) error
}

// LiveRecord is the record of live sessions (hub.Hub is one;
// hub/liverecord.go).
type LiveRecord interface {
	LiveSessions(ctx context.Context, s hub.Scope, limit int) ([]hub.LiveSession, error)
	LiveSessionRecord(ctx context.Context, id string) (hub.LiveSession, []hub.LiveView, bool, error)
	LiveViewLog(ctx context.Context, s hub.Scope, limit int) ([]hub.LiveView, error)
	LiveStepKind(ctx context.Context, agency, step string) (casework.StepKind, bool, error)
}

// livePermissions is the live page's Permissions-Policy: the hub's web
// denies the camera and microphone to every page; the live page may ask for
// the microphone, for push-to-talk (only when the person holds the button).
const livePermissions = "camera=(), microphone=(self), geolocation=()"

// LiveCSP is the Content-Security-Policy of the live pages: CSP's rules
// plus the page's own script, fetches to the console and played media.
const LiveCSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'self'; connect-src 'self'; media-src 'self' blob:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// maxTalkBody bounds a talk request's body ("on" or "off").
const maxTalkBody = 16

func (h *Handler) liveRoutes(mux *http.ServeMux) {
	mux.Handle("GET /console/live", h.signedIn(h.liveList))
	mux.Handle("GET /console/live/{id}", h.signedIn(h.livePage))
	mux.Handle("GET /console/live/{id}/ice", h.liveAPI(h.liveICE))
	mux.Handle("GET /console/live/{id}/status", h.liveAPI(h.liveStatus))
	mux.Handle("POST /console/live/{id}/whep", h.liveAPI(h.whep))
	mux.Handle("DELETE /console/live/{id}/whep/{viewer}", h.liveAPI(h.whepLeave))
	mux.Handle("POST /console/live/{id}/whep/{viewer}/talk", h.liveAPI(h.whepTalk))
	// the page's script, asked again on each load: a new hub's script never meets an old page
	mux.HandleFunc("GET /console/static/live.js", embedded("live.js", "text/javascript; charset=utf-8", "no-cache"))
}

// covers says whether an account may see an agency's sessions.
func covers(u hub.WebUser, agency string) bool { return u.Agency == "" || u.Agency == agency }

// mayTalk says whether an account that may watch a session may also talk
// back (see the comment at the top).
func mayTalk(u hub.WebUser, s live.Info) bool { return covers(u, s.Agency) }

type liveListPage struct {
	frame
	Enabled bool
	Now     table
	Record  table
}

func (h *Handler) liveList(w http.ResponseWriter, r *http.Request, v viewer) {
	var now []live.Info
	if h.opt.Live != nil {
		now = h.opt.Live.Sessions(v.Scope.Agency)
	}
	liveIDs := map[string]bool{}
	for _, s := range now {
		liveIDs[s.ID] = true
	}
	rec, err := h.b.LiveSessions(r.Context(), v.Scope, 100)
	if err != nil {
		h.failed(w, &v.User, "live sessions", err)
		return
	}
	h.render(w, http.StatusOK, "live_list.html", liveListPage{frame: newFrame("直播", "live", v, nil), Enabled: h.opt.Live != nil,
		Now: liveNowTable(now), Record: liveRecordTable(rec, liveIDs)})
}

type livePageData struct {
	frame
	Session   hub.LiveSession
	Live      bool
	Talkback  bool
	Connected bool // the terminal's media link is up
	Viewers   int
	Base      string // /console/live/{id}
	CaseLink  string
	CaseName  string // the case's number and title, as the hub's record has them
	StepName  string // the step's kind in words, as the hub's record has it
	Source    string
	Started   string
	Record    table
}

func (h *Handler) livePage(w http.ResponseWriter, r *http.Request, v viewer) {
	id := r.PathValue("id")
	info, isLive := h.liveSession(id)
	rec, views, found, err := h.b.LiveSessionRecord(r.Context(), id)
	if err != nil {
		h.failed(w, &v.User, "live session", err)
		return
	}
	if !isLive && !found || !protocol.ValidLiveSession(id) {
		h.render(w, http.StatusNotFound, "message.html", message{Title: "没有此直播", Message: "平台上没有此直播的记录。",
			Advice: "请从直播列表中选择。", User: &v.User})
		return
	}
	if isLive {
		rec = liveSessionOf(info, rec)
	}
	if !covers(v.User, rec.Agency) {
		h.forbidden(w, v.User)
		return
	}
	w.Header().Set("Content-Security-Policy", LiveCSP)
	w.Header().Set("Permissions-Policy", livePermissions)
	p := livePageData{frame: newFrame("直播："+rec.OfficerName, "live", v, nil), Session: rec, Live: isLive, Talkback: isLive && mayTalk(v.User, info),
		Connected: info.Status.Connected, Viewers: len(info.Status.Viewers), Base: "/console/live/" + url.PathEscape(id), Source: sourceLabel(rec.Source), Started: clock(rec.Started),
		Record: liveViewsTable(views)}
	if rec.Case != "" {
		p.CaseLink = caseLink(rec.Case)
		// The number and title, when the hub holds the case (its events
		// may still be on their way).
		if c, _, err := h.b.CaseTimeline(r.Context(), hub.Scope{Agency: rec.Agency}, rec.Case); err == nil {
			p.CaseName = strings.TrimSpace(c.Number + " " + c.Title)
		}
	}
	if rec.Step != "" {
		if k, ok, err := h.b.LiveStepKind(r.Context(), rec.Agency, rec.Step); err == nil && ok {
			p.StepName = k.Label()
		}
	}
	h.render(w, http.StatusOK, "live.html", p)
}

// liveSessionOf is what the page shows of a live session: the record's
// times, the publisher's latest description.
func liveSessionOf(info live.Info, rec hub.LiveSession) hub.LiveSession {
	rec.ID, rec.Terminal, rec.Agency = info.ID, info.Terminal, info.Agency
	rec.Officer, rec.OfficerName, rec.Case, rec.Step, rec.Source = info.Offer.Officer, info.Offer.OfficerName, info.Offer.Case, info.Offer.Step, info.Offer.Source
	if rec.Started.IsZero() {
		rec.Started = info.Since
	}
	return rec
}

func (h *Handler) liveSession(id string) (live.Info, bool) {
	if h.opt.Live == nil || !protocol.ValidLiveSession(id) {
		return live.Info{}, false
	}
	return h.opt.Live.Session(id)
}

// liveAPI serves the page script's requests: a signed-in account, a live
// session its scope covers. They answer plain text, not pages.
func (h *Handler) liveAPI(next func(http.ResponseWriter, *http.Request, hub.WebUser, live.Info)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, err := h.b.WebSessionUser(r.Context(), h.sessionToken(r))
		if errors.Is(err, hub.ErrNoWebSession) {
			http.Error(w, "请先登录。", http.StatusUnauthorized)
			return
		}
		if err != nil {
			h.opt.Log.Error("console", "what", "session", "err", err)
			http.Error(w, "系统暂时无法处理，请稍后再试。", http.StatusInternalServerError)
			return
		}
		info, ok := h.liveSession(r.PathValue("id"))
		if !ok || !covers(u, info.Agency) {
			http.Error(w, "没有此直播，或直播已结束。", http.StatusNotFound)
			return
		}
		next(w, r, u, info)
	})
}

func (h *Handler) liveICE(w http.ResponseWriter, _ *http.Request, u hub.WebUser, _ live.Info) {
	writeLiveJSON(w, h.opt.Live.ICE(u.Name))
}

func (h *Handler) liveStatus(w http.ResponseWriter, _ *http.Request, _ hub.WebUser, info live.Info) {
	writeLiveJSON(w, info.Status)
}

// whep answers a viewer's SDP offer (WHEP: RFC 9725's shape).
func (h *Handler) whep(w http.ResponseWriter, r *http.Request, u hub.WebUser, info live.Info) {
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/sdp" {
		http.Error(w, "需要 application/sdp。", http.StatusUnsupportedMediaType)
		return
	}
	offer, err := io.ReadAll(http.MaxBytesReader(w, r.Body, protocol.MaxLiveSDP))
	if err != nil {
		http.Error(w, "SDP 过长。", http.StatusRequestEntityTooLarge)
		return
	}
	viewer, ans, err := h.opt.Live.Watch(r.Context(), info.ID, live.Watcher{Account: u.Name, Name: u.Name, Role: u.Role,
		Talkback: mayTalk(u, info)}, string(offer))
	if err != nil {
		h.liveError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/sdp")
	w.Header().Set("Location", "/console/live/"+url.PathEscape(info.ID)+"/whep/"+url.PathEscape(viewer))
	w.WriteHeader(http.StatusCreated)
	io.WriteString(w, ans)
}

func (h *Handler) whepLeave(w http.ResponseWriter, r *http.Request, u hub.WebUser, info live.Info) {
	if err := h.opt.Live.Leave(info.ID, r.PathValue("viewer"), u.Name); err != nil {
		h.liveError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handler) whepTalk(w http.ResponseWriter, r *http.Request, u hub.WebUser, info live.Info) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxTalkBody))
	on := strings.TrimSpace(string(body))
	if err != nil || on != "on" && on != "off" {
		http.Error(w, "请求应为 on 或 off。", http.StatusBadRequest)
		return
	}
	if err := h.opt.Live.Talk(info.ID, r.PathValue("viewer"), u.Name, on == "on"); err != nil {
		h.liveError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// liveError answers an SFU refusal in words a person reads.
func (h *Handler) liveError(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, live.ErrBadSDP):
		http.Error(w, "浏览器的连接请求无法使用。", http.StatusBadRequest)
	case errors.Is(err, live.ErrNoSession), errors.Is(err, live.ErrNoViewer):
		http.Error(w, "没有此直播，或直播已结束。", http.StatusNotFound)
	case errors.Is(err, live.ErrBusy):
		http.Error(w, "观看人数已满，请稍后再试。", http.StatusTooManyRequests)
	case errors.Is(err, live.ErrTalkBusy):
		http.Error(w, "其他人正在喊话。", http.StatusConflict)
	case errors.Is(err, live.ErrNoTalkback):
		http.Error(w, "您的账户不能对讲。", http.StatusForbidden)
	default:
		h.opt.Log.Error("console", "what", "live", "err", err)
		http.Error(w, "系统暂时无法处理，请稍后再试。", http.StatusInternalServerError)
	}
}

func sourceLabel(s string) string {
	switch s {
	case protocol.LiveSourceCamera:
		return "摄像头"
	case protocol.LiveSourceRTSP:
		return "执法记录仪 / 网络摄像机（RTSP）"
	case protocol.LiveSourceFile:
		return "文件"
	case protocol.LiveSourcePattern:
		return "测试画面"
	}
	return s
}

func liveLink(id string) string { return "/console/live/" + url.PathEscape(id) }

// liveNowTable lists the sessions live now.
func liveNowTable(list []live.Info) table {
	t := table{Slug: "live-now", Title: "正在直播", Columns: []string{"执法人员", "案件", "环节", "来源", "开始", "连接", "观看人数"},
		Empty: "目前没有直播。"}
	for _, s := range list {
		link := ""
		if s.Offer.Case != "" {
			link = caseLink(s.Offer.Case)
		}
		conn := "已连接"
		if !s.Status.Connected {
			conn = "等待终端重连"
		}
		t.Rows = append(t.Rows, []cell{txt(s.Offer.OfficerName).to(liveLink(s.ID)), txt(s.Offer.Case).to(link), txt(s.Offer.Step),
			txt(sourceLabel(s.Offer.Source)), txt(clock(s.Since)), txt(conn).bad(!s.Status.Connected), num(len(s.Status.Viewers))})
	}
	return t
}

// liveRecordTable lists recorded sessions; live are the ids live now.
func liveRecordTable(list []hub.LiveSession, live map[string]bool) table {
	t := table{Slug: "live-record", Title: "直播记录", Intro: "平台转发过的每一场直播；谁在何时观看、喊话，见各场直播的页面。",
		Columns: []string{"执法人员", "终端", "案件", "环节", "来源", "开始", "结束"}, Empty: "暂无直播记录。"}
	for _, s := range list {
		end := clock(s.Ended)
		switch {
		case end == "" && live[s.ID]:
			end = "直播中"
		case end == "":
			end = "未记录结束" // the hub process stopped, or another process serves it
		}
		t.Rows = append(t.Rows, []cell{txt(s.OfficerName).to(liveLink(s.ID)), txt(s.Terminal), txt(s.Case), txt(s.Step),
			txt(sourceLabel(s.Source)), txt(clock(s.Started)), txt(end)})
	}
	return t
}

// liveViewsTable is who watched and talked back, and when.
func liveViewsTable(views []hub.LiveView) table {
	t := table{Slug: "live-views", Title: "观看与喊话记录", Columns: []string{"账户", "角色", "动作", "开始", "结束", "时长"},
		Empty: "尚无人观看。"}
	for _, v := range views {
		kind, end, span := "观看", "进行中", ""
		if v.Kind == hub.LiveTalk {
			kind = "喊话"
		}
		if !v.Ended.IsZero() {
			end, span = clock(v.Ended), duration(v.Ended.Sub(v.Started))
		}
		t.Rows = append(t.Rows, []cell{txt(v.Account), txt(v.Role.Label()), txt(kind), txt(clock(v.Started)), txt(end), txt(span)})
	}
	return t
}

// liveLogTable is the latest watching and talking in a scope, for 访问记录.
func liveLogTable(views []hub.LiveView) table {
	t := liveViewsTable(views)
	t.Slug, t.Title, t.Empty = "live-log", "直播观看与喊话（最近 100 条）", "暂无直播观看记录。"
	t.Columns = append([]string{"直播"}, t.Columns...)
	for i, v := range views {
		t.Rows[i] = append([]cell{txt(v.Session).to(liveLink(v.Session))}, t.Rows[i]...)
	}
	return t
}

func writeLiveJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
