package web

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"lawtrail/casework"
	"lawtrail/hub"
)

// maxID bounds an id taken from a URL before the hub is asked about it.
const maxID = 200

// agencyPage is what agency.html shows: the agency's 事前公开 (DOMAIN P1).
type agencyPage struct {
	Title  string
	Agency hub.PublicAgency
	Lists  []listGroup
}

// listGroup is every version of one kind of list, newest first.
type listGroup struct {
	Kind     casework.ConfigKind
	Versions []listVersion
}

// listVersion is one version of a list, its content read into a table.
type listVersion struct {
	hub.PublicList
	AV         []avRow    // the AV matters list's entries
	Major      *majorView // the list of major decisions
	Unreadable bool       // neither parser reads it: shown as published
}

// avRow is one step kind the AV matters list names.
type avRow struct{ Step, Phase, Requirement string }

// majorView is the list of major decisions and its review policy.
type majorView struct {
	Name, Source        string
	Example             bool
	Days, ExtensionDays int
	HeadApproval        bool
	Criteria            []criterionRow
}

// criterionRow is one criterion and its conditions in words.
type criterionRow struct{ ID, Label, Conditions string }

// agency is an agency's page: GET /a/{agency}.
func (h *Handler) agency(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("agency")
	if id == "" || len(id) > maxID || !utf8.ValidString(id) {
		h.missing(w, "没有该执法机关", "请从首页的执法机关列表进入。")
		return
	}
	a, err := h.read.PublicAgency(r.Context(), id)
	if errors.Is(err, hub.ErrNoAgency) {
		h.missing(w, "没有该执法机关", "请从首页的执法机关列表进入。")
		return
	}
	if err != nil {
		h.failed(w, "agency", err)
		return
	}
	w.Header().Set("Cache-Control", "no-cache") // an officer revoked shows at the next request, as on the card
	h.render(w, http.StatusOK, "agency.html", agencyPage{Title: a.Name + " 执法信息公开", Agency: a, Lists: groupLists(a.Lists)})
}

// groupLists groups the versions by kind, the AV matters list first, and
// reads each version's content.
func groupLists(lists []hub.PublicList) []listGroup {
	var groups []listGroup
	for _, l := range lists {
		i := slices.IndexFunc(groups, func(g listGroup) bool { return g.Kind == l.Kind })
		if i < 0 {
			groups = append(groups, listGroup{Kind: l.Kind})
			i = len(groups) - 1
		}
		groups[i].Versions = append(groups[i].Versions, readList(l))
	}
	order := func(k casework.ConfigKind) int {
		switch k {
		case casework.ConfigAVMatters:
			return 0
		case casework.ConfigMajorList:
			return 1
		}
		return 2
	}
	slices.SortStableFunc(groups, func(a, b listGroup) int { return order(a.Kind) - order(b.Kind) })
	return groups
}

// readList parses a version's content by its kind's parser.
func readList(l hub.PublicList) listVersion {
	v := listVersion{PublicList: l}
	switch l.Kind {
	case casework.ConfigAVMatters:
		m, err := casework.ParseAVMatters(l.Content)
		if err != nil {
			v.Unreadable = true
			return v
		}
		v.AV = avRows(m)
	case casework.ConfigMajorList:
		m, err := casework.ParseMajorList(l.Content)
		if err != nil {
			v.Unreadable = true
			return v
		}
		v.Major = majorOf(m)
	default:
		v.Unreadable = true
	}
	return v
}

func avRows(m casework.AVMatters) []avRow {
	rows := make([]avRow, 0, len(m.Mandatory)+len(m.Suggested))
	add := func(kinds []casework.StepKind, req casework.Requirement) {
		for _, k := range kinds {
			phase, _ := casework.PhaseOf(k) // the parser refused unknown kinds
			rows = append(rows, avRow{Step: k.Label(), Phase: phase.Label(), Requirement: req.Label()})
		}
	}
	add(m.Mandatory, casework.AVMandatory)
	add(m.Suggested, casework.AVSuggested)
	return rows
}

func majorOf(m *casework.MajorList) *majorView {
	v := &majorView{Name: m.Name, Source: m.Source, Example: m.Example, Days: m.Review.Days,
		ExtensionDays: m.Review.ExtensionDays, HeadApproval: m.Review.HeadApproval}
	for _, c := range m.Criteria {
		v.Criteria = append(v.Criteria, criterionRow{ID: c.ID, Label: c.Label, Conditions: conditions(c)})
	}
	return v
}

// conditions says in words when a criterion matches.
func conditions(c casework.Criterion) string {
	var parts []string
	if len(c.Acts) > 0 {
		acts := make([]string, len(c.Acts))
		for i, a := range c.Acts {
			acts[i] = a.Label()
		}
		parts = append(parts, strings.Join(acts, "、"))
	}
	if c.PartyKind != "" {
		parts = append(parts, "当事人为"+c.PartyKind.Label())
	}
	if c.Penalty != "" {
		p := c.Penalty.Label()
		if c.AtLeastYuan != "" {
			p += " " + string(c.AtLeastYuan) + " 元以上"
		}
		parts = append(parts, p)
	}
	if c.Hearing != casework.HearingNone {
		parts = append(parts, c.Hearing.Label())
	}
	if c.CrimeTransfer {
		parts = append(parts, "涉嫌犯罪移送")
	}
	if c.Flag != "" {
		parts = append(parts, c.Flag.Label())
	}
	if len(parts) == 0 {
		return "—"
	}
	return strings.Join(parts, "；")
}
