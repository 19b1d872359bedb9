package terminal

import (
	"context"
	"errors"
	"fmt"

	"lawtrail/assets"
	"lawtrail/casefile"
	"lawtrail/store"
)

// The papers of legal review: a round's 法制审核意见书 and, when a head
// resolved its dispute after a collective discussion, the 集体讨论记录. Both
// are filled from the round as the signed events give it and laid out like
// any document (every page's QR code fixes the filled content by its
// SHA-256); a case file carries the same bytes.

// ReviewOpinionPDF renders the 法制审核意见书 of a review's round. A round
// without an opinion, or a review or round the record does not hold, is
// ErrBadInput.
func (t *Terminal) ReviewOpinionPDF(ctx context.Context, reviewID string, round int) ([]byte, error) {
	r, err := t.reviewRound(ctx, reviewID, round)
	if err != nil {
		return nil, err
	}
	pdf, err := casefile.ReviewOpinionPDF(ctx, t.st, r, assets.FontRegularTTF)
	if errors.Is(err, casefile.ErrNoOpinion) {
		return nil, fmt.Errorf("%w: %w", ErrBadInput, err)
	}
	return pdf, err
}

// CollectiveDiscussionPDF renders the 集体讨论记录 of a review's round. A
// round whose resolution records no collective discussion, or a review or
// round the record does not hold, is ErrBadInput.
func (t *Terminal) CollectiveDiscussionPDF(ctx context.Context, reviewID string, round int) ([]byte, error) {
	r, err := t.reviewRound(ctx, reviewID, round)
	if err != nil {
		return nil, err
	}
	pdf, err := casefile.CollectiveDiscussionPDF(ctx, t.st, r, assets.FontRegularTTF)
	if errors.Is(err, casefile.ErrNoCollective) {
		return nil, fmt.Errorf("%w: %w", ErrBadInput, err)
	}
	return pdf, err
}

// reviewRound is one round of a review (ErrBadInput when there is none).
func (t *Terminal) reviewRound(ctx context.Context, reviewID string, round int) (store.ReviewRound, error) {
	rounds, err := t.ReviewRounds(ctx, reviewID)
	if err != nil {
		return store.ReviewRound{}, err
	}
	for _, r := range rounds {
		if r.Round == round {
			return r, nil
		}
	}
	return store.ReviewRound{}, badInput("review %s has %d round(s), not round %d", reviewID, len(rounds), round)
}
