package ingest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lawtrail/device"
)

func clearTree(t *testing.T) (string, map[string]string) {
	root := t.TempDir()
	files := map[string]string{
		"DCIM/20261120_101530_0001.MP4": "one",
		"DCIM/20261120_101630_0002.MP4": "two",
	}
	writeTree(t, root, files)
	return root, files
}

func remaining(t *testing.T, root string) int {
	n := 0
	filepath.WalkDir(root, func(p string, e os.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			n++
		}
		return nil
	})
	return n
}

func TestClearPolicyNeverAndHubKeepFiles(t *testing.T) {
	for _, pol := range []Policy{ClearNever, ClearHubReceipt} {
		e := newEnv(t)
		root, _ := clearTree(t)
		d, _ := e.dock(t, Options{Clear: pol})
		sum, err := d.Ingest(context.Background(), Recorder{Source: folder(t, root), Label: "card"})
		if err != nil || sum.Copied != 2 || sum.Cleared != 0 || remaining(t, root) != 2 {
			t.Fatalf("%s: %+v, %d files left", pol, sum, remaining(t, root))
		}
	}
}

// after-local-verify removes a file only after its copy re-verifies, and
// each removal is a signed event recorded before the removal.
func TestClearPolicyLocalRemovesAfterVerify(t *testing.T) {
	e := newEnv(t)
	root, _ := clearTree(t)
	d, u := e.dock(t, Options{Clear: ClearLocal})
	sum, err := d.Ingest(context.Background(), Recorder{Source: folder(t, root), Label: "card"})
	if err != nil || sum.Cleared != 2 || remaining(t, root) != 0 {
		t.Fatalf("%+v, %d left", sum, remaining(t, root))
	}
	for _, it := range e.footage(t) {
		if it.State != "cleared" {
			t.Fatalf("item %s in state %s", it.OriginalPath, it.State)
		}
	}
	states := u.states("DCIM/20261120_101530_0001.MP4")
	if states[len(states)-1] != StateCleared || !contains(states, StateSigned) {
		t.Fatalf("states %v", states)
	}
	e.check(t)
}

func contains(s []State, x State) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}

// A tampered copy blocks removal: the recorder keeps the original.
func TestClearBlockedByTamperedCopy(t *testing.T) {
	e := newEnv(t)
	root, files := clearTree(t)
	src := folder(t, root)
	d, _ := e.dock(t, Options{Clear: ClearNever})
	if _, err := d.Ingest(context.Background(), Recorder{Source: src, Label: "card"}); err != nil {
		t.Fatal(err)
	}
	bad := e.store.Blobs().Path(digestOf(files["DCIM/20261120_101530_0001.MP4"]))
	os.Chmod(bad, 0o600)
	os.WriteFile(bad, []byte("ONE"), 0o400)

	d, _ = e.dock(t, Options{Clear: ClearLocal})
	sum, err := d.Ingest(context.Background(), Recorder{Source: src, Label: "card"})
	if err != nil || sum.Cleared != 1 || len(sum.ClearErrs) != 1 || !strings.Contains(sum.ClearErrs[0].Err, "does not re-verify") {
		t.Fatalf("%+v", sum)
	}
	if _, err := os.Stat(filepath.Join(root, "DCIM/20261120_101530_0001.MP4")); err != nil {
		t.Fatal("a file whose copy is damaged was removed from the recorder")
	}
}

// changingStat is a recorder whose file's time moves after it was copied.
type changingStat struct {
	device.Source
	path string
}

func (c changingStat) Stat(ctx context.Context, p string) (device.File, error) {
	f, err := c.Source.Stat(ctx, p)
	if p == c.path {
		f.ModTime = f.ModTime.Add(2 * time.Second)
	}
	return f, err
}

func TestClearBlockedWhenRecorderFileChanged(t *testing.T) {
	e := newEnv(t)
	root, _ := clearTree(t)
	d, _ := e.dock(t, Options{Clear: ClearNever})
	if _, err := d.Ingest(context.Background(), Recorder{Source: folder(t, root), Label: "card"}); err != nil {
		t.Fatal(err)
	}
	src := changingStat{Source: folder(t, root), path: "DCIM/20261120_101530_0001.MP4"}
	d, _ = e.dock(t, Options{Clear: ClearLocal})
	sum, _ := d.Ingest(context.Background(), Recorder{Source: src, Label: "card"})
	if sum.Cleared != 1 || len(sum.ClearErrs) != 1 || remaining(t, root) != 1 {
		t.Fatalf("%+v, %d left", sum, remaining(t, root))
	}
}

// failingRemove is a recorder that refuses removals (write-protected card).
type failingRemove struct{ device.Source }

func (failingRemove) Remove(context.Context, string) error { return os.ErrPermission }

// A removal cut off after the clearing was recorded is completed at the
// next docking, without recording it twice.
func TestInterruptedClearIsCompletedNextTime(t *testing.T) {
	e := newEnv(t)
	root, _ := clearTree(t)
	d, _ := e.dock(t, Options{Clear: ClearLocal})
	sum, _ := d.Ingest(context.Background(), Recorder{Source: failingRemove{folder(t, root)}, Label: "card"})
	if sum.Cleared != 0 || len(sum.ClearErrs) != 2 || remaining(t, root) != 2 {
		t.Fatalf("%+v", sum)
	}
	before, _ := e.store.EventCount(context.Background())
	sum, _ = d.Ingest(context.Background(), Recorder{Source: folder(t, root), Label: "card"})
	after, _ := e.store.EventCount(context.Background())
	if sum.Cleared != 2 || remaining(t, root) != 0 || after != before {
		t.Fatalf("%+v, %d left, %d new events", sum, remaining(t, root), after-before)
	}
}
