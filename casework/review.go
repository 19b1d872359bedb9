package casework

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"lawtrail/evidence"
)

// Legal review of major decisions (法制审核, DOMAIN L1–L8) as signed events,
// each by the person acting: the handling officer submits the proposed
// decision with its material fixed by digest; a head (or a reviewer, for
// themselves) assigns a reviewer who took no part in the case; the reviewer
// works through the seven items of the checklist and gives an opinion;
// after problems the officer fixes and resubmits (a new round; every round
// is kept) or disputes, and a head resolves the dispute. A major decision
// is finalized, and its case served and executed, only on a passed round
// that reviewed exactly that decision (rules in checkGate).

// Event types of legal review.
const (
	TypeReviewSubmitted = "review.submitted"
	TypeReviewAssigned  = "review.assigned"
	TypeReviewExtended  = "review.extended"
	TypeReviewOpinion   = "review.opinion"
	TypeReviewDisputed  = "review.disputed"
	TypeReviewResolved  = "review.resolved"
)

// ErrReviewRequired marks an act held up because the case's decision is
// major and no passed review covers it.
var ErrReviewRequired = errors.New("legal review required")

// ErrRecused marks a reviewer who took part in the case (回避).
var ErrRecused = errors.New("reviewer took part in the case")

// CheckItem is one of the seven items of the review checklist (L5).
type CheckItem string

// The checklist, in order.
const (
	CheckSubject    CheckItem = "subject"   // 主体合法、人员资格
	CheckProcedure  CheckItem = "procedure" // 程序合法
	CheckFacts      CheckItem = "facts"     // 事实清楚、证据合法充分
	CheckBasis      CheckItem = "basis"     // 法律依据准确、裁量基准适当
	CheckAuthority  CheckItem = "authority" // 未超越法定权限
	CheckDocuments  CheckItem = "documents" // 文书完备规范
	CheckCrimeTrans CheckItem = "crime"     // 涉嫌犯罪移送
)

// CheckItems lists the checklist in order.
var CheckItems = []CheckItem{CheckSubject, CheckProcedure, CheckFacts, CheckBasis, CheckAuthority, CheckDocuments, CheckCrimeTrans}

// Finding is the reviewer's finding on one item.
type Finding string

// The findings.
const (
	FindingOK      Finding = "ok"      // 符合
	FindingProblem Finding = "problem" // 存在问题
	FindingNA      Finding = "na"      // 不适用
)

// Findings lists the findings.
var Findings = []Finding{FindingOK, FindingProblem, FindingNA}

// Outcome is an opinion's conclusion.
type Outcome string

// The outcomes.
const (
	OutcomeAgree    Outcome = "agree"    // 同意
	OutcomeProblems Outcome = "problems" // 存在问题
)

// Resolution is a head's resolution of a dispute.
type Resolution string

// The resolutions.
const (
	ResolutionProceed Resolution = "proceed" // the decision may go ahead as reviewed
	ResolutionUphold  Resolution = "uphold"  // the opinion stands: fix and resubmit
)

// Material is one item submitted for review, fixed by digest: a document
// (Ref the document id, Digest its latest content hash) or footage (Digest).
type Material struct {
	Kind   string          `json:"kind"` // "document" or "footage"
	Ref    string          `json:"ref,omitempty"`
	Digest evidence.Digest `json:"digest"`
}

// MaxMaterial bounds the material of one submission.
const MaxMaterial = 5000

// ReviewSubmitted submits (round 1) or resubmits (later rounds) a case's
// proposed decision for legal review.
type ReviewSubmitted struct {
	Review   string   `json:"review"`
	Case     string   `json:"case"`
	Round    int      `json:"round"`
	Decision Decision `json:"decision"`
	// Major lists the criteria of the list in force the decision matches.
	Major []string `json:"major"`
	// Doc is the draft decision document, fixed by its content hash.
	Doc     string           `json:"doc,omitempty"`
	DocHash *evidence.Digest `json:"doc_hash,omitempty"`
	// Material is the rest of the case as submitted.
	Material []Material `json:"material,omitempty"`
	// Due is the last day of the review time limit (YYYY-MM-DD).
	Due string `json:"due"`
	// ApprovedBy is the head who approved the submission (co-signs).
	ApprovedBy string `json:"approved_by,omitempty"`
	Note       string `json:"note,omitempty"`
}

// ReviewAssigned names the reviewer of a round.
type ReviewAssigned struct {
	Review   string `json:"review"`
	Round    int    `json:"round"`
	Reviewer string `json:"reviewer"`
}

// ReviewExtended extends a round's time limit.
type ReviewExtended struct {
	Review string `json:"review"`
	Round  int    `json:"round"`
	Due    string `json:"due"`
	Reason string `json:"reason"`
}

// ChecklistEntry is the finding on one item, with a note.
type ChecklistEntry struct {
	Item    CheckItem `json:"item"`
	Finding Finding   `json:"finding"`
	Note    string    `json:"note,omitempty"`
}

// ReviewOpinion is the reviewer's written opinion on a round (意见书).
type ReviewOpinion struct {
	Review    string           `json:"review"`
	Round     int              `json:"round"`
	Outcome   Outcome          `json:"outcome"`
	Checklist []ChecklistEntry `json:"checklist"`
	Problems  string           `json:"problems,omitempty"` // what is wrong
	Changes   string           `json:"changes,omitempty"`  // what to change
}

// ReviewDisputed records that the handling unit disputes an opinion.
type ReviewDisputed struct {
	Review string `json:"review"`
	Round  int    `json:"round"`
	Reason string `json:"reason"`
}

// Collective is a collective discussion's record (集体讨论记录).
type Collective struct {
	Held       string   `json:"held"` // date, YYYY-MM-DD
	Attendees  []string `json:"attendees"`
	Conclusion string   `json:"conclusion"`
}

// ReviewResolved is a head's resolution of a dispute.
type ReviewResolved struct {
	Review     string      `json:"review"`
	Round      int         `json:"round"`
	Resolution Resolution  `json:"resolution"`
	Decision   string      `json:"decision"` // the head's decision in words
	Collective *Collective `json:"collective,omitempty"`
}

func (ReviewSubmitted) EventType() string { return TypeReviewSubmitted }
func (ReviewAssigned) EventType() string  { return TypeReviewAssigned }
func (ReviewExtended) EventType() string  { return TypeReviewExtended }
func (ReviewOpinion) EventType() string   { return TypeReviewOpinion }
func (ReviewDisputed) EventType() string  { return TypeReviewDisputed }
func (ReviewResolved) EventType() string  { return TypeReviewResolved }

func checkRound(review string, round int) error {
	if round < 1 || round > 1000 {
		return fmt.Errorf("review %s: round %d, want 1 to 1000", review, round)
	}
	return checkID("review", review)
}

func checkWords(what, s string, required bool, max int) error {
	if required && strings.TrimSpace(s) == "" {
		return fmt.Errorf("%s is required", what)
	}
	if utf8.RuneCountInString(s) > max || strings.ContainsRune(s, 0) {
		return fmt.Errorf("%s longer than %d characters or with a NUL", what, max)
	}
	return nil
}

func checkDate(what, s string) error {
	if _, err := time.ParseInLocation(time.DateOnly, s, Shanghai); err != nil {
		return fmt.Errorf("%s %q: a date as YYYY-MM-DD", what, s)
	}
	return nil
}

// Validate checks the payload on its own.
func (p ReviewSubmitted) Validate() error {
	if err := firstError(checkRound(p.Review, p.Round), checkID("case", p.Case), p.Decision.Validate(),
		checkDate("due", p.Due), checkWords("note", p.Note, false, 2000)); err != nil {
		return err
	}
	if p.Major == nil {
		return fmt.Errorf("review %s: major must list the matched criteria (empty when none)", p.Review)
	}
	for _, id := range p.Major {
		if err := checkID("criterion", id); err != nil {
			return err
		}
	}
	if (p.Doc == "") != (p.DocHash == nil) {
		return fmt.Errorf("review %s: a decision document needs its content hash, and only then", p.Review)
	}
	if p.Doc != "" {
		if err := checkID("document", p.Doc); err != nil {
			return err
		}
	}
	if p.ApprovedBy != "" {
		if err := checkID("officer", p.ApprovedBy); err != nil {
			return err
		}
	}
	if len(p.Material) > MaxMaterial {
		return fmt.Errorf("review %s: %d items of material, at most %d", p.Review, len(p.Material), MaxMaterial)
	}
	for _, m := range p.Material {
		switch {
		case m.Kind == "document" && checkID("document", m.Ref) == nil:
		case m.Kind == "footage" && m.Ref == "":
		default:
			return fmt.Errorf("review %s: material %q/%q: a document by id or footage without one", p.Review, m.Kind, m.Ref)
		}
	}
	return nil
}

// Validate checks the payload on its own.
func (p ReviewAssigned) Validate() error {
	return firstError(checkRound(p.Review, p.Round), checkID("officer", p.Reviewer))
}

// Validate checks the payload on its own.
func (p ReviewExtended) Validate() error {
	return firstError(checkRound(p.Review, p.Round), checkDate("due", p.Due), checkWords("reason", p.Reason, true, 500))
}

// Validate checks the payload on its own: every item of the checklist once,
// in order, with a known finding; agreement with no item in problem;
// problems named when the outcome is problems.
func (p ReviewOpinion) Validate() error {
	if err := checkRound(p.Review, p.Round); err != nil {
		return err
	}
	if len(p.Checklist) != len(CheckItems) {
		return fmt.Errorf("review %s: the checklist has %d items, want the %d of the law", p.Review, len(p.Checklist), len(CheckItems))
	}
	problems := 0
	for i, e := range p.Checklist {
		if e.Item != CheckItems[i] {
			return fmt.Errorf("review %s: checklist item %d is %q, want %q", p.Review, i+1, e.Item, CheckItems[i])
		}
		if !slices.Contains(Findings, e.Finding) {
			return fmt.Errorf("review %s: %s: finding %q (one of %v)", p.Review, e.Item, e.Finding, Findings)
		}
		if e.Finding == FindingProblem {
			problems++
			if strings.TrimSpace(e.Note) == "" {
				return fmt.Errorf("review %s: %s: a problem needs a note saying what it is", p.Review, e.Item)
			}
		}
		if err := checkWords(string(e.Item)+" note", e.Note, false, 2000); err != nil {
			return err
		}
	}
	if err := firstError(checkWords("problems", p.Problems, p.Outcome == OutcomeProblems, 5000),
		checkWords("changes", p.Changes, false, 5000)); err != nil {
		return fmt.Errorf("review %s: %w", p.Review, err)
	}
	switch p.Outcome {
	case OutcomeAgree:
		if problems > 0 {
			return fmt.Errorf("review %s: 同意 with %d checklist items in problem", p.Review, problems)
		}
	case OutcomeProblems:
	default:
		return fmt.Errorf("review %s: outcome %q: agree or problems", p.Review, p.Outcome)
	}
	return nil
}

// Validate checks the payload on its own.
func (p ReviewDisputed) Validate() error {
	return firstError(checkRound(p.Review, p.Round), checkWords("reason", p.Reason, true, 5000))
}

// Validate checks the payload on its own.
func (p ReviewResolved) Validate() error {
	if err := firstError(checkRound(p.Review, p.Round), checkWords("decision", p.Decision, true, 5000)); err != nil {
		return err
	}
	if p.Resolution != ResolutionProceed && p.Resolution != ResolutionUphold {
		return fmt.Errorf("review %s: resolution %q: proceed or uphold", p.Review, p.Resolution)
	}
	if c := p.Collective; c != nil {
		if err := firstError(checkDate("collective discussion date", c.Held),
			checkWords("conclusion", c.Conclusion, true, 5000)); err != nil {
			return fmt.Errorf("review %s: %w", p.Review, err)
		}
		if len(c.Attendees) < 2 || len(c.Attendees) > 100 {
			return fmt.Errorf("review %s: a collective discussion has 2 to 100 attendees, not %d", p.Review, len(c.Attendees))
		}
		for _, a := range c.Attendees {
			if err := checkText("attendee", a, 50); err != nil {
				return fmt.Errorf("review %s: %w", p.Review, err)
			}
		}
	}
	return nil
}

// ReviewRecord is what the record holds about a case's review: its latest
// round.
type ReviewRecord struct {
	ID          string
	Case        string
	Round       int
	SubmittedBy string
	SubmittedAt time.Time
	Due         string // YYYY-MM-DD
	Decision    Decision
	Major       []string
	Doc         string
	DocHash     *evidence.Digest
	Reviewer    string
	Outcome     Outcome // "" while pending
	Disputed    bool
	Resolution  Resolution // "" unless a head resolved a dispute
}

// Passed reports whether the round lets the reviewed decision go ahead:
// 同意, or a dispute a head resolved to proceed.
func (r ReviewRecord) Passed() bool {
	return r.Outcome == OutcomeAgree || r.Resolution == ResolutionProceed
}

// Pending reports whether the round awaits an opinion.
func (r ReviewRecord) Pending() bool { return r.Outcome == "" }

// Overdue reports whether a pending round is past its time limit at now.
func (r ReviewRecord) Overdue(now time.Time) bool {
	due, err := time.ParseInLocation(time.DateOnly, r.Due, Shanghai)
	return r.Pending() && err == nil && now.After(due.AddDate(0, 0, 1).Add(-time.Nanosecond))
}

// ReviewDue is the last day of a review time limit of days working days
// counted from the submission at (the day of submission not counted).
func (c Calendar) ReviewDue(at time.Time, days int) string {
	return c.AddWorkdays(at, days).Format(time.DateOnly)
}
