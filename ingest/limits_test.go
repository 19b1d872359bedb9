package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"lawtrail/device"
)

// endlessRecorder lists files without end (up to limit), each with a path
// of about 2,300 bytes: a broken or hostile recorder's file system.
type endlessRecorder struct{ limit, listed int }

func (r *endlessRecorder) Info(context.Context) (device.Info, error) {
	return device.Info{Serial: "EVIL1"}, nil
}
func (r *endlessRecorder) Walk(ctx context.Context, fn func(device.File) error, skip func(string, string)) error {
	deep := strings.Repeat("目录/", 330) // 330 × 4 bytes
	for ; r.listed < r.limit; r.listed++ {
		if err := fn(device.File{Path: fmt.Sprintf("%s%09d.MP4", deep, r.listed), Size: 1, ModTime: time.Unix(1e9, 0)}); err != nil {
			return err
		}
	}
	return nil
}
func (r *endlessRecorder) Stat(context.Context, string) (device.File, error) {
	return device.File{}, errors.New("not used")
}
func (r *endlessRecorder) Open(context.Context, string, int64) (io.ReadCloser, error) {
	return nil, errors.New("the docking must stop before it copies")
}
func (r *endlessRecorder) Remove(context.Context, string) error { return errors.New("not used") }

// A recorder that lists files without end is refused once its list passes
// maxListing, before anything is copied: memory stays bounded (measured as
// bytes allocated during the docking) and the error says what to do. Before
// the cap the 100,000 listed paths alone were 230 MB.
func TestEndlessListingIsRefusedWithBoundedMemory(t *testing.T) {
	e := newEnv(t)
	d, _ := e.dock(t, Options{})
	rec := &endlessRecorder{limit: 100_000}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	sum, err := d.Ingest(context.Background(), Recorder{Source: rec, Label: "evil"})
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrListingTooLarge) || !strings.Contains(err.Error(), "nothing was copied") {
		t.Fatalf("got %v, want ErrListingTooLarge", err)
	}
	if sum.Copied != 0 || rec.listed >= rec.limit {
		t.Fatalf("copied %d, listed %d of %d", sum.Copied, rec.listed, rec.limit)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 2*maxListing {
		t.Fatalf("listing allocated %d MiB, want at most %d", alloc>>20, 2*maxListing>>20)
	}
	t.Logf("stopped after %d files, %d MiB allocated", rec.listed, (after.TotalAlloc-before.TotalAlloc)>>20)
}
