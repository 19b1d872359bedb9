// Package msc reads a recorder that appears as a file system: USB mass
// storage after the vendor unlock, an SD card, or any folder. It walks the
// tree safely — symlinks are never followed, devices, FIFOs and sockets are
// skipped with a reason, deep trees and tens of thousands of files are fine,
// and names keep their original bytes (GBK names from FAT volumes included).
package msc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"

	"lawtrail/device"
)

// MaxDepth bounds how deep a walk descends; deeper folders are skipped
// with a reason rather than walked without end.
const MaxDepth = 128

// Source is a recorder read through a file system.
type Source struct {
	fsys fs.FS
	info device.Info
}

// ParallelReads reports that several files are read at once as fast as
// one: a file system serves concurrent reads (docking then hashes files
// on every core; ingest.ParallelReads).
func (s *Source) ParallelReads() bool { return true }

// LstatFS is implemented by file systems that can describe a symlink
// itself rather than its target.
type LstatFS interface {
	Lstat(name string) (fs.FileInfo, error)
}

// RemoveFS is implemented by file systems a file can be removed from.
type RemoveFS interface {
	Remove(name string) error
}

// New returns a Source over fsys. info is what is known of the device (the
// folder itself says nothing about serial or clock).
func New(fsys fs.FS, info device.Info) *Source {
	return &Source{fsys: fsys, info: info}
}

// Info implements device.Source.
func (s *Source) Info(context.Context) (device.Info, error) { return s.info, nil }

// Walk implements device.Source: a depth-first walk in byte order of names,
// without recursion (deep trees cannot exhaust the stack).
func (s *Source) Walk(ctx context.Context, fn func(device.File) error, skip func(p, reason string)) error {
	type dir struct {
		path  string
		depth int
	}
	stack := []dir{{".", 0}}
	for len(stack) > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		d := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		entries, err := s.readDir(d.path)
		if err != nil {
			skip(d.path, err.Error())
			continue
		}
		slices.SortFunc(entries, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
		var subdirs []dir
		for _, e := range entries {
			p := join(d.path, e.Name())
			switch t := e.Type(); {
			case len(p) > device.MaxPathBytes:
				skip(p[:256]+"…", fmt.Sprintf("path of %d bytes, longer than %d", len(p), device.MaxPathBytes))
			case t&fs.ModeSymlink != 0:
				skip(p, "symbolic link (not followed)")
			case t.IsDir():
				if d.depth+1 > MaxDepth {
					skip(p, fmt.Sprintf("folder deeper than %d levels", MaxDepth))
					continue
				}
				subdirs = append(subdirs, dir{p, d.depth + 1})
			case t.IsRegular():
				f, err := s.stat(p)
				if err != nil {
					skip(p, err.Error())
					continue
				}
				if err := fn(f); err != nil {
					return err
				}
			default:
				skip(p, fmt.Sprintf("not a regular file (%s)", t.Type()))
			}
		}
		for i := len(subdirs) - 1; i >= 0; i-- { // visit in name order
			stack = append(stack, subdirs[i])
		}
	}
	return nil
}

// readDir reads a folder's entries a batch at a time and refuses a folder
// with more than device.MaxFolderEntries, so a folder of millions of
// entries is never held whole.
func (s *Source) readDir(p string) ([]fs.DirEntry, error) {
	f, err := s.fsys.Open(p)
	if err != nil {
		return nil, fmt.Errorf("folder unreadable: %w", err)
	}
	defer f.Close()
	rd, ok := f.(fs.ReadDirFile)
	if !ok {
		return nil, fmt.Errorf("folder unreadable: not a folder")
	}
	var entries []fs.DirEntry
	for {
		batch, err := rd.ReadDir(1024)
		entries = append(entries, batch...)
		if len(entries) > device.MaxFolderEntries {
			return nil, fmt.Errorf("folder holds more than %d entries (more than FAT32 allows): not read", device.MaxFolderEntries)
		}
		if errors.Is(err, io.EOF) || (err == nil && len(batch) == 0) {
			return entries, nil
		}
		if err != nil {
			return nil, fmt.Errorf("folder unreadable: %w", err)
		}
	}
}

func join(dir, name string) string {
	if dir == "." {
		return name
	}
	return dir + "/" + name
}

// Stat implements device.Source. A path that is not a regular file (now)
// is an error.
func (s *Source) Stat(_ context.Context, p string) (device.File, error) { return s.stat(p) }

func (s *Source) stat(p string) (device.File, error) {
	var fi fs.FileInfo
	var err error
	if l, ok := s.fsys.(LstatFS); ok {
		fi, err = l.Lstat(p)
	} else {
		fi, err = fs.Stat(s.fsys, p)
	}
	if err != nil {
		return device.File{}, fmt.Errorf("stat %s: %w", device.DisplayPath(p), err)
	}
	if !fi.Mode().IsRegular() {
		return device.File{}, fmt.Errorf("stat %s: not a regular file (%s)", device.DisplayPath(p), fi.Mode().Type())
	}
	return device.File{Path: p, Size: fi.Size(), ModTime: fi.ModTime(), Mode: fi.Mode()}, nil
}

// Open implements device.Source.
func (s *Source) Open(ctx context.Context, p string, offset int64) (io.ReadCloser, error) {
	if offset < 0 {
		return nil, fmt.Errorf("open %s: negative offset", device.DisplayPath(p))
	}
	f, err := s.fsys.Open(p)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", device.DisplayPath(p), err)
	}
	if offset == 0 {
		return f, nil
	}
	if sk, ok := f.(io.Seeker); ok {
		if _, err := sk.Seek(offset, io.SeekStart); err != nil {
			f.Close()
			return nil, fmt.Errorf("open %s at %d: %w", device.DisplayPath(p), offset, err)
		}
		return f, nil
	}
	if _, err := io.CopyN(io.Discard, f, offset); err != nil {
		f.Close()
		return nil, fmt.Errorf("open %s at %d: %w", device.DisplayPath(p), offset, err)
	}
	return f, nil
}

// ErrReadOnly is returned by Remove on a file system that cannot remove.
var ErrReadOnly = errors.New("recorder file system is read-only here")

// Remove implements device.Source.
func (s *Source) Remove(_ context.Context, p string) error {
	r, ok := s.fsys.(RemoveFS)
	if !ok {
		return fmt.Errorf("remove %s: %w", device.DisplayPath(p), ErrReadOnly)
	}
	if err := r.Remove(p); err != nil {
		return fmt.Errorf("remove %s: %w", device.DisplayPath(p), err)
	}
	return nil
}

var _ device.Source = (*Source)(nil)

// cleanRel refuses paths that could leave the root.
func cleanRel(name string) error {
	if name == "." {
		return nil
	}
	if name == "" || strings.HasPrefix(name, "/") || strings.Contains(name, "\x00") {
		return fs.ErrInvalid
	}
	for _, el := range strings.Split(name, "/") {
		if el == "" || el == "." || el == ".." {
			return fs.ErrInvalid
		}
	}
	if path.Clean(name) != name {
		return fs.ErrInvalid
	}
	return nil
}
