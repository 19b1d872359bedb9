package terminaltest

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"lawtrail/device"
	"lawtrail/device/msc"
	"lawtrail/evidence"
	"lawtrail/ingest"
	"lawtrail/terminal"
)

// DockClip docks one recorder file, DCIM/name holding content, from a
// recorder DSJ-A8 through the session's own docking, and returns its
// digest. name carries the recording time as recorders write it, e.g.
// DSJ1234_350101_20261120101530_0001.MP4.
func DockClip(t testing.TB, s *terminal.Session, name, content string) evidence.Digest {
	t.Helper()
	root := t.TempDir()
	file := filepath.Join(root, "DCIM", name)
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	dir, err := msc.OpenDir(root)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dir.Close() })
	dock, err := s.NewDock(terminal.DockOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := dock.Ingest(context.Background(), ingest.Recorder{Source: msc.New(dir, device.Info{Serial: "DSJ-A8"}), Label: "/media/DSJ-A8"})
	if err != nil || !sum.OK() || sum.Copied != 1 {
		t.Fatalf("dock: %+v, %v", sum, err)
	}
	return evidence.Sum([]byte(content))
}
