package console

import (
	"fmt"
	"net/url"
	"strconv"
	"time"

	"lawtrail/casework"
	"lawtrail/hub"
)

// table is one view of the console as rows of cells: the list page shows
// it, the XLSX export writes it, from the same definition.
type table struct {
	Slug, Title string
	Intro       string // what the view shows and the rule behind it
	Columns     []string
	Rows        [][]cell
	Empty       string // said when there are no rows
}

// cell is one value: text, or a number (IsNum) the spreadsheet sums.
type cell struct {
	Text  string
	Num   float64
	IsNum bool
	Link  string // a console page the cell leads to
	Bad   bool   // a problem, shown marked
}

func txt(s string) cell { return cell{Text: s} }

func num(n int) cell { return cell{Text: strconv.Itoa(n), Num: float64(n), IsNum: true} }

func dec(f float64) cell { return cell{Text: strconv.FormatFloat(f, 'f', 1, 64), Num: f, IsNum: true} }

func yes(b bool) cell {
	if b {
		return txt("是")
	}
	return txt("否")
}

func (c cell) bad(b bool) cell { c.Bad = b; return c }

func (c cell) to(link string) cell { c.Link = link; return c }

// clock is a time as the console shows it: Beijing time to the minute.
func clock(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(casework.Shanghai).Format("2006-01-02 15:04")
}

// duration says a span in Chinese: 1 小时 5 分, 3 分 20 秒.
func duration(d time.Duration) string {
	d = d.Round(time.Second)
	h, m, s := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	switch {
	case h > 0:
		return fmt.Sprintf("%d 小时 %d 分", h, m)
	case m > 0:
		return fmt.Sprintf("%d 分 %d 秒", m, s)
	}
	return fmt.Sprintf("%d 秒", s)
}

func caseLink(id string) string { return "/console/cases/" + url.PathEscape(id) }

// agencyNames maps hub agency ids to the names agencies registered.
func agencyNames(s hub.Supervision) map[string]string {
	m := make(map[string]string, len(s.Agencies))
	for _, a := range s.Agencies {
		if a.Name != "" {
			m[a.Agency] = a.Name
		}
	}
	return m
}

func nameOf(names map[string]string, agency string) string {
	if n, ok := names[agency]; ok {
		return n
	}
	return agency
}

func agenciesTable(s hub.Supervision, v viewer) table {
	t := table{Slug: "agencies", Title: "各执法机关指标",
		Intro: "执法人员为持有执法证件且未注销的人员。法制审核人员应不少于执法人员的 5%，执法人员不足 20 人的至少 1 名；" +
			"执法记录仪（音像记录设备）每 4 名执法人员至少 1 套，不足 4 人的至少 1 套。",
		Columns: []string{"执法机关", "执法人员", "法制审核人员", "审核人员配备", "执法记录仪（套）", "记录仪配备", "案件", "在办案件",
			"执法决定", "重大执法决定", "重大决定经法制审核", "审核比例", "已公示", "逾期公示", "音像记录缺口"},
		Empty: "暂无执法机关的数据。"}
	for _, a := range s.Agencies {
		name := txt(a.Name)
		if a.Name == "" {
			name = txt(a.Agency)
		}
		if v.CanPick() {
			name = name.to("/console/?agency=" + url.QueryEscape(a.Agency))
		}
		share := txt("—")
		if a.Major > 0 {
			share = dec(100 * float64(a.MajorReviewed) / float64(a.Major)).bad(a.MajorReviewed < a.Major)
			share.Text += "%"
		}
		t.Rows = append(t.Rows, []cell{name, num(a.Officers), num(a.Reviewers), okCell(a.ReviewersOK), num(a.AVSets), okCell(a.AVSetsOK),
			num(a.Cases), num(a.OpenCases), num(a.Decisions), num(a.Major), num(a.MajorReviewed), share, num(a.Published),
			num(a.Overdue).bad(a.Overdue > 0), num(a.AVGaps).bad(a.AVGaps > 0)})
	}
	return t
}

func okCell(ok bool) cell {
	if ok {
		return txt("达标")
	}
	return txt("不足").bad(true)
}

func overdueTable(s hub.Supervision, v viewer) table {
	names := agencyNames(s)
	t := table{Slug: "overdue", Title: "逾期公示",
		Intro:   "行政许可、行政处罚决定应在作出之日起 7 个工作日内公示，其他决定 20 个工作日内；下列决定未在期限内公示。",
		Columns: []string{"执法机关", "案号", "执法类别", "决定日期", "公示期限", "公示日期", "逾期（工作日）"},
		Empty:   "没有逾期公示的决定。"}
	for _, o := range s.OverduePublications {
		published := txt(o.PublishedAt)
		if o.PublishedAt == "" {
			published = txt("未公示").bad(true)
		}
		t.Rows = append(t.Rows, []cell{txt(nameOf(names, o.Agency)), txt(orID(o.CaseNumber, o.Case)).to(caseLink(o.Case)), txt(o.Act.Label()),
			txt(o.Decided), txt(o.Due), published, num(o.DaysLate).bad(true)})
	}
	return t
}

func withheldTable(ws []hub.WithheldPublication) table {
	t := table{Slug: "withheld", Title: "暂缓公示",
		Intro: "以下公示信息由执法终端签名发出，平台核对后未予公开：其文本含有应当遮蔽的个人信息，或与平台收到的文书定稿不一致。" +
			"请公示管理员撤回后重新公示；在此之前，该决定仍按未公示计算期限。",
		Columns: []string{"执法机关", "案号", "公示编号", "终端", "发出时间", "未公开的原因", "已撤回"},
		Empty:   "没有暂缓公示的信息。"}
	for _, w := range ws {
		t.Rows = append(t.Rows, []cell{txt(w.AgencyName), txt(orID(w.CaseNumber, w.Case)).to(caseLink(w.Case)), txt(w.Publication),
			txt(w.Terminal), txt(clock(w.Published)), txt(w.Reason).bad(!w.Withdrawn), yes(w.Withdrawn)})
	}
	return t
}

func orID(number, id string) string {
	if number != "" {
		return number
	}
	return id
}

func avGapsTable(s hub.Supervision, v viewer) table {
	names := agencyNames(s)
	t := table{Slug: "avgaps", Title: "音像记录缺口",
		Intro:   "按执法机关公布的音像记录事项清单，应当全程音像记录的环节中，未被关联音像覆盖的时段。",
		Columns: []string{"执法机关", "案号", "环节", "开始", "结束", "未覆盖时长", "未覆盖（秒）", "无任何音像"},
		Empty:   "没有音像记录缺口。"}
	for _, g := range s.AVGaps {
		t.Rows = append(t.Rows, []cell{txt(nameOf(names, g.Agency)), txt(orID(g.CaseNumber, g.Case)).to(caseLink(g.Case)), txt(g.Kind.Label()),
			txt(clock(g.Start)), txt(clock(g.End)), txt(duration(g.Uncovered)).bad(true), num(int(g.Uncovered.Seconds())), yes(g.NoFootage).bad(g.NoFootage)})
	}
	return t
}

func limitsTable(s hub.Supervision, v viewer) table {
	names := agencyNames(s)
	t := table{Slug: "limits", Title: "超过法定期限的案件",
		Intro:   "尚未完成法定期限内应完成事项的案件，例如行政处罚案件应自立案之日起 90 日内作出决定（《行政处罚法》第六十条）。",
		Columns: []string{"执法机关", "案号", "案由", "执法类别", "阶段", "立案日期", "期限依据", "应完成事项", "期限", "超期（日）"},
		Empty:   "没有超过法定期限的案件。"}
	for _, c := range s.CasesPastLimit {
		t.Rows = append(t.Rows, []cell{txt(nameOf(names, c.Agency)), txt(orID(c.CaseNumber, c.Case)).to(caseLink(c.Case)), txt(c.Title),
			txt(c.Act.Label()), txt(c.Phase.Label()), txt(c.Opened), txt(c.Rule), txt(c.What), txt(c.Due), num(c.DaysOver).bad(c.DaysOver > 0)})
	}
	return t
}

func reviewsTable(s hub.Supervision, v viewer) table {
	names := agencyNames(s)
	t := table{Slug: "reviews", Title: "法制审核用时",
		Intro:   "每一轮法制审核从提交到出具审核意见所用的工作日；尚未出具意见的，计至今日。",
		Columns: []string{"执法机关", "案件", "轮次", "重大执法决定", "提交日期", "审核期限", "意见日期", "审核结论", "用时（工作日）", "逾期"},
		Empty:   "暂无法制审核。"}
	for _, r := range s.Reviews {
		opinion, outcome := txt(r.Opinion), txt(r.Outcome.Label())
		if r.Opinion == "" {
			opinion, outcome = txt("审核中"), txt("")
		}
		t.Rows = append(t.Rows, []cell{txt(nameOf(names, r.Agency)), txt(r.Case).to(caseLink(r.Case)), num(r.Round), yes(r.Major),
			txt(r.Submitted), txt(r.Due), opinion, outcome, num(r.WorkingDays), yes(r.Late).bad(r.Late)})
	}
	return t
}

// staleAfter is how long a terminal may go without syncing before the
// console marks it.
const staleAfter = 7 * 24 * time.Hour

func terminalsTable(s hub.Supervision, v viewer) table {
	names := agencyNames(s)
	t := table{Slug: "terminals", Title: "终端同步情况",
		Intro:   "各执法终端最近一次向平台同步记录的时间；超过 7 日未同步的终端以红色标出。",
		Columns: []string{"执法机关", "终端", "名称", "最近同步", "已同步事件", "已吊销"},
		Empty:   "暂无终端。"}
	for _, e := range s.Terminals {
		seen := txt(clock(e.LastSeen)).bad(!e.Revoked && s.At.Sub(e.LastSeen) > staleAfter)
		if e.LastSeen.IsZero() {
			seen = txt("从未同步").bad(!e.Revoked)
		}
		t.Rows = append(t.Rows, []cell{txt(nameOf(names, e.Agency)), txt(e.Terminal), txt(e.Name), seen, num(e.Events), yes(e.Revoked)})
	}
	return t
}

func forksTable(s hub.Supervision, v viewer) table {
	names := agencyNames(s)
	t := table{Slug: "forks", Title: "隔离的分叉记录",
		Intro:   "同一终端同一序号出现不同内容的记录（例如数据目录被恢复或复制后继续使用），平台已隔离保存，未并入执法记录，需要核查。",
		Columns: []string{"执法机关", "终端", "序号", "发现时间"},
		Empty:   "没有隔离的分叉记录。"}
	for _, f := range s.Forks {
		t.Rows = append(t.Rows, []cell{txt(nameOf(names, f.Agency)), txt(f.Terminal), num(int(f.Seq)).bad(true), txt(clock(f.At))})
	}
	return t
}

func trendsTable(s hub.Supervision, v viewer) table {
	t := table{Slug: "trends", Title: "月度趋势",
		Intro:   "最近 12 个月（北京时间）：立案与结案（进入送达执行）的案件数，当月到期而逾期的公示，当月出具意见的法制审核平均用时，当月开始的环节中的音像记录缺口。",
		Columns: []string{"月份", "立案", "结案", "逾期公示", "平均审核用时（工作日）", "音像记录缺口"},
		Empty:   "暂无数据。"}
	for _, m := range s.Monthly {
		t.Rows = append(t.Rows, []cell{txt(m.Month), num(m.Opened), num(m.Closed), num(m.OverduePublications), dec(m.ReviewDays), num(m.AVGaps)})
	}
	return t
}

// timelineTable is a case's events as a table.
func timelineTable(c hub.CaseSummary, entries []hub.TimelineEntry) table {
	t := table{Slug: "timeline", Title: "案件时间线",
		Columns: []string{"时间", "事项", "事件类型", "执法人员", "终端", "序号", "摘要值（SHA-256）"},
		Empty:   "此案件暂无记录。"}
	for _, e := range entries {
		t.Rows = append(t.Rows, []cell{txt(clock(e.At)), txt(e.Summary), txt(e.Type), txt(e.Actor), txt(e.Terminal), num(int(e.Seq)), txt(e.Digest.String())})
	}
	return t
}

// accessTable is the view records as a table.
func accessTable(views []hub.WebView) table {
	t := table{Slug: "access", Title: "访问记录",
		Intro:   "执法监督平台每一次页面浏览和导出的记录，只增不改。",
		Columns: []string{"时间", "账户", "角色", "范围", "页面"},
		Empty:   "暂无访问记录。"}
	for _, v := range views {
		scope := v.Scope
		if scope == "" {
			scope = "全区"
		}
		t.Rows = append(t.Rows, []cell{txt(v.At.In(casework.Shanghai).Format("2006-01-02 15:04:05")), txt(v.User), txt(v.Role.Label()), txt(scope), txt(v.Path)})
	}
	return t
}
