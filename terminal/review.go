package terminal

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"lawtrail/casework"
	"lawtrail/evidence"
	"lawtrail/store"
)

// Legal review (法制审核): the actions of the handling officer (propose the
// decision, submit, resubmit, dispute), the reviewer (take or be assigned a
// review, give the opinion with its checklist), and the head (assign,
// extend, resolve a dispute). Each is a signed event the officer acting
// co-signs; the rules that make it lawful (casework/reviewrules.go) run at
// append. Reading needs no session.

// ErrNoReview is returned for a review the record does not hold.
var ErrNoReview = errors.New("no such review")

// ProposeDecision sets a case's proposed decision before (or without) a
// decision document.
func (s *Session) ProposeDecision(ctx context.Context, caseID string, d casework.Decision) error {
	p := &casework.DecisionProposed{Case: caseID, Decision: d}
	if err := p.Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrBadInput, err)
	}
	_, err := s.append(ctx, store.Draft{Payload: p, CoSigners: s.own()})
	return err
}

func (s *Session) own() []evidence.OfficerKey {
	return []evidence.OfficerKey{{Officer: s.Officer.ID, Key: s.key}}
}

// CaseDecision is a case's proposed decision and what the list in force
// makes of it.
type CaseDecision struct {
	Decision casework.Decision
	Source   string // "case" or the decision document's id
	Major    bool
	Matched  []casework.Criterion
}

// CaseDecision answers "major or not, and which criteria matched" for a
// case's proposed decision as it stands; false when none is stated.
func (t *Terminal) CaseDecision(ctx context.Context, caseID string) (CaseDecision, bool, error) {
	d, has, err := t.st.CaseDecision(ctx, caseID)
	if err != nil || !has {
		return CaseDecision{}, false, err
	}
	major, matched := t.Config().MajorList.Evaluate(d)
	return CaseDecision{Decision: d, Major: major, Matched: matched}, true, nil
}

// Submission is what submitting a case for review needs. Doc names the
// draft decision document (optional: without one the proposed decision on
// the case is reviewed). Approver is the head who approves it, with their
// PIN, where the agency's policy asks.
type Submission struct {
	Case     string
	Doc      string
	Note     string
	Approver *Witness
}

// SubmitReview submits a case's proposed decision for legal review, or
// resubmits it as the next round after an opinion: the decision as it
// stands, the draft decision document fixed by its content hash, and the
// case's documents and footage fixed by digest.
func (s *Session) SubmitReview(ctx context.Context, sub Submission) (casework.ReviewSubmitted, error) {
	p := casework.ReviewSubmitted{Case: sub.Case, Note: strings.TrimSpace(sub.Note), Round: 1, Review: newID("r")}
	rounds, err := s.st.CaseReviewRounds(ctx, sub.Case)
	if err != nil {
		return p, err
	}
	if n := len(rounds); n > 0 {
		p.Review, p.Round = rounds[n-1].ID, rounds[n-1].Round+1
	}
	cd, has, err := s.CaseDecision(ctx, sub.Case)
	if err != nil {
		return p, err
	}
	if !has {
		return p, badInput("case %s states no proposed decision yet: set it (case decision) or draft the decision document", sub.Case)
	}
	p.Decision, p.Major = cd.Decision, casework.CriterionIDs(cd.Matched)
	if sub.Doc != "" {
		row, err := s.st.Document(ctx, sub.Doc)
		if err != nil {
			return p, badInput("%v", err)
		}
		if row.DraftContent == nil {
			return p, badInput("document %s has no draft to submit; its latest state is finalized", sub.Doc)
		}
		h, err := row.DraftContent.Hash()
		if err != nil {
			return p, err
		}
		p.Doc, p.DocHash = sub.Doc, &h
	}
	if p.Material, err = s.material(ctx, sub.Case); err != nil {
		return p, err
	}
	pol := casework.ReviewPolicy{Days: 5}
	if l := s.Config().MajorList; l != nil {
		pol = l.Review
	}
	p.Due = s.Config().Calendar.ReviewDue(s.now(), pol.Days)
	signers := s.own()
	if sub.Approver != nil {
		p.ApprovedBy = sub.Approver.Officer
		more, err := s.cosigners(ctx, []Witness{*sub.Approver})
		if err != nil {
			return p, err
		}
		signers = more
	}
	if err := p.Validate(); err != nil {
		return p, fmt.Errorf("%w: %w", ErrBadInput, err)
	}
	_, err = s.append(ctx, store.Draft{Payload: &p, CoSigners: signers})
	return p, err
}

// material is the case as it stands, fixed by digest: each document's
// latest finalized version, and the footage linked to its steps.
func (s *Session) material(ctx context.Context, caseID string) ([]casework.Material, error) {
	docs, err := s.st.CaseDocuments(ctx, caseID)
	if err != nil {
		return nil, err
	}
	var out []casework.Material
	for _, d := range docs {
		if d.LastHash == "" {
			continue
		}
		h, err := evidence.ParseDigest(d.LastHash)
		if err != nil {
			return nil, fmt.Errorf("document %s: %w", d.ID, err)
		}
		out = append(out, casework.Material{Kind: "document", Ref: d.ID, Digest: h})
	}
	footage, err := s.st.CaseFootage(ctx, caseID)
	if err != nil {
		return nil, err
	}
	for _, d := range footage {
		out = append(out, casework.Material{Kind: "footage", Digest: d})
	}
	return out, nil
}

// latest is a review's latest round (ErrNoReview when none).
func (t *Terminal) latest(ctx context.Context, id string) (store.ReviewRound, error) {
	rounds, err := t.st.ReviewRounds(ctx, id)
	if err != nil {
		return store.ReviewRound{}, err
	}
	if len(rounds) == 0 {
		return store.ReviewRound{}, fmt.Errorf("%w: %w: %s", ErrBadInput, ErrNoReview, id)
	}
	return rounds[len(rounds)-1], nil
}

// AssignReview names the reviewer of a review's latest round: a head
// assigns anyone; a reviewer takes it for themselves (reviewer = own id).
func (s *Session) AssignReview(ctx context.Context, id, reviewer string) error {
	r, err := s.latest(ctx, id)
	if err != nil {
		return err
	}
	p := &casework.ReviewAssigned{Review: id, Round: r.Round, Reviewer: reviewer}
	return s.reviewAct(ctx, p)
}

// ExtendReview moves the due day of a review's pending round.
func (s *Session) ExtendReview(ctx context.Context, id string, due time.Time, reason string) error {
	r, err := s.latest(ctx, id)
	if err != nil {
		return err
	}
	p := &casework.ReviewExtended{Review: id, Round: r.Round, Due: due.In(casework.Shanghai).Format(time.DateOnly), Reason: strings.TrimSpace(reason)}
	return s.reviewAct(ctx, p)
}

// Opinion is a reviewer's opinion being given.
type Opinion struct {
	Outcome   casework.Outcome
	Checklist []casework.ChecklistEntry // the seven items; missing ones are 符合 when agreeing
	Problems  string
	Changes   string
}

// GiveOpinion records the assigned reviewer's opinion on the latest round.
func (s *Session) GiveOpinion(ctx context.Context, id string, o Opinion) (casework.ReviewOpinion, error) {
	r, err := s.latest(ctx, id)
	if err != nil {
		return casework.ReviewOpinion{}, err
	}
	p := casework.ReviewOpinion{Review: id, Round: r.Round, Outcome: o.Outcome, Checklist: FullChecklist(o.Checklist),
		Problems: strings.TrimSpace(o.Problems), Changes: strings.TrimSpace(o.Changes)}
	return p, s.reviewAct(ctx, &p)
}

// FullChecklist orders entries as the law lists the items and fills an item
// not given as 符合 with no note.
func FullChecklist(given []casework.ChecklistEntry) []casework.ChecklistEntry {
	out := make([]casework.ChecklistEntry, len(casework.CheckItems))
	for i, item := range casework.CheckItems {
		out[i] = casework.ChecklistEntry{Item: item, Finding: casework.FindingOK}
		for _, e := range given {
			if e.Item == item {
				out[i] = e
			}
		}
	}
	for _, e := range given { // an unknown item is kept so validation names it
		known := false
		for _, item := range casework.CheckItems {
			known = known || e.Item == item
		}
		if !known {
			out = append(out, e)
		}
	}
	return out
}

// DisputeReview records that the handling unit disputes the latest round's
// opinion; the dispute goes to a head.
func (s *Session) DisputeReview(ctx context.Context, id, reason string) error {
	r, err := s.latest(ctx, id)
	if err != nil {
		return err
	}
	return s.reviewAct(ctx, &casework.ReviewDisputed{Review: id, Round: r.Round, Reason: strings.TrimSpace(reason)})
}

// ResolveReview is a head's resolution of a dispute, with the record of a
// collective discussion when one was held.
func (s *Session) ResolveReview(ctx context.Context, id string, res casework.Resolution, decision string, c *casework.Collective) error {
	r, err := s.latest(ctx, id)
	if err != nil {
		return err
	}
	return s.reviewAct(ctx, &casework.ReviewResolved{Review: id, Round: r.Round, Resolution: res, Decision: strings.TrimSpace(decision), Collective: c})
}

func (s *Session) reviewAct(ctx context.Context, p casework.Payload) error {
	if err := p.Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrBadInput, err)
	}
	_, err := s.append(ctx, store.Draft{Payload: p, CoSigners: s.own()})
	return err
}

// Reviews lists the latest round of every review, newest first.
func (t *Terminal) Reviews(ctx context.Context) ([]store.ReviewRound, error) {
	return t.st.Reviews(ctx)
}

// ReviewRounds lists every round of a review, oldest first.
func (t *Terminal) ReviewRounds(ctx context.Context, id string) ([]store.ReviewRound, error) {
	rounds, err := t.st.ReviewRounds(ctx, id)
	if err == nil && len(rounds) == 0 {
		return nil, fmt.Errorf("%w: %w: %s", ErrBadInput, ErrNoReview, id)
	}
	return rounds, err
}

// Queue is where a review stands for one officer's desk.
type Queue string

// The queues of the reviewer's desk.
const (
	QueueNew      Queue = "new"      // pending, no reviewer yet
	QueueMine     Queue = "mine"     // pending, assigned to the officer
	QueueOverdue  Queue = "overdue"  // pending past its due day
	QueueDisputed Queue = "disputed" // disputed, awaiting a head
	QueueDone     Queue = "done"     // opinion given (and any dispute resolved)
)

// QueueOf says which queues a review's latest round is in for officer at now.
func QueueOf(r store.ReviewRound, officer string, now time.Time) []Queue {
	var q []Queue
	switch {
	case r.Pending() && r.Reviewer == "":
		q = append(q, QueueNew)
	case r.Pending() && r.Reviewer == officer:
		q = append(q, QueueMine)
	case r.Disputed && r.Resolution == "":
		q = append(q, QueueDisputed)
	case !r.Pending():
		q = append(q, QueueDone)
	}
	if r.Overdue(now) {
		q = append(q, QueueOverdue)
	}
	return q
}
