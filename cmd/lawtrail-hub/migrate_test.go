//go:build ci

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"lawtrail/hub"
	"lawtrail/hub/blobstore/s3test"
	"lawtrail/hub/postgrestest"
	"lawtrail/sync/simterminal"
)

// hubExec runs lawtrail-hub args… as its own process with the hub's
// passphrase and a console password.
func hubExec(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return hubRun(t, "a long enough password", args...)
}

// killMigrateAfterFirstBlob runs migrate as a process and kills it (-9)
// once it says it copied its first blob: the rows are all copied, most
// blobs not.
func killMigrateAfterFirstBlob(t testing.TB, args ...string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), asMainEnv+"=1", "LAWTRAIL_HUB_PASSPHRASE=hub passphrase")
	errOut, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(errOut)
	var seen []string
	killed := false
	for sc.Scan() {
		seen = append(seen, sc.Text())
		if strings.Contains(sc.Text(), " 1 blobs") {
			cmd.Process.Kill()
			killed = true
			break
		}
	}
	cmd.Wait()
	if !killed {
		t.Fatalf("migrate ended before its first blob was reported: %v", seen)
	}
}

// `lawtrail-hub migrate` as processes: a hub that terminals synced
// events, footage and receipts to, and that has a console account, is
// stopped and migrated to PostgreSQL and S3; a first run killed -9 after
// its first blob, a second completes copying no row again. check passes on
// both, the log's size and root and the counts are the same, and the
// migrated hub, served on the same address, takes the same terminals'
// next events with consistency proofs from what they knew.
func TestMigrateCommand(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	p := startServeWith(t, "--data", dir, "serve", "--listen", "127.0.0.1:0")
	h, err := hub.Open(ctx, dir, []byte("hub passphrase"), hub.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var terms []*simterminal.Terminal
	for i := range 2 {
		code, err := h.IssueCode(ctx, "https://"+p.addr, "某区市场监督管理局", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		st, err := simterminal.New()
		if err != nil {
			t.Fatal(err)
		}
		if err := st.Join(ctx, code.String(), fmt.Sprintf("sim-%d", i), ""); err != nil {
			t.Fatal(err)
		}
		if err := st.Cases(200); err != nil {
			t.Fatal(err)
		}
		for range 3 {
			if _, err := st.Footage(2 << 20); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := st.Sync(ctx, 100); err != nil || !st.Done() {
			t.Fatalf("sync: %v (done %v)", err, st.Done())
		}
		terms = append(terms, st)
	}
	h.Close()
	if out, errOut, code := hubExec(t, "--data", dir, "user", "add", "chen.sj", "--role", "supervisor", "--agency", "all"); code != 0 {
		t.Fatalf("user add: %d %s%s", code, out, errOut)
	}
	p.kill() // the hub must be stopped
	srcCheck, errOut, code := hubExec(t, "--data", dir, "check")
	if code != 0 {
		t.Fatalf("check of the embedded hub: %d %s%s", code, srcCheck, errOut)
	}

	dbURL := postgrestest.Start(t)
	s3 := s3test.Start(t)
	s3.SetEnv(t)
	spec := s3.Spec("hub")
	killMigrateAfterFirstBlob(t, "--data", dir, "migrate", "--to-db", dbURL, "--to-blobs", spec)
	start := time.Now()
	out, errOut, code := hubExec(t, "--data", dir, "migrate", "--to-db", dbURL, "--to-blobs", spec)
	if code != 0 {
		t.Fatalf("migrate: exit %d\n%s%s", code, out, errOut)
	}
	t.Logf("migrate after a kill (%v):\n%s", time.Since(start), out)
	if !regexp.MustCompile(`(?m)^rows \d+ \(0 copied now\)`).MatchString(out) {
		t.Errorf("the second run copied rows again:\n%s", out)
	}
	m := regexp.MustCompile(`blobs 6, 12582912 bytes \((\d) blobs`).FindStringSubmatch(out)
	if m == nil || m[1] == "0" || m[1] == "6" {
		t.Errorf("the second run should copy the blobs the first left, not all or none:\n%s", out)
	}
	rm := regexp.MustCompile(`log size (\d+), root ([0-9a-f]{64})`).FindStringSubmatch(out)
	if rm == nil {
		t.Fatalf("no root printed:\n%s", out)
	}

	dstCheck, errOut, code := hubExec(t, "--data", dir, "--db", dbURL, "--blobs", spec, "check")
	if code != 0 {
		t.Fatalf("check of the migrated hub: %d %s%s", code, dstCheck, errOut)
	}
	if first := strings.SplitN(srcCheck, "\n", 2)[0]; !strings.HasPrefix(dstCheck, first) {
		t.Errorf("check differs: embedded %q, migrated %q", srcCheck, dstCheck)
	}
	src, err := hub.Open(ctx, dir, []byte("hub passphrase"), hub.Options{})
	if err != nil {
		t.Fatal(err)
	}
	dst, err := hub.Open(ctx, dir, []byte("hub passphrase"), hub.Options{DB: dbURL, Blobs: spec})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := src.Consistency(ctx, 0)
	b, _ := dst.Consistency(ctx, 0)
	if a.Checkpoint.Size != b.Checkpoint.Size || !bytes.Equal(a.Checkpoint.Root, b.Checkpoint.Root) ||
		hex.EncodeToString(a.Checkpoint.Root) != rm[2] || fmt.Sprint(a.Checkpoint.Size) != rm[1] {
		t.Fatalf("checkpoints: embedded %d %x, migrated %d %x, printed %s", a.Checkpoint.Size, a.Checkpoint.Root, b.Checkpoint.Size, b.Checkpoint.Root, rm[0])
	}
	sa, _ := src.Stats(ctx)
	sb, _ := dst.Stats(ctx)
	if sa != sb || sa.Events < 400 || sa.Blobs != 6 {
		t.Errorf("stats: embedded %+v, migrated %+v", sa, sb)
	}
	src.Close()
	dst.Close()

	// The migrated hub serves on the address the terminals know.
	served := startServeWith(t, "--data", dir, "--db", dbURL, "--blobs", spec, "serve", "--listen", p.addr)
	for _, st := range terms {
		st.Cases(20)
		st.Footage(1 << 20)
		if _, err := st.Sync(ctx, 100); err != nil || !st.Done() {
			t.Fatalf("sync with the migrated hub: %v (done %v)", err, st.Done())
		}
	}
	served.kill()
	if out, errOut, code := hubExec(t, "--data", dir, "--db", dbURL, "--blobs", spec, "check"); code != 0 {
		t.Fatalf("check after serving: %d %s%s", code, out, errOut)
	}

	// Refusals: exit 2, a reason, no secret.
	const secret = "s3cr3t-pw-9f2a"
	for _, args := range [][]string{
		{"migrate"},
		{"migrate", "--to-db", "mysql://root:" + secret + "@127.0.0.1/x"},
		{"migrate", "--to-db", "postgres://u:" + secret + "@127.0.0.1:1/x?connect_timeout=2"},
		{"migrate", "--to-db", dbURL, "--to-blobs", "s3://AKIAEXAMPLE:" + secret + "@footage"},
		{"--db", dbURL, "migrate", "--to-db", dbURL},
		{"migrate", "--to-db", dbURL, "stray"},
	} {
		var out, errOut bytes.Buffer
		code := run(ctx, append([]string{"--data", dir}, args...), env{stdout: &out, stderr: &errOut, getenv: hubPass})
		if code != 2 || errOut.Len() == 0 || strings.Contains(out.String()+errOut.String(), secret) {
			t.Errorf("%v: exit %d, want 2 with a reason and no secret:\n%s%s", args, code, out.String(), errOut.String())
		}
	}
	// Another hub's record in the database is refused.
	other := t.TempDir()
	if out, errOut, code := hubExec(t, "--data", other, "user", "add", "li.head", "--role", "supervisor", "--agency", "all"); code != 0 {
		t.Fatalf("another hub: %d %s%s", code, out, errOut)
	}
	if out, errOut, code := hubExec(t, "--data", other, "migrate", "--to-db", dbURL); code != 2 || !strings.Contains(errOut, "another log") {
		t.Errorf("another hub's migration into the same database: exit %d\n%s%s", code, out, errOut)
	}
}

// BenchmarkMigrate: an embedded hub that 4 simulated terminals synced
// 5,000 case openings and 8 recordings of 8 MiB each to (through serve, a
// process) is migrated to PostgreSQL and S3 (versitygw on the same
// machine); rows/s and MiB/s of the copy are reported.
func BenchmarkMigrate(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	p := startServeWith(b, "--data", dir, "serve", "--listen", "127.0.0.1:0", "--max-unenrolled-per-ip", "64")
	h, err := hub.Open(ctx, dir, []byte("hub passphrase"), hub.Options{})
	if err != nil {
		b.Fatal(err)
	}
	for i := range 4 {
		code, err := h.IssueCode(ctx, "https://"+p.addr, "某区市场监督管理局", time.Hour)
		if err != nil {
			b.Fatal(err)
		}
		st, _ := simterminal.New()
		if err := st.Join(ctx, code.String(), fmt.Sprintf("sim-%d", i), ""); err != nil {
			b.Fatal(err)
		}
		st.Cases(5000)
		for range 2 {
			st.Footage(8 << 20)
		}
		if _, err := st.Sync(ctx, 500); err != nil || !st.Done() {
			b.Fatalf("sync: %v", err)
		}
	}
	h.Close()
	p.kill()
	s3 := s3test.Start(b)
	s3.SetEnv(b)
	for i := 0; b.Loop(); i++ {
		rep, err := hub.Migrate(ctx, dir, []byte("hub passphrase"), hub.MigrateOptions{ToDB: postgrestest.Start(b), ToBlobs: s3.Spec(fmt.Sprintf("bench%d", i))})
		if err != nil {
			b.Fatal(err)
		}
		var rows int64
		for _, t := range rep.Tables {
			rows += t.Rows
		}
		b.ReportMetric(float64(rows), "rows")
		b.ReportMetric(float64(rows)/rep.RowsTime.Seconds(), "rows/s")
		b.ReportMetric(float64(rep.BytesCopied)/(1<<20)/rep.BlobsTime.Seconds(), "MiB/s")
	}
}
