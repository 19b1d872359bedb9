package main

import (
	"bufio"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// BenchmarkIngestPeakRSS ingests one 2 GiB file with `lawtrailctl ingest`
// in a child process and samples its resident memory while the file is
// copied (after the key is unsealed). Target: ≤ 64 MiB. It also reports
// the process's high-water mark, which includes unsealing the key.
func BenchmarkIngestPeakRSS(b *testing.B) {
	for b.Loop() {
		dir := filepath.Join(b.TempDir(), "data")
		if r := ctl(b, pass, "--data", dir, "init", "--agency", "a", "--officer-id", "o-001", "--officer-name", "n"); r.code != 0 {
			b.Fatalf("init: %s", r.stderr)
		}
		card := b.TempDir()
		writeBig(b, filepath.Join(card, "DCIM", "20261120_101530_0001.MP4"), 2<<30)
		exec.Command("sync").Run()
		cmd := exec.Command(os.Args[0], "--data", dir, "ingest", "--from", card, "--progress", "json")
		cmd.Env = append(os.Environ(), asMainEnv+"=1", "LAWTRAIL_PASSPHRASE="+pass["LAWTRAIL_PASSPHRASE"], "LAWTRAIL_PIN="+pass["LAWTRAIL_PIN"])
		out, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		var copying atomic.Bool
		var peak atomic.Int64
		go func() {
			for range time.Tick(20 * time.Millisecond) {
				if copying.Load() {
					if kib := vmRSS(cmd.Process.Pid); kib > peak.Load() {
						peak.Store(kib)
					}
				}
			}
		}()
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if strings.Contains(sc.Text(), `"state":"detected"`) {
				copying.Store(true)
			}
		}
		if err := cmd.Wait(); err != nil {
			b.Fatalf("ingest: %v", err)
		}
		hwm := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss // KiB on Linux
		b.ReportMetric(float64(peak.Load())/1024, "ingest-peak-RSS-MiB")
		b.ReportMetric(float64(hwm)/1024, "process-HWM-MiB")
		b.ReportMetric(float64(peak.Load())/1024/64, "peak/64MiB-target")
	}
}

func vmRSS(pid int) int64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			n, _ := strconv.ParseInt(strings.Fields(line)[1], 10, 64)
			return n
		}
	}
	return 0
}

func writeBig(tb testing.TB, path string, n int64) {
	os.MkdirAll(filepath.Dir(path), 0o755)
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	rng := mrand.NewChaCha8([32]byte{7})
	buf := make([]byte, 4<<20)
	for left := n; left > 0; left -= int64(len(buf)) {
		rng.Read(buf)
		if _, err := f.Write(buf[:min(left, int64(len(buf)))]); err != nil {
			tb.Fatal(err)
		}
	}
}
