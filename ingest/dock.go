package ingest

import (
	"context"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unicode/utf8"

	"lawtrail/casework"
	"lawtrail/device"
	"lawtrail/directio"
	"lawtrail/evidence"
	"lawtrail/store"
)

// Policy says when a recorder's files may be removed after ingest.
type Policy string

// The clear policies an agency may choose.
const (
	ClearNever      Policy = "never"
	ClearLocal      Policy = "after-local-verify"
	ClearHubReceipt Policy = "after-hub-receipt" // waits for the hub's signed receipt of the content
)

// ParsePolicy reads a policy by its name or the CLI's short form
// (never, local, hub).
func ParsePolicy(s string) (Policy, error) {
	switch s {
	case "never", "":
		return ClearNever, nil
	case "local", string(ClearLocal):
		return ClearLocal, nil
	case "hub", string(ClearHubReceipt):
		return ClearHubReceipt, nil
	}
	return "", fmt.Errorf("unknown clear policy %q (want never, local or hub)", s)
}

// Options configure a Dock.
type Options struct {
	Clerk    string // enrolled officer who docks the recorders (the events' actor)
	Station  string // this docking station's name
	Clear    Policy
	Profiles *device.Profiles
	// Progress receives updates from every recorder's worker; it must be
	// safe for concurrent use and should not block.
	Progress func(Update)
	// MinFree is the free space kept on the disk beyond each file
	// (default 64 MiB).
	MinFree int64
	// IOLimit bounds copies running at once across all recorders (default 2).
	IOLimit int
	// BufferSize and Buffers shape the copy pipeline (default 8 × 1 MiB).
	BufferSize, Buffers int
	// CheckpointEvery is how many bytes are copied between fsyncs of a
	// partial copy (default 64 MiB); a resumed copy continues from the last.
	CheckpointEvery int64
}

// Dock ingests recorders into one store.
type Dock struct {
	store *store.Store
	key   evidence.KeyPair
	opt   Options
	sem   chan struct{}
	// wrapOut lets tests put a failing disk under the copy; nil in use.
	wrapOut func(io.Writer) io.Writer
	// cachedWrites lets tests write copies through the page cache, as where
	// the file system refuses O_DIRECT; false in use.
	cachedWrites bool
}

// NewDock returns a dock that signs with the terminal key.
func NewDock(s *store.Store, terminal evidence.KeyPair, opt Options) (*Dock, error) {
	if opt.Clerk == "" {
		return nil, errors.New("ingest: no clerk: the docking officer must be named")
	}
	if opt.Station == "" {
		opt.Station = "lawtrail"
	}
	if opt.Clear == "" {
		opt.Clear = ClearNever
	}
	if opt.MinFree == 0 {
		opt.MinFree = 64 << 20
	}
	if opt.IOLimit <= 0 {
		opt.IOLimit = 2
	}
	if opt.BufferSize <= 0 {
		opt.BufferSize = 1 << 20
	}
	if opt.Buffers <= 0 {
		opt.Buffers = 8
	}
	if opt.CheckpointEvery <= 0 {
		opt.CheckpointEvery = 64 << 20
	}
	if opt.Progress == nil {
		opt.Progress = func(Update) {}
	}
	return &Dock{store: s, key: terminal, opt: opt, sem: make(chan struct{}, opt.IOLimit)}, nil
}

// Recorder is one docked recorder.
type Recorder struct {
	Source device.Source
	Label  string // how people call it: the mount folder, the port
	// Serial overrides the device serial (for a plain folder that does not
	// know it); else the device's own, else the last element of Label.
	Serial string
	// Officer overrides whose footage this is; else the name's officer
	// number, else the device's assigned officer.
	Officer string
}

// FileError is a file that did not reach "signed", and why.
type FileError struct {
	Path string `json:"path"`
	Err  string `json:"error"`
}

// Summary is the outcome of docking one recorder.
type Summary struct {
	Recorder string `json:"recorder"`
	Serial   string `json:"serial"`
	// NameSerials are the serials the file names carry; when Serial is not
	// among them the folder's name stood in for the serial.
	NameSerials []string      `json:"name_serials,omitempty"`
	Files       int           `json:"files"`     // regular files found
	Copied      int           `json:"copied"`    // newly ingested
	Skipped     int           `json:"skipped"`   // ingested before
	Cleared     int           `json:"cleared"`   // removed from the recorder
	Failed      []FileError   `json:"failed"`    // did not reach "signed"
	NotFiles    []FileError   `json:"not_files"` // symlinks, FIFOs… skipped with a reason
	Bytes       int64         `json:"bytes"`     // bytes copied
	Elapsed     time.Duration `json:"elapsed_ns"`
	ClearErrs   []FileError   `json:"clear_errors,omitempty"` // ingested, but left on the recorder
}

// OK reports whether every file reached "signed".
func (s Summary) OK() bool { return len(s.Failed) == 0 }

// MiBps is the copy rate over the whole docking.
func (s Summary) MiBps() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Bytes) / (1 << 20) / s.Elapsed.Seconds()
}

// Ingest docks one recorder: every file is copied, verified and recorded,
// or reported failed with its reason. Call it from several goroutines to
// dock several recorders at once.
func (d *Dock) Ingest(ctx context.Context, rec Recorder) (Summary, error) {
	start := time.Now()
	sum := Summary{Recorder: rec.Label}
	info, err := rec.Source.Info(ctx)
	if err != nil {
		return sum, fmt.Errorf("dock %s: device info: %w", rec.Label, err)
	}
	files, err := d.list(ctx, rec, &sum)
	if err != nil {
		return sum, err
	}
	metas := d.describe(files)
	sum.Serial = resolveSerial(rec, info)
	sum.NameSerials = nameSerials(metas)
	sum.Files = len(files)
	var total int64
	for _, f := range files {
		total += f.Size
	}
	d.opt.Progress(Update{Recorder: rec.Label, Serial: sum.Serial, State: StateDetected, Total: total, FilesTotal: len(files)})
	// Two stages overlap: while the finisher records the custody of file n,
	// the copiers already copy the next files — one copier, or one a core
	// where the source reads files in parallel (a file system), so hashing
	// uses every core. Each file is verified by re-reading it from the disk:
	// by the finisher behind a lone copier (so the copier goes on copying),
	// by each copier itself where there are several (so verifications run in
	// parallel too). Custody events stay in file order: the copies reach
	// the finisher in order.
	r := &run{sum: &sum}
	copiers := d.copiers(rec)
	finished := make(chan copied, finishQueue)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for c := range finished {
			d.finish(ctx, takeBatch(c, finished), r)
		}
	}()
	var done atomic.Int64
	d.copyAll(ctx, len(files), copiers, func(i int, mem *copierMemory) *copied {
		c := d.copyStage(ctx, fileJob{rec: rec, info: info, serial: sum.Serial, file: files[i], meta: metas[i], mem: mem}, r)
		if c != nil && copiers > 1 && !d.verify(ctx, c, r) {
			c = nil
		}
		n := done.Add(1)
		r.mu.Lock()
		d.opt.Progress(Update{Recorder: rec.Label, Serial: sum.Serial, State: StateCopying, Bytes: sum.Bytes,
			Total: total, FilesDone: int(n), FilesTotal: len(files)})
		r.mu.Unlock()
		return c
	}, finished)
	wg.Wait()
	sum.Elapsed = time.Since(start)
	d.opt.Progress(Update{Recorder: rec.Label, Serial: sum.Serial, State: StateDone, Bytes: sum.Bytes, Total: total,
		FilesDone: len(files), FilesTotal: len(files)})
	return sum, ctx.Err()
}

// run is one docking's shared tally; the copier and the finisher both
// write to it.
type run struct {
	mu  sync.Mutex
	sum *Summary
}

func (r *run) fail(list *[]FileError, path string, err error) {
	r.mu.Lock()
	*list = append(*list, FileError{Path: path, Err: err.Error()})
	r.mu.Unlock()
}

func (r *run) count(f func(s *Summary)) {
	r.mu.Lock()
	f(r.sum)
	r.mu.Unlock()
}

// The file list of one recorder is held while it docks (for totals,
// names' sidecars and file order). maxListing bounds its memory: each file
// counts its path plus listingOverhead for its record, each skipped entry
// its path and reason. 64 MiB is about 300,000 files of ordinary names,
// far above any recorder; a source that lists more is refused before
// anything is copied, with ErrListingTooLarge.
const (
	maxListing      = 64 << 20
	listingOverhead = 160
)

// ErrListingTooLarge is a recorder whose file list exceeds maxListing.
var ErrListingTooLarge = fmt.Errorf("recorder lists more files than a docking holds (%d MiB of names and records)", maxListing>>20)

func (d *Dock) list(ctx context.Context, rec Recorder, sum *Summary) ([]device.File, error) {
	var files []device.File
	held := 0
	full := false
	err := rec.Source.Walk(ctx, func(f device.File) error {
		if held += len(f.Path) + listingOverhead; held > maxListing {
			return ErrListingTooLarge
		}
		files = append(files, f)
		return nil
	}, func(p, reason string) {
		if held += len(p) + len(reason) + listingOverhead; held > maxListing {
			full = true // Walk's skip cannot stop it: the next file will
			return
		}
		sum.NotFiles = append(sum.NotFiles, FileError{Path: device.DisplayPath(p), Err: reason})
	})
	if err == nil && full {
		err = ErrListingTooLarge
	}
	if err != nil {
		return nil, fmt.Errorf("dock %s: list files: %w; nothing was copied (dock its folders one at a time with --from)", rec.Label, err)
	}
	return files, nil
}

func (d *Dock) describe(files []device.File) []device.Meta {
	paths := make(map[string]bool, len(files))
	for _, f := range files {
		paths[f.Path] = true
	}
	metas := make([]device.Meta, len(files))
	for i, f := range files {
		metas[i] = d.opt.Profiles.Describe(f, func(p string) bool { return paths[p] })
	}
	return metas
}

// resolveSerial picks the device serial that keys every file of this
// recorder: given, told by the device, or the last element of Label (a
// mounted card's folder is usually its volume label). Serials in file
// names are not used: they vary with what is left on the card, and a key
// that changed after a partial clear would ingest the rest twice.
func resolveSerial(rec Recorder, info device.Info) string {
	if rec.Serial != "" {
		return rec.Serial
	}
	if info.Serial != "" {
		return info.Serial
	}
	if base := filepath.Base(rec.Label); rec.Label != "" && base != "/" && base != "." {
		return base
	}
	return "unknown-device"
}

// nameSerials lists the distinct serials that file names carry.
func nameSerials(metas []device.Meta) []string {
	var out []string
	for _, m := range metas {
		if m.Serial != "" && !slices.Contains(out, m.Serial) {
			out = append(out, m.Serial)
		}
	}
	slices.Sort(out)
	return out
}

// copierMemory is all the memory one copier holds, reused from file to
// file so that thousands of small files do not each allocate megabytes: the
// pipeline's buffers and the two blocks its copies are written from.
type copierMemory struct {
	pipe buffers
	out  directio.Blocks
}

// outBlockSize is the size of the blocks a copy is written in: large
// enough that a write bypassing the cache runs at the disk's speed.
const outBlockSize = 1 << 20

type fileJob struct {
	mem    *copierMemory
	rec    Recorder
	info   device.Info
	serial string
	file   device.File
	meta   device.Meta
}

func (j fileJob) key() casework.SourceKey {
	k := casework.SourceKey{DeviceSerial: j.serial, Path: device.DisplayPath(j.file.Path), Size: j.file.Size, ModTime: j.file.ModTime}
	if !utf8.ValidString(j.file.Path) || k.Path != j.file.Path {
		k.PathBytes = []byte(j.file.Path)
	}
	return k
}

func (d *Dock) update(j fileJob, st State, bytes int64, extra func(*Update)) {
	u := Update{Recorder: j.rec.Label, Serial: j.serial, Path: device.DisplayPath(j.file.Path), State: st, Bytes: bytes, Total: j.file.Size}
	if extra != nil {
		extra(&u)
	}
	d.opt.Progress(u)
}

// copied is a file the copier has finished: its bytes are durable in a
// partial copy and hashed; the finisher verifies and records it.
type copied struct {
	job      fileJob
	p        partial
	digest   evidence.Digest
	n        int64
	verified bool // re-read, and moved into the blob store
}

// copyStage skips a file ingested before (completing its clearing if due),
// or copies it and hands it to the finisher.
func (d *Dock) copyStage(ctx context.Context, j fileJob, r *run) *copied {
	fail := func(err error) {
		r.fail(&r.sum.Failed, device.DisplayPath(j.file.Path), err)
		d.update(j, StateFailed, 0, func(u *Update) { u.Error = err.Error() })
	}
	rec, found, err := d.store.SourceFile(ctx, j.key())
	if err != nil {
		fail(err)
		return nil
	}
	if found {
		r.count(func(s *Summary) { s.Skipped++ })
		d.update(j, StateSkipped, j.file.Size, func(u *Update) { u.Digest = rec.Digest.String() })
		d.clear(ctx, j, rec.Digest, rec.Cleared, r)
		return nil
	}
	d.update(j, StatePending, 0, nil)
	c, err := d.copyWithRetry(ctx, &j)
	if err != nil {
		fail(err)
		return nil
	}
	return &c
}

// ParallelReads is what a source implements when it reads several of its
// files at once as fast as one (a file system); a recorder over MTP, one
// transaction at a time, does not.
type ParallelReads interface {
	ParallelReads() bool
}

// copiers is how many files of rec are copied at once: one a core (at most
// IOLimit) where the source reads files in parallel, else one.
func (d *Dock) copiers(rec Recorder) int {
	if p, ok := rec.Source.(ParallelReads); ok && p.ParallelReads() {
		return max(1, min(runtime.GOMAXPROCS(0), d.opt.IOLimit))
	}
	return 1
}

// copyAll runs copy(i) for the files 0..n-1 on workers copiers, each with
// its own pipeline memory, and hands each copy on to finished in file
// order (a file copied ahead of an earlier one waits for it). It closes
// finished when all are done or the context ends.
func (d *Dock) copyAll(ctx context.Context, n, workers int, copy func(i int, mem *copierMemory) *copied, finished chan<- copied) {
	defer close(finished)
	type result struct {
		i int
		c *copied
	}
	next := make(chan int)
	results := make(chan result, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mem := &copierMemory{pipe: newBuffers(d.opt.BufferSize, d.opt.Buffers), out: directio.NewBlocks(outBlockSize)}
			for i := range next {
				results <- result{i, copy(i, mem)}
			}
		}()
	}
	go func() {
		defer close(next)
		for i := range n {
			if ctx.Err() != nil {
				return
			}
			next <- i
		}
	}()
	go func() { wg.Wait(); close(results) }()
	waiting := map[int]*copied{}
	want := 0
	for res := range results {
		waiting[res.i] = res.c
		for {
			c, ok := waiting[want]
			if !ok {
				break
			}
			delete(waiting, want)
			want++
			if c != nil {
				finished <- *c
			}
		}
	}
}

// finishQueue is how many copied files may wait for the finisher, and
// maxBatch how many it records in one transaction.
const (
	finishQueue = 32
	maxBatch    = 64
)

// takeBatch returns first and whatever else is already waiting, so many
// small files share one database commit instead of one each.
func takeBatch(first copied, more <-chan copied) []copied {
	batch := []copied{first}
	for len(batch) < maxBatch {
		select {
		case c, ok := <-more:
			if !ok {
				return batch
			}
			batch = append(batch, c)
		default:
			return batch
		}
	}
	return batch
}

// finish verifies each copied file by re-reading it from disk and moves it
// into the blob store, records the custody of all of them in one
// transaction (one by one if that is refused, so one bad file cannot sink
// the others), and applies the clear policy.
func (d *Dock) finish(ctx context.Context, batch []copied, r *run) {
	fail := func(j fileJob, err error) {
		r.fail(&r.sum.Failed, device.DisplayPath(j.file.Path), err)
		d.update(j, StateFailed, 0, func(u *Update) { u.Error = err.Error() })
	}
	var ready []copied
	for _, c := range batch {
		if c.verified || d.verify(ctx, &c, r) {
			ready = append(ready, c)
		}
	}
	if len(ready) == 0 {
		return
	}
	drafts := make([]store.Draft, len(ready))
	for i, c := range ready {
		drafts[i] = d.custodyDraft(c.job, c.digest)
	}
	if _, err := d.store.Append(ctx, d.key, drafts...); err != nil {
		for i, c := range ready { // find the one that was refused
			if _, err := d.store.Append(ctx, d.key, drafts[i]); err != nil {
				fail(c.job, fmt.Errorf("record custody of %s: %w", device.DisplayPath(c.job.file.Path), err))
				ready[i].n = -1
			}
		}
	}
	for _, c := range ready {
		if c.n < 0 {
			continue
		}
		r.count(func(s *Summary) { s.Copied++; s.Bytes += c.n })
		d.update(c.job, StateSigned, c.job.file.Size, func(u *Update) { u.Digest = c.digest.String() })
		d.clear(ctx, c.job, c.digest, false, r)
	}
}

// maxAttempts bounds how often a file that keeps changing is copied again.
const maxAttempts = 3

// copyWithRetry copies the file, again from the start when it changed
// while being copied (it is then re-stated, and j takes the new size and
// time), and never hands on a copy of a moving file.
func (d *Dock) copyWithRetry(ctx context.Context, j *fileJob) (copied, error) {
	var lastErr error
	for attempt := 1; attempt <= maxAttempts; attempt++ {
		c, err := d.copyFile(ctx, *j)
		if !errors.Is(err, device.ErrChanged) {
			return c, err
		}
		lastErr = err
		cur, err := j.rec.Source.Stat(ctx, j.file.Path)
		if err != nil {
			return copied{}, fmt.Errorf("%w; then: %v", lastErr, err)
		}
		j.file = cur
	}
	return copied{}, fmt.Errorf("%w (%d attempts); left for the next docking", lastErr, maxAttempts)
}

// copyFile copies one file to a durable partial copy: read ∥ hash ∥ write,
// fsync, and a check that the source did not move meanwhile.
func (d *Dock) copyFile(ctx context.Context, j fileJob) (copied, error) {
	if err := d.checkSpace(j.file.Size); err != nil {
		return copied{}, err
	}
	select {
	case d.sem <- struct{}{}:
	case <-ctx.Done():
		return copied{}, ctx.Err()
	}
	defer func() { <-d.sem }()

	k := j.key()
	p, err := newPartial(d.store.Blobs(), k)
	if err != nil {
		return copied{}, err
	}
	out, h, offset, err := p.open(k, d.store.Blobs().SealKey(), j.mem.out, !d.cachedWrites)
	if err != nil {
		return copied{}, err
	}
	n, err := d.pump(ctx, j, p, out, h, offset)
	if err == nil {
		err = out.finish()
	}
	if err != nil {
		out.close()
		if errors.Is(err, syscall.ENOSPC) || errors.Is(err, device.ErrChanged) {
			p.discard() // a full disk or a moving file: nothing worth resuming
		}
		return copied{}, err
	}
	if err := d.seal(ctx, j, out.f); err != nil {
		p.discard()
		return copied{}, err
	}
	c := copied{job: j, p: p, n: n}
	h.Sum(c.digest[:0])
	return c, nil
}

// pump runs the pipeline from offset to the end of the file, checkpointing
// the partial copy as it goes.
func (d *Dock) pump(ctx context.Context, j fileJob, p partial, out *copyOut, h hash.Hash, offset int64) (int64, error) {
	src, err := j.rec.Source.Open(ctx, j.file.Path, offset)
	if err != nil {
		return 0, err
	}
	defer src.Close()
	done := offset
	sinceCheckpoint := int64(0)
	meter := newRateMeter(time.Now())
	ck := &checkpointer{p: p, out: out.f, key: j.key()}
	dst := out.writer()
	if d.wrapOut != nil {
		dst = d.wrapOut(dst)
	}
	n, err := pipeCopy(ctx, io.LimitReader(src, j.file.Size-offset), dst, h, j.mem.pipe, func(w int) {
		done += int64(w)
		sinceCheckpoint += int64(w)
		if sinceCheckpoint >= d.opt.CheckpointEvery && ck.start(out.durable()) {
			sinceCheckpoint = 0
		}
		if now := time.Now(); meter.due(now) {
			rate, eta := meter.measure(now, done-offset, j.file.Size-offset)
			d.update(j, StateCopying, done, func(u *Update) { u.Rate, u.ETA = rate, eta })
		}
	})
	if ckErr := ck.wait(); err == nil {
		err = ckErr
	}
	if err != nil {
		if errors.Is(err, syscall.ENOSPC) {
			out.stop() // the copy is dropped
		} else {
			out.flush()                                     // what was read reaches the file: a resumed copy starts after it
			_ = p.checkpoint(out.f, j.key(), out.durable()) // keep what is durable for the next docking
		}
		return n, fmt.Errorf("copy %s: %w", device.DisplayPath(j.file.Path), err)
	}
	if done != j.file.Size {
		return n, fmt.Errorf("copy %s: %w (read %d of %d bytes)", device.DisplayPath(j.file.Path), device.ErrChanged, done, j.file.Size)
	}
	return n, nil
}

// seal fsyncs and closes the copy and checks that the source file still has
// the size and time it had when the copy started.
func (d *Dock) seal(ctx context.Context, j fileJob, out *os.File) error {
	if err := out.Sync(); err != nil {
		out.Close()
		return fmt.Errorf("fsync copy of %s: %w", device.DisplayPath(j.file.Path), err)
	}
	dropCache(out)
	if err := out.Close(); err != nil {
		return fmt.Errorf("close copy of %s: %w", device.DisplayPath(j.file.Path), err)
	}
	cur, err := j.rec.Source.Stat(ctx, j.file.Path)
	if err != nil {
		return fmt.Errorf("re-stat %s: %w", device.DisplayPath(j.file.Path), err)
	}
	if cur.Size != j.file.Size || !cur.ModTime.Equal(j.file.ModTime) {
		return fmt.Errorf("%s: %w (size %d→%d, mtime %s→%s)", device.DisplayPath(j.file.Path), device.ErrChanged,
			j.file.Size, cur.Size, j.file.ModTime.Format(time.RFC3339Nano), cur.ModTime.Format(time.RFC3339Nano))
	}
	return nil
}

// verify re-reads the copy from the disk and moves it into the blob store
// (adopt); a copy that fails is reported failed.
func (d *Dock) verify(ctx context.Context, c *copied, r *run) bool {
	d.update(c.job, StateVerifying, c.job.file.Size, nil)
	if err := d.adopt(ctx, c.p, c.digest); err != nil {
		r.fail(&r.sum.Failed, device.DisplayPath(c.job.file.Path), err)
		d.update(c.job, StateFailed, 0, func(u *Update) { u.Error = err.Error() })
		return false
	}
	c.verified = true
	return true
}

// adopt moves the verified copy into the blob store. Content already there
// (the same recording under another name) is not stored twice: the copy is
// dropped once the stored blob re-verifies; a damaged stored blob is
// replaced by the fresh copy.
func (d *Dock) adopt(ctx context.Context, p partial, digest evidence.Digest) error {
	blobs := d.store.Blobs()
	if ok, err := blobs.Has(digest); err == nil && ok && blobs.Verify(ctx, digest) == nil {
		p.discard()
		return nil
	}
	if err := blobs.Adopt(ctx, p.path, digest); err != nil {
		p.discard()
		return err
	}
	p.discard() // the sidecar; the bytes are now the blob
	return nil
}

func (d *Dock) checkSpace(size int64) error {
	free, err := d.store.Blobs().FreeSpace()
	if err != nil {
		return err
	}
	if need := uint64(size + d.opt.MinFree); free < need {
		return fmt.Errorf("not enough disk space: %d MiB free, %d MiB needed (file plus %d MiB margin): %w",
			free>>20, need>>20, d.opt.MinFree>>20, syscall.ENOSPC)
	}
	return nil
}

// custodyDraft is the signed custody event of one ingested file.
func (d *Dock) custodyDraft(j fileJob, digest evidence.Digest) store.Draft {
	offset, known := j.info.ClockOffset()
	officer := j.rec.Officer
	if officer == "" {
		officer = j.meta.Officer
	}
	if officer == "" {
		officer = j.info.OfficerID
	}
	p := &casework.FootageIngested{
		Digest: digest, SourceKey: j.key(), DeviceModel: j.info.Model, DeviceVendor: j.info.Vendor,
		Officer: officer, NameSerial: j.meta.Serial, Clerk: d.opt.Clerk, Station: d.opt.Station, Profile: j.meta.Profile,
		Start: inShanghai(j.meta.Start), End: inShanghai(j.meta.End), Seq: j.meta.Seq, Important: j.meta.Important,
		ClockOffset: offset, ClockKnown: known,
	}
	return store.Draft{Actor: d.opt.Clerk, Payload: p, Blobs: []evidence.Digest{digest}}
}

// inShanghai shows a recording time in the zone enforcement time is read in
// (the instant is unchanged; a file system's mtime comes in the machine's zone).
func inShanghai(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.In(casework.Shanghai)
}
