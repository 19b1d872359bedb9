package console

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"lawtrail/hub"
)

// frame is what every signed-in page shows around its content: who is
// signed in, the scope, the navigation and the sign-out button.
type frame struct {
	Title     string
	V         viewer
	ScopeName string // 全区 or the agency's name
	Nav       []navItem
}

type navItem struct {
	Name, Link string
	Current    bool
}

var navViews = []struct{ slug, name string }{
	{"", "概览"}, {"agencies", "机关指标"}, {"overdue", "逾期公示"}, {"avgaps", "音像缺口"}, {"limits", "超期案件"},
	{"reviews", "法制审核"}, {"terminals", "终端"}, {"forks", "分叉记录"}, {"trends", "月度趋势"},
}

func newFrame(title, current string, v viewer, s *hub.Supervision) frame {
	f := frame{Title: title, V: v, ScopeName: "全区"}
	if v.Scope.Agency != "" {
		f.ScopeName = v.Scope.Agency
		if s != nil {
			f.ScopeName = nameOf(agencyNames(*s), v.Scope.Agency)
		}
	}
	for _, n := range navViews {
		f.Nav = append(f.Nav, navItem{Name: n.name, Link: "/console/" + n.slug + v.Query(), Current: n.slug == current})
	}
	f.Nav = append(f.Nav, navItem{Name: "暂缓公示", Link: "/console/withheld" + v.Query(), Current: current == "withheld"})
	f.Nav = append(f.Nav, navItem{Name: "调阅监督", Link: "/console/accesses" + v.Query(), Current: current == "accesses"})
	f.Nav = append(f.Nav, navItem{Name: "直播", Link: "/console/live" + v.Query(), Current: current == "live"})
	if v.Supervisor() {
		f.Nav = append(f.Nav, navItem{Name: "访问记录", Link: "/console/access" + v.Query(), Current: current == "access"})
	}
	return f
}

// supervision reads the viewer's scope, answering the request itself when
// it cannot (ok false).
func (h *Handler) supervision(w http.ResponseWriter, r *http.Request, v viewer) (hub.Supervision, bool) {
	s, err := h.b.Supervision(r.Context(), v.Scope)
	if errors.Is(err, hub.ErrNoAgency) {
		h.render(w, http.StatusNotFound, "message.html", message{Title: "没有此执法机关", Message: "平台上没有此执法机关的终端。",
			Advice: "请从概览的机关列表中选择。", User: &v.User})
		return s, false
	}
	if err != nil {
		h.failed(w, &v.User, "supervision", err)
		return s, false
	}
	return s, true
}

// alert is one of the overview's counts of things to act on.
type alert struct {
	Name, Link string
	Count      int
	Bad        bool
}

type overviewPage struct {
	frame
	At       string
	Alerts   []alert
	Agencies table
	Charts   []chart
}

func (h *Handler) overview(w http.ResponseWriter, r *http.Request, v viewer) {
	s, ok := h.supervision(w, r, v)
	if !ok {
		return
	}
	stale, reviewsLate, staffing := 0, 0, 0
	for _, t := range s.Terminals {
		if !t.Revoked && (t.LastSeen.IsZero() || s.At.Sub(t.LastSeen) > staleAfter) {
			stale++
		}
	}
	for _, rv := range s.Reviews {
		if rv.Late {
			reviewsLate++
		}
	}
	for _, a := range s.Agencies {
		if !a.ReviewersOK || !a.AVSetsOK {
			staffing++
		}
	}
	withheld, ok := h.withheld(w, r, v)
	if !ok {
		return
	}
	accesses, err := h.b.AccessFigures(r.Context(), v.Scope)
	if err != nil {
		h.failed(w, &v.User, "access figures", err)
		return
	}
	q := v.Query()
	p := overviewPage{frame: newFrame("执法监督概览", "", v, &s), At: clock(s.At), Agencies: agenciesTable(s, v), Charts: trendCharts(s, v),
		Alerts: []alert{
			{"逾期公示", "/console/overdue" + q, len(s.OverduePublications), len(s.OverduePublications) > 0},
			{"音像记录缺口", "/console/avgaps" + q, len(s.AVGaps), len(s.AVGaps) > 0},
			{"超过法定期限的案件", "/console/limits" + q, len(s.CasesPastLimit), len(s.CasesPastLimit) > 0},
			{"逾期的法制审核", "/console/reviews" + q, reviewsLate, reviewsLate > 0},
			{"人员设备配备不足的机关", "/console/agencies" + q, staffing, staffing > 0},
			{"超过 7 日未同步的终端", "/console/terminals" + q, stale, stale > 0},
			{"隔离的分叉记录", "/console/forks" + q, len(s.Forks), len(s.Forks) > 0},
			{"暂缓公示（含个人信息等）", "/console/withheld" + q, pending(withheld), pending(withheld) > 0},
			{"调阅量异常的人员", "/console/accesses" + q, flagged(accesses), flagged(accesses) > 0},
		}}
	h.render(w, http.StatusOK, "overview.html", p)
}

type listPage struct {
	frame
	At     string
	Table  table
	Export string
	Pages  *pager
}

func (h *Handler) listPage(build func(hub.Supervision, viewer) table) func(http.ResponseWriter, *http.Request, viewer) {
	return func(w http.ResponseWriter, r *http.Request, v viewer) {
		s, ok := h.supervision(w, r, v)
		if !ok {
			return
		}
		t := build(s, v)
		h.render(w, http.StatusOK, "list.html", listPage{frame: newFrame(t.Title, t.Slug, v, &s), At: clock(s.At), Table: t,
			Export: "/console/" + t.Slug + ".xlsx" + v.Query()})
	}
}

// withheld reads the publications withheld in the viewer's scope,
// answering the request itself when it cannot (ok false).
func (h *Handler) withheld(w http.ResponseWriter, r *http.Request, v viewer) ([]hub.WithheldPublication, bool) {
	ws, err := h.b.WithheldPublications(r.Context(), v.Scope)
	if err != nil {
		h.failed(w, &v.User, "withheld publications", err)
		return nil, false
	}
	return ws, true
}

// pending counts the withheld publications not withdrawn since.
func pending(ws []hub.WithheldPublication) int {
	n := 0
	for _, w := range ws {
		if !w.Withdrawn {
			n++
		}
	}
	return n
}

// withheldPage lists the publications the hub keeps off the public pages,
// and why.
func (h *Handler) withheldPage(w http.ResponseWriter, r *http.Request, v viewer) {
	ws, ok := h.withheld(w, r, v)
	if !ok {
		return
	}
	t := withheldTable(ws)
	h.render(w, http.StatusOK, "list.html", listPage{frame: newFrame(t.Title, t.Slug, v, nil), At: clock(h.opt.Now()), Table: t,
		Export: "/console/withheld.xlsx" + v.Query()})
}

func (h *Handler) withheldXLSX(w http.ResponseWriter, r *http.Request, v viewer) {
	ws, ok := h.withheld(w, r, v)
	if !ok {
		return
	}
	h.sendXLSX(w, v, "withheld", []table{withheldTable(ws)})
}

type timelinePage struct {
	frame
	Case             hub.CaseSummary
	Opened, Decision string
	PublicationLink  string
	Table            table
	Export           string
}

func (h *Handler) timeline(w http.ResponseWriter, r *http.Request, v viewer) {
	c, entries, ok := h.caseTimeline(w, r, v)
	if !ok {
		return
	}
	p := timelinePage{frame: newFrame("案件时间线："+orID(c.Number, c.Case), "case", v, nil), Case: c, Opened: clock(c.Opened),
		Table: timelineTable(c, entries), Export: "/console/cases/" + url.PathEscape(c.Case) + "/timeline.xlsx"}
	if c.Decision != nil {
		p.Decision = c.Decision.Describe()
	}
	if c.Publication != "" {
		p.PublicationLink = h.opt.PublicBase + "/decisions/" + url.PathEscape(c.Publication)
	}
	h.render(w, http.StatusOK, "timeline.html", p)
}

// maxCaseID bounds a case id from the path.
const maxCaseID = 200

func (h *Handler) caseTimeline(w http.ResponseWriter, r *http.Request, v viewer) (hub.CaseSummary, []hub.TimelineEntry, bool) {
	id := r.PathValue("id")
	var c hub.CaseSummary
	var entries []hub.TimelineEntry
	err := hub.ErrNoCase
	if len(id) <= maxCaseID {
		c, entries, err = h.b.CaseTimeline(r.Context(), v.Scope, id)
	}
	if errors.Is(err, hub.ErrNoCase) {
		h.render(w, http.StatusNotFound, "message.html", message{Title: "没有此案件", Message: "没有此案件，或它不在您可查看的范围内。",
			Advice: "请从列表中的案号进入案件。", User: &v.User})
		return c, nil, false
	}
	if err != nil {
		h.failed(w, &v.User, "timeline", err)
		return c, nil, false
	}
	return c, entries, true
}

// pager links the pages of a long list.
type pager struct {
	Page, Pages int
	Prev, Next  string
}

const accessPerPage = 100

type accessPage struct {
	frame
	Table  table
	Live   *table // the latest watching of live sessions, on the first page
	Total  int
	Export string
	Pages  pager
}

// access is the 访问记录 view: supervisors only, of their scope.
func (h *Handler) access(w http.ResponseWriter, r *http.Request, v viewer) {
	if !v.Supervisor() {
		h.forbidden(w, v.User)
		return
	}
	page := pageNumber(r.URL.Query().Get("page"))
	views, total, err := h.b.WebViews(r.Context(), hub.WebViewQuery{Agency: v.Scope.Agency, Offset: (page - 1) * accessPerPage, Limit: accessPerPage})
	if err != nil {
		h.failed(w, &v.User, "view records", err)
		return
	}
	p := accessPage{frame: newFrame("访问记录", "access", v, nil), Table: accessTable(views), Total: total,
		Export: "/console/access.xlsx" + v.Query(), Pages: pager{Page: page, Pages: max(1, (total+accessPerPage-1)/accessPerPage)}}
	if page == 1 {
		lv, err := h.b.LiveViewLog(r.Context(), v.Scope, 100)
		if err != nil {
			h.failed(w, &v.User, "live view log", err)
			return
		}
		t := liveLogTable(lv) // live.go
		p.Live = &t
	}
	link := func(n int) string {
		q := url.Values{"page": {strconv.Itoa(n)}}
		if v.CanPick() && v.Scope.Agency != "" {
			q.Set("agency", v.Scope.Agency)
		}
		return "/console/access?" + q.Encode()
	}
	if page > 1 {
		p.Pages.Prev = link(min(page-1, p.Pages.Pages))
	}
	if page < p.Pages.Pages {
		p.Pages.Next = link(page + 1)
	}
	h.render(w, http.StatusOK, "access.html", p)
}

// pageNumber reads a page number: anything but a number from 1 to 100000
// is the first page.
func pageNumber(s string) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 1 || n > 100000 {
		return 1
	}
	return n
}
