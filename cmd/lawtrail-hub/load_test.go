package main

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"lawtrail/hub"
	"lawtrail/hub/postgrestest"
	"lawtrail/sync/simterminal"
)

// hubProcess is `lawtrail-hub serve` running as its own process (this test
// binary standing in for lawtrail-hub), so that it can be killed -9.
type hubProcess struct {
	cmd  *exec.Cmd
	addr string
	done chan struct{}
}

// startServe starts `lawtrail-hub --data dir [--db db] serve` on a free
// loopback port with limits loose enough for hundreds of simulated
// terminals on one address.
func startServe(t testing.TB, dir, db string) *hubProcess {
	t.Helper()
	args := []string{"--data", dir}
	if db != "" {
		args = append(args, "--db", db)
	}
	args = append(args, "serve", "--listen", "127.0.0.1:0", "--max-unenrolled", "1024", "--max-unenrolled-per-ip", "1024", "--max-conns", "4096")
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), asMainEnv+"=1", "LAWTRAIL_HUB_PASSPHRASE=hub passphrase")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &lockedWriter{w: &stderr}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &hubProcess{cmd: cmd, done: make(chan struct{})}
	sc := bufio.NewScanner(out)
	for p.addr == "" && sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "lawtrail hub serving on "); ok {
			p.addr, _, _ = strings.Cut(rest, " ")
		}
	}
	go func() { io.Copy(io.Discard, out); cmd.Wait(); close(p.done) }()
	t.Cleanup(func() { p.kill() })
	if p.addr == "" {
		p.kill()
		t.Fatalf("serve printed no address: %s", stderr.String())
	}
	return p
}

// kill ends the process at once (SIGKILL), as a crash or an OOM kill would.
func (p *hubProcess) kill() {
	p.cmd.Process.Kill()
	<-p.done
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// balancer is a TCP load balancer: each connection goes to the next
// backend in turn, skipping one that does not answer (as HAProxy does with
// its health checks).
type balancer struct {
	l        net.Listener
	backends []string
	next     atomic.Uint64
}

func startBalancer(t testing.TB, backends ...string) *balancer {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &balancer{l: l, backends: backends}
	t.Cleanup(func() { l.Close() })
	go b.serve()
	return b
}

func (b *balancer) serve() {
	for {
		c, err := b.l.Accept()
		if err != nil {
			return
		}
		go b.forward(c)
	}
}

func (b *balancer) forward(c net.Conn) {
	defer c.Close()
	first := b.next.Add(1)
	for i := range len(b.backends) {
		be, err := net.DialTimeout("tcp", b.backends[(int(first)+i)%len(b.backends)], time.Second)
		if err != nil {
			continue
		}
		defer be.Close()
		go func() { io.Copy(be, c); be.(*net.TCPConn).CloseWrite() }()
		io.Copy(c, be)
		return
	}
}

// joinTerminals enrolls n simulated terminals: the codes are issued by the
// hub's own IssueCode (what `lawtrail-hub enroll` runs), for url.
func joinTerminals(t testing.TB, dir, db, url string, n int) []*simterminal.Terminal {
	t.Helper()
	ctx := context.Background()
	h, err := hub.Open(ctx, dir, []byte("hub passphrase"), hub.Options{DB: db})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	ts := make([]*simterminal.Terminal, n)
	for i := range ts {
		code, err := h.IssueCode(ctx, url, "某区市场监督管理局", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if ts[i], err = simterminal.New(); err != nil {
			t.Fatal(err)
		}
		if err := ts[i].Join(ctx, code.String(), fmt.Sprintf("sim-%03d", i), ""); err != nil {
			t.Fatal(err)
		}
	}
	return ts
}

// rawVerifyRate is ed25519.Verify of the terminals' event bodies on one
// core, per second: the baseline acceptance is measured against.
func rawVerifyRate(ts []*simterminal.Terminal) float64 {
	start := time.Now()
	n := 0
	for _, tm := range ts {
		for _, ev := range tm.Signed() {
			if !ed25519.Verify(tm.Key.Public, ev.Body, ev.Sig) {
				panic("a simulated terminal signed a bad event")
			}
			n++
		}
	}
	return float64(n) / time.Since(start).Seconds()
}

// loadFigures is what one load run measured.
type loadFigures struct {
	events, blobs int
	bytes         int64
	elapsed       time.Duration
	batches       []time.Duration
	retries       int
}

func (f loadFigures) p99() time.Duration {
	if len(f.batches) == 0 {
		return 0
	}
	s := slices.Clone(f.batches)
	slices.Sort(s)
	return s[(len(s)*99)/100]
}

// syncAll has every terminal sync at once (at most parallel at a time)
// until the hub holds everything, retrying a failed pass after a short
// pause, as terminals do; kill, when not nil, is called once the first
// quarter of the events is in.
func syncAll(t testing.TB, ts []*simterminal.Terminal, parallel, batch int, kill func()) loadFigures {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var mu sync.Mutex
	var f loadFigures
	total := 0
	for _, tm := range ts {
		total += tm.Events()
	}
	var sent atomic.Int64
	var killOnce sync.Once
	sem := make(chan struct{}, parallel)
	errs := make(chan error, len(ts))
	start := time.Now()
	for _, tm := range ts {
		go func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			for attempt := 0; ; attempt++ {
				rep, err := tm.Sync(ctx, batch)
				mu.Lock()
				f.events += rep.Events
				f.blobs += rep.Blobs
				f.bytes += rep.Bytes
				f.batches = append(f.batches, rep.Batches...)
				if err != nil {
					f.retries++
				}
				mu.Unlock()
				if kill != nil && sent.Add(int64(rep.Events)) > int64(total/4) {
					killOnce.Do(kill)
				}
				if err == nil && tm.Done() {
					errs <- nil
					return
				}
				if ctx.Err() != nil || attempt > 50 {
					errs <- fmt.Errorf("terminal %s: %d attempts, last: %w", tm.Key.ID(), attempt+1, err)
					return
				}
				time.Sleep(time.Duration(50+rand.IntN(200)) * time.Millisecond)
			}
		}()
	}
	var failed []error
	for range ts {
		if err := <-errs; err != nil {
			failed = append(failed, err)
		}
	}
	f.elapsed = time.Since(start)
	if len(failed) > 0 {
		t.Fatalf("%d terminals did not finish: %v", len(failed), errors.Join(failed[:min(3, len(failed))]...))
	}
	return f
}

// hubCheck runs `lawtrail-hub check` on the record as a process; it must
// pass.
func hubCheck(t testing.TB, dir, db string) string {
	t.Helper()
	args := []string{"--data", dir}
	if db != "" {
		args = append(args, "--db", db)
	}
	cmd := exec.Command(os.Args[0], append(args, "check")...)
	cmd.Env = append(os.Environ(), asMainEnv+"=1", "LAWTRAIL_HUB_PASSPHRASE=hub passphrase")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("lawtrail-hub check: %v\n%s", err, out)
	}
	return string(out)
}

// BenchmarkHubAcceptance: 8 simulated terminals send 6,000 signed events
// at once, in batches of 500, to `lawtrail-hub serve` as a process (each
// answer checked: checkpoint signature and consistency, every inclusion
// proof), on SQLite and on PostgreSQL; the rate is reported as a ratio to
// raw ed25519.Verify of the same bodies on one core, in the same run
// (target ≥ 0.8). One terminal alone is reported too: its batches follow
// each other, so it measures a batch's round trip, not the hub's capacity.
func BenchmarkHubAcceptance(b *testing.B) {
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			for b.Loop() {
				for _, n := range []int{8, 1} {
					dir, db := b.TempDir(), ""
					if engine == "postgres" {
						db = postgrestest.Start(b)
					}
					p := startServe(b, dir, db)
					ts := joinTerminals(b, dir, db, "https://"+p.addr, n)
					for _, tm := range ts {
						if err := tm.Cases(6000 / n); err != nil {
							b.Fatal(err)
						}
					}
					raw := rawVerifyRate(ts)
					f := syncAll(b, ts, n, 500, nil)
					rate := float64(f.events) / f.elapsed.Seconds()
					b.ReportMetric(raw, "raw-verify/s")
					b.ReportMetric(rate, fmt.Sprintf("accept-%dterm/s", n))
					b.ReportMetric(rate/raw, fmt.Sprintf("accept/raw-%dterm", n))
					b.ReportMetric(float64(f.p99().Milliseconds()), fmt.Sprintf("p99-batch-ms-%dterm", n))
					hubCheck(b, dir, db)
				}
			}
		})
	}
}
