package casework

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"lawtrail/evidence"
)

// The rules of legal review and of the gate it sets on major decisions
// (L1: no major decision without a passed review; L7: disputes go to a
// head; L8: each act signed by the person who makes it).

// checkReviewAct: every act of legal review is signed by the person who
// makes it (L8) — their own key co-signs — and follows its rule.
func checkReviewAct(ctx context.Context, st State, a Act) error {
	if !slices.Contains(a.CoSigners, a.Actor) {
		return fmt.Errorf("%w: %w: %s is signed by the officer who makes it: %s must co-sign", ErrRule, ErrNotCoSigned, a.Payload.EventType(), a.Actor)
	}
	switch p := a.Payload.(type) {
	case *DecisionProposed:
		return checkDecisionProposed(ctx, st, p)
	case *ReviewSubmitted:
		return checkSubmitted(ctx, st, a, p)
	case *ReviewAssigned:
		return checkAssigned(ctx, st, a, p)
	case *ReviewExtended:
		return checkExtended(ctx, st, a, p)
	case *ReviewOpinion:
		return checkOpinion(ctx, st, a, p)
	case *ReviewDisputed:
		return checkDisputed(ctx, st, a, p)
	case *ReviewResolved:
		return checkResolved(ctx, st, a, p)
	}
	return nil
}

// policy is the review policy in force (the bundled example's when none is
// known, so deadlines still count).
func policy(st State) (*MajorList, ReviewPolicy) {
	cfg := st.Config()
	if cfg == nil || cfg.MajorList == nil {
		return nil, ReviewPolicy{Days: 5, ExtensionDays: 5}
	}
	return cfg.MajorList, cfg.MajorList.Review
}

// Major evaluates decision d against the list in force.
func Major(st State, d Decision) (bool, []Criterion) {
	l, _ := policy(st)
	return l.Evaluate(d)
}

func checkDecisionProposed(ctx context.Context, st State, p *DecisionProposed) error {
	c, found, err := st.Case(ctx, p.Case)
	if err != nil || !found {
		return refuse(err, "no case %s", p.Case)
	}
	if c.ActType != p.Decision.Act {
		return refuse(nil, "case %s is a %s case; the decision says %s", p.Case, c.ActType, p.Decision.Act)
	}
	return nil
}

// checkSubmitted: a new round follows a closed one (round 1: none); the
// decision is the case's as it stands and the draft document the one named,
// byte for byte; the matched criteria and the due day are the ones the
// list in force gives; a head approves where the policy asks.
func checkSubmitted(ctx context.Context, st State, a Act, p *ReviewSubmitted) error {
	c, found, err := st.Case(ctx, p.Case)
	if err != nil || !found {
		return refuse(err, "no case %s", p.Case)
	}
	if c.Phase == PhaseExecution {
		return refuse(nil, "case %s is in 送达执行 already; its decision was made", p.Case)
	}
	if err := checkNextRound(ctx, st, p); err != nil {
		return err
	}
	current, has, err := st.Decision(ctx, p.Case)
	if err != nil {
		return refuse(err, "")
	}
	if !has || !current.Equal(p.Decision) {
		return refuse(nil, "review %s: the decision submitted is not case %s's proposed decision as it stands", p.Review, p.Case)
	}
	if p.Doc != "" {
		if err := checkSubmittedDoc(ctx, st, p); err != nil {
			return err
		}
	}
	list, pol := policy(st)
	_, matched := list.Evaluate(p.Decision)
	if ids := CriterionIDs(matched); !slices.Equal(ids, p.Major) {
		return refuse(nil, "review %s: the list in force matches %v, the submission says %v", p.Review, ids, p.Major)
	}
	if due := st.Config().calendar().ReviewDue(a.At, pol.Days); p.Due != due {
		return refuse(nil, "review %s: due %s, the time limit of %d working days gives %s", p.Review, p.Due, pol.Days, due)
	}
	for _, m := range p.Material {
		if err := checkMaterial(ctx, st, p.Case, m); err != nil {
			return err
		}
	}
	return checkApproval(ctx, st, a, p, pol)
}

func checkNextRound(ctx context.Context, st State, p *ReviewSubmitted) error {
	prev, found, err := st.CaseReview(ctx, p.Case)
	switch {
	case err != nil:
		return refuse(err, "")
	case !found && p.Round != 1:
		return refuse(nil, "review %s: case %s has no review yet; the first round is 1, not %d", p.Review, p.Case, p.Round)
	case !found:
		if _, taken, err := st.Review(ctx, p.Review); err != nil || taken {
			return refuse(err, "review %s belongs to another case", p.Review)
		}
		return nil
	case prev.ID != p.Review:
		return refuse(nil, "case %s is under review %s, not %s", p.Case, prev.ID, p.Review)
	case p.Round != prev.Round+1:
		return refuse(nil, "review %s: round %d follows round %d, not %d", p.Review, prev.Round+1, prev.Round, p.Round)
	case prev.Pending():
		return refuse(nil, "review %s: round %d awaits its opinion; resubmit after it", p.Review, prev.Round)
	case prev.Disputed && prev.Resolution == "":
		return refuse(nil, "review %s: round %d is disputed and awaits the head's resolution", p.Review, prev.Round)
	}
	return nil
}

func checkSubmittedDoc(ctx context.Context, st State, p *ReviewSubmitted) error {
	rec, found, err := st.Document(ctx, p.Doc)
	switch {
	case err != nil || !found:
		return refuse(err, "review %s: no document %s", p.Review, p.Doc)
	case rec.Case != p.Case:
		return refuse(nil, "review %s: document %s belongs to case %s", p.Review, p.Doc, rec.Case)
	case rec.Draft == nil:
		return refuse(nil, "review %s: document %s has no draft to submit (the draft is what is reviewed, before it is finalized)", p.Review, p.Doc)
	}
	h, err := rec.Draft.Hash()
	if err != nil {
		return refuse(nil, "review %s: %v", p.Review, err)
	}
	if h != *p.DocHash {
		return refuse(nil, "review %s: document %s's draft is %s, the submission fixes %s", p.Review, p.Doc, h, *p.DocHash)
	}
	cfg := st.Config()
	if cfg == nil || cfg.Templates[rec.Draft.Template] == nil {
		return refuse(nil, "review %s: no template %s", p.Review, rec.Draft.Template)
	}
	d, has, err := cfg.Templates[rec.Draft.Template].DecisionOf(rec.Draft.Fields)
	if err != nil || !has || !d.Equal(p.Decision) {
		return refuse(err, "review %s: document %s is not a decision document carrying the decision submitted", p.Review, p.Doc)
	}
	return nil
}

func checkMaterial(ctx context.Context, st State, caseID string, m Material) error {
	if m.Kind == "footage" {
		if found, err := st.FootageExists(ctx, m.Digest.String()); err != nil || !found {
			return refuse(err, "material: no footage %s", m.Digest)
		}
		return nil
	}
	rec, found, err := st.Document(ctx, m.Ref)
	if err != nil || !found || rec.Case != caseID {
		return refuse(err, "material: document %s is not one of case %s", m.Ref, caseID)
	}
	return nil
}

func checkApproval(ctx context.Context, st State, a Act, p *ReviewSubmitted, pol ReviewPolicy) error {
	if p.ApprovedBy == "" {
		if pol.HeadApproval {
			return refuse(nil, "review %s: the agency's policy asks a head's approval of every submission (approved_by)", p.Review)
		}
		return nil
	}
	o, found, err := st.Officer(ctx, p.ApprovedBy)
	switch {
	case err != nil || !found:
		return refuse(err, "review %s: approver %s is not enrolled", p.Review, p.ApprovedBy)
	case o.Revoked || !HasRole(o.Roles, RoleHead):
		return fmt.Errorf("%w: %w: review %s: %s (%s) is not a head who may approve", ErrRule, ErrRole, p.Review, o.Name, o.ID)
	case !slices.Contains(a.CoSigners, p.ApprovedBy):
		return fmt.Errorf("%w: %w: review %s: the approving head %s did not co-sign", ErrRule, ErrNotCoSigned, p.Review, o.Name)
	}
	return nil
}

// latestRound is the case review's latest round, which an act on review
// id, round must name.
func latestRound(ctx context.Context, st State, id string, round int) (ReviewRecord, error) {
	r, found, err := st.Review(ctx, id)
	switch {
	case err != nil || !found:
		return r, refuse(err, "no review %s", id)
	case r.Round != round:
		return r, refuse(nil, "review %s: round %d is the latest, not %d", id, r.Round, round)
	}
	return r, nil
}

// checkAssigned: a head assigns anyone; a reviewer only themselves; the
// reviewer holds the reviewer role and took no part in the case (回避).
func checkAssigned(ctx context.Context, st State, a Act, p *ReviewAssigned) error {
	r, err := latestRound(ctx, st, p.Review, p.Round)
	if err != nil {
		return err
	}
	if !r.Pending() {
		return refuse(nil, "review %s: round %d has its opinion already", p.Review, p.Round)
	}
	actor, _, err := st.Officer(ctx, a.Actor)
	if err != nil {
		return refuse(err, "")
	}
	if !HasRole(actor.Roles, RoleHead) && p.Reviewer != a.Actor {
		return fmt.Errorf("%w: %w: review %s: a reviewer takes a review for themselves; a head assigns others", ErrRule, ErrRole, p.Review)
	}
	o, found, err := st.Officer(ctx, p.Reviewer)
	switch {
	case err != nil || !found:
		return refuse(err, "review %s: reviewer %s is not enrolled", p.Review, p.Reviewer)
	case o.Revoked:
		return fmt.Errorf("%w: %w: review %s: %s (%s) may no longer act", ErrRule, ErrRevoked, p.Review, o.Name, o.ID)
	case !HasRole(o.Roles, RoleReviewer):
		return fmt.Errorf("%w: %w: review %s: %s (%s) is not a legal reviewer", ErrRule, ErrRole, p.Review, o.Name, o.ID)
	}
	took, err := st.CaseParticipants(ctx, r.Case)
	if err != nil {
		return refuse(err, "")
	}
	if slices.Contains(took, p.Reviewer) {
		return fmt.Errorf("%w: %w: review %s: %s (%s) took part in case %s and must recuse (回避)", ErrRule, ErrRecused, p.Review, o.Name, o.ID, r.Case)
	}
	return nil
}

func checkExtended(ctx context.Context, st State, a Act, p *ReviewExtended) error {
	r, err := latestRound(ctx, st, p.Review, p.Round)
	if err != nil {
		return err
	}
	if !r.Pending() {
		return refuse(nil, "review %s: round %d has its opinion already", p.Review, p.Round)
	}
	_, pol := policy(st)
	from, err := time.ParseInLocation(time.DateOnly, r.Due, Shanghai)
	if err != nil {
		return refuse(nil, "review %s: due %q unreadable", p.Review, r.Due)
	}
	latest := st.Config().calendar().ReviewDue(from, pol.ExtensionDays)
	if p.Due <= r.Due || p.Due > latest {
		return refuse(nil, "review %s: an extension moves the due day from %s to at most %s (%d working days), not to %s", p.Review, r.Due, latest, pol.ExtensionDays, p.Due)
	}
	return nil
}

func checkOpinion(ctx context.Context, st State, a Act, p *ReviewOpinion) error {
	r, err := latestRound(ctx, st, p.Review, p.Round)
	switch {
	case err != nil:
		return err
	case !r.Pending():
		return refuse(nil, "review %s: round %d has its opinion already; every round has one", p.Review, p.Round)
	case r.Reviewer == "":
		return refuse(nil, "review %s: round %d has no reviewer assigned yet", p.Review, p.Round)
	case r.Reviewer != a.Actor:
		return fmt.Errorf("%w: %w: review %s: the opinion is the assigned reviewer %s's, not %s's", ErrRule, ErrRole, p.Review, r.Reviewer, a.Actor)
	}
	return nil
}

func checkDisputed(ctx context.Context, st State, a Act, p *ReviewDisputed) error {
	r, err := latestRound(ctx, st, p.Review, p.Round)
	switch {
	case err != nil:
		return err
	case r.Outcome != OutcomeProblems:
		return refuse(nil, "review %s: only an opinion of 存在问题 is disputed", p.Review)
	case r.Disputed:
		return refuse(nil, "review %s: round %d is disputed already", p.Review, p.Round)
	}
	return nil
}

func checkResolved(ctx context.Context, st State, a Act, p *ReviewResolved) error {
	r, err := latestRound(ctx, st, p.Review, p.Round)
	switch {
	case err != nil:
		return err
	case !r.Disputed:
		return refuse(nil, "review %s: round %d is not disputed; a head resolves disputes only", p.Review, p.Round)
	case r.Resolution != "":
		return refuse(nil, "review %s: round %d was resolved already", p.Review, p.Round)
	}
	return nil
}

// checkGate holds up a major decision (L1): finalizing a decision document
// whose decision the list makes major, or moving a case with a major
// proposed decision to 送达执行, needs the case's latest review round passed
// for exactly that decision (and, for a document, exactly that draft).
func checkGate(ctx context.Context, st State, caseID string, d Decision, docHash *evidence.Digest, what string) error {
	major, matched := Major(st, d)
	if !major {
		return nil
	}
	labels := make([]string, len(matched))
	for i, c := range matched {
		labels[i] = c.Label
	}
	why := fmt.Sprintf("the decision is major (%s)", strings.Join(labels, "；"))
	r, found, err := st.CaseReview(ctx, caseID)
	switch {
	case err != nil:
		return refuse(err, "")
	case !found:
		return fmt.Errorf("%w: %w: %s: %s and has not been submitted for legal review", ErrRule, ErrReviewRequired, what, why)
	case r.Pending():
		return fmt.Errorf("%w: %w: %s: %s; review %s round %d awaits its opinion", ErrRule, ErrReviewRequired, what, why, r.ID, r.Round)
	case !r.Passed():
		return fmt.Errorf("%w: %w: %s: %s; review %s round %d found problems: fix them and resubmit", ErrRule, ErrReviewRequired, what, why, r.ID, r.Round)
	case !r.Decision.Equal(d):
		return fmt.Errorf("%w: %w: %s: %s; it differs from the decision review %s round %d passed: submit it again", ErrRule, ErrReviewRequired, what, why, r.ID, r.Round)
	case docHash != nil && (r.DocHash == nil || *r.DocHash != *docHash):
		return fmt.Errorf("%w: %w: %s: %s; this text is not the draft review %s round %d passed, byte for byte: submit it again", ErrRule, ErrReviewRequired, what, why, r.ID, r.Round)
	}
	return nil
}

// gateFinalized applies checkGate to a finalized decision document.
func gateFinalized(ctx context.Context, st State, p *DocFinalized) error {
	cfg := st.Config()
	if cfg == nil || cfg.Templates[p.Template] == nil {
		return nil // checkSigned refuses it
	}
	d, has, err := cfg.Templates[p.Template].DecisionOf(p.Fields)
	if err != nil || !has {
		return nil // the template check refuses a bad or missing decision
	}
	return checkGate(ctx, st, p.Case, d, &p.ContentHash, "document "+p.Doc)
}

// gateAdvance applies checkGate to a case moving to 送达执行.
func gateAdvance(ctx context.Context, st State, p *CasePhaseAdvanced) error {
	if p.Phase != PhaseExecution {
		return nil
	}
	d, has, err := st.Decision(ctx, p.Case)
	if err != nil {
		return refuse(err, "")
	}
	if !has {
		return nil // no decision stated: nothing is major
	}
	return checkGate(ctx, st, p.Case, d, nil, "case "+p.Case+" to 送达执行")
}

func (c *Config) calendar() Calendar {
	if c == nil {
		return Calendar{}
	}
	return c.Calendar
}
