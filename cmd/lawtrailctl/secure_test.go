package main

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"lawtrail/store"
	"lawtrail/store/storetest"
)

// ctlProcess runs the test binary as lawtrailctl in a child process with
// only the given LAWTRAIL_* variables set; stdin is not a terminal.
func ctlProcess(t *testing.T, vars map[string]string, args ...string) result {
	t.Helper()
	cmd := childCommand(exec.Command(os.Args[0], args...), vars)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	code := exitCode(t, cmd.Run())
	return result{code, out.String(), errOut.String()}
}

func initArgs(dir string) []string {
	return []string{"--data", dir, "init", "--agency", "某区市场监督管理局", "--officer-id", "o-001", "--officer-name", "张三"}
}

// A passphrase shorter than ten characters, a PIN shorter than six digits
// or with other characters, a PIN equal to the passphrase, and no PIN at
// all (it no longer defaults to the passphrase) are refused before anything
// is written.
func TestInitRefusesWeakSecrets(t *testing.T) {
	cases := []struct {
		name string
		vars map[string]string
		want string
		code int
	}{
		{"one-character passphrase", map[string]string{"LAWTRAIL_PASSPHRASE": "p", "LAWTRAIL_PIN": "246810"}, "shorter than 10 characters", exitRefused},
		{"one-digit PIN", map[string]string{"LAWTRAIL_PASSPHRASE": "terminal pass", "LAWTRAIL_PIN": "1"}, "shorter than 6 digits", exitRefused},
		{"PIN with letters", map[string]string{"LAWTRAIL_PASSPHRASE": "terminal pass", "LAWTRAIL_PIN": "abcdefgh"}, "digits 0-9", exitRefused},
		{"PIN equals passphrase", map[string]string{"LAWTRAIL_PASSPHRASE": "2468101214", "LAWTRAIL_PIN": "2468101214"}, "equals the terminal passphrase", exitRefused},
		{"no PIN", map[string]string{"LAWTRAIL_PASSPHRASE": "terminal pass"}, "set LAWTRAIL_PIN", exitUsage},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			r := ctl(t, tc.vars, initArgs(dir)...)
			if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
				t.Fatalf("code %d, stderr %q; want %d and %q", r.code, r.stderr, tc.code, tc.want)
			}
			if _, err := os.Stat(dir); !os.IsNotExist(err) {
				t.Fatalf("a refused init left the data folder behind (%v)", err)
			}
		})
	}
}

func mode(t *testing.T, p string) fs.FileMode {
	t.Helper()
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

// init makes a pre-existing world-writable data folder private (0700) and
// says so; the database, its WAL and shared-memory files and the key files
// are 0600 whatever the umask. A folder opened to others later is refused
// by every command until it is private again.
func TestInitMakesOpenDataFolderPrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o777); err != nil { // past the umask
		t.Fatal(err)
	}
	r := ctlProcess(t, pass, initArgs(dir)...)
	if r.code != 0 || !strings.Contains(r.stdout, "made private: "+dir+" was mode 0777, now 0700") {
		t.Fatalf("init: code %d\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
	}
	if m := mode(t, dir); m != 0o700 {
		t.Fatalf("data folder mode %04o, want 0700", m)
	}
	if m := mode(t, filepath.Join(dir, store.KeyDir)); m != 0o700 {
		t.Fatalf("key folder mode %04o, want 0700", m)
	}
	files, _ := filepath.Glob(filepath.Join(dir, store.KeyDir, "*"))
	files = append(files, filepath.Join(dir, store.DatabaseFile))
	st, err := store.OpenExisting(context.Background(), dir, store.Options{Keys: storetest.KeysOf(t, dir, pass["LAWTRAIL_PASSPHRASE"])}) // the WAL and SHM files exist while it is open
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	files = append(files, filepath.Join(dir, store.DatabaseFile+"-wal"), filepath.Join(dir, store.DatabaseFile+"-shm"))
	if len(files) < 5 {
		t.Fatalf("expected key files and the database, found %v", files)
	}
	for _, f := range files {
		if m := mode(t, f); m != 0o600 {
			t.Errorf("%s mode %04o, want 0600", f, m)
		}
	}
	for _, m := range []fs.FileMode{0o777, 0o770, 0o702} {
		os.Chmod(dir, m)
		r = ctlProcess(t, pass, "--data", dir, "log")
		if r.code != 2 || !strings.Contains(r.stderr, "writable by other users") || !strings.Contains(r.stderr, "chmod 700") {
			t.Fatalf("log in a folder of mode %04o: code %d, stderr %q", m, r.code, r.stderr)
		}
	}
}

// A data folder that belongs to another user cannot be made ours: init
// refuses it and touches nothing.
func TestInitRefusesForeignDataFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o777)
	if os.Getuid() == 0 {
		if err := os.Chown(dir, 65534, 65534); err != nil {
			t.Fatal(err)
		}
	} else {
		dir = os.TempDir() // owned by root, and not by a user running tests
	}
	r := ctlProcess(t, pass, initArgs(dir)...)
	if r.code != 2 || !strings.Contains(r.stderr, "belongs to another user") {
		t.Fatalf("init in a foreign folder: code %d, stderr %q", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, store.DatabaseFile)); !os.IsNotExist(err) {
		t.Fatalf("init wrote a database into a foreign folder (%v)", err)
	}
}
