package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"lawtrail/casework"
	"lawtrail/hub"
)

// The 调阅监督 page (R6: every view, export and download of the record is
// signed and names who and, off the case, why): per person the accesses of
// the last 30 days with unusual volume flagged (the rule is hub.AccessFigures'),
// each person leading to their accesses; below, the accesses newest first.
// Supervisors and heads, each in their scope. Not to be confused with 访问
// 记录 (/console/access), the console's own log of page views.

// accessesPerPage is how many accesses the page lists at a time.
const accessesPerPage = 100

// maxOfficerID bounds an officer id from the query string.
const maxOfficerID = 200

type accessesPage struct {
	frame
	At, Since string
	Flagged   int
	People    table
	List      table
	Officer   string // the person the list is of; "" for everyone
	Total     int
	Export    string
	Pages     pager
}

// accessRequest is what the page's query asks for: whose accesses and
// which page; ok false for an officer id no record can hold.
func accessRequest(r *http.Request) (officer string, page int, ok bool) {
	officer = r.URL.Query().Get("officer")
	page = pageNumber(r.URL.Query().Get("page"))
	return officer, page, len(officer) <= maxOfficerID && utf8.ValidString(officer)
}

// accessesLink is the page's address for officer and page n in the
// viewer's scope; a district account's link to a person names the person's
// agency too (officer ids are unique within an agency only).
func accessesLink(v viewer, officer, agency string, n int) string {
	q := url.Values{}
	if officer != "" {
		q.Set("officer", officer)
	}
	if n > 1 {
		q.Set("page", strconv.Itoa(n))
	}
	if v.CanPick() && v.Scope.Agency != "" {
		q.Set("agency", v.Scope.Agency)
	} else if v.CanPick() && agency != "" {
		q.Set("agency", agency)
	}
	if len(q) == 0 {
		return "/console/accesses"
	}
	return "/console/accesses?" + q.Encode()
}

func (h *Handler) accesses(w http.ResponseWriter, r *http.Request, v viewer) {
	officer, page, ok := accessRequest(r)
	if !ok {
		h.noSuchOfficer(w, v)
		return
	}
	sum, err := h.b.AccessFigures(r.Context(), v.Scope)
	if err != nil {
		h.failed(w, &v.User, "access figures", err)
		return
	}
	list, err := h.b.Accesses(r.Context(), v.Scope, hub.AccessQuery{Officer: officer, Offset: (page - 1) * accessesPerPage, Limit: accessesPerPage})
	if err != nil {
		h.failed(w, &v.User, "accesses", err)
		return
	}
	p := accessesPage{frame: newFrame("调阅监督", "accesses", v, nil), At: clock(sum.At), Since: clock(sum.Since), Flagged: flagged(sum),
		People: accessPeopleTable(sum, v), List: accessListTable(list.Items, officer), Officer: officer, Total: list.Total,
		Export: "/console/accesses.xlsx" + exportQuery(v, officer),
		Pages:  pager{Page: page, Pages: max(1, (list.Total+accessesPerPage-1)/accessesPerPage)}}
	if page > 1 {
		p.Pages.Prev = accessesLink(v, officer, "", min(page-1, p.Pages.Pages))
	}
	if page < p.Pages.Pages {
		p.Pages.Next = accessesLink(v, officer, "", page+1)
	}
	h.render(w, http.StatusOK, "accesses.html", p)
}

// noSuchOfficer answers a request for an officer the view does not know.
func (h *Handler) noSuchOfficer(w http.ResponseWriter, v viewer) {
	h.render(w, http.StatusNotFound, "message.html", message{Title: "没有此人员", Message: "没有此人员的调阅记录。",
		Advice: "请从调阅监督页面的人员列表中选择。", User: &v.User})
}

// exportQuery is the export's query: the same person and scope.
func exportQuery(v viewer, officer string) string {
	q := url.Values{}
	if officer != "" {
		q.Set("officer", officer)
	}
	if v.CanPick() && v.Scope.Agency != "" {
		q.Set("agency", v.Scope.Agency)
	}
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}

// maxAccessesExport bounds the accesses an export lists.
const maxAccessesExport = 1000

func (h *Handler) accessesXLSX(w http.ResponseWriter, r *http.Request, v viewer) {
	officer, _, ok := accessRequest(r)
	if !ok {
		h.noSuchOfficer(w, v)
		return
	}
	sum, err := h.b.AccessFigures(r.Context(), v.Scope)
	if err != nil {
		h.failed(w, &v.User, "access figures", err)
		return
	}
	list, err := h.b.Accesses(r.Context(), v.Scope, hub.AccessQuery{Officer: officer, Limit: maxAccessesExport})
	if err != nil {
		h.failed(w, &v.User, "accesses", err)
		return
	}
	h.sendXLSX(w, v, "accesses", []table{accessPeopleTable(sum, v), accessListTable(list.Items, officer)})
}

// flagged counts the people whose volume of accesses is unusual.
func flagged(sum hub.AccessSummary) int {
	n := 0
	for _, o := range sum.Officers {
		if o.Unusual {
			n++
		}
	}
	return n
}

// accessRule is the flag rule in words (hub.AccessFigures).
const accessRule = "统计最近 30 日内每名人员对执法记录的调阅：播放、导出音像记录，查看或打印文书，打印法制审核意见书或集体讨论记录，导出执法台账，导出案卷，从平台下载音像记录。" +
	"调阅次数超过本机关有调阅记录人员中位数的 3 倍且不少于 20 次，或调阅非本人承办案件的记录（须说明理由）超过 10 次的，标为异常。"

func accessPeopleTable(sum hub.AccessSummary, v viewer) table {
	t := table{Slug: "access-people", Title: "调阅监督（按人员）", Intro: accessRule,
		Columns: []string{"执法机关", "人员编号", "姓名", "异常", "异常原因", "合计", "播放音像", "导出音像", "查看文书", "打印审核文书", "导出台账", "导出案卷", "下载音像",
			"非本人承办（有理由）", "涉及案件", "本机关中位数"},
		Empty: "最近 30 日内没有调阅记录。"}
	for _, o := range sum.Officers {
		flag := txt("正常")
		if o.Unusual {
			flag = txt("异常").bad(true)
		}
		t.Rows = append(t.Rows, []cell{txt(orID(o.AgencyName, o.Agency)), txt(o.Officer).to(accessesLink(v, o.Officer, o.Agency, 1)), txt(o.Name),
			flag, txt(o.Why).bad(o.Unusual), num(o.Total).bad(o.Unusual), num(o.Played), num(o.Exported), num(o.Documents),
			num(o.Printed), num(o.Ledgers), num(o.CaseExports), num(o.Fetched), num(o.OffCase).bad(o.OffCase > 0), num(o.Cases), dec(o.AgencyMedian)})
	}
	return t
}

func accessListTable(items []hub.Access, officer string) table {
	t := table{Slug: "accesses", Title: "调阅记录",
		Columns: []string{"时间", "人员编号", "姓名", "调阅方式", "调阅内容", "案件", "理由（非本人承办时填写）", "终端"},
		Empty:   "没有调阅记录。"}
	if officer != "" {
		t.Title = "调阅记录：" + officer
	}
	for _, a := range items {
		c := txt("")
		if a.Case != "" {
			c = txt(orID(a.CaseNumber, a.Case)).to(caseLink(a.Case))
		}
		t.Rows = append(t.Rows, []cell{txt(clock(a.At)), txt(a.Officer), txt(a.OfficerName), txt(accessKind(a)), txt(accessWhat(a)), c,
			txt(a.Reason).bad(a.Reason != ""), txt(a.Terminal)})
	}
	return t
}

// accessKind names an access's kind in Chinese.
func accessKind(a hub.Access) string {
	switch a.Type {
	case casework.TypeFootagePlayed:
		return "播放音像"
	case casework.TypeFootageExported:
		return "导出音像"
	case casework.TypeDocumentViewed:
		if a.How == string(casework.ViewPDF) {
			return "打印文书（PDF）"
		}
		return "查看文书"
	case casework.TypeCaseExported:
		if a.How == "with_footage" {
			return "导出案卷（含音像）"
		}
		return "导出案卷"
	case casework.TypeFootageFetched:
		return "从平台下载音像"
	case casework.TypeReviewPrinted:
		return "打印审核文书（PDF）"
	case casework.TypeLedgerExported:
		return "导出执法台账"
	}
	return a.Type
}

// accessWhat says what was accessed.
func accessWhat(a hub.Access) string {
	switch {
	case a.Doc != "":
		return "文书 " + a.Doc + " 第" + strconv.Itoa(a.Version) + "版"
	case a.Type == casework.TypeCaseExported:
		return "案卷清单 SHA-256 " + a.Digest
	case a.Type == casework.TypeReviewPrinted:
		paper := "法制审核意见书"
		if a.Kind == string(casework.PaperDiscussion) {
			paper = "集体讨论记录"
		}
		return "法制审核 " + a.Review + " 第" + strconv.Itoa(a.Round) + "轮" + paper
	case a.Type == casework.TypeLedgerExported:
		return "执法台账（" + strings.ToUpper(a.Format) + "，" + strconv.Itoa(a.Rows) + " 件案件）"
	}
	return "音像记录 SHA-256 " + a.Digest
}
