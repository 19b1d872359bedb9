package casefile

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"lawtrail/assets"
	"lawtrail/casework"
	"lawtrail/docpdf"
	"lawtrail/evidence"
	"lawtrail/store"
)

// Legal review (法制审核) in the case file: reviews.json lists every round of
// the case's review as the signed events give it, and each round with an
// opinion has its 法制审核意见书, each resolution with a collective
// discussion its 集体讨论记录, as PDFs laid out by docpdf from the two forms
// in assets/review. All of them are derived files: the verifier derives
// them again from the bundle's events and compares bytes, so a hand-edited
// opinion or record is a mismatch.

// File names of legal review inside a case file.
const (
	ReviewsFile = "reviews.json" // only when the case has a review
	ReviewsDir  = "reviews"      // the PDFs: <review>-r<round>-opinion.pdf, <review>-r<round>-collective.pdf
)

// Errors of a round that has no such form to print.
var (
	ErrNoOpinion    = errors.New("the round has no opinion yet")
	ErrNoCollective = errors.New("the round's resolution records no collective discussion")
)

// The ids of the two forms (assets/review/*.json).
const (
	OpinionForm    = "review_opinion"
	CollectiveForm = "collective_discussion"
)

// ReviewForms loads the two forms of legal review from assets/review.
func ReviewForms() (casework.Templates, error) {
	ts, err := casework.LoadTemplates(assets.ReviewForms, "review")
	if err != nil {
		return nil, fmt.Errorf("review forms: %w", err)
	}
	if ts[OpinionForm] == nil || ts[CollectiveForm] == nil {
		return nil, fmt.Errorf("review forms: %s and %s are both needed", OpinionForm, CollectiveForm)
	}
	return ts, nil
}

// OpinionDocID and CollectiveDocID are the document ids the forms of a
// round carry in their QR code and footer.
func OpinionDocID(review string, round int) string { return fmt.Sprintf("%s-r%d", review, round) }

// CollectiveDocID: see OpinionDocID.
func CollectiveDocID(review string, round int) string {
	return fmt.Sprintf("%s-r%d-collective", review, round)
}

func opinionFile(r store.ReviewRound) string {
	return fmt.Sprintf("%s/%s-opinion.pdf", ReviewsDir, OpinionDocID(r.ID, r.Round))
}

func collectiveFile(r store.ReviewRound) string {
	return fmt.Sprintf("%s/%s.pdf", ReviewsDir, CollectiveDocID(r.ID, r.Round))
}

// reviewPaper is what the forms of one case's review are filled with
// besides the round: the agency, the case, officers' names, the forms and
// the font.
type reviewPaper struct {
	agency string
	c      casework.Case
	names  map[string]string
	forms  casework.Templates
	font   []byte
}

func newReviewPaper(ctx context.Context, st *store.Store, caseID string, font []byte) (*reviewPaper, error) {
	info, err := st.Terminal(ctx)
	if err != nil {
		return nil, err
	}
	cases, err := st.Cases(ctx)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(cases, func(c store.CaseRow) bool { return c.ID == caseID })
	if i < 0 {
		return nil, fmt.Errorf("case %s: %w", caseID, store.ErrNoCase)
	}
	officers, err := st.Officers(ctx)
	if err != nil {
		return nil, err
	}
	forms, err := ReviewForms()
	if err != nil {
		return nil, err
	}
	p := &reviewPaper{agency: info.AgencyName, c: cases[i].Case, names: map[string]string{}, forms: forms, font: font}
	for _, o := range officers {
		p.names[o.ID] = o.Name
	}
	return p, nil
}

// who is an officer as a form names them: 王五（o-003）.
func (p *reviewPaper) who(id string) string {
	if n := p.names[id]; n != "" {
		return n + "（" + id + "）"
	}
	return id
}

// when is a recorded time as a form prints it, China Standard Time.
func when(at string) (string, time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, at)
	if err != nil {
		return "", t, fmt.Errorf("time %q: %w", at, err)
	}
	return t.In(casework.Shanghai).Format("2006-01-02 15:04"), t, nil
}

// fields holds a form's values as JSON strings; empty ones are left out
// (the PDF prints "—").
type fields map[string]json.RawMessage

func (f fields) set(key, value string) {
	if value == "" {
		return
	}
	raw, _ := json.Marshal(value) // a string always marshals
	f[key] = raw
}

func (p *reviewPaper) caseFields(r store.ReviewRound) fields {
	f := fields{}
	f.set("review", r.ID)
	f.set("case_no", p.c.Number)
	f.set("case_title", p.c.Title)
	f.set("round", fmt.Sprintf("第 %d 轮", r.Round))
	f.set("decision", r.Decision.Describe())
	return f
}

// opinionContent fills the 法制审核意见书 of a round with its opinion.
func (p *reviewPaper) opinionContent(r store.ReviewRound) (casework.DocumentContent, time.Time, error) {
	if r.Outcome == "" {
		return casework.DocumentContent{}, time.Time{}, fmt.Errorf("review %s round %d: %w", r.ID, r.Round, ErrNoOpinion)
	}
	f := p.caseFields(r)
	if r.Doc != "" && r.DocHash != nil {
		f.set("draft", fmt.Sprintf("%s（SHA-256 %s）", r.Doc, r.DocHash))
	}
	f.set("submitted_by", p.who(r.SubmittedBy))
	f.set("submitted_at", r.SubmittedAt.In(casework.Shanghai).Format("2006-01-02 15:04"))
	f.set("due", r.Due)
	for _, e := range r.Checklist {
		f.set("check_"+string(e.Item), e.Finding.Label())
		f.set("check_"+string(e.Item)+"_note", e.Note)
	}
	f.set("outcome", r.Outcome.Label())
	f.set("problems", r.Problems)
	f.set("changes", r.Changes)
	f.set("reviewer", p.who(r.OpinionBy))
	printed, at, err := when(r.OpinionAt)
	if err != nil {
		return casework.DocumentContent{}, at, fmt.Errorf("review %s round %d opinion: %w", r.ID, r.Round, err)
	}
	f.set("opinion_at", printed)
	return p.content(OpinionForm, OpinionDocID(r.ID, r.Round), r, f), at, nil
}

// collectiveContent fills the 集体讨论记录 of a round whose dispute a head
// resolved after a collective discussion.
func (p *reviewPaper) collectiveContent(r store.ReviewRound) (casework.DocumentContent, time.Time, error) {
	if r.Collective == nil {
		return casework.DocumentContent{}, time.Time{}, fmt.Errorf("review %s round %d: %w", r.ID, r.Round, ErrNoCollective)
	}
	f := p.caseFields(r)
	f.set("outcome", r.Outcome.Label())
	f.set("problems", r.Problems)
	f.set("reviewer", p.who(r.OpinionBy))
	f.set("dispute", r.DisputeReason)
	f.set("disputed_by", p.who(r.DisputedBy))
	f.set("held", r.Collective.Held)
	f.set("attendees", strings.Join(r.Collective.Attendees, "、"))
	f.set("conclusion", r.Collective.Conclusion)
	f.set("resolution", r.Resolution.Label())
	f.set("head_decision", r.ResolutionText)
	f.set("head", p.who(r.ResolvedBy))
	printed, at, err := when(r.ResolvedAt)
	if err != nil {
		return casework.DocumentContent{}, at, fmt.Errorf("review %s round %d resolution: %w", r.ID, r.Round, err)
	}
	f.set("resolved_at", printed)
	return p.content(CollectiveForm, CollectiveDocID(r.ID, r.Round), r, f), at, nil
}

func (p *reviewPaper) content(form, doc string, r store.ReviewRound, f fields) casework.DocumentContent {
	return casework.DocumentContent{Doc: doc, Case: r.Case, Template: form, TemplateVersion: p.forms[form].Version, Version: 1, Fields: f}
}

// render lays a filled form out; the QR code and footer of every page fix
// the content by its hash, dated with the signed event's time.
func (p *reviewPaper) render(c casework.DocumentContent, at time.Time) ([]byte, error) {
	h, err := c.Hash()
	if err != nil {
		return nil, err
	}
	pdf, err := docpdf.Render(p.forms[c.Template], docpdf.Input{Agency: p.agency, Content: c, ContentHash: h, FontTTF: p.font, Signed: at})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.Doc, err)
	}
	return pdf, nil
}

// ReviewOpinionPDF renders the 法制审核意见书 of a round as the record
// holds it (ErrNoOpinion before the opinion is given).
func ReviewOpinionPDF(ctx context.Context, st *store.Store, r store.ReviewRound, font []byte) ([]byte, error) {
	p, err := newReviewPaper(ctx, st, r.Case, font)
	if err != nil {
		return nil, err
	}
	c, at, err := p.opinionContent(r)
	if err != nil {
		return nil, err
	}
	return p.render(c, at)
}

// CollectiveDiscussionPDF renders the 集体讨论记录 of a round whose dispute
// a head resolved after a collective discussion (ErrNoCollective otherwise).
func CollectiveDiscussionPDF(ctx context.Context, st *store.Store, r store.ReviewRound, font []byte) ([]byte, error) {
	p, err := newReviewPaper(ctx, st, r.Case, font)
	if err != nil {
		return nil, err
	}
	c, at, err := p.collectiveContent(r)
	if err != nil {
		return nil, err
	}
	return p.render(c, at)
}

// bundleRound is one round of review as reviews.json lists it.
type bundleRound struct {
	Review       string              `json:"review"`
	Round        int                 `json:"round"`
	Case         string              `json:"case"`
	Decision     casework.Decision   `json:"decision"`
	DecisionText string              `json:"decision_text"` // Decision.Describe()
	Major        []string            `json:"major"`
	Doc          string              `json:"doc,omitempty"`
	DocHash      *evidence.Digest    `json:"doc_hash,omitempty"`
	Material     []casework.Material `json:"material"`
	Due          string              `json:"due"`
	Note         string              `json:"note,omitempty"`
	ApprovedBy   string              `json:"approved_by,omitempty"`
	Submitted    bundleAct           `json:"submitted"`
	Assigned     *bundleAssigned     `json:"assigned,omitempty"`
	Extended     string              `json:"extended_reason,omitempty"`
	Opinion      *bundleOpinion      `json:"opinion,omitempty"`
	Dispute      *bundleDispute      `json:"dispute,omitempty"`
	Resolution   *bundleResolution   `json:"resolution,omitempty"`
	Passed       bool                `json:"passed"`
}

// bundleAct is who did an act, when, and which signed event says so.
type bundleAct struct {
	By       string `json:"by"`
	At       string `json:"at"`
	Terminal string `json:"terminal,omitempty"`
	Seq      uint64 `json:"seq,omitempty"`
}

type bundleAssigned struct {
	Reviewer string `json:"reviewer"`
	bundleAct
}

type bundleOpinion struct {
	Outcome   casework.Outcome          `json:"outcome"`
	Checklist []casework.ChecklistEntry `json:"checklist"`
	Problems  string                    `json:"problems,omitempty"`
	Changes   string                    `json:"changes,omitempty"`
	bundleAct
	PDF string `json:"pdf"`
}

type bundleDispute struct {
	Reason string `json:"reason"`
	bundleAct
}

type bundleResolution struct {
	Resolution casework.Resolution  `json:"resolution"`
	Decision   string               `json:"decision"`
	Collective *casework.Collective `json:"collective,omitempty"`
	bundleAct
	PDF string `json:"pdf,omitempty"`
}

func bundleRoundOf(r store.ReviewRound) bundleRound {
	b := bundleRound{Review: r.ID, Round: r.Round, Case: r.Case, Decision: r.Decision, DecisionText: r.Decision.Describe(),
		Major: r.Major, Doc: r.Doc, DocHash: r.DocHash, Material: r.Material, Due: r.Due, Note: r.Note, ApprovedBy: r.ApprovedBy,
		Submitted: bundleAct{By: r.SubmittedBy, At: r.SubmittedAt.Format(time.RFC3339Nano), Terminal: r.SubmitTerminal, Seq: r.SubmitSeq},
		Extended:  r.ExtendedReason, Passed: r.Passed()}
	if b.Material == nil {
		b.Material = []casework.Material{}
	}
	if r.Reviewer != "" {
		b.Assigned = &bundleAssigned{Reviewer: r.Reviewer, bundleAct: bundleAct{By: r.AssignedBy, At: r.AssignedAt}}
	}
	if r.Outcome != "" {
		b.Opinion = &bundleOpinion{Outcome: r.Outcome, Checklist: r.Checklist, Problems: r.Problems, Changes: r.Changes,
			bundleAct: bundleAct{By: r.OpinionBy, At: r.OpinionAt, Terminal: r.OpinionTerminal, Seq: r.OpinionSeq}, PDF: opinionFile(r)}
	}
	if r.DisputedBy != "" {
		b.Dispute = &bundleDispute{Reason: r.DisputeReason, bundleAct: bundleAct{By: r.DisputedBy, At: r.DisputedAt}}
	}
	if r.Resolution != "" {
		b.Resolution = &bundleResolution{Resolution: r.Resolution, Decision: r.ResolutionText, Collective: r.Collective,
			bundleAct: bundleAct{By: r.ResolvedBy, At: r.ResolvedAt}}
		if r.Collective != nil {
			b.Resolution.PDF = collectiveFile(r)
		}
	}
	return b
}

// deriveReviews adds reviews.json and the forms of every round of the
// case's review; a case never submitted for review has none of them.
func deriveReviews(ctx context.Context, st *store.Store, caseID string, font []byte, files map[string][]byte) error {
	rounds, err := st.CaseReviewRounds(ctx, caseID)
	if err != nil || len(rounds) == 0 {
		return err
	}
	p, err := newReviewPaper(ctx, st, caseID, font)
	if err != nil {
		return err
	}
	list := make([]bundleRound, 0, len(rounds))
	for _, r := range rounds {
		list = append(list, bundleRoundOf(r))
		if r.Outcome != "" {
			if err := p.addForm(files, opinionFile(r), p.opinionContent, r); err != nil {
				return err
			}
		}
		if r.Collective != nil {
			if err := p.addForm(files, collectiveFile(r), p.collectiveContent, r); err != nil {
				return err
			}
		}
	}
	return putJSON(files, ReviewsFile, list)
}

func (p *reviewPaper) addForm(files map[string][]byte, name string,
	fill func(store.ReviewRound) (casework.DocumentContent, time.Time, error), r store.ReviewRound) error {
	c, at, err := fill(r)
	if err != nil {
		return err
	}
	pdf, err := p.render(c, at)
	if err != nil {
		return err
	}
	files[name] = pdf
	return nil
}
