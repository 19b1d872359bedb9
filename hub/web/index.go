package web

import (
	"net/http"
	"net/url"
	"strconv"

	"lawtrail/casework"
	"lawtrail/hub"
)

// indexPage is what index.html shows.
type indexPage struct {
	Title    string
	Agencies []hub.AgencyName
	Years    []int // the annual reports to link, newest first
}

// index is the home page: GET /. The agencies, the decisions, the reports.
func (h *Handler) index(w http.ResponseWriter, r *http.Request) {
	agencies, err := h.read.AgencyNames(r.Context())
	if err != nil {
		h.failed(w, "agencies", err)
		return
	}
	year := h.opt.Now().In(casework.Shanghai).Year()
	publicCache(w)
	h.render(w, http.StatusOK, "index.html", indexPage{Title: "行政执法公示", Agencies: agencies,
		Years: []int{year - 1, year - 2, year - 3}})
}

// agencyPath is the address of an agency's page; its id is any text.
func agencyPath(id string) string { return "/a/" + url.PathEscape(id) }

// decisionPath is the address of a publication's page.
func decisionPath(id string) string { return "/decisions/" + url.PathEscape(id) }

// proofPath is the address of a publication's proof.
func proofPath(id string) string { return decisionPath(id) + "/proof.json" }

// annualPath is the address of year's report, with ext ("", ".xlsx", ".csv").
func annualPath(year int, ext string) string { return "/annual/" + strconv.Itoa(year) + ext }
