package casework

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"unicode/utf8"
)

// The proposed decision of a case: what is about to be decided, as data the
// agency's list of major decisions (major.go) is evaluated on and legal
// review fixes (review.go). It is set on the case (case.decision_proposed)
// until a decision document is drafted; from then on the draft's decision
// field says it (a template field of type "decision").

// TypeDecisionProposed records the decision a case is heading for.
const TypeDecisionProposed = "case.decision_proposed"

// PartyKind is whom a decision is against.
type PartyKind string

// The kinds of party.
const (
	PartyIndividual   PartyKind = "individual"   // 自然人
	PartyOrganisation PartyKind = "organisation" // 法人或其他组织
)

// PartyKinds lists the kinds of party.
var PartyKinds = []PartyKind{PartyIndividual, PartyOrganisation}

// PenaltyKind is one kind of administrative penalty (行政处罚法 Art. 9).
type PenaltyKind string

// The kinds of penalty.
const (
	PenaltyWarning            PenaltyKind = "warning"             // 警告
	PenaltyCriticism          PenaltyKind = "criticism"           // 通报批评
	PenaltyFine               PenaltyKind = "fine"                // 罚款 (amount)
	PenaltyConfiscateIncome   PenaltyKind = "confiscate_income"   // 没收违法所得 (amount)
	PenaltyConfiscateProperty PenaltyKind = "confiscate_property" // 没收非法财物 (value)
	PenaltySuspendLicence     PenaltyKind = "suspend_licence"     // 暂扣许可证件
	PenaltyRevokeLicence      PenaltyKind = "revoke_licence"      // 吊销许可证件
	PenaltyLowerQualification PenaltyKind = "lower_qualification" // 降低资质等级
	PenaltyRestrictBusiness   PenaltyKind = "restrict_business"   // 限制开展生产经营活动
	PenaltySuspendBusiness    PenaltyKind = "suspend_business"    // 责令停产停业
	PenaltyClose              PenaltyKind = "close"               // 责令关闭
	PenaltyRestrictPractice   PenaltyKind = "restrict_practice"   // 限制从业
)

// PenaltyKinds lists the kinds of penalty in the order of the law.
var PenaltyKinds = []PenaltyKind{PenaltyWarning, PenaltyCriticism, PenaltyFine, PenaltyConfiscateIncome,
	PenaltyConfiscateProperty, PenaltySuspendLicence, PenaltyRevokeLicence, PenaltyLowerQualification,
	PenaltyRestrictBusiness, PenaltySuspendBusiness, PenaltyClose, PenaltyRestrictPractice}

// amountKinds are the penalties that carry an amount in yuan.
var amountKinds = []PenaltyKind{PenaltyFine, PenaltyConfiscateIncome, PenaltyConfiscateProperty}

// CarriesAmount reports whether a penalty of this kind carries an amount in
// yuan (fines and confiscations) — and only then may it.
func (k PenaltyKind) CarriesAmount() bool { return slices.Contains(amountKinds, k) }

// Hearing says whether a hearing (听证) was requested or held.
type Hearing string

// The hearing states; the empty string is "none".
const (
	HearingNone      Hearing = ""
	HearingRequested Hearing = "requested"
	HearingHeld      Hearing = "held"
)

// Flag is a free mark an agency's list of major decisions may use.
type Flag string

// The flags lawtrail knows; an agency's list may name only these.
const (
	FlagPublicInterest Flag = "public_interest" // 涉及重大公共利益
	FlagSocialImpact   Flag = "social_impact"   // 社会影响大
	FlagComplex        Flag = "complex"         // 疑难复杂
)

// Flags lists the known flags.
var Flags = []Flag{FlagPublicInterest, FlagSocialImpact, FlagComplex}

// Penalty is one penalty of a decision: its kind, an amount in yuan for
// fines and confiscations (up to two decimals, e.g. 200000 or 1999.50), and
// what it bears on (a licence, property) where that says more.
type Penalty struct {
	Kind       PenaltyKind `json:"kind"`
	AmountYuan json.Number `json:"amount_yuan,omitempty"`
	Object     string      `json:"object,omitempty"`
}

// Decision is a proposed decision. Field names are the JSON a front end
// reads (`lawtrailctl case decision --file`), documented in docs/EVENTS.md.
type Decision struct {
	Act           ActType   `json:"act"`
	PartyKind     PartyKind `json:"party_kind"`
	Penalties     []Penalty `json:"penalties,omitempty"`
	Hearing       Hearing   `json:"hearing,omitempty"`
	CrimeTransfer bool      `json:"crime_transfer,omitempty"` // 涉嫌犯罪移送
	Flags         []Flag    `json:"flags,omitempty"`
	Summary       string    `json:"summary,omitempty"` // the decision in a sentence
}

// MaxPenalties bounds the penalties of one decision.
const MaxPenalties = 20

// Validate checks a decision on its own.
func (d Decision) Validate() error {
	if !slices.Contains(ActTypes, d.Act) {
		return fmt.Errorf("decision: unknown act %q (one of %v)", d.Act, ActTypes)
	}
	if !slices.Contains(PartyKinds, d.PartyKind) {
		return fmt.Errorf("decision: unknown party_kind %q (one of %v)", d.PartyKind, PartyKinds)
	}
	if len(d.Penalties) > MaxPenalties {
		return fmt.Errorf("decision: %d penalties, at most %d", len(d.Penalties), MaxPenalties)
	}
	if len(d.Penalties) > 0 && d.Act != ActPenalty {
		return fmt.Errorf("decision: penalties belong to act %q, not %q", ActPenalty, d.Act)
	}
	for i, p := range d.Penalties {
		if err := p.validate(); err != nil {
			return fmt.Errorf("decision: penalty %d: %w", i+1, err)
		}
	}
	if !slices.Contains([]Hearing{HearingNone, HearingRequested, HearingHeld}, d.Hearing) {
		return fmt.Errorf("decision: hearing %q: none (leave it out), requested or held", d.Hearing)
	}
	for i, f := range d.Flags {
		if !slices.Contains(Flags, f) || slices.Contains(d.Flags[:i], f) {
			return fmt.Errorf("decision: flag %q unknown or given twice (one of %v)", f, Flags)
		}
	}
	if utf8.RuneCountInString(d.Summary) > 500 || strings.ContainsRune(d.Summary, 0) {
		return fmt.Errorf("decision: summary longer than 500 characters or with a NUL")
	}
	return nil
}

func (p Penalty) validate() error {
	if !slices.Contains(PenaltyKinds, p.Kind) {
		return fmt.Errorf("unknown kind %q (one of %v)", p.Kind, PenaltyKinds)
	}
	if slices.Contains(amountKinds, p.Kind) {
		if !moneyPattern.MatchString(string(p.AmountYuan)) {
			return fmt.Errorf("%s: amount_yuan %q: an amount in yuan with at most two decimals", p.Kind, p.AmountYuan)
		}
	} else if p.AmountYuan != "" {
		return fmt.Errorf("%s carries no amount", p.Kind)
	}
	if utf8.RuneCountInString(p.Object) > 200 || strings.ContainsRune(p.Object, 0) {
		return fmt.Errorf("%s: object longer than 200 characters or with a NUL", p.Kind)
	}
	return nil
}

// Yuan is the amount as an exact rational (nil when there is none).
func (p Penalty) Yuan() *big.Rat {
	if p.AmountYuan == "" {
		return nil
	}
	r, ok := new(big.Rat).SetString(string(p.AmountYuan))
	if !ok {
		return nil
	}
	return r
}

// ParseDecision reads a decision strictly: known names only, one JSON
// value, and valid. What it returns encodes (Canonical) in lawtrail's one
// spelling.
func ParseDecision(raw []byte) (Decision, error) {
	var d Decision
	if err := decodeStrict(raw, &d); err != nil {
		return d, fmt.Errorf("decision: %w", err)
	}
	return d, d.Validate()
}

// decodeStrict reads exactly one JSON value into v: names v knows only,
// numbers kept as written (json.Number), nothing after it.
func decodeStrict(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("data after the JSON value")
	}
	return nil
}

// Canonical is the decision's one encoding; two decisions are the same
// decision when their canonical encodings are equal.
func (d Decision) Canonical() []byte {
	raw, _ := json.Marshal(d) // plain data: cannot fail
	return raw
}

// Equal reports whether two decisions are the same decision.
func (d Decision) Equal(o Decision) bool { return bytes.Equal(d.Canonical(), o.Canonical()) }

// DecisionProposed sets the proposed decision of a case before (or without)
// a decision document.
type DecisionProposed struct {
	Case     string   `json:"case"`
	Decision Decision `json:"decision"`
}

// EventType names the payload's event type.
func (DecisionProposed) EventType() string { return TypeDecisionProposed }

// Validate checks the payload on its own.
func (p DecisionProposed) Validate() error {
	if err := checkID("case", p.Case); err != nil {
		return err
	}
	return p.Decision.Validate()
}

// DecisionField is the key of the field that carries the decision in a
// decision document's template (type "decision").
func (t *Template) DecisionField() (string, bool) {
	for _, f := range t.Fields() {
		if f.Type == FieldDecision {
			return f.Key, true
		}
	}
	return "", false
}

// DecisionOf reads the decision a document's values carry (false when the
// template has no decision field or the value is absent).
func (t *Template) DecisionOf(values map[string]json.RawMessage) (Decision, bool, error) {
	key, ok := t.DecisionField()
	if !ok {
		return Decision{}, false, nil
	}
	raw, ok := values[key]
	if !ok || string(raw) == "null" {
		return Decision{}, false, nil
	}
	d, err := ParseDecision(raw)
	return d, err == nil, err
}
