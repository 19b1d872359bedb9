package msc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"testing/fstest"

	"lawtrail/device"
)

type walked struct {
	files   map[string]device.File
	skipped map[string]string
}

func walk(t *testing.T, s *Source) walked {
	t.Helper()
	w := walked{files: map[string]device.File{}, skipped: map[string]string{}}
	err := s.Walk(context.Background(), func(f device.File) error {
		if _, dup := w.files[f.Path]; dup {
			t.Fatalf("%s visited twice", f.Path)
		}
		w.files[f.Path] = f
		return nil
	}, func(p, reason string) { w.skipped[p] = reason })
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// An adversarial recorder tree: every kind of entry a hostile or broken
// card can hold. Regular files are all found, with their original names;
// everything else is skipped with a reason; nothing outside is reached.
func TestWalkAdversarialTree(t *testing.T) {
	base := t.TempDir()
	root := filepath.Join(base, "card")
	outside := filepath.Join(base, "secret")
	write(t, filepath.Join(outside, "passwd"), "outside the recorder")
	gbkName := "\xd6\xd8\xb5\xe3.MP4" // 重点.MP4 in GBK
	long := strings.Repeat("长", 85)   // 255 bytes
	deep := strings.Repeat("d/", 100) + "deep.mp4"
	for p, c := range map[string]string{
		"DCIM/20261120_101530_0001.MP4": "video one",
		"DCIM/copy of one.MP4":          "video one", // duplicate content, other name
		"DCIM/empty.MP4":                "",
		"DCIM/执法 记录 2026.MP4":           "cjk and spaces",
		"DCIM/" + gbkName:               "gbk name",
		"DCIM/" + long:                  "long name",
		deep:                            "deep",
	} {
		write(t, filepath.Join(root, p), c)
	}
	os.Symlink(filepath.Join(outside, "passwd"), filepath.Join(root, "DCIM", "link-out.MP4"))
	os.Symlink(outside, filepath.Join(root, "DCIM", "dir-out"))
	os.Symlink("20261120_101530_0001.MP4", filepath.Join(root, "DCIM", "link-in.MP4"))
	if err := syscall.Mkfifo(filepath.Join(root, "DCIM", "fifo.MP4"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir, err := OpenDir(root)
	if err != nil {
		t.Fatal(err)
	}
	defer dir.Close()
	w := walk(t, New(dir, device.Info{}))

	want := []string{"DCIM/20261120_101530_0001.MP4", "DCIM/copy of one.MP4", "DCIM/empty.MP4",
		"DCIM/执法 记录 2026.MP4", "DCIM/" + gbkName, "DCIM/" + long, deep}
	for _, p := range want {
		if _, ok := w.files[p]; !ok {
			t.Errorf("missing %s", device.DisplayPath(p))
		}
	}
	if len(w.files) != len(want) {
		t.Errorf("found %d files, want %d", len(w.files), len(want))
	}
	for _, p := range []string{"DCIM/link-out.MP4", "DCIM/dir-out", "DCIM/link-in.MP4", "DCIM/fifo.MP4"} {
		if w.skipped[p] == "" {
			t.Errorf("%s not reported as skipped", p)
		}
	}
	if w.files["DCIM/empty.MP4"].Size != 0 || w.files["DCIM/"+gbkName].Size != 8 {
		t.Error("sizes wrong")
	}
	// The GBK-named file opens and reads by its raw name.
	s := New(dir, device.Info{})
	r, err := s.Open(context.Background(), "DCIM/"+gbkName, 4)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r)
	r.Close()
	if string(b) != "name" {
		t.Fatalf("read from offset 4: %q", b)
	}
}

func TestDirFSRefusesEscapes(t *testing.T) {
	base := t.TempDir()
	root := filepath.Join(base, "card")
	write(t, filepath.Join(base, "secret"), "x")
	write(t, filepath.Join(root, "a.mp4"), "a")
	os.Symlink(filepath.Join(base, "secret"), filepath.Join(root, "evil.mp4"))
	dir, _ := OpenDir(root)
	defer dir.Close()
	for _, name := range []string{"../secret", "/etc/passwd", "a.mp4/../../secret", "", "./a.mp4"} {
		if f, err := dir.Open(name); err == nil {
			f.Close()
			t.Errorf("opened %q", name)
		}
	}
	if f, err := dir.Open("evil.mp4"); err == nil {
		f.Close()
		t.Error("followed a symlink out of the root")
	}
	if err := dir.Remove(".."); err == nil {
		t.Error("removed ..")
	}
}

func TestWalkTenThousandFiles(t *testing.T) {
	root := t.TempDir()
	for d := 0; d < 10; d++ {
		os.MkdirAll(filepath.Join(root, fmt.Sprint(d)), 0o755)
		for i := 0; i < 1000; i++ {
			os.WriteFile(filepath.Join(root, fmt.Sprint(d), fmt.Sprintf("%04d.jpg", i)), nil, 0o644)
		}
	}
	dir, _ := OpenDir(root)
	defer dir.Close()
	if w := walk(t, New(dir, device.Info{})); len(w.files) != 10000 {
		t.Fatalf("found %d files", len(w.files))
	}
}

func TestOpenWithOffsetWithoutSeeker(t *testing.T) {
	s := New(fstest.MapFS{"a.mp4": {Data: []byte("0123456789")}}, device.Info{})
	r, err := s.Open(context.Background(), "a.mp4", 7)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r)
	if string(b) != "789" {
		t.Fatalf("got %q", b)
	}
	if _, err := s.Open(context.Background(), "a.mp4", -1); err == nil {
		t.Fatal("negative offset accepted")
	}
}

func TestRemove(t *testing.T) {
	root := t.TempDir()
	write(t, filepath.Join(root, "DCIM", "a.mp4"), "a")
	dir, _ := OpenDir(root)
	defer dir.Close()
	s := New(dir, device.Info{})
	if err := s.Remove(context.Background(), "DCIM/a.mp4"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "DCIM", "a.mp4")); !os.IsNotExist(err) {
		t.Fatal("file still there")
	}
	ro := New(fstest.MapFS{"a.mp4": {Data: []byte("x")}}, device.Info{})
	if err := ro.Remove(context.Background(), "a.mp4"); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("remove on a read-only fs: %v", err)
	}
}
