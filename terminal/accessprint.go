package terminal

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"lawtrail/casework"
	"lawtrail/store"
)

// The papers of legal review and the ledger leave the terminal as files
// too, so making them is an access (R6): access.review_printed and
// access.ledger_exported, signed by the terminal and co-signed by the
// officer, recorded before the bytes are handed over or the file is given
// its name.

// PrintReviewOpinion records access.review_printed (kind opinion) by the
// session officer and returns the 法制审核意见书 of a review's round as a
// PDF. reason is required when the officer is not on the review's case
// (the rule refuses the act otherwise, and nothing is returned).
func (s *Session) PrintReviewOpinion(ctx context.Context, reviewID string, round int, reason string) ([]byte, error) {
	return s.printReview(ctx, reviewID, round, casework.PaperOpinion, reason)
}

// PrintCollectiveDiscussion records access.review_printed (kind
// discussion) by the session officer and returns the 集体讨论记录 of a
// review's round as a PDF; reason as for PrintReviewOpinion.
func (s *Session) PrintCollectiveDiscussion(ctx context.Context, reviewID string, round int, reason string) ([]byte, error) {
	return s.printReview(ctx, reviewID, round, casework.PaperDiscussion, reason)
}

// ReviewNeedsReason says whether the session officer must give a reason to
// print a paper of review reviewID: they are not on its case.
func (s *Session) ReviewNeedsReason(ctx context.Context, reviewID string) (bool, error) {
	r, err := s.reviewRound(ctx, reviewID, 1)
	if err != nil {
		return false, err
	}
	on, err := casework.OnCase(ctx, s.st, s.Officer.ID, r.Case)
	return !on, err
}

// printReview renders the paper (which checks the round holds it), then
// records the access, then hands the bytes over.
func (s *Session) printReview(ctx context.Context, reviewID string, round int, kind casework.ReviewPaper, reason string) ([]byte, error) {
	render := s.ReviewOpinionPDF
	if kind == casework.PaperDiscussion {
		render = s.CollectiveDiscussionPDF
	}
	pdf, err := render(ctx, reviewID, round)
	if err != nil {
		return nil, err
	}
	r, err := s.reviewRound(ctx, reviewID, round)
	if err != nil {
		return nil, err
	}
	p := &casework.ReviewPrinted{Review: reviewID, Round: round, Kind: kind, Case: r.Case, Reason: strings.TrimSpace(reason)}
	if err := p.Validate(); err != nil {
		return nil, badInput("%v", err)
	}
	if _, err := s.append(ctx, store.Draft{Payload: p, CoSigners: s.own()}); err != nil {
		return nil, fmt.Errorf("print review %s round %d: %w", reviewID, round, err)
	}
	return pdf, nil
}

// ExportLedger writes the ledger as of the terminal clock to path (.xlsx
// or .csv, as writeLedger) and records access.ledger_exported by the
// session officer, naming the format and how many cases' rows it holds;
// reason is optional (the ledger names no one case). The file is written
// beside path under a temporary name, the access recorded, and only then
// is the file given its name (replacing one there): path holds the ledger
// only once the access is on the record, and a refused access leaves no
// file. It returns how many cases the ledger holds.
func (s *Session) ExportLedger(ctx context.Context, path, reason string) (int, error) {
	format, err := ledgerFormat(path)
	if err != nil {
		return 0, err
	}
	p := &casework.LedgerExported{Format: format, Reason: strings.TrimSpace(reason)}
	if err := p.Validate(); err != nil {
		return 0, badInput("%v", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".lawtrail-ledger-*."+string(format))
	if err != nil {
		return 0, fmt.Errorf("ledger: %w", err)
	}
	tmp.Close()
	defer os.Remove(tmp.Name())
	if p.Cases, err = s.writeLedger(ctx, tmp.Name()); err != nil {
		return 0, err
	}
	if err := syncFile(tmp.Name()); err != nil {
		return 0, fmt.Errorf("ledger: %w", err)
	}
	if _, err := s.append(ctx, store.Draft{Payload: p, CoSigners: s.own()}); err != nil {
		return 0, fmt.Errorf("export ledger: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return 0, fmt.Errorf("ledger: %w", err)
	}
	return p.Cases, nil
}

// ledgerFormat is the format a ledger file's name asks for; another
// extension is ErrBadInput.
func ledgerFormat(path string) (casework.LedgerFormat, error) {
	switch {
	case strings.HasSuffix(path, ".xlsx"):
		return casework.LedgerXLSX, nil
	case strings.HasSuffix(path, ".csv"):
		return casework.LedgerCSV, nil
	}
	return "", badInput("ledger file %q: want a name ending in .xlsx or .csv", path)
}

// syncFile flushes a written file to disk.
func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
