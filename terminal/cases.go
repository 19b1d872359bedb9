package terminal

import (
	"context"
	"fmt"
	"strings"
	"time"

	"lawtrail/casework"
	"lawtrail/evidence"
	"lawtrail/store"
)

// NewCase is what opening a case (立案) needs.
type NewCase struct {
	Number, Title string
	Act           casework.ActType // penalty when empty
}

// OpenCase opens a case in the agency of this terminal.
func (s *Session) OpenCase(ctx context.Context, n NewCase) (casework.CaseOpened, error) {
	if n.Act == "" {
		n.Act = casework.ActPenalty
	}
	p := casework.CaseOpened{Case: newID("c"), Number: strings.TrimSpace(n.Number), Title: strings.TrimSpace(n.Title),
		ActType: n.Act, Agency: s.Info.Agency}
	if err := p.Validate(); err != nil {
		return p, fmt.Errorf("%w: %w", ErrBadInput, err)
	}
	_, err := s.append(ctx, store.Draft{Payload: &p})
	return p, err
}

// AdvanceCase moves a case forward to phase.
func (s *Session) AdvanceCase(ctx context.Context, caseID string, phase casework.Phase) error {
	p := &casework.CasePhaseAdvanced{Case: caseID, Phase: phase}
	if err := p.Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrBadInput, err)
	}
	_, err := s.append(ctx, store.Draft{Payload: p})
	return err
}

// NewStep is a step of a case about to be recorded: what, when, who was
// present. Officers lists everyone present (the session officer when
// empty); each of them other than the session officer co-signs as a
// witness with their PIN.
type NewStep struct {
	Case       string
	Kind       casework.StepKind
	Start, End time.Time
	Note       string
	Officers   []string
	Witnesses  []Witness
}

// RecordStep records a step, co-signed by every officer present.
func (s *Session) RecordStep(ctx context.Context, n NewStep) (casework.StepRecorded, error) {
	officers := n.Officers
	if len(officers) == 0 {
		officers = []string{s.Officer.ID}
		for _, w := range n.Witnesses {
			officers = append(officers, w.Officer)
		}
	}
	p := casework.StepRecorded{Step: newID("s"), Case: n.Case, Kind: n.Kind, Start: n.Start.In(casework.Shanghai),
		End: n.End.In(casework.Shanghai), Officers: officers, Note: strings.TrimSpace(n.Note)}
	if err := p.Validate(); err != nil {
		return p, fmt.Errorf("%w: %w", ErrBadInput, err)
	}
	cosigners, err := s.cosigners(ctx, n.Witnesses)
	if err != nil {
		return p, err
	}
	_, err = s.append(ctx, store.Draft{Payload: &p, CoSigners: cosigners})
	return p, err
}

// LinkFootage links a footage file to a step.
func (s *Session) LinkFootage(ctx context.Context, step string, d evidence.Digest) error {
	_, err := s.append(ctx, store.Draft{Payload: &casework.StepFootageLinked{Step: step, Digest: d}})
	return err
}

// MarkTextOnly records that a step is fully recorded in text, with the
// reason. Steps of matters that must be recorded on audio/video are
// refused (the rule runs at append).
func (s *Session) MarkTextOnly(ctx context.Context, step, reason string) error {
	p := &casework.StepTextOnly{Step: step, Reason: strings.TrimSpace(reason)}
	if err := p.Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrBadInput, err)
	}
	_, err := s.append(ctx, store.Draft{Payload: p})
	return err
}
