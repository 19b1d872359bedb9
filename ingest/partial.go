package ingest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"os"
	"sync"
	"sync/atomic"

	"lawtrail/casework"
	"lawtrail/directio"
	"lawtrail/sealstream"
	"lawtrail/store"
)

// partial is a copy in progress, kept between dockings so a copy can resume.
// Its sidecar records the source file it belongs to and how many bytes are
// durable (fsynced); on resume the copy is cut back to that length.
type partial struct {
	path    string // the bytes so far
	sidecar string // partialState as JSON
}

type partialState struct {
	Serial  string `json:"serial"`
	Path    []byte `json:"path"`
	Size    int64  `json:"size"`
	MtimeNS int64  `json:"mtime_ns"`
	Synced  int64  `json:"synced"`
}

func newPartial(blobs *store.BlobStore, k casework.SourceKey) (partial, error) {
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s\x00%s", k.DeviceSerial, k.RawPath())))
	p, err := blobs.PartialPath(hex.EncodeToString(sum[:16]))
	if err != nil {
		return partial{}, err
	}
	return partial{path: p, sidecar: p + "-state"}, nil
}

func stateOf(k casework.SourceKey, synced int64) partialState {
	return partialState{Serial: k.DeviceSerial, Path: []byte(k.RawPath()), Size: k.Size, MtimeNS: k.ModTime.UnixNano(), Synced: synced}
}

// copyOut is the file a copy writes into: the partial copy, written in
// blocks that bypass the page cache (directio), through a sealing writer
// on a sealed store (no recorder byte reaches the disk in plaintext).
type copyOut struct {
	f   *os.File
	out *directio.Writer
	sw  *sealstream.Writer // nil on a plaintext store
}

// writer is where the copied bytes go.
func (c *copyOut) writer() io.Writer {
	if c.sw != nil {
		return c.sw
	}
	return c.out
}

// durable is how many copied bytes the file holds whole (on a sealed store
// whole chunks, and never the final one: only finish writes it); after an
// fsync they survive a crash and a resumed copy starts after them.
func (c *copyOut) durable() int64 {
	n := c.out.Written()
	if c.sw == nil {
		return n
	}
	return sealstream.WholeChunks(n)
}

// finish seals the last chunk and writes every byte still held.
func (c *copyOut) finish() error {
	if c.sw != nil {
		if err := c.sw.Close(); err != nil {
			c.out.Stop()
			return err
		}
	}
	return c.out.Finish()
}

// flush writes what the copy holds after a failure that did not come from
// the disk (a recorder unplugged, a docking stopped) and writes nothing
// more; a sealing writer's unfinished chunk is left out. A failed write
// only leaves fewer bytes durable.
func (c *copyOut) flush() { _ = c.out.Finish() }

// stop waits for the writes under way and drops what is still held.
func (c *copyOut) stop() { c.out.Stop() }

// close stops the writes and closes the file.
func (c *copyOut) close() {
	c.out.Stop()
	c.f.Close()
}

// open returns the copy file positioned to continue, the hash of its bytes
// so far and their count. A partial copy of another version of the file (or
// none), or one that does not authenticate, starts from zero. With key the
// copy is sealed. mem is the copier's output blocks; tryDirect asks for
// writes that bypass the page cache.
func (p partial) open(k casework.SourceKey, key *sealstream.Key, mem directio.Blocks, tryDirect bool) (*copyOut, hash.Hash, int64, error) {
	f, err := os.OpenFile(p.path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, nil, 0, fmt.Errorf("open partial copy: %w", err)
	}
	h := sha256.New()
	var sw *sealstream.Writer
	var resumeAt int64
	if key != nil {
		sw, resumeAt, err = p.resumeSealed(f, k, key, h)
	} else {
		resumeAt, err = p.resumePlain(f, k, h)
	}
	if err != nil {
		f.Close()
		return nil, nil, 0, err
	}
	end, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		f.Close()
		return nil, nil, 0, fmt.Errorf("seek partial copy: %w", err)
	}
	out := &copyOut{f: f, sw: sw}
	if out.out, err = directio.NewWriter(f, end, mem, tryDirect); err != nil {
		f.Close()
		return nil, nil, 0, err
	}
	if key == nil {
		return out, h, resumeAt, nil
	}
	if sw == nil { // starting over: the header goes first
		if out.sw, err = sealstream.NewWriter(out.out, key, nil); err != nil {
			out.close()
			return nil, nil, 0, fmt.Errorf("seal partial copy: %w", err)
		}
		return out, h, 0, nil
	}
	sw.SetOutput(out.out)
	return out, h, resumeAt, nil
}

// resumeSealed continues a sealed partial copy from its last whole chunk
// that authenticates, hashing what it keeps; it returns a nil writer (and
// an empty file) when the copy starts over.
func (p partial) resumeSealed(f *os.File, k casework.SourceKey, key *sealstream.Key, h hash.Hash) (*sealstream.Writer, int64, error) {
	resumeAt := p.resumable(k)
	resumeAt -= resumeAt % sealstream.ChunkSize
	if resumeAt > 0 {
		sw, err := sealstream.ResumeWriter(f, key, resumeAt, func(b []byte) error { h.Write(b); return nil })
		if err == nil {
			return sw, resumeAt, nil
		}
		h.Reset() // damaged or from another key: start over
	}
	if err := f.Truncate(0); err != nil {
		return nil, 0, fmt.Errorf("cut partial copy: %w", err)
	}
	return nil, 0, nil
}

// resumePlain cuts a plaintext partial copy back to its durable bytes and
// hashes them.
func (p partial) resumePlain(f *os.File, k casework.SourceKey, h hash.Hash) (int64, error) {
	resumeAt := p.resumable(k)
	if err := f.Truncate(resumeAt); err != nil {
		return 0, fmt.Errorf("cut partial copy to %d: %w", resumeAt, err)
	}
	if resumeAt > 0 {
		if _, err := io.Copy(h, io.NewSectionReader(f, 0, resumeAt)); err != nil {
			return 0, fmt.Errorf("re-hash partial copy: %w", err)
		}
	}
	return resumeAt, nil
}

// maxSidecar bounds a partial copy's sidecar (a path and four numbers); a
// larger file in its place is not a sidecar, and the copy starts over.
const maxSidecar = 64 << 10

func readSidecar(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, maxSidecar+1))
	if err == nil && len(raw) > maxSidecar {
		err = fmt.Errorf("sidecar %s larger than %d bytes", path, maxSidecar)
	}
	return raw, err
}

func (p partial) resumable(k casework.SourceKey) int64 {
	raw, err := readSidecar(p.sidecar)
	if err != nil {
		return 0
	}
	var st partialState
	if json.Unmarshal(raw, &st) != nil {
		return 0
	}
	want := stateOf(k, st.Synced)
	if st.Serial != want.Serial || string(st.Path) != string(want.Path) || st.Size != want.Size ||
		st.MtimeNS != want.MtimeNS || st.Synced < 0 || st.Synced > k.Size {
		return 0
	}
	fi, err := os.Stat(p.path)
	if err != nil || fi.Size() < st.Synced {
		return 0
	}
	return st.Synced
}

// checkpoint fsyncs the copy and records n bytes as durable.
func (p partial) checkpoint(f *os.File, k casework.SourceKey, n int64) error {
	if err := f.Sync(); err != nil {
		return fmt.Errorf("fsync partial copy: %w", err)
	}
	raw, _ := json.Marshal(stateOf(k, n))
	tmp := p.sidecar + ".tmp"
	if err := os.WriteFile(tmp, raw, 0o600); err != nil {
		return fmt.Errorf("record partial copy: %w", err)
	}
	if err := os.Rename(tmp, p.sidecar); err != nil {
		return fmt.Errorf("record partial copy: %w", err)
	}
	return nil
}

// discard removes the partial copy and its record.
func (p partial) discard() {
	for _, f := range []string{p.path, p.sidecar, p.sidecar + ".tmp"} {
		_ = os.Remove(f) // not evidence; a leftover is cut back or replaced next time
	}
}

// checkpointer runs partial-copy checkpoints in the background, one at a
// time, so the copy does not stall while the disk flushes. A checkpoint
// records only the bytes written before its fsync began.
type checkpointer struct {
	p    partial
	out  *os.File
	key  casework.SourceKey
	busy atomic.Bool
	wg   sync.WaitGroup
	mu   sync.Mutex
	err  error
}

// start begins a checkpoint of the first n bytes unless one is running;
// it reports whether it began one.
func (c *checkpointer) start(n int64) bool {
	if !c.busy.CompareAndSwap(false, true) {
		return false
	}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		defer c.busy.Store(false)
		if err := c.p.checkpoint(c.out, c.key, n); err != nil {
			c.mu.Lock()
			if c.err == nil {
				c.err = err
			}
			c.mu.Unlock()
		}
	}()
	return true
}

// wait waits for a running checkpoint and returns the first error.
func (c *checkpointer) wait() error {
	c.wg.Wait()
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}
