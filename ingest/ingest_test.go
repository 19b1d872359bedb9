package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"lawtrail/casework"
	"lawtrail/device"
	"lawtrail/store"
)

func sha(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }

// R3: footage is ingested, hashed, signed, and linked to its custody facts.
func TestR3IngestFolderEndToEnd(t *testing.T) {
	e := newEnv(t)
	root := t.TempDir()
	writeTree(t, root, map[string]string{
		"DCIM/DSJ1234_350101_20261120101530_0001.MP4":     "first recording",
		"DCIM/DSJ1234_350101_20261120102000_0002_IMP.MP4": "important recording",
		"DCIM/notes.txt": "no time in this name",
	})
	d, u := e.dock(t, Options{Station: "采集站-1"})
	sum, err := d.Ingest(context.Background(), Recorder{Source: folder(t, root), Label: "/media/DSJ-A8"})
	if err != nil || !sum.OK() || sum.Copied != 3 || sum.Serial != "DSJ-A8" || len(sum.NameSerials) != 1 || sum.NameSerials[0] != "DSJ1234" {
		t.Fatalf("summary %+v, err %v", sum, err)
	}
	items := e.footage(t)
	if len(items) != 3 {
		t.Fatalf("%d footage items", len(items))
	}
	byPath := map[string]store.FootageItem{}
	for _, it := range items {
		byPath[it.OriginalPath] = it
	}
	first := byPath["DCIM/DSJ1234_350101_20261120101530_0001.MP4"]
	if first.Digest.String() != sha("first recording") || first.DeviceSerial != "DSJ-A8" || first.Officer != "350101" ||
		first.Clerk != "clerk1" || !strings.HasPrefix(first.Start, "2026-11-20T10:15:30+08:00") || first.State != "signed" {
		t.Fatalf("first item %+v", first)
	}
	if !byPath["DCIM/DSJ1234_350101_20261120102000_0002_IMP.MP4"].Important {
		t.Fatal("the important mark was lost")
	}
	for _, it := range items {
		if err := e.store.Blobs().Verify(context.Background(), it.Digest); err != nil {
			t.Fatal(err)
		}
	}
	want := []State{StatePending, StateCopying, StateVerifying, StateSigned}
	got := u.states("DCIM/DSJ1234_350101_20261120101530_0001.MP4")
	if got := slices.DeleteFunc(got, func(s State) bool { return s == StateCopying }); !slices.Equal(got, []State{StatePending, StateVerifying, StateSigned}) {
		t.Fatalf("states %v, want %v", got, want)
	}
	e.check(t)
}

func TestIngestAgainSkipsWhatIsDone(t *testing.T) {
	e := newEnv(t)
	root := t.TempDir()
	writeTree(t, root, map[string]string{"a/20261120_101530_0001.MP4": "one", "a/20261120_101630_0002.MP4": "two"})
	d, _ := e.dock(t, Options{})
	src := folder(t, root)
	if _, err := d.Ingest(context.Background(), Recorder{Source: src, Label: "card", Serial: "DSJ0001"}); err != nil {
		t.Fatal(err)
	}
	before, _ := e.store.EventCount(context.Background())
	sum, err := d.Ingest(context.Background(), Recorder{Source: src, Label: "card", Serial: "DSJ0001"})
	if err != nil || sum.Skipped != 2 || sum.Copied != 0 {
		t.Fatalf("second docking %+v %v", sum, err)
	}
	if after, _ := e.store.EventCount(context.Background()); after != before {
		t.Fatalf("second docking recorded %d events", after-before)
	}
}

// Adversarial trees: every regular file arrives with its exact bytes and
// name; the rest is reported, not followed.
func TestIngestAdversarialTree(t *testing.T) {
	e := newEnv(t)
	base := t.TempDir()
	root := filepath.Join(base, "card")
	gbk := "\xd6\xd8.MP4"
	long := strings.Repeat("长", 83) + "x.MP4"
	deep := strings.Repeat("d/", 60) + "deep.mp4"
	files := map[string]string{
		"DCIM/empty.MP4":      "",
		"DCIM/dup one.MP4":    "same bytes",
		"DCIM/dup two.MP4":    "same bytes",
		"DCIM/执法 记录 2026.MP4": "cjk",
		"DCIM/" + gbk:         "gbk",
		"DCIM/" + long:        "long",
		deep:                  "deep",
	}
	writeTree(t, root, files)
	writeTree(t, base, map[string]string{"outside.txt": "secret"})
	os.Symlink(filepath.Join(base, "outside.txt"), filepath.Join(root, "DCIM", "evil.MP4"))
	os.Symlink(base, filepath.Join(root, "DCIM", "evil-dir"))
	syscall.Mkfifo(filepath.Join(root, "DCIM", "pipe.MP4"), 0o644)

	d, _ := e.dock(t, Options{})
	sum, err := d.Ingest(context.Background(), Recorder{Source: folder(t, root), Label: "card"})
	if err != nil || !sum.OK() || sum.Copied != len(files) {
		t.Fatalf("summary %+v %v", sum, err)
	}
	if len(sum.NotFiles) != 3 {
		t.Fatalf("not-files %v, want the two symlinks and the FIFO", sum.NotFiles)
	}
	items := e.footage(t)
	if len(items) != len(files)-1 { // the duplicate content is one item with two sources
		t.Fatalf("%d footage items", len(items))
	}
	for p, c := range files {
		k := casework.SourceKey{DeviceSerial: "card", Path: device.DisplayPath(p), Size: int64(len(c)),
			ModTime: time.Date(2026, 11, 20, 10, 45, 0, 0, casework.Shanghai)}
		if k.Path != p {
			k.PathBytes = []byte(p)
		}
		rec, found, err := e.store.SourceFile(context.Background(), k)
		if err != nil || !found || rec.Digest.String() != sha(c) {
			t.Errorf("%s: found %v digest %s err %v", device.DisplayPath(p), found, rec.Digest, err)
		}
	}
	e.check(t)
}

func TestIngestTenThousandSmallFiles(t *testing.T) {
	e := newEnv(t)
	root := t.TempDir()
	files := map[string]string{}
	for i := 0; i < 10000; i++ {
		files[fmt.Sprintf("DCIM/%03d/IMG_%05d.JPG", i/1000, i)] = fmt.Sprintf("photo %d", i)
	}
	writeTree(t, root, files)
	d, _ := e.dock(t, Options{})
	sum, err := d.Ingest(context.Background(), Recorder{Source: folder(t, root), Label: "card"})
	if err != nil || sum.Copied != 10000 || !sum.OK() {
		t.Fatalf("summary: copied %d failed %d %v", sum.Copied, len(sum.Failed), err)
	}
	if items, sources, _ := e.store.FootageCount(context.Background()); items != 10000 || sources != 10000 {
		t.Fatalf("%d items, %d sources", items, sources)
	}
}

// Several recorders at once, each in its own worker, under one I/O limit.
func TestIngestSeveralRecordersAtOnce(t *testing.T) {
	e := newEnv(t)
	d, _ := e.dock(t, Options{IOLimit: 2})
	type result struct {
		sum Summary
		err error
	}
	results := make(chan result)
	for r := 0; r < 4; r++ {
		root := t.TempDir()
		files := map[string]string{}
		for i := 0; i < 20; i++ {
			files[fmt.Sprintf("DCIM/20261120_1015%02d_%04d.MP4", i, i)] = strings.Repeat(fmt.Sprintf("r%d f%d ", r, i), 5000)
		}
		writeTree(t, root, files)
		src := folder(t, root)
		go func(r int) {
			sum, err := d.Ingest(context.Background(), Recorder{Source: src, Label: fmt.Sprint("port", r), Serial: fmt.Sprintf("DSJ000%d", r)})
			results <- result{sum, err}
		}(r)
	}
	for r := 0; r < 4; r++ {
		res := <-results
		if res.err != nil || res.sum.Copied != 20 {
			t.Fatalf("recorder %s: %+v %v", res.sum.Recorder, res.sum, res.err)
		}
	}
	if items, _, _ := e.store.FootageCount(context.Background()); items != 80 {
		t.Fatalf("%d items", items)
	}
	e.check(t)
}

func TestNewDockNeedsAClerk(t *testing.T) {
	e := newEnv(t)
	if _, err := NewDock(e.store, e.key, Options{}); err == nil {
		t.Fatal("a dock without a clerk")
	}
	d, _ := e.dock(t, Options{Clerk: "nobody"})
	root := t.TempDir()
	writeTree(t, root, map[string]string{"a.mp4": "x"})
	sum, _ := d.Ingest(context.Background(), Recorder{Source: folder(t, root), Label: "card"})
	if sum.OK() || !strings.Contains(sum.Failed[0].Err, "not an enrolled officer") {
		t.Fatalf("an unknown clerk's docking was recorded: %+v", sum)
	}
	if got := e.footage(t); len(got) != 0 {
		t.Fatalf("footage recorded under an unknown clerk: %+v", got)
	}
}

func TestParsePolicy(t *testing.T) {
	for in, want := range map[string]Policy{"never": ClearNever, "local": ClearLocal, "hub": ClearHubReceipt,
		"after-local-verify": ClearLocal, "": ClearNever} {
		if got, err := ParsePolicy(in); err != nil || got != want {
			t.Errorf("%q: %v %v", in, got, err)
		}
	}
	if _, err := ParsePolicy("always"); err == nil {
		t.Error("unknown policy accepted")
	}
}

// Files of a file-system source are copied by one copier a core, yet their
// custody events keep the file order: a large first file copied while the
// small ones behind it are done already still comes first.
func TestParallelCopiersKeepFileOrder(t *testing.T) {
	e := newEnv(t)
	root := t.TempDir()
	files := map[string]string{"DCIM/20261120_101500_0000.MP4": strings.Repeat("大文件", 3<<20)}
	var want []string
	want = append(want, "DCIM/20261120_101500_0000.MP4")
	for i := 1; i <= 30; i++ {
		name := fmt.Sprintf("DCIM/20261120_1015%02d_%04d.MP4", i, i)
		files[name] = fmt.Sprintf("small recording %d", i)
		want = append(want, name)
	}
	writeTree(t, root, files)
	d, _ := e.dock(t, Options{IOLimit: 4})
	if n := d.copiers(Recorder{Source: folder(t, root)}); n < 1 || n > 4 {
		t.Fatalf("%d copiers", n)
	}
	sum, err := d.Ingest(context.Background(), Recorder{Source: folder(t, root), Label: "card"})
	if err != nil || !sum.OK() || sum.Copied != len(want) {
		t.Fatalf("summary %+v, err %v", sum, err)
	}
	var got []string
	for _, it := range e.footage(t) {
		got = append(got, it.OriginalPath)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("custody order %v\nwant %v", got, want)
	}
	e.check(t)
}
