package terminal

import (
	"context"
	"fmt"

	"lawtrail/casework"
	"lawtrail/evidence"
	"lawtrail/store"
	"lawtrail/sync/client"
)

// FetchedFootage is the outcome of FetchFootage.
type FetchedFootage struct {
	client.Fetched
	Source string // the terminal that took the footage in
	// Already: this terminal held the verified bytes and their custody;
	// nothing was fetched or recorded.
	Already bool
}

// FetchFootage brings the bytes of footage another terminal of the agency
// took in (its custody came by the agency feed) from the hub, verified
// against the digest while they arrive, into the blob store, and records a
// signed footage.fetched naming the hub and the source terminal by the
// session officer. Footage this terminal already holds, verified, with its
// own custody record, is left as it is.
func (s *Session) FetchFootage(ctx context.Context, digest string) (FetchedFootage, error) {
	var out FetchedFootage
	d, err := evidence.ParseDigest(digest)
	if err != nil {
		return out, badInput("footage %q: %v", digest, err)
	}
	if err := casework.MayRecord(s.Officer, casework.TypeFootageFetched, s.now()); err != nil {
		return out, err
	}
	origin, err := s.st.FootageOrigin(ctx, d)
	if err != nil {
		return out, err
	}
	out.Source = origin.Source
	if origin.Here && s.st.Blobs().Verify(ctx, d) == nil {
		out.Digest, out.Size, out.Already = d, origin.Size, true
		return out, nil
	}
	c, err := client.New(ctx, s.st, s.Desk.key, client.Options{})
	if err != nil {
		return out, fmt.Errorf("fetch footage: %w", err)
	}
	if out.Fetched, err = c.FetchBlob(ctx, d, origin.Size); err != nil {
		return out, err
	}
	source := origin.Source
	if source == "" {
		source = s.Info.ID
	}
	p := &casework.FootageFetched{Digest: d, Size: out.Size, From: out.From, Source: source}
	if _, err := s.append(ctx, store.Draft{Payload: p, Blobs: []evidence.Digest{d}}); err != nil {
		return out, fmt.Errorf("fetch footage %s: the bytes are verified and kept, but the custody event was refused: %w", d, err)
	}
	return out, nil
}
