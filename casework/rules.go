package casework

import (
	"context"
	"errors"
	"fmt"

	"lawtrail/evidence"
)

// ErrRule marks an event refused because it breaks a rule of the domain
// against the current record (not because it is malformed).
var ErrRule = errors.New("refused by rule")

// Officer is an enrolled officer as the record knows them.
type Officer struct {
	ID           string
	Name         string
	CredentialNo string
	Agency       string
	Roles        []Role
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

// State is what the rules need to know of the current record. The store
// answers it from its projections inside the transaction that appends.
type State interface {
	Officer(ctx context.Context, id string) (Officer, bool, error)
	OfficerCount(ctx context.Context) (int, error)
	Case(ctx context.Context, id string) (Case, bool, error)
	StepExists(ctx context.Context, id string) (bool, error)
	// Document returns what the record holds about a document.
	Document(ctx context.Context, id string) (DocumentRecord, bool, error)
	// FootageExists reports whether a footage item with this digest exists.
	FootageExists(ctx context.Context, digest string) (bool, error)
	// SourceFile returns what the record holds about one recorder file.
	SourceFile(ctx context.Context, key SourceKey) (SourceRecord, bool, error)
}

// CheckRules says whether actor may record p now. The first officer of a
// terminal enrolls themselves as its admin; after that only an admin
// enrolls officers, and every act is by an enrolled officer.
func CheckRules(ctx context.Context, st State, actor string, p Payload) error {
	if _, ok := p.(*TerminalInitialized); ok {
		return nil
	}
	if r, ok := p.(*EventRebased); ok {
		return checkRebased(ctx, st, actor, r)
	}
	if err := checkActor(ctx, st, actor, p); err != nil {
		return err
	}
	switch p := p.(type) {
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
	case *StepRecorded:
		return checkStep(ctx, st, p)
	case *OfficerEnrolled:
		if _, found, err := st.Officer(ctx, p.Officer); err != nil || found {
			return refuse(err, "officer %s is enrolled already", p.Officer)
		}
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
		return checkDocument(ctx, st, p.DocumentContent, p.Corrects, true)
	case *StepTextOnly:
		if found, err := st.StepExists(ctx, p.Step); err != nil || !found {
			return refuse(err, "no step %s", p.Step)
		}
	case *StepFootageLinked:
		if found, err := st.StepExists(ctx, p.Step); err != nil || !found {
			return refuse(err, "no step %s", p.Step)
		}
		if found, err := st.FootageExists(ctx, p.Digest.String()); err != nil || !found {
			return refuse(err, "no footage %s", p.Digest)
		}
	case *FootageCleared:
		rec, found, err := st.SourceFile(ctx, p.SourceKey)
		switch {
		case err != nil || !found:
			return refuse(err, "recorder file %s on %s was never ingested", p.DisplayPath(), p.DeviceSerial)
		case rec.Digest != p.Digest:
			return refuse(nil, "recorder file %s: clearing names %s, custody says %s", p.DisplayPath(), p.Digest, rec.Digest)
		case rec.Cleared:
			return refuse(nil, "recorder file %s on %s was cleared already", p.DisplayPath(), p.DeviceSerial)
		}
	}
	return nil
}

func checkActor(ctx context.Context, st State, actor string, p Payload) error {
	if e, ok := p.(*OfficerEnrolled); ok {
		n, err := st.OfficerCount(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			if actor != e.Officer || !HasRole(e.Roles, RoleAdmin) {
				return refuse(nil, "the first officer must enroll themselves as admin")
			}
			return nil
		}
		o, found, err := st.Officer(ctx, actor)
		if err != nil || !found || !HasRole(o.Roles, RoleAdmin) {
			return refuse(err, "only an admin may enroll officers (actor %q)", actor)
		}
		return nil
	}
	if actor == "" {
		return refuse(nil, "%s needs an acting officer", p.EventType())
	}
	if _, found, err := st.Officer(ctx, actor); err != nil || !found {
		return refuse(err, "actor %s is not an enrolled officer", actor)
	}
	return nil
}

func checkStep(ctx context.Context, st State, p *StepRecorded) error {
	if _, found, err := st.Case(ctx, p.Case); err != nil || !found {
		return refuse(err, "step %s: no case %s", p.Step, p.Case)
	}
	if exists, err := st.StepExists(ctx, p.Step); err != nil || exists {
		return refuse(err, "step %s exists already", p.Step)
	}
	for _, o := range p.Officers {
		if _, found, err := st.Officer(ctx, o); err != nil || !found {
			return refuse(err, "step %s: officer %s is not enrolled", p.Step, o)
		}
	}
	return nil
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
		if found, err := st.StepExists(ctx, c.Step); err != nil || !found {
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
