package msc

import (
	"fmt"
	"io/fs"
	"os"
)

// DirFS is a folder as an fs.FS that keeps names as raw bytes. Unlike
// os.DirFS it accepts names that are not valid UTF-8 (GBK names on FAT
// volumes), and it resolves every name through os.Root, so no name or
// symlink can reach outside the folder.
type DirFS struct {
	root *os.Root
}

// OpenDir opens a folder (a mounted recorder) for reading.
func OpenDir(dir string) (*DirFS, error) {
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("open recorder folder %s: %w", dir, err)
	}
	return &DirFS{root: r}, nil
}

// Close releases the folder.
func (d *DirFS) Close() error { return d.root.Close() }

// Open implements fs.FS.
func (d *DirFS) Open(name string) (fs.File, error) {
	if err := cleanRel(name); err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	return d.root.Open(name)
}

// ReadDir implements fs.ReadDirFS.
func (d *DirFS) ReadDir(name string) ([]fs.DirEntry, error) {
	f, err := d.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rd, ok := f.(fs.ReadDirFile)
	if !ok {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrInvalid}
	}
	return rd.ReadDir(-1)
}

// Lstat implements LstatFS.
func (d *DirFS) Lstat(name string) (fs.FileInfo, error) {
	if err := cleanRel(name); err != nil {
		return nil, &fs.PathError{Op: "lstat", Path: name, Err: err}
	}
	return d.root.Lstat(name)
}

// Remove implements RemoveFS.
func (d *DirFS) Remove(name string) error {
	if err := cleanRel(name); err != nil || name == "." {
		return &fs.PathError{Op: "remove", Path: name, Err: fs.ErrInvalid}
	}
	return d.root.Remove(name)
}
