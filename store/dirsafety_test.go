package store

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// An entry another user planted in a data folder while it was open to
// others — a database, a key folder, a key file — makes SecureDataDir
// refuse the folder, after the folder was closed (so nothing can be planted
// after the check) and before any planted file was touched. Planting as
// another user needs root; without it, a folder that is not ours stands in.
func TestSecureDataDirRefusesPlantedEntries(t *testing.T) {
	if os.Getuid() != 0 {
		if _, err := SecureDataDir(os.TempDir()); !errors.Is(err, ErrDataDirNotOwned) {
			t.Fatalf("a folder of another user: %v", err)
		}
		return
	}
	for _, planted := range []string{DatabaseFile, DatabaseFile + "-wal", KeyDir, filepath.Join(KeyDir, "terminal.key")} {
		t.Run(planted, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			if err := os.MkdirAll(filepath.Join(dir, KeyDir), 0o777); err != nil {
				t.Fatal(err)
			}
			for _, d := range []string{dir, filepath.Join(dir, KeyDir)} {
				if err := os.Chmod(d, 0o777); err != nil {
					t.Fatal(err)
				}
			}
			p := filepath.Join(dir, planted)
			if planted != KeyDir {
				if err := os.WriteFile(p, []byte("planted"), 0o666); err != nil {
					t.Fatal(err)
				}
				os.Chmod(p, 0o666)
			}
			if err := os.Lchown(p, 65534, 65534); err != nil {
				t.Fatal(err)
			}
			_, err := SecureDataDir(dir)
			if !errors.Is(err, ErrDataDirNotOwned) {
				t.Fatalf("planted %s: %v, want ErrDataDirNotOwned", planted, err)
			}
			fi, err := os.Stat(dir)
			if err != nil || fi.Mode().Perm() != PrivateDirMode {
				t.Fatalf("the folder was left open (%v, %v): closing it comes before the check", fi.Mode(), err)
			}
			if planted != KeyDir {
				if fi, err := os.Lstat(p); err != nil || fi.Mode().Perm() != 0o666 {
					t.Fatalf("the planted file was changed (%v, %v)", fi.Mode(), err)
				}
			}
		})
	}
}
