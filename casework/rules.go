package casework

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"lawtrail/evidence"
)

// ErrRule marks an event refused because it breaks a rule of the domain
// against the current record (not because it is malformed).
var ErrRule = errors.New("refused by rule")

// Officer is an enrolled officer as the record knows them: one person of
// the agency, whatever terminals they are enrolled on.
type Officer struct {
	ID           string
	Name         string
	CredentialNo string
	Agency       string
	Roles        []Role
	ValidUntil   string // the credential's last valid day (YYYY-MM-DD); empty: no end
	Revoked      bool
	RevokeReason string
}

// Case is a case as the record knows it.
type Case struct {
	ID      string
	Number  string
	Title   string
	ActType ActType
	Agency  string
	Phase   Phase
}

// StepInfo is what the rules need to know of a recorded step.
type StepInfo struct {
	Case string
	Kind StepKind
}

// State is what the rules need to know of the current record. The store
// answers it from its projections inside the transaction that appends.
type State interface {
	Officer(ctx context.Context, id string) (Officer, bool, error)
	OfficerCount(ctx context.Context) (int, error)
	// EnrolledHere reports whether the officer holds a key on the terminal
	// that records the act.
	EnrolledHere(ctx context.Context, id string) (bool, error)
	Case(ctx context.Context, id string) (Case, bool, error)
	Step(ctx context.Context, id string) (StepInfo, bool, error)
	// Document returns what the record holds about a document.
	Document(ctx context.Context, id string) (DocumentRecord, bool, error)
	// FootageExists reports whether a footage item with this digest exists.
	FootageExists(ctx context.Context, digest string) (bool, error)
	// SourceFile returns what the record holds about one recorder file.
	SourceFile(ctx context.Context, key SourceKey) (SourceRecord, bool, error)
	// Config is the agency configuration in force: templates and lists. Nil
	// when none is known; the acts that need one are then refused.
	Config() *Config
	// Decision is a case's proposed decision as it stands: the latest of
	// case.decision_proposed and a decision document's draft or version.
	Decision(ctx context.Context, caseID string) (Decision, bool, error)
	// Review is the latest round of a review; CaseReview the case's review.
	Review(ctx context.Context, id string) (ReviewRecord, bool, error)
	CaseReview(ctx context.Context, caseID string) (ReviewRecord, bool, error)
	// CaseParticipants lists the officers who took part in a case: opened
	// it, recorded or were present at a step, signed or were named in a
	// document, submitted its decision for review (a reviewer recuses).
	CaseParticipants(ctx context.Context, caseID string) ([]string, error)
}

// Config is an agency's configuration the rules consult: document templates
// and the list of matters that must be recorded on audio/video; with the
// working-day calendar deadlines are counted on and the recorder profiles
// docking reads (config.go: the bundled configuration overlaid by the
// agency's published versions).
type Config struct {
	Templates Templates
	AVMatters AVMatters
	// Calendar is the built-in holiday table with the agency's patch, if any.
	Calendar Calendar
	// RecorderProfiles is the profiles file in force (device.ParseProfiles).
	RecorderProfiles []byte
	// CheckProfiles, when set, judges a published recorder profiles file
	// (the parser lives in device, which casework does not import).
	CheckProfiles func(raw []byte) error
	// MajorList is the list of major decisions and the review policy; nil:
	// none known (every decision is then not major).
	MajorList *MajorList
	// Retention is the retention policy; nil: the bundled one is read where
	// it is needed (retention.go).
	Retention *RetentionPolicy
	// Versions is the published version in force per kind; absent: bundled.
	Versions map[ConfigKind]int
}

// Act is one event about to be recorded, or replayed by a verifier: who
// acts, when (the event's time), whose keys co-sign it, and what it is.
type Act struct {
	Actor     string
	At        time.Time
	CoSigners []string
	Payload   Payload
}

// actRoles says which roles may record each type of act; an act of a type
// not listed is refused (a terminal records nothing it has no rule for).
var actRoles = map[string][]Role{
	TypeAgencyRegistered:    {RoleAdmin},
	TypeOfficerEnrolled:     {RoleAdmin},
	TypeOfficerRevoked:      {RoleAdmin},
	TypeOfficerRolesChanged: {RoleAdmin},
	TypeCaseOpened:          {RoleOfficer},
	TypeCasePhaseAdvanced:   {RoleOfficer, RoleHead},
	TypeStepRecorded:        {RoleOfficer},
	TypeStepTextOnly:        {RoleOfficer},
	TypeStepFootageLinked:   {RoleOfficer, RoleClerk},
	TypeDocDrafted:          {RoleOfficer},
	TypeDocFinalized:        {RoleOfficer},
	TypeFootageIngested:     {RoleClerk, RoleOfficer},
	TypeFootageCleared:      {RoleClerk, RoleOfficer},
	TypeCaseExported:        Roles,
	TypeConfigPublished:     {RoleAdmin},
	TypeFootageFetched:      {RoleOfficer, RoleClerk, RoleReviewer, RoleHead, RoleSupervisor},
	TypeDecisionProposed:    {RoleOfficer},
	TypeReviewSubmitted:     {RoleOfficer},
	TypeReviewAssigned:      {RoleHead, RoleReviewer},
	TypeReviewExtended:      {RoleHead},
	TypeReviewOpinion:       {RoleReviewer},
	TypeReviewDisputed:      {RoleOfficer},
	TypeReviewResolved:      {RoleHead},
	TypePublicityPublished:  {RolePublisher},
	TypePublicityWithdrawn:  {RolePublisher},
	TypeFootagePlayed:       Roles, // accessevents.go: anyone may look, on the record
	TypeFootageExported:     Roles,
	TypeDocumentViewed:      Roles,
	TypeReviewPrinted:       Roles,
	TypeLedgerExported:      Roles,
	TypeFootageHeld:         {RoleAdmin, RoleHead},
	TypeFootageReleased:     {RoleAdmin, RoleHead},
	TypeFootageFreed:        Roles,
	TypeFootageDeleted:      {RoleAdmin, RoleHead},
}

// ErrCredentialExpired marks an act refused because the officer's
// enforcement credential is past its valid-until day (or they hold none).
var ErrCredentialExpired = errors.New("enforcement credential not valid")

// ErrRevoked marks an act by or naming a revoked officer.
var ErrRevoked = errors.New("officer revoked")

// ErrRole marks an act by an officer whose roles do not allow it.
var ErrRole = errors.New("role does not allow this act")

// CheckRules says whether a.Actor may record a.Payload now. The first
// officer of a terminal enrolls themselves as its admin; after that every
// act is by an enrolled, unrevoked officer whose roles allow it, and acts of
// enforcement need a valid credential.
func CheckRules(ctx context.Context, st State, a Act) error {
	switch p := a.Payload.(type) {
	case *TerminalInitialized:
		return nil
	case *EventRebased:
		return checkRebased(ctx, st, a, p)
	}
	if err := checkActor(ctx, st, a); err != nil {
		return err
	}
	return checkAct(ctx, st, a)
}

func checkAct(ctx context.Context, st State, a Act) error {
	switch p := a.Payload.(type) {
	case *CaseOpened:
		if _, found, err := st.Case(ctx, p.Case); err != nil || found {
			return refuse(err, "case %s exists already", p.Case)
		}
	case *CasePhaseAdvanced:
		c, found, err := st.Case(ctx, p.Case)
		if err != nil || !found {
			return refuse(err, "no case %s", p.Case)
		}
		if err := CheckAdvance(c.Phase, p.Phase); err != nil {
			return refuse(nil, "case %s: %v", p.Case, err)
		}
		return gateAdvance(ctx, st, p)
	case *StepRecorded:
		return checkStep(ctx, st, a, p)
	case *OfficerEnrolled:
		return checkEnroll(ctx, st, a, p)
	case *OfficerRevoked:
		return checkRevoke(ctx, st, a, p)
	case *OfficerRolesChanged:
		return checkRolesChange(ctx, st, a, p)
	case *CaseExported:
		if _, found, err := st.Case(ctx, p.Case); err != nil || !found {
			return refuse(err, "no case %s to export", p.Case)
		}
	case *FootageIngested:
		if _, found, err := st.SourceFile(ctx, p.Source()); err != nil || found {
			return refuse(err, "recorder file %s on %s was ingested already", p.DisplayPath(), p.DeviceSerial)
		}
	case *DocDrafted:
		return checkDocument(ctx, st, p.DocumentContent, nil, false)
	case *DocFinalized:
		if err := checkDocument(ctx, st, p.DocumentContent, p.Corrects, true); err != nil {
			return err
		}
		if err := checkSigned(ctx, st, a, p); err != nil {
			return err
		}
		return gateFinalized(ctx, st, p)
	case *StepTextOnly:
		return checkTextOnly(ctx, st, p)
	case *StepFootageLinked:
		if _, found, err := st.Step(ctx, p.Step); err != nil || !found {
			return refuse(err, "no step %s", p.Step)
		}
		if found, err := st.FootageExists(ctx, p.Digest.String()); err != nil || !found {
			return refuse(err, "no footage %s", p.Digest)
		}
	case *FootageCleared:
		return checkCleared(ctx, st, p)
	case *ConfigPublished:
		return checkConfig(st, p)
	case *DecisionProposed, *ReviewSubmitted, *ReviewAssigned, *ReviewExtended, *ReviewOpinion, *ReviewDisputed, *ReviewResolved:
		return checkReviewAct(ctx, st, a) // reviewrules.go
	case *PublicityPublished, *PublicityWithdrawn:
		return checkPublicityAct(ctx, st, a) // publicity.go
	case *FootageHeld, *FootageReleased, *FootageFreed, *FootageDeleted:
		return checkRetentionAct(ctx, st, a) // retention.go
	case *FootagePlayed, *FootageExported, *DocumentViewed, *ReviewPrinted, *LedgerExported:
		return checkAccess(ctx, st, a) // accessevents.go
	case *FootageFetched:
		if found, err := st.FootageExists(ctx, p.Digest.String()); err != nil || !found {
			return refuse(err, "footage %s: no custody record of it here; only footage the agency recorded is fetched", p.Digest)
		}
	}
	return nil
}

// checkActor: the actor is enrolled, unrevoked and holds a role the act's
// type allows; an enforcement act needs a valid credential.
func checkActor(ctx context.Context, st State, a Act) error {
	typ := a.Payload.EventType()
	if _, known := actRoles[typ]; !known {
		return refuse(nil, "no rule allows recording an event of type %q", typ)
	}
	if e, ok := a.Payload.(*OfficerEnrolled); ok {
		n, err := st.OfficerCount(ctx)
		if err != nil {
			return refuse(err, "")
		}
		if n == 0 {
			if a.Actor != e.Officer || !HasRole(e.Roles, RoleAdmin) {
				return refuse(nil, "the first officer must enroll themselves as admin")
			}
			return nil
		}
	}
	if a.Actor == "" {
		return refuse(nil, "%s needs an acting officer", typ)
	}
	o, found, err := st.Officer(ctx, a.Actor)
	if err != nil || !found {
		return refuse(err, "actor %s is not an enrolled officer", a.Actor)
	}
	return MayRecord(o, typ, a.At)
}

// MayRecord says whether officer o, as the record knows them, may record an
// event of type typ at time at: not revoked, holding a role the type allows,
// and — where only the officer role allows it — a valid credential. Front
// ends ask it to refuse early (before copying footage, say); the append
// asks it again and is the authority.
func MayRecord(o Officer, typ string, at time.Time) error {
	allowed, known := actRoles[typ]
	if !known {
		return refuse(nil, "no rule allows recording an event of type %q", typ)
	}
	if o.Revoked {
		return fmt.Errorf("%w: %w: %s (%s) may no longer act: %s", ErrRule, ErrRevoked, o.Name, o.ID, o.RevokeReason)
	}
	var holds []Role
	for _, r := range allowed {
		if HasRole(o.Roles, r) {
			holds = append(holds, r)
		}
	}
	if len(holds) == 0 {
		return fmt.Errorf("%w: %w: %s (%s) holds %v; %s needs one of %v", ErrRule, ErrRole, o.Name, o.ID, o.Roles, typ, allowed)
	}
	if slices.Equal(holds, []Role{RoleOfficer}) && !o.CredentialValidAt(at) {
		return expired(o)
	}
	return nil
}

func expired(o Officer) error {
	if o.CredentialNo == "" {
		return fmt.Errorf("%w: %w: %s (%s) holds no enforcement credential", ErrRule, ErrCredentialExpired, o.Name, o.ID)
	}
	return fmt.Errorf("%w: %w: the credential %s of %s (%s) expired after %s", ErrRule, ErrCredentialExpired, o.CredentialNo, o.Name, o.ID, o.ValidUntil)
}

// checkEnroll: an officer is enrolled once per terminal; the same id on
// another terminal of the agency is the same person (same name, agency);
// a revoked officer is never enrolled again.
func checkEnroll(ctx context.Context, st State, a Act, p *OfficerEnrolled) error {
	if here, err := st.EnrolledHere(ctx, p.Officer); err != nil || here {
		return refuse(err, "officer %s is enrolled on this terminal already", p.Officer)
	}
	o, found, err := st.Officer(ctx, p.Officer)
	switch {
	case err != nil:
		return refuse(err, "")
	case !found:
		return nil
	case o.Revoked:
		return fmt.Errorf("%w: %w: officer %s was revoked (%s); enroll them under a new id", ErrRule, ErrRevoked, p.Officer, o.RevokeReason)
	case o.Name != p.Name || o.Agency != p.Agency:
		return refuse(nil, "officer %s is %s of %s in the agency's record, not %s of %s", p.Officer, o.Name, o.Agency, p.Name, p.Agency)
	}
	return nil
}

func checkRevoke(ctx context.Context, st State, a Act, p *OfficerRevoked) error {
	o, found, err := st.Officer(ctx, p.Officer)
	switch {
	case err != nil || !found:
		return refuse(err, "no officer %s", p.Officer)
	case o.Revoked:
		return refuse(nil, "officer %s was revoked already", p.Officer)
	case p.Officer == a.Actor:
		return refuse(nil, "an admin does not revoke themselves; another admin does")
	}
	return nil
}

func checkRolesChange(ctx context.Context, st State, a Act, p *OfficerRolesChanged) error {
	o, found, err := st.Officer(ctx, p.Officer)
	switch {
	case err != nil || !found:
		return refuse(err, "no officer %s", p.Officer)
	case o.Revoked:
		return fmt.Errorf("%w: %w: officer %s was revoked", ErrRule, ErrRevoked, p.Officer)
	case p.Officer == a.Actor && !HasRole(p.Roles, RoleAdmin):
		return refuse(nil, "an admin does not remove their own admin role; another admin does")
	}
	return nil
}

func checkTextOnly(ctx context.Context, st State, p *StepTextOnly) error {
	step, found, err := st.Step(ctx, p.Step)
	if err != nil || !found {
		return refuse(err, "no step %s", p.Step)
	}
	cfg := st.Config()
	if cfg == nil {
		return refuse(nil, "step %s: no list of AV matters is known, so text-only cannot be judged", p.Step)
	}
	if !cfg.AVMatters.AllowsTextOnly(step.Kind) {
		return refuse(nil, "step %s: %s must be recorded on audio/video in full; it cannot be text-only", p.Step, step.Kind)
	}
	return nil
}

func checkCleared(ctx context.Context, st State, p *FootageCleared) error {
	rec, found, err := st.SourceFile(ctx, p.SourceKey)
	switch {
	case err != nil || !found:
		return refuse(err, "recorder file %s on %s was never ingested", p.DisplayPath(), p.DeviceSerial)
	case rec.Digest != p.Digest:
		return refuse(nil, "recorder file %s: clearing names %s, custody says %s", p.DisplayPath(), p.Digest, rec.Digest)
	case rec.Cleared:
		return refuse(nil, "recorder file %s on %s was cleared already", p.DisplayPath(), p.DeviceSerial)
	}
	return nil
}

// checkStep: a new step of an existing case; everyone named present is an
// enrolled, unrevoked enforcement officer with a valid credential, and each
// of them other than the actor co-signs with their own key.
func checkStep(ctx context.Context, st State, a Act, p *StepRecorded) error {
	if _, found, err := st.Case(ctx, p.Case); err != nil || !found {
		return refuse(err, "step %s: no case %s", p.Step, p.Case)
	}
	if _, exists, err := st.Step(ctx, p.Step); err != nil || exists {
		return refuse(err, "step %s exists already", p.Step)
	}
	return checkPresent(ctx, st, a, "step "+p.Step, p.Officers)
}

// checkPresent checks the officers named present at an act.
func checkPresent(ctx context.Context, st State, a Act, what string, present []string) error {
	for i, id := range present {
		if slices.Contains(present[:i], id) {
			return refuse(nil, "%s: officer %s named twice", what, id)
		}
		o, found, err := st.Officer(ctx, id)
		switch {
		case err != nil || !found:
			return refuse(err, "%s: officer %s is not enrolled", what, id)
		case o.Revoked:
			return fmt.Errorf("%w: %w: %s: %s (%s) may no longer act", ErrRule, ErrRevoked, what, o.Name, o.ID)
		case !HasRole(o.Roles, RoleOfficer):
			return fmt.Errorf("%w: %w: %s: %s (%s) is not an enforcement officer", ErrRule, ErrRole, what, o.Name, o.ID)
		case !o.CredentialValidAt(a.At):
			return fmt.Errorf("%s: %w", what, expired(o))
		case id != a.Actor && !slices.Contains(a.CoSigners, id):
			return fmt.Errorf("%w: %w: %s: %s (%s) is named present but did not co-sign", ErrRule, ErrNotCoSigned, what, o.Name, o.ID)
		}
	}
	return nil
}

// ErrNotCoSigned marks an act naming an officer whose signature it lacks.
var ErrNotCoSigned = errors.New("co-signature missing")

// checkSigned: a finalized version is the acting officer's own act (their
// key co-signs it); a template's checks hold for the final values; for an
// on-site act every officer the document names is enrolled, holds a valid
// credential matching the one written, and co-signs.
func checkSigned(ctx context.Context, st State, a Act, p *DocFinalized) error {
	if !slices.Contains(a.CoSigners, a.Actor) {
		return fmt.Errorf("%w: %w: the acting officer %s must co-sign", ErrRule, ErrNotCoSigned, a.Actor)
	}
	cfg := st.Config()
	if cfg == nil {
		return refuse(nil, "document %s: no templates are known, so it cannot be checked", p.Doc)
	}
	t := cfg.Templates[p.Template]
	if t == nil || t.Version != p.TemplateVersion {
		return refuse(nil, "document %s: no template %s version %d", p.Doc, p.Template, p.TemplateVersion)
	}
	if errs := t.Check(p.Fields, false); len(errs) > 0 {
		return fmt.Errorf("%w: %w", ErrRule, FieldErrors(errs))
	}
	if !t.OnSite {
		return nil
	}
	named, err := t.NamedOfficers(p.Fields)
	if err != nil {
		return refuse(nil, "document %s: %v", p.Doc, err)
	}
	ids := make([]string, len(named))
	for i, n := range named {
		o, found, err := st.Officer(ctx, n.ID)
		if err != nil || !found {
			return refuse(err, "document %s: officer %q (%s) is not enrolled", p.Doc, n.Name, n.ID)
		}
		if o.CredentialNo != n.Credential || o.Name != n.Name {
			return refuse(nil, "document %s: officer %s is %s with credential %s in the record, the document says %s, %s", p.Doc, n.ID, o.Name, o.CredentialNo, n.Name, n.Credential)
		}
		ids[i] = n.ID
	}
	return checkPresent(ctx, st, Act{Actor: "", At: a.At, CoSigners: a.CoSigners}, "document "+p.Doc, ids)
}

// refuse returns err when the state could not be read, else an ErrRule.
func refuse(err error, format string, args ...any) error {
	if err != nil {
		return fmt.Errorf("check rule: %w", err)
	}
	return fmt.Errorf("%w: %s", ErrRule, fmt.Sprintf(format, args...))
}

// checkDocument: a document belongs to an existing case and never moves to
// another; a draft or final version continues the version count; a new
// finalized version of an already finalized document is a correction and
// must name the latest version's hash.
func checkDocument(ctx context.Context, st State, c DocumentContent, corrects *evidence.Digest, final bool) error {
	if _, found, err := st.Case(ctx, c.Case); err != nil || !found {
		return refuse(err, "document %s: no case %s", c.Doc, c.Case)
	}
	if c.Step != "" {
		if _, found, err := st.Step(ctx, c.Step); err != nil || !found {
			return refuse(err, "document %s: no step %s", c.Doc, c.Step)
		}
	}
	rec, found, err := st.Document(ctx, c.Doc)
	if err != nil {
		return refuse(err, "")
	}
	if found && rec.Case != c.Case {
		return refuse(nil, "document %s belongs to case %s", c.Doc, rec.Case)
	}
	if c.Version != rec.Finalized+1 {
		return refuse(nil, "document %s: version %d, the next is %d", c.Doc, c.Version, rec.Finalized+1)
	}
	if final && rec.Finalized > 0 && (corrects == nil || *corrects != rec.LastHash) {
		return refuse(nil, "document %s: a new version must name the one it corrects (%s)", c.Doc, rec.LastHash)
	}
	if final && rec.Finalized == 0 && corrects != nil {
		return refuse(nil, "document %s: the first version corrects nothing", c.Doc)
	}
	return nil
}

// RolesFor lists the roles that may record an event of type typ (none for a
// type no rule allows), so an action layer can refuse early, before work
// the append would throw away.
func RolesFor(typ string) []Role { return slices.Clone(actRoles[typ]) }
