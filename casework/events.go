package casework

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Event types. The type string is part of the signed body: never rename one.
const (
	TypeTerminalInitialized = "terminal.initialized"
	TypeAgencyRegistered    = "agency.registered"
	TypeOfficerEnrolled     = "officer.enrolled"
	TypeCaseOpened          = "case.opened"
	TypeCasePhaseAdvanced   = "case.phase_advanced"
	TypeStepRecorded        = "step.recorded"
	TypeFootageIngested     = "footage.ingested"
	TypeFootageCleared      = "footage.cleared"
	TypeStepFootageLinked   = "step.footage_linked"
)

// Payload is the content of an event of one type.
type Payload interface {
	EventType() string
	Validate() error
}

// TerminalInitialized is the first event of every terminal: who it is.
type TerminalInitialized struct {
	Terminal  string `json:"terminal"`
	Name      string `json:"name"`
	Agency    string `json:"agency"`
	PublicKey []byte `json:"public_key"`
}

// AgencyRegistered names an enforcement agency.
type AgencyRegistered struct {
	Agency string `json:"agency"`
	Name   string `json:"name"`
}

// OfficerEnrolled adds an officer with a credential, roles and a public key.
// The event is co-signed by the new officer's key, proving possession.
type OfficerEnrolled struct {
	Officer      string `json:"officer"`
	Name         string `json:"name"`
	CredentialNo string `json:"credential_no"` // 执法证号; empty for staff who hold none
	Agency       string `json:"agency"`
	Roles        []Role `json:"roles"`
	PublicKey    []byte `json:"public_key"`
	ValidUntil   string `json:"valid_until,omitempty"` // the credential's last valid day, YYYY-MM-DD
}

// CaseOpened registers a case (立案) in the initiation phase.
type CaseOpened struct {
	Case    string  `json:"case"`
	Number  string  `json:"number"` // the agency's case number, e.g. 某市监罚〔2026〕12号
	Title   string  `json:"title"`
	ActType ActType `json:"act_type"`
	Agency  string  `json:"agency"`
}

// CasePhaseAdvanced moves a case forward to a later phase.
type CasePhaseAdvanced struct {
	Case  string `json:"case"`
	Phase Phase  `json:"phase"`
}

// StepRecorded records one step of a case, with its time span and officers.
type StepRecorded struct {
	Step     string    `json:"step"`
	Case     string    `json:"case"`
	Kind     StepKind  `json:"kind"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	Officers []string  `json:"officers"`
	Note     string    `json:"note,omitempty"`
}

func (TerminalInitialized) EventType() string { return TypeTerminalInitialized }
func (AgencyRegistered) EventType() string    { return TypeAgencyRegistered }
func (OfficerEnrolled) EventType() string     { return TypeOfficerEnrolled }
func (CaseOpened) EventType() string          { return TypeCaseOpened }
func (CasePhaseAdvanced) EventType() string   { return TypeCasePhaseAdvanced }
func (StepRecorded) EventType() string        { return TypeStepRecorded }

// Validate checks the payload on its own.
func (p TerminalInitialized) Validate() error {
	if len(p.PublicKey) != 32 {
		return fmt.Errorf("terminal public key: %d bytes, want 32", len(p.PublicKey))
	}
	return firstError(checkID("terminal", p.Terminal), checkText("terminal name", p.Name, 100), checkID("agency", p.Agency))
}

// Validate checks the payload on its own.
func (p AgencyRegistered) Validate() error {
	return firstError(checkID("agency", p.Agency), checkText("agency name", p.Name, 200))
}

// Validate checks the payload on its own.
func (p OfficerEnrolled) Validate() error {
	if len(p.PublicKey) != 32 {
		return fmt.Errorf("officer public key: %d bytes, want 32", len(p.PublicKey))
	}
	if err := checkRoles(p.Officer, p.Roles); err != nil {
		return err
	}
	if _, err := ParseValidUntil(p.ValidUntil); err != nil {
		return fmt.Errorf("officer %s: %w", p.Officer, err)
	}
	if p.CredentialNo != "" {
		if err := checkText("credential number", p.CredentialNo, 40); err != nil {
			return err
		}
	}
	return firstError(checkID("officer", p.Officer), checkText("officer name", p.Name, 50), checkID("agency", p.Agency))
}

// Validate checks the payload on its own.
func (p CaseOpened) Validate() error {
	if !slices.Contains(ActTypes, p.ActType) {
		return fmt.Errorf("case %s: unknown act type %q", p.Case, p.ActType)
	}
	return firstError(checkID("case", p.Case), checkText("case number", p.Number, 100),
		checkText("case title", p.Title, 200), checkID("agency", p.Agency))
}

// Validate checks the payload on its own.
func (p CasePhaseAdvanced) Validate() error {
	if !slices.Contains(Phases, p.Phase) {
		return fmt.Errorf("case %s: unknown phase %q", p.Case, p.Phase)
	}
	return checkID("case", p.Case)
}

// Validate checks the payload on its own.
func (p StepRecorded) Validate() error {
	if _, err := PhaseOf(p.Kind); err != nil {
		return fmt.Errorf("step %s: %w", p.Step, err)
	}
	if p.Start.IsZero() || p.End.IsZero() {
		return fmt.Errorf("step %s: start and end time are required", p.Step)
	}
	if p.End.Before(p.Start) {
		return fmt.Errorf("step %s: ends (%s) before it starts (%s)", p.Step, p.End.Format(time.RFC3339), p.Start.Format(time.RFC3339))
	}
	if len(p.Officers) == 0 {
		return fmt.Errorf("step %s: no officer", p.Step)
	}
	for _, o := range p.Officers {
		if err := checkID("officer", o); err != nil {
			return fmt.Errorf("step %s: %w", p.Step, err)
		}
	}
	if len([]rune(p.Note)) > 2000 {
		return fmt.Errorf("step %s: note longer than 2000 characters", p.Step)
	}
	return firstError(checkID("step", p.Step), checkID("case", p.Case))
}

// Decode reads the payload of an event of type typ, strictly, and
// validates it. Unknown types are an error: a terminal must not record
// what it cannot interpret.
func Decode(typ string, raw json.RawMessage) (Payload, error) {
	var p Payload
	switch typ {
	case TypeTerminalInitialized:
		p = &TerminalInitialized{}
	case TypeAgencyRegistered:
		p = &AgencyRegistered{}
	case TypeOfficerEnrolled:
		p = &OfficerEnrolled{}
	case TypeCaseOpened:
		p = &CaseOpened{}
	case TypeCasePhaseAdvanced:
		p = &CasePhaseAdvanced{}
	case TypeStepRecorded:
		p = &StepRecorded{}
	case TypeFootageIngested:
		p = &FootageIngested{}
	case TypeFootageCleared:
		p = &FootageCleared{}
	case TypeStepFootageLinked:
		p = &StepFootageLinked{}
	case TypeDocDrafted:
		p = &DocDrafted{}
	case TypeStepTextOnly:
		p = &StepTextOnly{}
	case TypeDocFinalized:
		p = &DocFinalized{}
	case TypeEventRebased:
		p = &EventRebased{}
	case TypeCaseExported:
		p = &CaseExported{}
	case TypeOfficerRevoked:
		p = &OfficerRevoked{}
	case TypeOfficerRolesChanged:
		p = &OfficerRolesChanged{}
	case TypeConfigPublished:
		p = &ConfigPublished{}
	case TypeFootageFetched:
		p = &FootageFetched{}
	case TypeDecisionProposed:
		p = &DecisionProposed{}
	case TypeReviewSubmitted:
		p = &ReviewSubmitted{}
	case TypeReviewAssigned:
		p = &ReviewAssigned{}
	case TypeReviewExtended:
		p = &ReviewExtended{}
	case TypeReviewOpinion:
		p = &ReviewOpinion{}
	case TypeReviewDisputed:
		p = &ReviewDisputed{}
	case TypeReviewResolved:
		p = &ReviewResolved{}
	case TypePublicityPublished:
		p = &PublicityPublished{}
	case TypePublicityWithdrawn:
		p = &PublicityWithdrawn{}
	case TypeFootageHeld:
		p = &FootageHeld{}
	case TypeFootageReleased:
		p = &FootageReleased{}
	case TypeFootageFreed:
		p = &FootageFreed{}
	case TypeFootageDeleted:
		p = &FootageDeleted{}
	case TypeFootagePlayed:
		p = &FootagePlayed{}
	case TypeFootageExported:
		p = &FootageExported{}
	case TypeDocumentViewed:
		p = &DocumentViewed{}
	case TypeReviewPrinted:
		p = &ReviewPrinted{}
	case TypeLedgerExported:
		p = &LedgerExported{}
	default:
		return nil, fmt.Errorf("unknown event type %q", typ)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(p); err != nil {
		return nil, fmt.Errorf("%s payload: %w", typ, err)
	}
	if err := checkCanonical(p, raw); err != nil {
		return nil, fmt.Errorf("%s payload: %w", typ, err)
	}
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("%s payload: %w", typ, err)
	}
	return p, nil
}

// ErrPayloadNotCanonical is returned for a payload spelled otherwise than
// lawtrail writes it (docs/EVENTS.md, byte rule 10).
var ErrPayloadNotCanonical = errors.New("payload is not in canonical form")

// checkCanonical refuses a payload that does not re-encode to its own bytes.
// Go's decoder matches names case-insensitively, keeps the last of a
// repeated name and reads \u0041 as A: without this check {"Case":…},
// {"case":"a","case":"b"} or a reordered payload would be accepted with a
// meaning another implementation might not give it. One payload, one
// spelling, as for the body around it.
func checkCanonical(p Payload, raw []byte) error {
	again, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrPayloadNotCanonical, err)
	}
	if !bytes.Equal(again, raw) {
		return fmt.Errorf("%w (names, order and spelling must be exactly as encoded: %.120s)", ErrPayloadNotCanonical, again)
	}
	return nil
}

func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
