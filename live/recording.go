package live

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"lawtrail/evidence"
	"lawtrail/sealstream"
	"lawtrail/store"
)

// Recording is a finished recording, held in the blob store.
type Recording struct {
	Digest evidence.Digest
	Size   int64
}

// Recording kinds: the stream itself (MPEG-TS) and talk-back (Ogg/Opus).
const (
	KindStream   = "stream"
	KindTalkback = "talkback"
)

// Meta is what a recording in progress says about itself beside its bytes,
// so one left behind by a crash can be ingested with its custody.
type Meta struct {
	Session string    `json:"session"`
	Kind    string    `json:"kind"` // KindStream or KindTalkback
	Officer string    `json:"officer"`
	Case    string    `json:"case,omitempty"`
	Step    string    `json:"step,omitempty"`
	Source  string    `json:"source"` // a protocol.LiveSource kind
	Started time.Time `json:"started"`
	// Last is when the bytes counted in Synced were made durable.
	Last   time.Time `json:"last"`
	Synced int64     `json:"synced"`
	// Digest and Size are set once the recording is closed, just before it
	// moves into the blob store.
	Digest evidence.Digest `json:"digest,omitzero"`
	Size   int64           `json:"size,omitempty"`
}

// checkpointEvery is how often a recording is fsynced and its durable
// length recorded: a crash loses at most this much of the end.
const checkpointEvery = 2 * time.Second

// recorder writes a recording into a partial blob file, sealed on a
// sealed store, hashing the plaintext as it goes.
type recorder struct {
	mu       sync.Mutex
	blobs    *store.BlobStore
	path     string
	meta     Meta
	f        *os.File
	sw       *sealstream.Writer
	h        hash.Hash
	n        int64
	now      func() time.Time
	lastSync time.Time
	err      error
	lock     *os.File // held until the recording is forgotten: not an orphan
}

// partialName is the partial file of a session's recording of a kind.
func partialName(session, kind string) string {
	sum := sha256.Sum256([]byte(session + "\x00" + kind))
	return "live" + hex.EncodeToString(sum[:16])
}

func newRecorder(blobs *store.BlobStore, meta Meta, now func() time.Time) (*recorder, error) {
	path, err := blobs.PartialPath(partialName(meta.Session, meta.Kind))
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(path + "-state"); err == nil {
		return nil, fmt.Errorf("live recording %s of session %s exists already", meta.Kind, meta.Session)
	}
	lock, err := takeLock(path)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		lock.Close()
		return nil, fmt.Errorf("live recording: %w", err)
	}
	r := &recorder{blobs: blobs, path: path, meta: meta, f: f, h: sha256.New(), now: now, lock: lock}
	if k := blobs.SealKey(); k != nil {
		if r.sw, err = sealstream.NewWriter(f, k, nil); err != nil {
			f.Close()
			os.Remove(path)
			return nil, fmt.Errorf("live recording: %w", err)
		}
	}
	if err := r.checkpoint(); err != nil {
		r.discard()
		return nil, err
	}
	return r, nil
}

// Write adds bytes to the recording; every checkpointEvery they are made
// durable.
func (r *recorder) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return 0, r.err
	}
	var w io.Writer = r.f
	if r.sw != nil {
		w = r.sw
	}
	k, err := w.Write(p)
	r.h.Write(p[:k])
	r.n += int64(k)
	if err == nil && r.now().Sub(r.lastSync) >= checkpointEvery {
		err = r.checkpoint()
	}
	if err != nil {
		r.err = fmt.Errorf("live recording: %w", err)
		return k, r.err
	}
	return k, nil
}

// size is how many plaintext bytes were recorded.
func (r *recorder) size() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n
}

// checkpoint fsyncs the file and records how much of it is durable.
func (r *recorder) checkpoint() error {
	if err := r.f.Sync(); err != nil {
		return fmt.Errorf("fsync: %w", err)
	}
	r.lastSync = r.now()
	r.meta.Last, r.meta.Synced = r.lastSync, r.n
	if r.sw != nil {
		r.meta.Synced = r.sw.Flushed()
	}
	return writeMeta(r.path+"-state", r.meta)
}

func writeMeta(path string, m Meta) error {
	raw, err := json.Marshal(m)
	if err != nil {
		return err
	}
	if err := os.WriteFile(path+".tmp", raw, 0o600); err != nil {
		return fmt.Errorf("record live recording state: %w", err)
	}
	if err := os.Rename(path+".tmp", path); err != nil {
		return fmt.Errorf("record live recording state: %w", err)
	}
	return nil
}

// finish seals the last chunk and moves the recording into the blob store.
func (r *recorder) finish(ctx context.Context) (Recording, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return Recording{}, r.err
	}
	r.err = errors.New("live recording finished")
	if r.sw != nil {
		if err := r.sw.Close(); err != nil {
			return Recording{}, fmt.Errorf("live recording: %w", err)
		}
	}
	var d evidence.Digest
	r.h.Sum(d[:0])
	r.meta.Last, r.meta.Digest, r.meta.Size = r.now(), d, r.n
	if err := adopt(ctx, r.blobs, r.f, r.path, r.meta); err != nil {
		return Recording{}, err
	}
	return Recording{Digest: d, Size: r.n}, nil
}

// adopt fsyncs and closes f, records its digest in the state file and
// moves it into the store. The state file stays until Forget: the caller
// records custody first, so a crash in between loses nothing.
func adopt(ctx context.Context, blobs *store.BlobStore, f *os.File, path string, m Meta) error {
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("live recording: fsync: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("live recording: %w", err)
	}
	if err := writeMeta(path+"-state", m); err != nil {
		return err
	}
	if err := blobs.Adopt(ctx, path, m.Digest); err != nil {
		return fmt.Errorf("live recording: %w", err)
	}
	return nil
}

// forgetFiles drops what is left of a recording in progress at path.
func forgetFiles(path string) error {
	_ = os.Remove(path)
	return removeState(path)
}

func removeState(path string) error {
	_ = os.Remove(path + "-state.tmp")
	if err := os.Remove(path + "-state"); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("live recording: %w", err)
	}
	return nil
}

// discard removes a recording that holds nothing worth keeping.
func (r *recorder) discard() {
	r.f.Close()
	os.Remove(r.path)
	_ = removeState(r.path)
	r.forget()
}

// forget lets go of the recording's lock (its custody is recorded, or it
// was discarded).
func (r *recorder) forget() {
	os.Remove(r.path + "-lock")
	r.lock.Close()
}

// abandon closes a recording that could not be finished and lets go of
// it, its bytes and state left for Orphans.
func (r *recorder) abandon() {
	r.f.Close()
	r.forget()
}

// errInUse marks a recording another session is still making.
var errInUse = errors.New("live recording in use by a running session")

// takeLock creates and locks the lock file of the recording at path.
func takeLock(path string) (*os.File, error) {
	f, err := os.OpenFile(path+"-lock", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("live recording: %w", err)
	}
	if err := lockFile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("live recording: %w", err)
	}
	return f, nil
}

// Orphan is a live recording a crash left behind, found by Orphans.
type Orphan struct {
	Meta
	path string
	lock *os.File // taken by Recover, let go by Forget
}

// Orphans lists the live recordings left in progress in the blob store
// (the terminal stopped without ending its session).
func Orphans(blobs *store.BlobStore) ([]Orphan, error) {
	probe, err := blobs.PartialPath("live")
	if err != nil {
		return nil, err
	}
	states, err := filepath.Glob(filepath.Join(filepath.Dir(probe), "partial-live*-state"))
	if err != nil {
		return nil, err
	}
	var out []Orphan
	for _, st := range states {
		raw, err := os.ReadFile(st)
		if err != nil {
			return nil, fmt.Errorf("live recording left behind: %w", err)
		}
		var m Meta
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, fmt.Errorf("live recording left behind %s: %w", st, err)
		}
		path := strings.TrimSuffix(st, "-state")
		if inUse(path) {
			continue // a running session's
		}
		out = append(out, Orphan{Meta: m, path: path})
	}
	return out, nil
}

// Recover closes an orphaned recording at its last durable point and moves
// it into the blob store. The caller records its custody, then the
// orphan is gone.
func (o *Orphan) Recover(ctx context.Context, blobs *store.BlobStore) (Recording, error) {
	if o.lock == nil {
		lock, err := takeLock(o.path)
		if err != nil {
			return Recording{}, err
		}
		o.lock = lock
	}
	if !o.Digest.IsZero() { // closed already: moved into the store before the crash
		if ok, err := blobs.Has(o.Digest); err == nil && ok {
			return Recording{Digest: o.Digest, Size: o.Size}, nil
		}
	}
	f, err := os.OpenFile(o.path, os.O_RDWR, 0)
	if err != nil {
		return Recording{}, fmt.Errorf("recover live recording: %w", err)
	}
	h := sha256.New()
	n := o.Synced
	if k := blobs.SealKey(); k != nil {
		n -= n % sealstream.ChunkSize
		sw, err := sealstream.ResumeWriter(f, k, n, func(b []byte) error { h.Write(b); return nil })
		if err == nil {
			err = sw.Close()
		}
		if err != nil {
			f.Close()
			return Recording{}, fmt.Errorf("recover live recording %s: %w", o.Session, err)
		}
	} else {
		if err := f.Truncate(n); err != nil {
			f.Close()
			return Recording{}, fmt.Errorf("recover live recording: %w", err)
		}
		if _, err := io.Copy(h, io.LimitReader(f, n)); err != nil {
			f.Close()
			return Recording{}, fmt.Errorf("recover live recording: %w", err)
		}
	}
	m := o.Meta
	h.Sum(m.Digest[:0])
	m.Size = n
	if err := adopt(ctx, blobs, f, o.path, m); err != nil {
		return Recording{}, err
	}
	return Recording{Digest: m.Digest, Size: n}, nil
}

// Forget drops what is left of the orphan once its custody is recorded.
func (o *Orphan) Forget() error {
	err := forgetFiles(o.path)
	if o.lock != nil {
		os.Remove(o.path + "-lock")
		o.lock.Close()
		o.lock = nil
	}
	return err
}

// inUse reports whether a running session holds the recording at path.
func inUse(path string) bool {
	f, err := os.OpenFile(path+"-lock", os.O_RDWR, 0)
	if err != nil {
		return false // no lock file: left by a crash before it was made, or never locked
	}
	defer f.Close() // closing lets go of a lock taken here
	return errors.Is(lockFile(f), errInUse)
}
