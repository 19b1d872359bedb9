package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"unicode/utf8"

	"lawtrail/casework"
	"lawtrail/hub"
)

// Bounds of the list's filters: a year of a decision lawtrail can hold, a
// page number far past any list.
const (
	minYear, maxYear = 2000, 2100
	maxPage          = 100000
)

// listFilter is the list's query: the hub's query and the page asked for.
type listFilter struct {
	Agency string
	Act    casework.ActType
	Year   int
	Page   int
}

// parseFilter reads ?agency=&act=&year=&page=. An empty value is no
// filter; anything else that is not a known act, a year or a page number is
// refused with a message a visitor can act on.
func parseFilter(raw string) (listFilter, error) {
	f := listFilter{Page: 1}
	q, err := url.ParseQuery(raw)
	if err != nil {
		return f, errors.New("查询条件的格式不正确。")
	}
	var agency, act, year, page string
	for _, p := range []struct {
		name, label string
		to          *string
	}{{"agency", "执法机关", &agency}, {"act", "执法行为类别", &act}, {"year", "年份", &year}, {"page", "页码", &page}} {
		v := q[p.name]
		switch {
		case len(v) > 1:
			return f, fmt.Errorf("查询条件“%s”只能有一个。", p.label)
		case len(v) == 1 && (len(v[0]) > maxID || !utf8.ValidString(v[0])):
			return f, fmt.Errorf("查询条件“%s”过长或含有无效字符。", p.label)
		case len(v) == 1:
			*p.to = v[0]
		}
	}
	f.Agency = agency
	if act != "" {
		if !slices.Contains(casework.ActTypes, casework.ActType(act)) {
			return f, errors.New("没有这种执法行为类别。请从列表中选择。")
		}
		f.Act = casework.ActType(act)
	}
	if year != "" {
		if f.Year, err = boundedInt(year, minYear, maxYear); err != nil {
			return f, fmt.Errorf("年份应为 %d 至 %d 之间的四位数字。", minYear, maxYear)
		}
	}
	if page != "" {
		if f.Page, err = boundedInt(page, 1, maxPage); err != nil {
			return f, errors.New("页码应为正整数。")
		}
	}
	return f, nil
}

var digits = regexp.MustCompile(`^[0-9]{1,9}$`)

// boundedInt reads s as a decimal number of at most 9 digits in [lo, hi].
func boundedInt(s string, lo, hi int) (int, error) {
	if !digits.MatchString(s) {
		return 0, errors.New("not a number")
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, errors.New("out of range")
	}
	return n, nil
}

// query is the filter with page p, as a query string ("" when empty).
func (f listFilter) query(p int) string {
	v := url.Values{}
	if f.Agency != "" {
		v.Set("agency", f.Agency)
	}
	if f.Act != "" {
		v.Set("act", string(f.Act))
	}
	if f.Year != 0 {
		v.Set("year", strconv.Itoa(f.Year))
	}
	if p > 1 {
		v.Set("page", strconv.Itoa(p))
	}
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

// decisionsPage is what decisions.html shows.
type decisionsPage struct {
	Title      string
	Filter     listFilter
	Agencies   []hub.AgencyName // the form's choices
	Acts       []casework.ActType
	Items      []hub.PublicDecision
	Total      int
	Start      int // the number of the page's first item
	Page, Last int
	Prev, Next string // addresses of the neighbouring pages, "" at an end
}

// decisions is the list of publications: GET /decisions, newest first.
// The publication generation is read before anything else, so a page
// rendered (and cached, and tagged) under generation g shows at least what
// g stands for.
func (h *Handler) decisions(w http.ResponseWriter, r *http.Request) {
	f, err := parseFilter(r.URL.RawQuery)
	if err != nil {
		h.badRequest(w, err.Error())
		return
	}
	generation, err := h.read.PublicationGeneration(r.Context())
	if err != nil {
		h.failed(w, "decisions", err)
		return
	}
	key := f.query(f.Page)
	tag := h.entityTag(generation, "list", key)
	if notModified(w, r, tag) {
		return
	}
	page, ok := h.lists.get(key, generation)
	if !ok {
		if page, ok = h.renderList(w, r, f); !ok {
			return
		}
		h.lists.put(key, generation, page)
	}
	revalidate(w, tag)
	writeHTML(w, http.StatusOK, page)
}

// renderList reads and renders the list page f asks for; a failure or an
// unknown agency is answered here.
func (h *Handler) renderList(w http.ResponseWriter, r *http.Request, f listFilter) ([]byte, bool) {
	ctx := r.Context()
	agencies, err := h.read.AgencyNames(ctx)
	if err != nil {
		h.failed(w, "agencies", err)
		return nil, false
	}
	if f.Agency != "" && !slices.ContainsFunc(agencies, func(a hub.AgencyName) bool { return a.ID == f.Agency }) {
		h.badRequest(w, "没有该执法机关。请从列表中选择。")
		return nil, false
	}
	size := h.opt.PageSize
	res, err := h.read.PublicDecisions(ctx, hub.DecisionQuery{Agency: f.Agency, Act: f.Act, Year: f.Year,
		Offset: (f.Page - 1) * size, Limit: size})
	if err != nil {
		h.failed(w, "decisions", err)
		return nil, false
	}
	list := decisionsPage{Title: "行政执法决定公示", Filter: f, Agencies: agencies, Acts: casework.ActTypes,
		Items: res.Items, Total: res.Total, Page: f.Page, Last: max(1, (res.Total+size-1)/size), Start: (f.Page-1)*size + 1}
	if f.Page > 1 {
		list.Prev = "/decisions" + f.query(min(f.Page-1, list.Last))
	}
	if f.Page < list.Last {
		list.Next = "/decisions" + f.query(f.Page+1)
	}
	return h.execute(w, "decisions.html", list)
}

// decisionPage is what decision.html shows.
type decisionPage struct {
	Title string
	D     hub.PublicDecision
}

// decision is one publication: GET /decisions/{id}. Like the list, it is
// tagged with the publication generation read first.
func (h *Handler) decision(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if id == "" || len(id) > maxID || !utf8.ValidString(id) {
		h.noPublication(w)
		return
	}
	generation, err := h.read.PublicationGeneration(r.Context())
	if err != nil {
		h.failed(w, "decision", err)
		return
	}
	tag := h.entityTag(generation, "decision", id)
	if notModified(w, r, tag) {
		return
	}
	d, ok := h.publication(w, r, id)
	if !ok {
		return
	}
	revalidate(w, tag)
	h.render(w, http.StatusOK, "decision.html", decisionPage{Title: d.Text.Title, D: d})
}

// publication reads publication id; an unknown one is answered 404.
func (h *Handler) publication(w http.ResponseWriter, r *http.Request, id string) (hub.PublicDecision, bool) {
	d, err := h.read.PublicDecision(r.Context(), id)
	if errors.Is(err, hub.ErrNotPublished) {
		h.noPublication(w)
		return d, false
	}
	if err != nil {
		h.failed(w, "decision", err)
		return d, false
	}
	return d, true
}

func (h *Handler) noPublication(w http.ResponseWriter) {
	h.missing(w, "没有该公示信息", "该链接无效或不完整。请从决定公示列表进入。")
}

// proof is the publication's proof of inclusion in the hub's log, to
// download: GET /decisions/{id}/proof.json.
func (h *Handler) proof(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if id == "" || len(id) > maxID || !utf8.ValidString(id) {
		h.noPublication(w)
		return
	}
	p, err := h.read.PublicationProof(r.Context(), id)
	if errors.Is(err, hub.ErrNotPublished) {
		h.noPublication(w)
		return
	}
	if err != nil {
		h.failed(w, "publication proof", err)
		return
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(p); err != nil {
		h.failed(w, "publication proof", err)
		return
	}
	// Revalidated on every use like the decision's page: the proof names a
	// withdrawal at once, and a newer checkpoint with each event the hub
	// accepts (so no ETag: it would rarely match).
	w.Header().Set("Cache-Control", "no-cache")
	download(w, "application/json", fileName(id)+"-proof.json", buf.Bytes())
}

var safeName = regexp.MustCompile(`^[A-Za-z0-9._-]{1,100}$`)

// fileName is id when it is safe in a header's quoted file name, else
// "publication".
func fileName(id string) string {
	if safeName.MatchString(id) && id[0] != '.' {
		return id
	}
	return "publication"
}
