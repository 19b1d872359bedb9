package main

import (
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"lawtrail/sealstream"
)

// BenchmarkDockVsStockTools is issue 17's speed target measured as a user
// runs it: `lawtrailctl ingest` as a process (sealing, hashing, fsync,
// re-read verification and signing; the passphrase unsealed in the run)
// against the same work by stock tools — `cp -r SRC DST && sync`, then
// `openssl dgst -sha256` of DST's files on all cores — each the best of 3
// rounds, on a 4 GiB set of 8 × 512 MiB and a 1 GiB set of 2 × 512 MiB.
// Beside it the machine's own limits in the same run: fsync'd sequential
// write, the disk written and read back past the page cache (docking's
// floor: it re-reads every copy from the disk, which the stock tools do
// not), SHA-256 and the footage cipher per core, and docking's share of
// what two cores could hash and of the disk's write and re-read; and the
// stock tools again with their copies read back from the disk
// (stock-re-read), the same work as docking. Target: dock/stock ≥ 1.0 on
// the 4 GiB set.
func BenchmarkDockVsStockTools(b *testing.B) {
	for b.Loop() {
		limits := machineLimits(b)
		for name, v := range limits {
			b.ReportMetric(v, name)
		}
		for _, set := range []struct {
			name  string
			files int
		}{{"1GiB", 2}, {"4GiB", 8}} {
			base := b.TempDir()
			src := filepath.Join(base, "card", "DCIM")
			for i := range set.files {
				writeDistinct(b, filepath.Join(src, fmt.Sprintf("20261120_1015%02d_%04d.MP4", i, i+1)), 512<<20, byte(i))
			}
			exec.Command("sync").Run()
			total := float64(set.files) * 512
			stock, dock := bestOf(3, func() time.Duration { return stockRound(b, base, false) }), bestOf(3, func() time.Duration { return dockRound(b, base) })
			stockReRead := bestOf(3, func() time.Duration { return stockRound(b, base, true) })
			b.ReportMetric(total/stock.Seconds(), set.name+"-stock-MiB/s")
			b.ReportMetric(total/stockReRead.Seconds(), set.name+"-stock-re-read-MiB/s")
			b.ReportMetric(stockReRead.Seconds()/dock.Seconds(), set.name+"-dock/stock-re-read")
			b.ReportMetric(total/dock.Seconds(), set.name+"-dock-MiB/s")
			b.ReportMetric(stock.Seconds()/dock.Seconds(), set.name+"-dock/stock")
			b.ReportMetric(total/dock.Seconds()/(2*limits["sha256-MiB/s/core"]), set.name+"-dock/2-core-sha256")
			b.ReportMetric(total/dock.Seconds()/limits["write+re-read-MiB/s"], set.name+"-dock/write+re-read")
			os.RemoveAll(base)
		}
	}
}

func bestOf(n int, round func() time.Duration) time.Duration {
	best := time.Duration(1<<63 - 1)
	for range n {
		best = min(best, round())
	}
	return best
}

// stockRound copies the card with cp and hashes the copies with openssl,
// one process per core. With reRead the copies' cached pages are dropped
// first (GNU dd's nocache), so openssl reads them from the disk as docking's
// verification does: the same work, done by stock tools — a figure beside
// the baseline, which hashes from the cache.
func stockRound(b *testing.B, base string, reRead bool) time.Duration {
	dst := filepath.Join(base, "stock")
	drop := ""
	if reRead {
		drop = fmt.Sprintf("find %s -type f -exec dd if={} iflag=nocache count=0 status=none ';' && ", dst)
	}
	script := fmt.Sprintf("cp -r %s %s && sync && %sfind %s -type f -print0 | xargs -0 -n 1 -P %d openssl dgst -sha256 >/dev/null",
		filepath.Join(base, "card"), dst, drop, dst, 2)
	start := time.Now()
	if out, err := exec.Command("sh", "-c", script).CombinedOutput(); err != nil {
		b.Fatalf("stock tools: %v %s", err, out)
	}
	took := time.Since(start)
	os.RemoveAll(dst)
	exec.Command("sync").Run()
	return took
}

// dockRound docks the card into a fresh terminal with lawtrailctl ingest as
// a process.
func dockRound(b *testing.B, base string) time.Duration {
	dir := filepath.Join(base, "data")
	if r := ctl(b, pass, "--data", dir, "init", "--agency", "a", "--officer-id", "o-001", "--officer-name", "n"); r.code != 0 {
		b.Fatalf("init: %s", r.stderr)
	}
	exec.Command("sync").Run()
	cmd := exec.Command(os.Args[0], "--data", dir, "ingest", "--from", filepath.Join(base, "card"))
	cmd.Env = append(os.Environ(), asMainEnv+"=1", "LAWTRAIL_PASSPHRASE="+pass["LAWTRAIL_PASSPHRASE"], "LAWTRAIL_PIN="+pass["LAWTRAIL_PIN"])
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("ingest: %v %s", err, out)
	}
	took := time.Since(start)
	os.RemoveAll(dir)
	exec.Command("sync").Run()
	return took
}

// machineLimits measures, in MiB/s: a 1 GiB sequential write with fsync,
// the same with O_DIRECT and fdatasync and read back with O_DIRECT (Linux)
// and what writing and reading back together allow, SHA-256 on one core and
// the footage cipher (sealstream) on one core.
func machineLimits(b *testing.B) map[string]float64 {
	buf := make([]byte, 4<<20)
	rand.Read(buf)
	const n = 256 // × 4 MiB = 1 GiB
	f, err := os.Create(filepath.Join(b.TempDir(), "write"))
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	for range n {
		if _, err := f.Write(buf); err != nil {
			b.Fatal(err)
		}
	}
	if err := f.Sync(); err != nil {
		b.Fatal(err)
	}
	write := time.Since(start)
	f.Close()
	os.Remove(f.Name())

	h := sha256.New()
	start = time.Now()
	for range n / 2 {
		h.Write(buf)
	}
	hash := time.Since(start)

	directWrite, directRead := directIOMiBps(b, buf)

	key, _ := sealstream.NewKey(buf[:32])
	w, err := sealstream.NewWriter(discard{}, key, nil)
	if err != nil {
		b.Fatal(err)
	}
	start = time.Now()
	for range n / 2 {
		w.Write(buf)
	}
	w.Close()
	seal := time.Since(start)
	return map[string]float64{
		"fsync-write-MiB/s":  1024 / write.Seconds(),
		"direct-write-MiB/s": directWrite,
		"direct-read-MiB/s":  directRead,
		// Docking writes each byte and reads it back from the disk: at best
		// one over the sum of the two times.
		"write+re-read-MiB/s":     1 / (1/directWrite + 1/directRead),
		"sha256-MiB/s/core":       512 / hash.Seconds(),
		"seal-AES-GCM-MiB/s/core": 512 / seal.Seconds(),
	}
}

// writeDistinct writes n incompressible bytes seeded by seed: files of a
// set differ, so docking stores each (identical content is stored once).
func writeDistinct(b *testing.B, path string, n int64, seed byte) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		b.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	rng := mrand.NewChaCha8([32]byte{seed, 17})
	buf := make([]byte, 4<<20)
	for left := n; left > 0; left -= int64(len(buf)) {
		rng.Read(buf)
		if _, err := f.Write(buf[:min(left, int64(len(buf)))]); err != nil {
			b.Fatal(err)
		}
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
