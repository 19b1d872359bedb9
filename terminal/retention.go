package terminal

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"lawtrail/assets"
	"lawtrail/casework"
	"lawtrail/evidence"
	"lawtrail/store"
)

// Retention and legal hold on the terminal (casework/retention.go): an
// admin or head puts a hold on a file and releases it, each co-signing; a
// retention run frees this terminal's copies of files the hub holds a
// receipt for — free_after_days after docking, or sooner, oldest first,
// while free disk space is below min_free_mib — except what is held or
// linked to a case not yet in 送达执行; and deletes the files past their
// retention period (linked to no case at all, held by no hold, older than
// unlinked_footage_months from recording) from the agency's record, when
// its officer is an admin or head: one footage.deleted each, co-signed,
// which the hub takes as the order to remove its bytes. Each freeing or
// deletion is one signed event, committed before the bytes are removed (a
// removal a crash cut short is finished when the record is next opened).

// RetentionPolicy is the retention policy in force: the agency's published
// one, else the bundled one.
func (t *Terminal) RetentionPolicy() (casework.RetentionPolicy, error) {
	if cfg := t.Config(); cfg != nil && cfg.Retention != nil {
		return *cfg.Retention, nil
	}
	p, err := casework.ParseRetention(assets.Retention)
	if err != nil {
		return casework.RetentionPolicy{}, fmt.Errorf("bundled retention policy: %w", err)
	}
	return *p, nil
}

// RetentionEntry is one file a retention run frees, keeps, lists or deletes.
type RetentionEntry struct {
	Digest   evidence.Digest    `json:"digest"`
	Size     int64              `json:"size"`
	Recorded time.Time          `json:"recorded"`
	Cause    casework.FreeCause `json:"cause,omitempty"`    // why it is freed
	Why      string             `json:"why,omitempty"`      // why it is kept: "held HOLD…" or "open case CASE…"
	Expired  time.Time          `json:"expired,omitzero"`   // when its retention period ended
	Location string             `json:"location,omitempty"` // where it lives
}

// RetentionPlan is what a retention run does (dry run: would do).
type RetentionPlan struct {
	DryRun    bool                     `json:"dry_run"`
	At        time.Time                `json:"at"`
	Policy    casework.RetentionPolicy `json:"policy"`
	FreeBytes uint64                   `json:"free_bytes"` // free disk space before the run
	LowSpace  bool                     `json:"low_space"`
	Free      []RetentionEntry         `json:"free"` // copies freed here
	// Kept lists receipted copies due for freeing but kept, and expired
	// files a hold keeps, each with why.
	Kept []RetentionEntry `json:"kept"`
	// Expired lists the files past retention, linked to no case and held
	// by no hold: the run deletes them when its officer is an admin or
	// head (MayDelete), else they wait for one.
	Expired   []RetentionEntry `json:"expired"`
	MayDelete bool             `json:"may_delete"`
	Deleted   []RetentionEntry `json:"deleted"` // what the run deleted (a dry run: none)
}

// RetentionRun frees this terminal's copies as the policy says, as the
// session officer's footage.freed events, and — when the officer is an
// admin or head — deletes the expired files from the agency's record, one
// footage.deleted each (reason expired, the policy's version and
// authority), co-signed by the officer; with dryRun it only says what a run
// would do. A run interrupted leaves every file freed or deleted so far
// recorded; bytes are removed only after their event commits.
func (s *Session) RetentionRun(ctx context.Context, dryRun bool) (RetentionPlan, error) {
	if err := casework.MayRecord(s.Officer, casework.TypeFootageFreed, s.now()); err != nil {
		return RetentionPlan{}, err
	}
	plan, err := s.planRetention(ctx)
	if err != nil || dryRun {
		plan.DryRun = dryRun
		return plan, err
	}
	plan.Deleted = []RetentionEntry{}
	for _, e := range plan.Free {
		p := &casework.FootageFreed{Digest: e.Digest, Cause: e.Cause}
		if _, err := s.append(ctx, store.Draft{Payload: p, Blobs: []evidence.Digest{e.Digest}}); err != nil {
			return plan, fmt.Errorf("free %s: %w", e.Digest, err)
		}
		if err := s.st.RemoveFreed(ctx, e.Digest); err != nil {
			return plan, fmt.Errorf("free %s: recorded; removing the bytes is finished when the record is next opened: %w", e.Digest, err)
		}
	}
	if !plan.MayDelete {
		return plan, nil
	}
	for _, e := range plan.Expired {
		p := &casework.FootageDeleted{Digest: e.Digest, Reason: casework.DeleteExpired, PolicyVersion: plan.Policy.Version,
			Authority: plan.Policy.DeletionAuthority()}
		if _, err := s.append(ctx, store.Draft{Payload: p, Blobs: []evidence.Digest{e.Digest}, CoSigners: s.own()}); err != nil {
			return plan, fmt.Errorf("delete %s: %w", e.Digest, err)
		}
		plan.Deleted = append(plan.Deleted, e)
		if err := s.st.RemoveDeleted(ctx, e.Digest); err != nil {
			return plan, fmt.Errorf("delete %s: recorded; removing the bytes is finished when the record is next opened: %w", e.Digest, err)
		}
	}
	return plan, nil
}

// planRetention weighs every file, oldest docking first.
func (s *Session) planRetention(ctx context.Context) (RetentionPlan, error) {
	policy, err := s.RetentionPolicy()
	if err != nil {
		return RetentionPlan{}, err
	}
	plan := RetentionPlan{At: s.now(), Policy: policy, Free: []RetentionEntry{}, Kept: []RetentionEntry{}, Expired: []RetentionEntry{}}
	plan.MayDelete = casework.MayRecord(s.Officer, casework.TypeFootageDeleted, plan.At) == nil
	if plan.FreeBytes, err = s.st.Blobs().FreeSpace(); err != nil {
		return plan, err
	}
	short := policy.Terminal.MinFreeMiB<<20 - int64(min(plan.FreeBytes, 1<<62))
	plan.LowSpace = short > 0
	items, err := s.st.RetentionItems(ctx)
	if err != nil {
		return plan, err
	}
	freeAfter := time.Duration(policy.Terminal.FreeAfterDays) * 24 * time.Hour
	for _, it := range items {
		if it.Deleted {
			continue
		}
		e := RetentionEntry{Digest: it.Digest, Size: it.Size, Recorded: it.Recorded, Location: it.Location()}
		keptExpired := false
		if end := policy.ExpiresAt(it.Recorded); !it.Linked && !plan.At.Before(end) {
			e.Expired = end
			if len(it.Holds) > 0 {
				x := e
				x.Why = keptWhy(it)
				plan.Kept = append(plan.Kept, x)
				keptExpired = true
			} else {
				plan.Expired = append(plan.Expired, e)
				if plan.MayDelete {
					continue // deleted, its bytes with it: not freed first
				}
			}
		}
		if !it.Here || it.Freed || !it.Receipt {
			continue
		}
		switch {
		case !plan.At.Before(it.IngestedAt.Add(freeAfter)):
			e.Cause = casework.FreeAfterPeriod
		case short > 0:
			e.Cause = casework.FreeLowSpace
		default:
			continue
		}
		if why := keptWhy(it); why != "" {
			if !keptExpired {
				e.Why, e.Cause = why, ""
				plan.Kept = append(plan.Kept, e)
			}
			continue
		}
		short -= it.Size
		plan.Free = append(plan.Free, e)
	}
	return plan, nil
}

func keptWhy(it store.RetentionItem) string {
	switch {
	case len(it.Holds) > 0:
		return "held " + strings.Join(it.Holds, ",")
	case len(it.OpenCases) > 0:
		return "open case " + strings.Join(it.OpenCases, ",")
	}
	return ""
}

// HoldFootage puts a legal hold on a file (footage.held), with the reason;
// the officer is an admin or head and co-signs. It returns the hold's id.
func (s *Session) HoldFootage(ctx context.Context, digest, reason string) (string, error) {
	d, err := evidence.ParseDigest(digest)
	if err != nil {
		return "", badInput("footage %q: %v", digest, err)
	}
	p := &casework.FootageHeld{Hold: newID("h"), Digest: d, Reason: strings.TrimSpace(reason)}
	if err := p.Validate(); err != nil {
		return "", fmt.Errorf("%w: %w", ErrBadInput, err)
	}
	if err := casework.MayRecord(s.Officer, p.EventType(), s.now()); err != nil {
		return "", err
	}
	_, err = s.append(ctx, store.Draft{Payload: p, CoSigners: s.own()})
	return p.Hold, err
}

// ErrNoHold marks a release naming no hold in force.
var ErrNoHold = errors.New("no hold in force")

// ReleaseHold releases a hold on a file (footage.released) with the reason:
// hold names it; "" releases the one hold in force on the file. The
// officer is an admin or head and co-signs. It returns the hold released.
func (s *Session) ReleaseHold(ctx context.Context, digest, hold, reason string) (string, error) {
	d, err := evidence.ParseDigest(digest)
	if err != nil {
		return "", badInput("footage %q: %v", digest, err)
	}
	if err := casework.MayRecord(s.Officer, casework.TypeFootageReleased, s.now()); err != nil {
		return "", err
	}
	if hold == "" {
		if hold, err = s.onlyHold(ctx, d); err != nil {
			return "", err
		}
	}
	p := &casework.FootageReleased{Hold: hold, Digest: d, Reason: strings.TrimSpace(reason)}
	if err := p.Validate(); err != nil {
		return "", fmt.Errorf("%w: %w", ErrBadInput, err)
	}
	_, err = s.append(ctx, store.Draft{Payload: p, CoSigners: s.own()})
	return hold, err
}

// onlyHold is the one hold in force on d.
func (s *Session) onlyHold(ctx context.Context, d evidence.Digest) (string, error) {
	holds, err := s.st.Holds(ctx, d)
	if err != nil {
		return "", err
	}
	var open []string
	for _, h := range holds {
		if h.ReleasedAt == "" {
			open = append(open, h.ID)
		}
	}
	switch len(open) {
	case 0:
		return "", fmt.Errorf("%w: %w: footage %s", casework.ErrRule, ErrNoHold, d)
	case 1:
		return open[0], nil
	}
	return "", badInput("footage %s has %d holds in force (%s): name the one to release", d, len(open), strings.Join(open, ", "))
}
