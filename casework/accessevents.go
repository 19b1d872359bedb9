package casework

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"lawtrail/evidence"
)

// Every access to the record is itself a signed event (R6, 调阅监督: every
// view, export, download and deletion is logged, signed, and names who did
// it and why). case.exported (access.go) is the access of a case file and
// footage.fetched (a download from the hub into this terminal's custody)
// the access of a fetch; the types below are the others. Each is the
// viewer's own act: their key co-signs it. A viewer who is not on the case
// — who took no part in it (CaseParticipants) and, for footage, did not
// dock it — must give the reason they typed; the rule refuses the act
// without one, so nothing is shown, written or stored.
const (
	TypeFootagePlayed   = "access.footage_played"   // a clip played (in the app or a system player)
	TypeFootageExported = "access.footage_exported" // a footage file's plaintext written out
	TypeDocumentViewed  = "access.document_viewed"  // a document version shown, or made a PDF to print
	TypeReviewPrinted   = "access.review_printed"   // a review round's 法制审核意见书 or 集体讨论记录 made a PDF
	TypeLedgerExported  = "access.ledger_exported"  // the enforcement ledger (执法台账) written out as a file
)

// MaxAccessReason is the longest reason an access may give, in characters.
const MaxAccessReason = 500

// ErrReasonRequired marks an access refused because the viewer is not on
// the case and gave no reason.
var ErrReasonRequired = errors.New("a reason is required to access a record of a case one is not on")

// FootageAccess is what every access to a footage file names: the file,
// the case it is seen for (one whose steps link it; omitted when none does)
// and the reason typed (omitted when none was).
type FootageAccess struct {
	Digest evidence.Digest `json:"digest"`
	Case   string          `json:"case,omitempty"`
	Reason string          `json:"reason,omitempty"`
}

// FootagePlayed records that a clip was played.
type FootagePlayed struct{ FootageAccess }

// FootageExported records that a footage file's plaintext was written out
// of the terminal (lawtrailctl footage export).
type FootageExported struct{ FootageAccess }

// ViewHow says how a document version was accessed.
type ViewHow string

// How a document is viewed.
const (
	ViewShown ViewHow = "shown" // opened on screen
	ViewPDF   ViewHow = "pdf"   // written as a PDF file (to print or hand over)
)

// DocumentViewed records that a finalized document version was shown or
// made a PDF.
type DocumentViewed struct {
	Doc     string  `json:"doc"`
	Version int     `json:"version"`
	Case    string  `json:"case"`
	How     ViewHow `json:"how"`
	Reason  string  `json:"reason,omitempty"`
}

// ReviewPaper names which paper of a review round is printed.
type ReviewPaper string

// The papers of a review round.
const (
	PaperOpinion    ReviewPaper = "opinion"    // 法制审核意见书
	PaperDiscussion ReviewPaper = "discussion" // 集体讨论记录
)

// ReviewPrinted records that a paper of a legal review's round was made a
// PDF (to print or hand over). It names the review's case, so the rule of
// the case applies: off the case, a reason.
type ReviewPrinted struct {
	Review string      `json:"review"`
	Round  int         `json:"round"`
	Kind   ReviewPaper `json:"kind"`
	Case   string      `json:"case"`
	Reason string      `json:"reason,omitempty"`
}

// LedgerFormat is the file format the ledger was written in.
type LedgerFormat string

// Ledger file formats.
const (
	LedgerXLSX LedgerFormat = "xlsx"
	LedgerCSV  LedgerFormat = "csv"
)

// LedgerExported records that the enforcement ledger — a row for every
// case, party names included — left the terminal as a file. It names no
// case, so a reason is never required; one given is kept.
type LedgerExported struct {
	Format LedgerFormat `json:"format"`
	Cases  int          `json:"cases"` // rows written, one a case
	Reason string       `json:"reason,omitempty"`
}

// EventType names the payload's event type.
func (ReviewPrinted) EventType() string { return TypeReviewPrinted }

// EventType names the payload's event type.
func (LedgerExported) EventType() string { return TypeLedgerExported }

// Validate checks the payload on its own.
func (p ReviewPrinted) Validate() error {
	if p.Round < 1 {
		return fmt.Errorf("review %s: round %d (rounds count from 1)", p.Review, p.Round)
	}
	if p.Kind != PaperOpinion && p.Kind != PaperDiscussion {
		return fmt.Errorf("review %s: unknown paper %q", p.Review, p.Kind)
	}
	return firstError(checkID("review", p.Review), checkID("case", p.Case), checkReason(p.Reason))
}

// Validate checks the payload on its own.
func (p LedgerExported) Validate() error {
	if p.Format != LedgerXLSX && p.Format != LedgerCSV {
		return fmt.Errorf("ledger export: unknown format %q", p.Format)
	}
	if p.Cases < 0 {
		return fmt.Errorf("ledger export: %d cases", p.Cases)
	}
	return checkReason(p.Reason)
}

// EventType names the payload's event type.
func (FootagePlayed) EventType() string { return TypeFootagePlayed }

// EventType names the payload's event type.
func (FootageExported) EventType() string { return TypeFootageExported }

// EventType names the payload's event type.
func (DocumentViewed) EventType() string { return TypeDocumentViewed }

// Validate checks the payload on its own.
func (p FootageAccess) Validate() error {
	if p.Digest.IsZero() {
		return fmt.Errorf("footage access: no digest")
	}
	if p.Case != "" {
		if err := checkID("case", p.Case); err != nil {
			return err
		}
	}
	return checkReason(p.Reason)
}

// Validate checks the payload on its own.
func (p DocumentViewed) Validate() error {
	if p.Version < 1 {
		return fmt.Errorf("document %s: version %d (versions count from 1)", p.Doc, p.Version)
	}
	if p.How != ViewShown && p.How != ViewPDF {
		return fmt.Errorf("document %s: unknown way of viewing %q", p.Doc, p.How)
	}
	return firstError(checkID("document", p.Doc), checkID("case", p.Case), checkReason(p.Reason))
}

// checkReason: a reason is optional; when given it is one line of at most
// MaxAccessReason characters of valid UTF-8, not blank, without NUL or
// other control characters.
func checkReason(r string) error {
	if r == "" {
		return nil
	}
	if !utf8.ValidString(r) {
		return fmt.Errorf("access reason: not valid UTF-8")
	}
	if strings.ContainsFunc(r, func(c rune) bool { return c < 0x20 || c == 0x7f }) {
		return fmt.Errorf("access reason: contains a control character")
	}
	return checkText("access reason", r, MaxAccessReason)
}

// AccessRecord is what the rules of access read of the record. The store
// answers it (inside the append transaction and outside it), so a front
// end can ask the same question before it asks the viewer for a reason.
type AccessRecord interface {
	// CaseParticipants lists the officers who took part in a case.
	CaseParticipants(ctx context.Context, caseID string) ([]string, error)
	// CaseReviewers lists the reviewers assigned to a round of the case's
	// legal review and the heads who resolved a dispute of it: their work
	// is to read the case, though they take no part in it.
	CaseReviewers(ctx context.Context, caseID string) ([]string, error)
	// FootageCases lists the cases whose steps link the footage, by id.
	FootageCases(ctx context.Context, digest string) ([]string, error)
	// FootageClerk is the officer who docked the footage ("" when unknown).
	FootageClerk(ctx context.Context, digest string) (string, error)
}

// OnFootage says whether officer is on a footage file — docked it, or is on
// a case whose steps link it (OnCase) — and the case an access names: one
// they are on, else the first that links it ("" when none does).
func OnFootage(ctx context.Context, r AccessRecord, officer, digest string) (on bool, caseID string, err error) {
	cases, err := r.FootageCases(ctx, digest)
	if err != nil {
		return false, "", err
	}
	slices.Sort(cases)
	for _, c := range cases {
		on, err := OnCase(ctx, r, officer, c)
		if err != nil {
			return false, "", err
		}
		if on {
			return true, c, nil
		}
	}
	if len(cases) > 0 {
		caseID = cases[0]
	}
	clerk, err := r.FootageClerk(ctx, digest)
	return err == nil && clerk == officer, caseID, err
}

// OnCase says whether officer is on the case: took part in it, or reviews
// it (an assigned reviewer, a head who resolved a dispute).
func OnCase(ctx context.Context, r AccessRecord, officer, caseID string) (bool, error) {
	took, err := r.CaseParticipants(ctx, caseID)
	if err != nil || slices.Contains(took, officer) {
		return err == nil, err
	}
	reviews, err := r.CaseReviewers(ctx, caseID)
	return slices.Contains(reviews, officer), err
}

// checkAccess: the viewer co-signs; what they access exists (the footage,
// linked to the case named; the document's version, of that case); and
// off the case they give a reason.
func checkAccess(ctx context.Context, st State, a Act) error {
	if !slices.Contains(a.CoSigners, a.Actor) {
		return fmt.Errorf("%w: %w: %s is the viewer's own act: %s must co-sign", ErrRule, ErrNotCoSigned, a.Payload.EventType(), a.Actor)
	}
	r, ok := st.(AccessRecord)
	if !ok {
		return refuse(nil, "%s: this record cannot tell who is on a case", a.Payload.EventType())
	}
	var on bool
	var err error
	var reason string
	switch p := a.Payload.(type) {
	case *FootagePlayed:
		on, err = checkFootageAccess(ctx, st, r, a.Actor, p.FootageAccess)
		reason = p.Reason
	case *FootageExported:
		on, err = checkFootageAccess(ctx, st, r, a.Actor, p.FootageAccess)
		reason = p.Reason
	case *DocumentViewed:
		on, err = checkDocumentAccess(ctx, st, r, a.Actor, p)
		reason = p.Reason
	case *ReviewPrinted:
		on, err = checkReviewAccess(ctx, st, r, a.Actor, p)
		reason = p.Reason
	case *LedgerExported:
		on = true // no case: nobody is off it; a reason given is kept
	}
	if err != nil {
		return err
	}
	if !on && strings.TrimSpace(reason) == "" {
		return fmt.Errorf("%w: %w: %s is not on the case of what %s names", ErrRule, ErrReasonRequired, a.Actor, a.Payload.EventType())
	}
	return nil
}

func checkFootageAccess(ctx context.Context, st State, r AccessRecord, actor string, p FootageAccess) (bool, error) {
	if found, err := st.FootageExists(ctx, p.Digest.String()); err != nil || !found {
		return false, refuse(err, "no footage %s in the record", p.Digest)
	}
	if p.Case != "" {
		cases, err := r.FootageCases(ctx, p.Digest.String())
		if err != nil {
			return false, refuse(err, "")
		}
		if !slices.Contains(cases, p.Case) {
			return false, refuse(nil, "footage %s is not linked to case %s", p.Digest, p.Case)
		}
	}
	on, _, err := OnFootage(ctx, r, actor, p.Digest.String())
	if err != nil {
		return false, refuse(err, "")
	}
	return on, nil
}

func checkDocumentAccess(ctx context.Context, st State, r AccessRecord, actor string, p *DocumentViewed) (bool, error) {
	rec, found, err := st.Document(ctx, p.Doc)
	switch {
	case err != nil || !found:
		return false, refuse(err, "no document %s", p.Doc)
	case rec.Case != p.Case:
		return false, refuse(nil, "document %s belongs to case %s, not %s", p.Doc, rec.Case, p.Case)
	case p.Version > rec.Finalized:
		return false, refuse(nil, "document %s has %d finalized versions, not %d", p.Doc, rec.Finalized, p.Version)
	}
	on, err := OnCase(ctx, r, actor, p.Case)
	if err != nil {
		return false, refuse(err, "")
	}
	return on, nil
}

// checkReviewAccess: the review's round exists, of the case named (that
// it holds the paper printed — an opinion; a resolution after a collective
// discussion — the terminal checks by rendering it before recording);
// whether the actor is on the case.
func checkReviewAccess(ctx context.Context, st State, r AccessRecord, actor string, p *ReviewPrinted) (bool, error) {
	rv, found, err := st.Review(ctx, p.Review)
	switch {
	case err != nil || !found:
		return false, refuse(err, "no review %s", p.Review)
	case rv.Case != p.Case:
		return false, refuse(nil, "review %s belongs to case %s, not %s", p.Review, rv.Case, p.Case)
	case p.Round > rv.Round:
		return false, refuse(nil, "review %s has %d round(s), not round %d", p.Review, rv.Round, p.Round)
	}
	on, err := OnCase(ctx, r, actor, p.Case)
	if err != nil {
		return false, refuse(err, "")
	}
	return on, nil
}
