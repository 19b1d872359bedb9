package ingest

import (
	"context"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// writeRandomFile writes n pseudo-random (incompressible) bytes.
func writeRandomFile(tb testing.TB, path string, n int64, seed uint64) {
	tb.Helper()
	os.MkdirAll(filepath.Dir(path), 0o755)
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	rng := mrand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8)})
	buf := make([]byte, 1<<20)
	for left := n; left > 0; {
		rng.Read(buf)
		k := min(left, int64(len(buf)))
		if _, err := f.Write(buf[:k]); err != nil {
			tb.Fatal(err)
		}
		left -= k
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
}

// benchSet writes the ~2 GiB set of the docking benchmark: five recordings
// of 256–512 MiB and 1,000 small files.
func benchSet(tb testing.TB, root string, scale int64) int64 {
	var total int64
	for i, mib := range []int64{256, 320, 384, 448, 512} {
		n := mib << 20 / scale
		writeRandomFile(tb, filepath.Join(root, "DCIM", fmt.Sprintf("20261120_1%05d_%04d.MP4", i, i)), n, uint64(i))
		total += n
	}
	for i := 0; i < 1000; i++ {
		n := int64(16<<10 + i*37)
		writeRandomFile(tb, filepath.Join(root, "PHOTO", fmt.Sprintf("%02d/IMG_%05d.JPG", i/100, i)), n, uint64(1000+i))
		total += n
	}
	return total
}

func timeCommand(tb testing.TB, name string, args ...string) time.Duration {
	tb.Helper()
	start := time.Now()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		tb.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return time.Since(start)
}

func (e *env) ingestTimed(tb testing.TB, recs ...Recorder) (time.Duration, int64) {
	tb.Helper()
	d, _ := e.dock(tb, Options{IOLimit: len(recs)})
	start := time.Now()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var bytes int64
	for _, r := range recs {
		wg.Add(1)
		go func(r Recorder) {
			defer wg.Done()
			sum, err := d.Ingest(context.Background(), r)
			if err != nil || !sum.OK() {
				tb.Errorf("ingest %s: %v %v", r.Label, err, sum.Failed)
			}
			mu.Lock()
			bytes += sum.Bytes
			mu.Unlock()
		}(r)
	}
	wg.Wait()
	return time.Since(start), bytes
}

// BenchmarkIngestVsCp docks a ~2 GiB set and runs `cp -r SRC DST && sync`
// on the same set to the same disk in the same run, and reports ingest
// throughput as a ratio to cp's (target ≥ 0.9; hashing, fsync, re-read
// verification and signing included). The source is in the page cache for
// both, as it is right after it was written.
func BenchmarkIngestVsCp(b *testing.B) {
	for b.Loop() {
		base := b.TempDir()
		src := filepath.Join(base, "card")
		total := benchSet(b, src, 1)
		exec.Command("sync").Run()
		cp := timeCommand(b, "sh", "-c", fmt.Sprintf("cp -r %s %s && sync", src, filepath.Join(base, "cp-copy")))
		os.RemoveAll(filepath.Join(base, "cp-copy"))
		exec.Command("sync").Run()
		e := newEnv(b)
		took, copied := e.ingestTimed(b, Recorder{Source: folder(b, src), Label: "card"})
		if copied != total {
			b.Fatalf("ingested %d of %d bytes", copied, total)
		}
		mib := float64(total) / (1 << 20)
		b.ReportMetric(mib/cp.Seconds(), "cp-MiB/s")
		b.ReportMetric(mib/took.Seconds(), "ingest-MiB/s")
		b.ReportMetric(cp.Seconds()/took.Seconds(), "ingest/cp")
	}
}

// BenchmarkParallelSources docks four 256 MiB recorders at once and one
// alone, in the same run, and reports the aggregate throughput of four as a
// ratio to one.
func BenchmarkParallelSources(b *testing.B) {
	for b.Loop() {
		base := b.TempDir()
		var roots []string
		for i := 0; i < 4; i++ {
			root := filepath.Join(base, fmt.Sprint("card", i))
			writeRandomFile(b, filepath.Join(root, "DCIM", "20261120_101530_0001.MP4"), 256<<20, uint64(50+i))
			roots = append(roots, root)
		}
		exec.Command("sync").Run()
		one, n1 := newEnv(b).ingestTimed(b, Recorder{Source: folder(b, roots[0]), Label: "card0"})
		var recs []Recorder
		for i, r := range roots {
			recs = append(recs, Recorder{Source: folder(b, r), Label: fmt.Sprint("card", i)})
		}
		four, n4 := newEnv(b).ingestTimed(b, recs...)
		r1 := float64(n1) / one.Seconds()
		r4 := float64(n4) / four.Seconds()
		b.ReportMetric(r1/(1<<20), "one-MiB/s")
		b.ReportMetric(r4/(1<<20), "four-MiB/s")
		b.ReportMetric(r4/r1, "four/one")
	}
}
