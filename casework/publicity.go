package casework

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"lawtrail/evidence"
)

// Publicity (事后公开, DOMAIN P3) as signed events by the publisher (公示
// 管理员), who co-signs each: a finalized decision is published with its
// personal information masked (mask.go) within its deadline — 7 working
// days after the decision for 行政许可 and 行政处罚, 20 for other acts — and
// withdrawn, with a reason, when it is revoked, confirmed unlawful or
// ordered redone. A case has at most one publication in force; once that
// is withdrawn, the case may be published again as a new publication (its
// corrected or new decision), and the withdrawn one stays in the record.

// Event types of publicity.
const (
	TypePublicityPublished = "publicity.published"
	TypePublicityWithdrawn = "publicity.withdrawn"
)

// WithdrawCode says why a publication is withdrawn.
type WithdrawCode string

// The reasons for withdrawal (行政处罚法 Art. 48).
const (
	WithdrawRevoked           WithdrawCode = "revoked"            // 撤销
	WithdrawConfirmedUnlawful WithdrawCode = "confirmed_unlawful" // 确认违法
	WithdrawRedo              WithdrawCode = "redo"               // 责令重做
	WithdrawOther             WithdrawCode = "other"              // 其他
)

// WithdrawCodes lists the reasons for withdrawal.
var WithdrawCodes = []WithdrawCode{WithdrawRevoked, WithdrawConfirmedUnlawful, WithdrawRedo, WithdrawOther}

// PublicText is what a publication shows the public, masked.
type PublicText struct {
	Title   string `json:"title"`             // the document's name and number
	Party   string `json:"party"`             // 张某, or an organisation's name
	Address string `json:"address,omitempty"` // cut to the district or street
	Facts   string `json:"facts,omitempty"`
	Basis   string `json:"basis,omitempty"`
	Outcome string `json:"outcome,omitempty"` // what was decided
}

// All is every field of the text, one per line, as the masking rules read it.
func (t PublicText) All() string {
	return strings.Join([]string{t.Title, t.Party, t.Address, t.Facts, t.Basis, t.Outcome}, "\n")
}

// PublicityPublished publishes a finalized decision document's latest
// version, masked.
type PublicityPublished struct {
	Publication string          `json:"publication"`
	Case        string          `json:"case"`
	Doc         string          `json:"doc"`
	DocVersion  int             `json:"doc_version"`
	DocHash     evidence.Digest `json:"doc_hash"`
	Act         ActType         `json:"act"`
	PartyKind   PartyKind       `json:"party_kind"`
	Decided     string          `json:"decided"` // YYYY-MM-DD, the decision's date
	Due         string          `json:"due"`     // YYYY-MM-DD, the last day to publish
	Text        PublicText      `json:"text"`
	Note        string          `json:"note,omitempty"`
}

// PublicityWithdrawn withdraws a publication, with the reason.
type PublicityWithdrawn struct {
	Publication string       `json:"publication"`
	Code        WithdrawCode `json:"code"`
	Reason      string       `json:"reason"`
}

func (PublicityPublished) EventType() string { return TypePublicityPublished }
func (PublicityWithdrawn) EventType() string { return TypePublicityWithdrawn }

// Validate checks the payload on its own.
func (p PublicityPublished) Validate() error {
	if err := firstError(checkID("publication", p.Publication), checkID("case", p.Case), checkID("document", p.Doc),
		checkDate("decided", p.Decided), checkDate("due", p.Due), checkWords("note", p.Note, false, 2000)); err != nil {
		return err
	}
	if p.DocVersion < 1 {
		return fmt.Errorf("publication %s: document version %d, from 1", p.Publication, p.DocVersion)
	}
	if !slices.Contains(ActTypes, p.Act) || !slices.Contains(PartyKinds, p.PartyKind) {
		return fmt.Errorf("publication %s: act %q, party_kind %q", p.Publication, p.Act, p.PartyKind)
	}
	t := p.Text
	if err := firstError(checkWords("title", t.Title, true, 200), checkWords("party", t.Party, true, 200),
		checkWords("address", t.Address, false, 200), checkWords("facts", t.Facts, false, 20000),
		checkWords("basis", t.Basis, false, 5000), checkWords("outcome", t.Outcome, false, 5000)); err != nil {
		return fmt.Errorf("publication %s: %w", p.Publication, err)
	}
	return nil
}

// Validate checks the payload on its own.
func (p PublicityWithdrawn) Validate() error {
	if !slices.Contains(WithdrawCodes, p.Code) {
		return fmt.Errorf("publication %s: withdrawal code %q (one of %v)", p.Publication, p.Code, WithdrawCodes)
	}
	return firstError(checkID("publication", p.Publication), checkWords("reason", p.Reason, true, 2000))
}

// PublicationDays is the time limit to publish a decision of act, in
// working days (DOMAIN P3).
func PublicationDays(act ActType) int {
	if act == ActPenalty || act == ActLicensing {
		return 7
	}
	return 20
}

// PublicationDue is the last day to publish a decision of act made on
// decided (the day of the decision not counted), on calendar c.
func (c Calendar) PublicationDue(act ActType, decided time.Time) string {
	return c.AddWorkdays(decided, PublicationDays(act)).Format(time.DateOnly)
}

// ErrNotDecision marks a document that is no finalized decision document.
var ErrNotDecision = errors.New("not a finalized decision document")

// PublicationOf is what a publication of the finalized version v of a
// decision document (signed at signedAt, by template t) says by the rules:
// everything but the publication id and note, its text masked; and the
// party as the document names it, which the masking rules check against.
func PublicationOf(t *Template, v DocumentContent, signedAt time.Time, cal Calendar) (PublicityPublished, Party, error) {
	var party Party
	if t == nil {
		return PublicityPublished{}, party, fmt.Errorf("%w: document %s: no template %s", ErrNotDecision, v.Doc, v.Template)
	}
	d, has, err := t.DecisionOf(v.Fields)
	if err != nil || !has {
		return PublicityPublished{}, party, fmt.Errorf("%w: document %s (%s) carries no decision", ErrNotDecision, v.Doc, t.Name)
	}
	for _, f := range t.Fields() {
		if f.Type == FieldParty {
			_ = json.Unmarshal(v.Fields[f.Key], &party)
			break
		}
	}
	decided := decisionDate(v.Fields, signedAt)
	hash, err := v.Hash()
	if err != nil {
		return PublicityPublished{}, party, err
	}
	text := func(key string) string {
		var s string
		_ = json.Unmarshal(v.Fields[key], &s)
		return MaskText(strings.TrimSpace(s), party, d.PartyKind)
	}
	title := t.Name
	if no := text("doc_no"); no != "" {
		title += " " + no
	}
	outcome := text("penalty")
	if outcome == "" {
		outcome = MaskText(d.Describe(), party, d.PartyKind)
	}
	p := PublicityPublished{Case: v.Case, Doc: v.Doc, DocVersion: v.Version, DocHash: hash, Act: d.Act, PartyKind: d.PartyKind,
		Decided: decided.Format(time.DateOnly), Due: cal.PublicationDue(d.Act, decided),
		Text: PublicText{Title: title, Party: MaskParty(party, d.PartyKind), Address: MaskAddress(party.Address),
			Facts: text("facts"), Basis: text("basis"), Outcome: outcome}}
	return p, party, nil
}

// decisionDate is the date a decision document says it was decided
// (decided_at), else the day its version was signed.
func decisionDate(fields map[string]json.RawMessage, signedAt time.Time) time.Time {
	var s string
	if json.Unmarshal(fields["decided_at"], &s) == nil {
		if t, err := time.ParseInLocation("2006-01-02 15:04", s, Shanghai); err == nil {
			return t
		}
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			return t.In(Shanghai)
		}
	}
	return signedAt.In(Shanghai)
}

// PublicationRecord is what the record holds about a publication.
type PublicationRecord struct {
	ID        string
	Case      string
	Doc       string
	Withdrawn bool
}

// PublicityState is what the rules of publicity read beyond State; the
// store's State answers it.
type PublicityState interface {
	// FinalizedVersion is a document's latest finalized version and when it
	// was signed (false: none).
	FinalizedVersion(ctx context.Context, doc string) (DocumentContent, time.Time, bool, error)
	Publication(ctx context.Context, id string) (PublicationRecord, bool, error)
	// CasePublication is the case's publication in force (not withdrawn).
	CasePublication(ctx context.Context, caseID string) (PublicationRecord, bool, error)
}

// checkPublicityAct: every act of publicity is the publisher's own, signed
// with their key, and follows its rule.
func checkPublicityAct(ctx context.Context, st State, a Act) error {
	if !slices.Contains(a.CoSigners, a.Actor) {
		return fmt.Errorf("%w: %w: %s is signed by the officer who makes it: %s must co-sign", ErrRule, ErrNotCoSigned, a.Payload.EventType(), a.Actor)
	}
	ps, ok := st.(PublicityState)
	if !ok {
		return refuse(nil, "this record cannot judge publications")
	}
	switch p := a.Payload.(type) {
	case *PublicityPublished:
		return checkPublished(ctx, st, ps, p)
	case *PublicityWithdrawn:
		r, found, err := ps.Publication(ctx, p.Publication)
		switch {
		case err != nil || !found:
			return refuse(err, "no publication %s", p.Publication)
		case r.Withdrawn:
			return refuse(nil, "publication %s was withdrawn already", p.Publication)
		}
	}
	return nil
}

// checkPublished: a new publication of a case with none in force, of its
// decision document's latest finalized version, with the act, party kind,
// decision date and due day the rules give, and a text that carries no
// unmasked personal information.
func checkPublished(ctx context.Context, st State, ps PublicityState, p *PublicityPublished) error {
	if _, taken, err := ps.Publication(ctx, p.Publication); err != nil || taken {
		return refuse(err, "publication %s exists already", p.Publication)
	}
	if r, found, err := ps.CasePublication(ctx, p.Case); err != nil || found {
		return refuse(err, "case %s is published already (%s); withdraw that publication before publishing again", p.Case, r.ID)
	}
	v, signedAt, found, err := ps.FinalizedVersion(ctx, p.Doc)
	switch {
	case err != nil || !found:
		return refuse(err, "document %s has no finalized version to publish", p.Doc)
	case v.Case != p.Case:
		return refuse(nil, "document %s belongs to case %s, not %s", p.Doc, v.Case, p.Case)
	case v.Version != p.DocVersion:
		return refuse(nil, "document %s: version %d is the latest, not %d", p.Doc, v.Version, p.DocVersion)
	}
	cfg := st.Config()
	if cfg == nil {
		return refuse(nil, "publication %s: no templates are known", p.Publication)
	}
	want, party, err := PublicationOf(cfg.Templates[v.Template], v, signedAt, cfg.Calendar)
	switch {
	case err != nil:
		return fmt.Errorf("%w: %w", ErrRule, err)
	case want.DocHash != p.DocHash:
		return refuse(nil, "document %s: version %d is %s, the publication names %s", p.Doc, v.Version, want.DocHash, p.DocHash)
	case want.Act != p.Act || want.PartyKind != p.PartyKind:
		return refuse(nil, "publication %s: the decision is %s on a party of kind %s, not %s, %s", p.Publication, want.Act, want.PartyKind, p.Act, p.PartyKind)
	case want.Decided != p.Decided || want.Due != p.Due:
		return refuse(nil, "publication %s: decided %s, due %s (%d working days), not %s, %s", p.Publication, want.Decided, want.Due,
			PublicationDays(want.Act), p.Decided, p.Due)
	}
	if err := CheckMasked(p.Text.All()+"\n"+p.Note, party, p.PartyKind); err != nil {
		return fmt.Errorf("%w: publication %s: %w", ErrRule, p.Publication, err)
	}
	return nil
}
