package ingest

import (
	"context"
	"fmt"

	"lawtrail/casework"
	"lawtrail/device"
	"lawtrail/evidence"
	"lawtrail/store"
)

// clear removes an ingested file from the recorder when the policy allows
// it and only if (1) the stored copy re-verifies against the custody
// digest and (2) the recorder's file still has the size and time that were
// copied. The clearing is recorded as a signed event before the file is
// removed; alreadyRecorded says a previous docking recorded it but may
// have been cut off before the removal, which is then completed.
func (d *Dock) clear(ctx context.Context, j fileJob, digest evidence.Digest, alreadyRecorded bool, r *run) {
	switch d.opt.Clear {
	case ClearLocal:
	case ClearHubReceipt:
		if ok, err := d.store.HasReceipt(ctx, digest); err != nil || !ok {
			return // kept until the hub's signed receipt for this content is here
		}
	default:
		return
	}
	refuse := func(err error) { r.fail(&r.sum.ClearErrs, device.DisplayPath(j.file.Path), err) }
	if err := d.store.Blobs().Verify(ctx, digest); err != nil {
		refuse(fmt.Errorf("not cleared: the copy does not re-verify: %w", err))
		return
	}
	cur, err := j.rec.Source.Stat(ctx, j.file.Path)
	if err != nil {
		refuse(fmt.Errorf("not cleared: %w", err))
		return
	}
	if cur.Size != j.file.Size || !cur.ModTime.Equal(j.file.ModTime) {
		refuse(fmt.Errorf("not cleared: %w since it was copied", device.ErrChanged))
		return
	}
	if !alreadyRecorded {
		ev := &casework.FootageCleared{Digest: digest, SourceKey: j.key(), Policy: string(d.opt.Clear)}
		if _, err := d.store.Append(ctx, d.key, store.Draft{Actor: d.opt.Clerk, Payload: ev, Blobs: []evidence.Digest{digest}}); err != nil {
			refuse(fmt.Errorf("not cleared: record the clearing: %w", err))
			return
		}
	}
	if err := j.rec.Source.Remove(ctx, j.file.Path); err != nil {
		refuse(fmt.Errorf("clearing recorded, removal failed (retried at the next docking): %w", err))
		return
	}
	r.count(func(s *Summary) { s.Cleared++ })
	d.update(j, StateCleared, j.file.Size, func(u *Update) { u.Digest = digest.String() })
}
