package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// A data folder holds the sealed keys and the record; only the user running
// lawtrail may write into it (anyone who can could swap the database, plant
// a key file or a symlink). Open refuses a folder others can write to or do
// own; SecureDataDir, run by init, makes a folder of ours private.
var (
	ErrDataDirUnsafe   = errors.New("data folder is writable by other users")
	ErrDataDirNotOwned = errors.New("data folder belongs to another user")
)

// Modes of a private data folder and the files in it.
const (
	PrivateDirMode  fs.FileMode = 0o700
	PrivateFileMode fs.FileMode = 0o600
)

// checkDataDir refuses a folder owned by another user or writable by group
// or others. Windows has no such mode bits and is not checked.
func checkDataDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("data folder %s: %w", dir, err)
	}
	if uid, ok := ownerOf(fi); ok && uid != os.Getuid() {
		return fmt.Errorf("%s (owner uid %d, you are %d): %w; use a folder of your own", dir, uid, os.Getuid(), ErrDataDirNotOwned)
	}
	if perm := fi.Mode().Perm(); perm&0o022 != 0 {
		return fmt.Errorf("%s (mode %04o): %w; make it private with `chmod 700 %s`", dir, perm, ErrDataDirUnsafe, dir)
	}
	return nil
}

// SecureDataDir makes dir a private data folder before a terminal is created
// in it: created 0700 when missing; an existing folder of this user loses
// every group and other permission, and so do the database (with its WAL
// and shared-memory files), the key folder and the key files already in it.
// A folder, or an entry in it, that belongs to another user is refused: it
// cannot be made ours. It returns what it changed, in words, for the output.
func SecureDataDir(dir string) ([]string, error) {
	if err := os.MkdirAll(dir, PrivateDirMode); err != nil {
		return nil, fmt.Errorf("data folder %s: %w", dir, err)
	}
	if runtime.GOOS == "windows" {
		return nil, nil
	}
	if err := refuseForeignEntry(dir); err != nil {
		return nil, err
	}
	var changed []string
	tighten := func(p string, mode fs.FileMode) error {
		fi, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) || (err == nil && fi.Mode()&fs.ModeSymlink != 0) {
			return nil // a symlink of ours is left as it is; its target is not ours to judge
		}
		if err != nil {
			return fmt.Errorf("data folder: %w", err)
		}
		if fi.Mode().Perm()&0o077 == 0 {
			return nil
		}
		if err := os.Chmod(p, mode); err != nil {
			return fmt.Errorf("make %s private: %w", p, err)
		}
		changed = append(changed, fmt.Sprintf("%s was mode %04o, now %04o", p, fi.Mode().Perm(), mode))
		return nil
	}
	// Close the folders before judging what is in them: while they are
	// open, another user could plant an entry after it was checked (and
	// keep it open for writing).
	if err := tighten(dir, PrivateDirMode); err != nil {
		return nil, err
	}
	if err := refuseForeignEntry(filepath.Join(dir, KeyDir)); err != nil {
		return nil, err
	}
	if err := tighten(filepath.Join(dir, KeyDir), PrivateDirMode); err != nil {
		return nil, err
	}
	if err := refuseForeign(dir); err != nil {
		return nil, err
	}
	for _, f := range []string{DatabaseFile, DatabaseFile + "-wal", DatabaseFile + "-shm"} {
		if err := tighten(filepath.Join(dir, f), PrivateFileMode); err != nil {
			return nil, err
		}
	}
	keys, _ := filepath.Glob(filepath.Join(dir, KeyDir, "*"))
	for _, k := range keys {
		if err := tighten(k, PrivateFileMode); err != nil {
			return nil, err
		}
	}
	return changed, nil
}

// refuseForeign refuses dir when anything directly in it or in its key
// folder belongs to another user: while the folder was open to others,
// someone may have planted a database, a key file or a symlink there.
func refuseForeign(dir string) error {
	for _, pattern := range []string{"*", filepath.Join(KeyDir, "*")} {
		entries, _ := filepath.Glob(filepath.Join(dir, pattern))
		for _, p := range entries {
			if err := refuseForeignEntry(p); err != nil {
				return err
			}
		}
	}
	return nil
}

// refuseForeignEntry refuses p when it belongs to another user; a missing p
// is no refusal.
func refuseForeignEntry(p string) error {
	fi, err := os.Lstat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("data folder: %w", err)
	}
	if uid, ok := ownerOf(fi); ok && uid != os.Getuid() {
		return fmt.Errorf("%s (owner uid %d, you are %d): %w; use a new, empty folder of your own", p, uid, os.Getuid(), ErrDataDirNotOwned)
	}
	return nil
}
