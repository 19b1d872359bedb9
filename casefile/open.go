package casefile

import (
	"archive/zip"
	"bufio"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"lawtrail/evidence"
)

// A case file comes from outside: a folder or a zip anyone could have
// crafted. Everything read from it is streamed or capped, and a zip whose
// entries claim sizes their compressed data cannot hold is refused before
// anything is decompressed.

// Caps on what a verifier holds in memory from a case file.
const (
	maxSumsBytes  = 16 << 20  // SHA256SUMS
	maxJSONBytes  = 64 << 20  // case.json, footage.json and other derived files
	maxSmallBytes = 1 << 20   // export.json, terminal.json, log/hub.json, a checkpoint
	maxEventLine  = 8 << 20   // one line of events.jsonl
	maxEntries    = 1_000_000 // files in a zip
	// deflate cannot expand data more than about 1032:1.
	maxDeflateRatio = 1100
)

// ErrBadArchive is a zip that cannot be an honest case file.
var ErrBadArchive = errors.New("not a readable case file archive")

// Bundle is an opened case file.
type Bundle struct {
	fs.FS
	close func() error
}

// Close releases the archive, if any.
func (b *Bundle) Close() error { return b.close() }

// OpenBundle opens a case file folder, or a .zip after checking that every
// entry's claimed sizes are possible and its names are clean and unique.
func OpenBundle(path string) (*Bundle, error) {
	if !strings.HasSuffix(path, ".zip") {
		if st, err := os.Stat(path); err != nil || !st.IsDir() {
			return nil, fmt.Errorf("case file %s: not a folder or a .zip", path)
		}
		if err := checkFolder(path); err != nil {
			return nil, fmt.Errorf("case file %s: %w", path, err)
		}
		return &Bundle{FS: os.DirFS(path), close: func() error { return nil }}, nil
	}
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, fmt.Errorf("case file %s: %w: %v", path, ErrBadArchive, err)
	}
	if err := checkZip(&zr.Reader); err != nil {
		zr.Close()
		return nil, fmt.Errorf("case file %s: %w", path, err)
	}
	return &Bundle{FS: zr, close: zr.Close}, nil
}

// checkFolder refuses a case file folder holding anything but folders and
// regular files: os.DirFS follows a symlink (to /dev/zero, to a file
// elsewhere) and a FIFO blocks its reader, so a crafted folder could make
// the verifier read forever or read what is not in the case file.
func checkFolder(root string) error {
	n := 0
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if n++; n > maxEntries {
			return fmt.Errorf("%w: more than %d entries", ErrBadArchive, maxEntries)
		}
		if !d.IsDir() && !d.Type().IsRegular() {
			rel, _ := filepath.Rel(root, p)
			return fmt.Errorf("%w: %s is not a regular file (%s)", ErrBadArchive, rel, d.Type())
		}
		return nil
	})
}

func checkZip(zr *zip.Reader) error {
	if len(zr.File) > maxEntries {
		return fmt.Errorf("%w: %d entries", ErrBadArchive, len(zr.File))
	}
	seen := make(map[string]bool, len(zr.File))
	for _, f := range zr.File {
		if !fs.ValidPath(f.Name) || strings.Contains(f.Name, `\`) {
			return fmt.Errorf("%w: entry name %q", ErrBadArchive, f.Name)
		}
		if seen[f.Name] {
			return fmt.Errorf("%w: entry %q twice", ErrBadArchive, f.Name)
		}
		seen[f.Name] = true
		switch f.Method {
		case zip.Store:
			if f.UncompressedSize64 != f.CompressedSize64 {
				return fmt.Errorf("%w: stored entry %q claims %d bytes in %d", ErrBadArchive, f.Name, f.UncompressedSize64, f.CompressedSize64)
			}
		case zip.Deflate:
			if f.UncompressedSize64 > f.CompressedSize64*maxDeflateRatio+1024 {
				return fmt.Errorf("%w: entry %q claims %d bytes from %d compressed (impossible for deflate)", ErrBadArchive, f.Name, f.UncompressedSize64, f.CompressedSize64)
			}
		default:
			return fmt.Errorf("%w: entry %q uses compression method %d", ErrBadArchive, f.Name, f.Method)
		}
	}
	return nil
}

// readCapped reads a whole file of at most max bytes.
func readCapped(fsys fs.FS, name string, max int64) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%s: larger than %d bytes", name, max)
	}
	return b, nil
}

// hashFile streams a file through SHA-256.
func hashFile(fsys fs.FS, name string) (evidence.Digest, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return evidence.Digest{}, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return evidence.Digest{}, fmt.Errorf("%s: %w", name, err)
	}
	var d evidence.Digest
	copy(d[:], h.Sum(nil))
	return d, nil
}

// eachLine calls fn for each line of a file, refusing lines over max.
func eachLine(fsys fs.FS, name string, max int, fn func(n int, line []byte) error) error {
	f, err := fsys.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), max)
	for n := 1; sc.Scan(); n++ {
		if err := fn(n, sc.Bytes()); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}
