package casework

import (
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"unicode/utf8"
)

// The agency's list of what is major (重大执法决定法制审核事项清单, DOMAIN L4):
// criteria over the proposed decision, and the review policy that goes with
// it (time limit, whether the head approves a submission). Bundled as an
// example (assets/lists/major-decisions.json); an agency publishes its own
// as configuration of kind major_list.

// MajorList is the list of major decisions with its review policy.
type MajorList struct {
	Version  int          `json:"version"`
	Name     string       `json:"name"`
	Example  bool         `json:"example"` // true: a shipped example for the agency to edit, not its own list
	Source   string       `json:"source,omitempty"`
	Review   ReviewPolicy `json:"review"`
	Criteria []Criterion  `json:"criteria"`
}

// ReviewPolicy is how legal review runs in the agency.
type ReviewPolicy struct {
	// Days is the review time limit in working days from submission.
	Days int `json:"days"`
	// ExtensionDays is how many working days an extension may add at most.
	ExtensionDays int `json:"extension_days"`
	// HeadApproval: a submission needs a head's approval (the head co-signs it).
	HeadApproval bool `json:"head_approval"`
}

// Criterion is one line of the list. Every condition it sets must hold for
// it to match; a criterion with no condition is refused.
type Criterion struct {
	ID      string `json:"id"`
	Label   string `json:"label"`
	LabelEn string `json:"label_en,omitempty"`
	// Acts: the act types it applies to; empty: any.
	Acts []ActType `json:"acts,omitempty"`
	// PartyKind: only decisions against this kind of party; empty: any.
	PartyKind PartyKind `json:"party_kind,omitempty"`
	// Penalty: the decision imposes a penalty of this kind...
	Penalty PenaltyKind `json:"penalty,omitempty"`
	// ...of at least this amount in yuan (amount kinds only).
	AtLeastYuan json.Number `json:"at_least_yuan,omitempty"`
	// Hearing: a hearing was held ("held") or at least requested ("requested").
	Hearing Hearing `json:"hearing,omitempty"`
	// CrimeTransfer: the case is to be transferred as a suspected crime.
	CrimeTransfer bool `json:"crime_transfer,omitempty"`
	// Flag: the decision carries this flag.
	Flag Flag `json:"flag,omitempty"`
}

// MaxCriteria bounds a list.
const MaxCriteria = 200

// ParseMajorList reads a list strictly and checks it.
func ParseMajorList(raw []byte) (*MajorList, error) {
	var l MajorList
	if err := decodeStrict(raw, &l); err != nil {
		return nil, fmt.Errorf("major decisions list: %w", err)
	}
	if err := l.validate(); err != nil {
		return nil, fmt.Errorf("major decisions list: %w", err)
	}
	return &l, nil
}

func (l *MajorList) validate() error {
	switch {
	case l.Version < 1:
		return fmt.Errorf("version %d, want 1 or more", l.Version)
	case utf8.RuneCountInString(l.Name) > 200 || utf8.RuneCountInString(l.Source) > 1000:
		return fmt.Errorf("name or source too long")
	case l.Review.Days < 1 || l.Review.Days > 60:
		return fmt.Errorf("review.days %d: 1 to 60 working days", l.Review.Days)
	case l.Review.ExtensionDays < 0 || l.Review.ExtensionDays > 60:
		return fmt.Errorf("review.extension_days %d: 0 to 60 working days", l.Review.ExtensionDays)
	case len(l.Criteria) == 0 || len(l.Criteria) > MaxCriteria:
		return fmt.Errorf("%d criteria, want 1 to %d", len(l.Criteria), MaxCriteria)
	}
	for i, c := range l.Criteria {
		if err := c.validate(); err != nil {
			return fmt.Errorf("criterion %d (%s): %w", i+1, c.ID, err)
		}
		if slices.ContainsFunc(l.Criteria[:i], func(o Criterion) bool { return o.ID == c.ID }) {
			return fmt.Errorf("criterion id %q given twice", c.ID)
		}
	}
	return nil
}

func (c Criterion) validate() error {
	if err := checkID("criterion", c.ID); err != nil {
		return err
	}
	if strings.TrimSpace(c.Label) == "" || utf8.RuneCountInString(c.Label) > 200 || utf8.RuneCountInString(c.LabelEn) > 200 {
		return fmt.Errorf("a label of 1 to 200 characters is required")
	}
	for _, a := range c.Acts {
		if !slices.Contains(ActTypes, a) {
			return fmt.Errorf("unknown act %q", a)
		}
	}
	if c.PartyKind != "" && !slices.Contains(PartyKinds, c.PartyKind) {
		return fmt.Errorf("unknown party_kind %q", c.PartyKind)
	}
	if c.Penalty != "" && !slices.Contains(PenaltyKinds, c.Penalty) {
		return fmt.Errorf("unknown penalty %q", c.Penalty)
	}
	if c.AtLeastYuan != "" {
		if !slices.Contains(amountKinds, c.Penalty) {
			return fmt.Errorf("at_least_yuan needs a penalty with an amount (%v)", amountKinds)
		}
		if !moneyPattern.MatchString(string(c.AtLeastYuan)) {
			return fmt.Errorf("at_least_yuan %q: an amount in yuan with at most two decimals", c.AtLeastYuan)
		}
	}
	if c.Hearing != HearingNone && c.Hearing != HearingRequested && c.Hearing != HearingHeld {
		return fmt.Errorf("hearing %q: requested or held", c.Hearing)
	}
	if c.Flag != "" && !slices.Contains(Flags, c.Flag) {
		return fmt.Errorf("unknown flag %q (one of %v)", c.Flag, Flags)
	}
	if c.Penalty == "" && c.Hearing == HearingNone && !c.CrimeTransfer && c.Flag == "" && len(c.Acts) == 0 {
		return fmt.Errorf("no condition: it would match every decision")
	}
	return nil
}

// Matches reports whether the criterion holds for decision d.
func (c Criterion) Matches(d Decision) bool {
	if len(c.Acts) > 0 && !slices.Contains(c.Acts, d.Act) {
		return false
	}
	if c.PartyKind != "" && c.PartyKind != d.PartyKind {
		return false
	}
	if c.Penalty != "" && !slices.ContainsFunc(d.Penalties, c.penaltyMatches) {
		return false
	}
	switch c.Hearing {
	case HearingHeld:
		if d.Hearing != HearingHeld {
			return false
		}
	case HearingRequested:
		if d.Hearing == HearingNone {
			return false
		}
	}
	if c.CrimeTransfer && !d.CrimeTransfer {
		return false
	}
	if c.Flag != "" && !slices.Contains(d.Flags, c.Flag) {
		return false
	}
	return true
}

func (c Criterion) penaltyMatches(p Penalty) bool {
	if p.Kind != c.Penalty {
		return false
	}
	if c.AtLeastYuan == "" {
		return true
	}
	min, ok := new(big.Rat).SetString(string(c.AtLeastYuan))
	got := p.Yuan()
	return ok && got != nil && got.Cmp(min) >= 0
}

// Evaluate answers "major or not, and which criteria matched" for decision
// d. A nil list (none known) matches nothing.
func (l *MajorList) Evaluate(d Decision) (major bool, matched []Criterion) {
	if l == nil {
		return false, nil
	}
	for _, c := range l.Criteria {
		if c.Matches(d) {
			matched = append(matched, c)
		}
	}
	return len(matched) > 0, matched
}

// CriterionIDs lists the ids of cs.
func CriterionIDs(cs []Criterion) []string {
	ids := make([]string, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	return ids
}
