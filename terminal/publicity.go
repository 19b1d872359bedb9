package terminal

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"lawtrail/casework"
	"lawtrail/store"
)

// Publicity (事后公开, DOMAIN P3): the publisher prepares a finalized
// decision's publication — its text masked by the rules (casework/mask.go)
// and its due day counted — reviews and may edit the text, then signs it;
// withdraws a publication with a reason. The rules run at append
// (casework/publicity.go): the latest finalized version, one publication
// in force per case, no unmasked personal information. Reading needs no
// session: the list shows what is published, withdrawn, and pending with
// its due day.

// PublicationDraft is a publication as prepared, for the publisher to
// review: Text and Note may be edited before Publish; the rest is what the
// rules give and the append checks again.
type PublicationDraft struct {
	casework.PublicityPublished
}

// PreparePublication prepares the publication of decision document doc's
// latest finalized version, masked, with its due day.
func (s *Session) PreparePublication(ctx context.Context, doc string) (PublicationDraft, error) {
	if err := casework.MayRecord(s.Officer, casework.TypePublicityPublished, s.now()); err != nil {
		return PublicationDraft{}, err
	}
	row, err := s.st.Document(ctx, doc)
	if errors.Is(err, store.ErrNoDocument) {
		return PublicationDraft{}, badInput("%v", err)
	}
	if err != nil {
		return PublicationDraft{}, err
	}
	if len(row.Versions) == 0 {
		return PublicationDraft{}, badInput("document %s has no finalized version; a draft is not published", doc)
	}
	v := row.Versions[len(row.Versions)-1]
	signedAt, err := v.SignedAt()
	if err != nil {
		return PublicationDraft{}, err
	}
	cfg := s.Config()
	p, _, err := casework.PublicationOf(cfg.Templates[v.Content.Template], v.Content, signedAt, cfg.Calendar)
	if errors.Is(err, casework.ErrNotDecision) {
		return PublicationDraft{}, badInput("%v", err)
	}
	if err != nil {
		return PublicationDraft{}, err
	}
	p.Publication = newID("p")
	return PublicationDraft{p}, nil
}

// Publish signs a prepared publication (publicity.published), as the
// publisher edited it.
func (s *Session) Publish(ctx context.Context, d PublicationDraft) (casework.PublicityPublished, error) {
	p := d.PublicityPublished
	p.Note = strings.TrimSpace(p.Note)
	if err := p.Validate(); err != nil {
		return p, fmt.Errorf("%w: %w", ErrBadInput, err)
	}
	_, err := s.append(ctx, store.Draft{Payload: &p, CoSigners: s.own()})
	return p, err
}

// Withdraw withdraws a publication with the reason: its code and its text.
func (s *Session) Withdraw(ctx context.Context, id string, code casework.WithdrawCode, reason string) error {
	p := &casework.PublicityWithdrawn{Publication: id, Code: code, Reason: strings.TrimSpace(reason)}
	if err := p.Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrBadInput, err)
	}
	_, err := s.append(ctx, store.Draft{Payload: p, CoSigners: s.own()})
	return err
}

// PublicationState is where a decision stands in publicity.
type PublicationState string

// The states of a publication row.
const (
	PublicationPending   PublicationState = "pending"   // finalized, not published
	PublicationPublished PublicationState = "published" // in force
	PublicationWithdrawn PublicationState = "withdrawn" // withdrawn, with its reason
)

// PublicationRow is one decision in the publicity list: a publication, or
// a finalized decision waiting for one.
type PublicationRow struct {
	State      PublicationState
	Case       string
	Doc        string
	DocVersion int
	Act        casework.ActType
	Decided    string // YYYY-MM-DD
	Due        string // YYYY-MM-DD, the last day to publish
	// Overdue: pending past its due day, or published after it.
	Overdue bool
	// Publication is the publication (nil while pending).
	Publication *store.Publication
}

// Publications lists every publication, then every finalized decision
// not yet published — the latest version of a decision document that no
// publication names, of a case with none in force — with its due day and
// whether it is overdue now.
func (t *Terminal) Publications(ctx context.Context) ([]PublicationRow, error) {
	pubs, err := t.st.Publications(ctx)
	if err != nil {
		return nil, err
	}
	var out []PublicationRow
	named, inForce := map[string]bool{}, map[string]bool{}
	for i := range pubs {
		p := &pubs[i]
		row := PublicationRow{State: PublicationPublished, Case: p.Case, Doc: p.Doc, DocVersion: p.DocVersion, Act: p.Act,
			Decided: p.Decided, Due: p.Due, Overdue: p.Late(), Publication: p}
		if p.Withdrawn() {
			row.State = PublicationWithdrawn
		} else {
			inForce[p.Case] = true
		}
		named[fmt.Sprintf("%s/%d", p.Doc, p.DocVersion)] = true
		out = append(out, row)
	}
	pending, err := t.pendingPublications(ctx, named, inForce)
	return append(out, pending...), err
}

func (t *Terminal) pendingPublications(ctx context.Context, named, inForce map[string]bool) ([]PublicationRow, error) {
	versions, err := t.st.LatestVersions(ctx)
	if err != nil {
		return nil, err
	}
	cfg, now := t.Config(), t.now()
	var out []PublicationRow
	for _, v := range versions {
		c := v.Content
		if named[fmt.Sprintf("%s/%d", c.Doc, c.Version)] || inForce[c.Case] {
			continue
		}
		signedAt, err := v.SignedAt()
		if err != nil {
			return nil, err
		}
		p, _, err := casework.PublicationOf(cfg.Templates[c.Template], c, signedAt, cfg.Calendar)
		if errors.Is(err, casework.ErrNotDecision) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, PublicationRow{State: PublicationPending, Case: c.Case, Doc: c.Doc, DocVersion: c.Version, Act: p.Act,
			Decided: p.Decided, Due: p.Due, Overdue: pastDay(now, p.Due)})
	}
	return out, nil
}

// pastDay reports whether now is after the end of day (YYYY-MM-DD) in
// Asia/Shanghai.
func pastDay(now time.Time, day string) bool {
	d, err := time.ParseInLocation(time.DateOnly, day, casework.Shanghai)
	return err == nil && !now.Before(d.AddDate(0, 0, 1))
}
