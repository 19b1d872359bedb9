package terminal

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"lawtrail/casework"
	"lawtrail/evidence"
	"lawtrail/store"
)

// Every access is an event (R6, 调阅监督): a clip played, footage exported,
// a document shown or made a PDF is recorded, signed by the terminal and
// co-signed by the officer, before a byte of it is shown or written. No
// caller gets the blob's own path: a system player is handed a short-lived
// private copy, removed when it is closed or after LocalCopyTTL at the
// latest (the blob store may hold the bytes sealed one day).

// LocalCopyTTL is how long a short-lived copy for a system player or viewer
// lives at most; a copy older than this is removed by the next one made.
const LocalCopyTTL = 2 * time.Hour

// localCopyPrefix names the private folders short-lived copies live in.
const localCopyPrefix = "lawtrail-view-"

// LocalCopy is a short-lived plaintext copy of a record for a system player
// or viewer, alone in a folder only this user may enter (0700). Close
// removes it; so does a timer after its TTL.
type LocalCopy struct {
	Path   string // the file to hand the player
	Digest evidence.Digest
	dir    string
	timer  *time.Timer
	once   sync.Once
	err    error
}

// Close removes the copy and its folder; it is safe to call more than once.
func (c *LocalCopy) Close() error {
	c.once.Do(func() {
		if c.timer != nil {
			c.timer.Stop()
		}
		c.err = os.RemoveAll(c.dir)
	})
	return c.err
}

// FootageNeedsReason says whether the session officer must give a reason
// to access footage digest: they neither docked it nor took part in a case
// that links it.
func (s *Session) FootageNeedsReason(ctx context.Context, digest string) (bool, error) {
	d, err := evidence.ParseDigest(digest)
	if err != nil {
		return false, badInput("footage %q: %v", digest, err)
	}
	on, _, err := casework.OnFootage(ctx, s.st, s.Officer.ID, d.String())
	return !on, err
}

// DocumentNeedsReason says whether the session officer must give a reason
// to view document doc: they took no part in its case.
func (s *Session) DocumentNeedsReason(ctx context.Context, doc string) (bool, error) {
	d, err := s.st.Document(ctx, doc)
	if err != nil {
		return false, err
	}
	on, err := casework.OnCase(ctx, s.st, s.Officer.ID, d.Case)
	return !on, err
}

// PlayFootage records access.footage_played by the session officer and
// returns a short-lived private copy of the clip for a player. reason is
// required when the officer is not on the footage's case (the rule refuses
// the act otherwise, and nothing is copied). The caller closes the copy
// when the player is done; it is removed after LocalCopyTTL regardless.
func (s *Session) PlayFootage(ctx context.Context, digest, reason string) (*LocalCopy, error) {
	access, err := s.footageAccess(ctx, digest, reason)
	if err != nil {
		return nil, err
	}
	if _, err := s.append(ctx, store.Draft{Payload: &casework.FootagePlayed{FootageAccess: access},
		Blobs: []evidence.Digest{access.Digest}, CoSigners: s.own()}); err != nil {
		return nil, fmt.Errorf("play %s: %w", access.Digest, err)
	}
	return s.localCopy(ctx, access.Digest)
}

// FootageExport is what exporting a footage file needs.
type FootageExport struct {
	Digest string
	Out    string // the file to write; it must not exist unless Force
	Reason string // required when the officer is not on the footage's case
	Force  bool   // replace Out if it exists
}

// ExportFootage writes the plaintext of a footage file to x.Out and records
// access.footage_exported by the session officer. The file is written
// beside Out under a temporary name, verified against the digest as it is
// read, synced, and only then given its name, so Out never holds part of a
// file; without Force an existing Out is refused (also one that appears
// meanwhile). The access is recorded once the folder is known writable and
// before the bytes are copied: a failed copy is still an access attempted.
func (s *Session) ExportFootage(ctx context.Context, x FootageExport) (int64, error) {
	if x.Out == "" {
		return 0, badInput("export footage: where to write it is required")
	}
	access, err := s.footageAccess(ctx, x.Digest, x.Reason)
	if err != nil {
		return 0, err
	}
	if _, err := os.Lstat(x.Out); err == nil && !x.Force {
		return 0, fmt.Errorf("%w: export footage: %s exists already (choose another name, or force)", fs.ErrExist, x.Out)
	}
	tmp, err := os.CreateTemp(filepath.Dir(x.Out), ".lawtrail-export-*")
	if err != nil {
		return 0, fmt.Errorf("export footage: %w", err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	if _, err := s.append(ctx, store.Draft{Payload: &casework.FootageExported{FootageAccess: access},
		Blobs: []evidence.Digest{access.Digest}, CoSigners: s.own()}); err != nil {
		return 0, fmt.Errorf("export %s: %w", access.Digest, err)
	}
	n, err := s.copyBlob(ctx, access.Digest, tmp)
	if err != nil {
		return n, fmt.Errorf("export %s: %w", access.Digest, err)
	}
	if err := tmp.Close(); err != nil {
		return n, fmt.Errorf("export %s: %w", access.Digest, err)
	}
	if err := nameExport(tmp.Name(), x.Out, x.Force); err != nil {
		return n, fmt.Errorf("export %s: %w", access.Digest, err)
	}
	return n, nil
}

// nameExport gives the written file its name: a hard link, which fails if
// out appeared meanwhile, unless force; on a file system without links
// (a FAT stick) a rename once out is seen not to exist.
func nameExport(tmp, out string, force bool) error {
	if force {
		return os.Rename(tmp, out)
	}
	err := os.Link(tmp, out)
	if err == nil || errors.Is(err, fs.ErrExist) {
		return err
	}
	if _, serr := os.Lstat(out); serr == nil {
		return fmt.Errorf("%w: %s", fs.ErrExist, out)
	}
	return os.Rename(tmp, out)
}

// ViewDocument records access.document_viewed by the session officer and
// returns a finalized version of doc (0: the latest) rendered as its PDF,
// with the version rendered. how says whether it is shown on screen or
// written as a file to print; reason is required off the case.
func (s *Session) ViewDocument(ctx context.Context, doc string, version int, how casework.ViewHow, reason string) ([]byte, int, error) {
	reason = strings.TrimSpace(reason)
	pdf, v, err := s.DocumentPDF(ctx, doc, version)
	if err != nil {
		return nil, 0, err
	}
	d, err := s.st.Document(ctx, doc)
	if err != nil {
		return nil, 0, err
	}
	p := &casework.DocumentViewed{Doc: doc, Version: v, Case: d.Case, How: how, Reason: reason}
	if err := p.Validate(); err != nil {
		return nil, 0, badInput("%v", err)
	}
	if _, err := s.append(ctx, store.Draft{Payload: p, CoSigners: s.own()}); err != nil {
		return nil, 0, fmt.Errorf("view document %s: %w", doc, err)
	}
	return pdf, v, nil
}

// ShowDocument is ViewDocument for the screen: the PDF in a short-lived
// private copy for the system viewer.
func (s *Session) ShowDocument(ctx context.Context, doc string, version int, reason string) (*LocalCopy, error) {
	pdf, v, err := s.ViewDocument(ctx, doc, version, casework.ViewShown, reason)
	if err != nil {
		return nil, err
	}
	c, f, err := newLocalCopy(fmt.Sprintf("%s-v%d.pdf", doc, v))
	if err != nil {
		return nil, err
	}
	_, err = f.Write(pdf)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("show document %s: %w", doc, err)
	}
	return c, nil
}

// footageAccess checks what an access to footage names: a digest of footage
// whose bytes this terminal holds, the case to name, the reason's bounds.
func (s *Session) footageAccess(ctx context.Context, digest, reason string) (casework.FootageAccess, error) {
	var a casework.FootageAccess
	d, err := evidence.ParseDigest(digest)
	if err != nil {
		return a, badInput("footage %q: %v", digest, err)
	}
	if _, err := s.st.FootageOrigin(ctx, d); err != nil {
		return a, err
	}
	if has, err := s.st.Blobs().Has(d); err != nil || !has {
		return a, errors.Join(err, fmt.Errorf("%w: %s: its bytes are not on this terminal (fetch them from the hub first)", store.ErrNoFootage, d))
	}
	_, caseID, err := casework.OnFootage(ctx, s.st, s.Officer.ID, d.String())
	if err != nil {
		return a, err
	}
	a = casework.FootageAccess{Digest: d, Case: caseID, Reason: strings.TrimSpace(reason)}
	if err := a.Validate(); err != nil {
		return a, badInput("%v", err)
	}
	return a, nil
}

// localCopy copies the blob, verified as it is read, into a new private
// folder.
func (s *Session) localCopy(ctx context.Context, d evidence.Digest) (*LocalCopy, error) {
	name := d.String()[:16]
	if orig, err := s.st.FootagePath(ctx, d.String()); err == nil {
		name += playerExt(orig)
	}
	c, f, err := newLocalCopy(name)
	if err != nil {
		return nil, err
	}
	c.Digest = d
	_, err = s.copyBlob(ctx, d, f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("copy %s for the player: %w", d, err)
	}
	return c, nil
}

// copyBlob streams a blob into w, verified against its digest, and syncs
// w when it is a file.
func (s *Session) copyBlob(ctx context.Context, d evidence.Digest, w io.Writer) (int64, error) {
	r, err := s.st.Blobs().Open(ctx, d)
	if err != nil {
		return 0, err
	}
	defer r.Close()
	n, err := io.Copy(w, r)
	if err != nil {
		return n, err
	}
	if f, ok := w.(*os.File); ok {
		return n, f.Sync()
	}
	return n, nil
}

// newLocalCopy makes a private folder (0700) in the system's temporary
// folder with an empty file name in it (0600), first removing copies of
// earlier runs older than LocalCopyTTL (a crash leaves them behind).
func newLocalCopy(name string) (*LocalCopy, *os.File, error) {
	sweepLocalCopies(os.TempDir(), time.Now().Add(-LocalCopyTTL))
	dir, err := os.MkdirTemp("", localCopyPrefix)
	if err != nil {
		return nil, nil, fmt.Errorf("a private folder for the copy: %w", err)
	}
	c := &LocalCopy{dir: dir, Path: filepath.Join(dir, filepath.Base(name))}
	f, err := os.OpenFile(c.Path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, fmt.Errorf("the copy: %w", err)
	}
	c.timer = time.AfterFunc(LocalCopyTTL, func() { c.Close() })
	return c, f, nil
}

// sweepLocalCopies removes the private folders of short-lived copies in
// root last changed before cutoff: only real folders of this name, owned
// by whoever may remove them.
func sweepLocalCopies(root string, cutoff time.Time) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), localCopyPrefix) {
			continue
		}
		if info, err := e.Info(); err == nil && info.ModTime().Before(cutoff) {
			os.RemoveAll(filepath.Join(root, e.Name()))
		}
	}
}

// playerExt is the recorder file's extension, lowercase, when it is a plain
// one (letters and digits, at most 8): what a player picks its kind from.
func playerExt(path string) string {
	ext := strings.ToLower(filepath.Ext(path))
	if len(ext) < 2 || len(ext) > 9 {
		return ""
	}
	for _, c := range ext[1:] {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return ""
		}
	}
	return ext
}
