package store

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	mrand "math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ncruces/go-sqlite3"

	"lawtrail/casework"
	"lawtrail/evidence"
	"lawtrail/sealstream"
)

// The secrets an older lawtrail left in plaintext: a party's ID-card
// number and a note's marker in the events, a marker in the footage.
const (
	partyIDNo      = "350102199003071234"
	caseMarker     = "MARKER-CASE-NOTE-QRS"
	footageMarker  = "MARKER-RECORDER-XYZ"
	sealChildEnv   = "LAWTRAIL_SEAL_CHILD_DIR"
	sealKills      = 10
	sealBlobs      = 30
	sealCases      = 200
	sealMaxRounds  = 40
	sealWindowFrac = 0.95 // kills land in the first 95% of the expected run
)

// init runs the test binary as the sealing child when asked to (before
// TestMain, which belongs to crash_test.go): it opens a folder with the
// record's keys, which seals a plaintext folder in place, and exits 0.
func init() {
	if dir := os.Getenv(sealChildEnv); dir != "" {
		if err := runSealChild(dir); err != nil {
			fmt.Fprintln(os.Stderr, "seal child:", err)
			os.Exit(3)
		}
		os.Exit(0)
	}
}

func runSealChild(dir string) error {
	key, err := UnlockTerminal(dir, []byte("terminal pass"))
	if err != nil {
		return err
	}
	keys, err := DeriveRecordKeys(key)
	if err != nil {
		return err
	}
	s, err := Open(context.Background(), dir, Options{Keys: keys})
	if err != nil {
		return err
	}
	return s.Close()
}

// plainRecord is what the plaintext folder holds, to be found whole after
// every kill.
type plainRecord struct {
	events     int
	eventsHash string // SHA-256 over every event's hash, in order
	digests    []evidence.Digest
	blobBytes  int64
}

// A plaintext folder as an older lawtrail left it is sealed in place by a
// child that is SIGKILLed at random moments, ten times: after each kill
// every event and every blob is still there (sealed or not), and the
// finished folder checks clean with no plaintext anywhere in it.
func TestSealingMigrationSurvivesKills(t *testing.T) {
	f := newFixture(t)
	f.store.Close()
	origin, want := plaintextFolder(t, f)

	// The checks below must be able to fail: on the plaintext folder they
	// find what they must not find once it is sealed.
	if code, out := grepFolder(t, partyIDNo, origin); code != 0 {
		t.Fatalf("grep finds no ID-card number in the plaintext folder (exit %d): %s", code, out)
	}
	if code, out := grepFolder(t, footageMarker, origin); code != 0 {
		t.Fatalf("grep finds no footage marker in the plaintext folder (exit %d): %s", code, out)
	}

	// One unkilled run on a copy: how long a whole migration takes (T),
	// and how long the same child takes when there is nothing to seal (T0).
	timing := filepath.Join(t.TempDir(), "timing")
	copyTree(t, origin, timing)
	full := runSealChildToEnd(t, timing)
	idle := runSealChildToEnd(t, timing)
	if st := inspectFolder(t, timing, f.keys, want); !st.complete() {
		t.Fatalf("an unkilled run left the migration unfinished: %+v", st)
	}
	t.Logf("unkilled migration: %v; the same child with nothing to seal: %v; %d blobs, %d MiB, %d events",
		full, idle, len(want.digests), want.blobBytes>>20, want.events)

	// Kills go on until ten have landed on a folder still being sealed;
	// when a folder is found sealed whole it gets the final checks and a
	// fresh plaintext copy takes its place.
	var work string
	var st folderState
	kills, genKills, midway, finished, generations := 0, 0, 0, 0, 0
	scale := 1.0 // shrinks when a kill comes too late (a busy machine makes the timing a guess)
	fresh := func() {
		generations++
		genKills = 0
		work = filepath.Join(t.TempDir(), "work")
		copyTree(t, origin, work)
		st = inspectFolder(t, work, f.keys, want)
	}
	fresh()
	for round := 0; kills < sealKills && round < sealMaxRounds; round++ {
		if st.complete() {
			checkSealedFolder(t, f, work, origin, want)
			fresh()
		}
		delay := time.Duration(scale * float64(killDelay(genKills, kills, st, want, full, idle)))
		killed, stderr := killSealChildAfter(t, work, delay)
		prev := st
		st = inspectFolder(t, work, f.keys, want)
		if !killed {
			finished++
			scale *= 0.7
			t.Logf("round %d: the child finished before the kill at %v", round, delay.Round(time.Millisecond))
			continue
		}
		kills++
		genKills++
		if st.complete() { // the kill came too late: aim earlier
			scale *= 0.7
		}
		if !st.complete() && (st.dbSealed || st.sealingCopy || st.sealedBlobs > 0) {
			midway++
		}
		t.Logf("kill %d at %v: database sealed %v (was %v), blobs sealed %d/%d (were %d), %s, %d temporary blob files%s",
			kills, delay.Round(time.Millisecond), st.dbSealed, prev.dbSealed, st.sealedBlobs, len(want.digests),
			prev.sealedBlobs, yesNo(st.sealingCopy, "a .sealing copy left", "no .sealing copy"), st.tempFiles, stderr)
	}
	if kills < sealKills {
		t.Fatalf("only %d of %d children were killed mid-migration (%d finished first)", kills, sealKills, finished)
	}
	if midway == 0 {
		t.Fatalf("no kill landed while the migration was part done: the test tested nothing")
	}
	t.Logf("%d kills on %d plaintext copies, %d left the migration part done, %d children finished first",
		kills, generations, midway, finished)
	checkSealedFolder(t, f, work, origin, want)
}

// checkSealedFolder opens dir with the keys (which finishes a migration
// left part done) and checks that everything the plaintext folder held is
// there, sealed, with no plaintext and no leftover anywhere.
func checkSealedFolder(t *testing.T, f *fixture, work, origin string, want plainRecord) {
	t.Helper()
	ctx := context.Background()
	s, err := Open(ctx, work, Options{Keys: f.keys, Config: testConfig(t)})
	if err != nil {
		t.Fatalf("open with keys after the kills: %v", err)
	}
	defer s.Close()
	r, err := s.Check(ctx, f.trusted(t))
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK() {
		t.Fatalf("check after the kills: %v", r.Problems)
	}
	if r.Events != want.events || r.Blobs != len(want.digests) {
		t.Fatalf("check counts %d events and %d blobs, the plaintext folder had %d and %d",
			r.Events, r.Blobs, want.events, len(want.digests))
	}
	if got := eventsHash(t, s.db); got != want.eventsHash {
		t.Fatalf("the events are not the ones the plaintext folder held")
	}
	for _, d := range want.digests {
		if err := s.Blobs().Verify(ctx, d); err != nil {
			t.Fatalf("blob after the kills: %v", err)
		}
	}
	assertSealedAtRest(t, work, "while open")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	assertSealedAtRest(t, work, "after close")

	if _, err := exec.LookPath("sqlite3"); err != nil {
		t.Fatalf("the sqlite3 program is missing (`make deps` installs it): %v", err)
	}
	if out, err := exec.Command("sqlite3", filepath.Join(origin, DatabaseFile), "SELECT count(*) FROM events").CombinedOutput(); err != nil ||
		strings.TrimSpace(string(out)) != fmt.Sprint(want.events) {
		t.Fatalf("sqlite3 cannot read the plaintext database: %v: %s", err, out)
	}
	out, err := exec.Command("sqlite3", filepath.Join(work, DatabaseFile), "SELECT count(*) FROM events").CombinedOutput()
	if err == nil {
		t.Fatalf("sqlite3 reads the sealed database: %s", out)
	}
	t.Logf("sqlite3 on the sealed database: %v: %s", err, strings.TrimSpace(string(out)))
}

// assertSealedAtRest: no plaintext database header, no leftover of the
// sealing, and grep finds neither the ID-card number nor a marker.
func assertSealedAtRest(t *testing.T, dir, when string) {
	t.Helper()
	if plain, err := databaseIsPlaintext(filepath.Join(dir, DatabaseFile)); err != nil || plain {
		t.Fatalf("%s: the database file is plaintext (%v)", when, err)
	}
	err := filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.Contains(e.Name(), SealingSuffix) {
			t.Errorf("%s: leftover %s", when, path)
		}
		if !e.IsDir() && strings.HasPrefix(e.Name(), "put-") {
			t.Errorf("%s: leftover temporary blob %s", when, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{partyIDNo, caseMarker, footageMarker} {
		if code, out := grepFolder(t, secret, dir); code != 1 {
			t.Errorf("%s: grep for %q over the sealed folder: exit %d (want 1, nothing found): %s", when, secret, code, out)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
}

// grepFolder runs grep -r -a -l for s over dir: 0 found, 1 not found.
func grepFolder(t *testing.T, s, dir string) (int, string) {
	t.Helper()
	out, err := exec.Command("grep", "-r", "-a", "-l", "-F", s, dir).CombinedOutput()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, string(out)
	case errors.As(err, &ee):
		return ee.ExitCode(), string(out)
	}
	t.Fatalf("grep: %v", err)
	return 0, ""
}

// plaintextFolder makes, beside the sealed fixture f, a folder as an older
// lawtrail wrote it: the same keys, the database in plaintext, cases with
// a party's ID-card number, plaintext footage blobs with custody events.
// The copy is taken while that older lawtrail still has it open, so its
// WAL holds the latest events (as after a kill or a power cut).
func plaintextFolder(t *testing.T, f *fixture) (string, plainRecord) {
	t.Helper()
	ctx := context.Background()
	plain := filepath.Join(t.TempDir(), "plain")
	copyTree(t, f.dir, plain, DatabaseFile, BlobDir)
	unsealDatabase(t, filepath.Join(f.dir, DatabaseFile), filepath.Join(plain, DatabaseFile), &f.keys.Database)

	clock := time.Date(2026, 11, 26, 12, 0, 0, 0, casework.Shanghai)
	s, err := Open(ctx, plain, Options{Now: func() time.Time { clock = clock.Add(time.Second); return clock }, Config: testConfig(t)})
	if err != nil {
		t.Fatalf("open the plaintext folder without keys: %v", err)
	}
	defer s.Close()
	if s.Blobs().SealKey() != nil {
		t.Fatal("a store opened without keys seals its blobs")
	}
	agency := AgencyIDFromName("某区市场监督管理局")
	start := time.Date(2026, 11, 20, 10, 0, 0, 0, casework.Shanghai)
	for n := 1; n <= sealCases; n++ {
		id := fmt.Sprintf("c-%d", n)
		note := fmt.Sprintf("当事人王五（身份证号%s）在场。%s-%d %s", partyIDNo, caseMarker, n, strings.Repeat("现场检查记录。", 150))
		if _, err := s.Append(ctx, f.terminal,
			Draft{Actor: f.admin, Payload: &casework.CaseOpened{Case: id, Number: fmt.Sprintf("某市监罚〔2026〕%d号", n),
				Title: "无照经营", ActType: casework.ActPenalty, Agency: agency}},
			Draft{Actor: f.admin, Payload: &casework.CasePhaseAdvanced{Case: id, Phase: casework.PhaseInvestigation}},
			Draft{Actor: f.admin, Payload: &casework.StepRecorded{Step: id + "-s1", Case: id, Kind: casework.StepOnSiteInspection,
				Start: start, End: start.Add(40 * time.Minute), Officers: []string{f.admin}, Note: note}},
		); err != nil {
			t.Fatal(err)
		}
	}
	var want plainRecord
	for i := 0; i < sealBlobs; i++ {
		size := 256<<10 + mrand.IntN(3<<20-256<<10+1)
		d, n, err := s.Blobs().Put(ctx, bytes.NewReader(footageContent(t, size)))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Append(ctx, f.terminal, footageDraft(f.admin, d, n, fmt.Sprintf("DCIM/%04d.MP4", i))); err != nil {
			t.Fatal(err)
		}
		want.digests = append(want.digests, d)
		want.blobBytes += n
	}
	r, err := s.Check(ctx, f.trusted(t))
	if err != nil || !r.OK() || r.Blobs != sealBlobs {
		t.Fatalf("the plaintext folder does not check clean: %v %+v", err, r)
	}
	want.events = r.Events
	want.eventsHash = eventsHash(t, s.db)
	for _, d := range want.digests { // named by the SHA-256 of their plaintext
		b, err := os.ReadFile(s.Blobs().Path(d))
		if err != nil || sha256.Sum256(b) != d {
			t.Fatalf("plaintext blob %s: %v", d, err)
		}
	}

	origin := filepath.Join(t.TempDir(), "origin")
	copyTree(t, plain, origin)
	if fi, err := os.Stat(filepath.Join(origin, DatabaseFile+"-wal")); err != nil || fi.Size() == 0 {
		t.Fatalf("the copy of the open plaintext folder has no WAL to seal: %v", err)
	}
	return origin, want
}

// unsealDatabase copies the sealed database src page by page into a
// plaintext file dst (SQLite's online backup), and checks dst is plaintext.
func unsealDatabase(t *testing.T, src, dst string, key *[32]byte) {
	t.Helper()
	c, err := sqlite3.Open((&url.URL{Scheme: "file", OmitHost: true, Path: src,
		RawQuery: "vfs=adiantum&hexkey=" + hex.EncodeToString(key[:])}).String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Backup("main", (&url.URL{Scheme: "file", OmitHost: true, Path: dst}).String()); err != nil {
		t.Fatalf("unseal database: %v", err)
	}
	if plain, err := databaseIsPlaintext(dst); err != nil || !plain {
		t.Fatalf("the unsealed copy %s is not a plaintext database (%v)", dst, err)
	}
	if err := os.Chmod(dst, 0o600); err != nil {
		t.Fatal(err)
	}
}

// footageContent is size bytes of noise with the footage marker every 4 KiB.
func footageContent(t *testing.T, size int) []byte {
	t.Helper()
	b := make([]byte, size)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	for i := 0; i+len(footageMarker) <= size; i += 4 << 10 {
		copy(b[i:], footageMarker)
	}
	return b
}

// eventsHash is the SHA-256 over every event's hash, in the log's order.
func eventsHash(t *testing.T, db *sql.DB) string {
	t.Helper()
	rows, err := db.Query("SELECT hash FROM events ORDER BY terminal, seq")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	h := sha256.New()
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			t.Fatal(err)
		}
		h.Write(b)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// copyTree copies the folder src to dst with the files' modes, leaving out
// the top-level entries whose names start with one of skip.
func copyTree(t *testing.T, src, dst string, skip ...string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		for _, s := range skip {
			if !strings.Contains(rel, string(filepath.Separator)) && strings.HasPrefix(rel, s) {
				if e.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
		}
		fi, err := e.Info()
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if e.IsDir() {
			return os.MkdirAll(target, fi.Mode().Perm())
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, fi.Mode().Perm())
	})
	if err != nil {
		t.Fatalf("copy %s: %v", src, err)
	}
}

func sealChild(dir string) (*exec.Cmd, *bytes.Buffer) {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), sealChildEnv+"="+dir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	return cmd, &stderr
}

// runSealChildToEnd runs the child on dir unkilled and says how long it took.
func runSealChildToEnd(t *testing.T, dir string) time.Duration {
	t.Helper()
	cmd, stderr := sealChild(dir)
	start := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("seal child: %v: %s", err, stderr)
	}
	return time.Since(start)
}

// killSealChildAfter starts the child on dir and SIGKILLs it after delay;
// it reports whether the kill ended it (false: it had finished, exit 0).
func killSealChildAfter(t *testing.T, dir string, delay time.Duration) (bool, string) {
	t.Helper()
	cmd, stderr := sealChild(dir)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(delay)
	cmd.Process.Signal(syscall.SIGKILL)
	err := cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		if stderr.Len() > 0 {
			return true, "; child said: " + strings.TrimSpace(stderr.String())
		}
		return true, ""
	}
	if err != nil {
		t.Fatalf("seal child failed on its own: %v: %s", err, stderr)
	}
	return false, ""
}

// killDelay picks when to kill the next child. The first two kills on a
// fresh copy land around the end of the child's start-up, where the
// database is sealed; the others somewhere in the work left (sealed
// blobs stay sealed, so it shrinks with every kill), each taking about an even share of it, so
// most kills land mid-migration. full is an unkilled migration, idle the
// same child with nothing to seal.
func killDelay(genKills, kills int, st folderState, want plainRecord, full, idle time.Duration) time.Duration {
	if genKills < 2 {
		return time.Duration((0.6 + 0.7*mrand.Float64()) * float64(idle))
	}
	left := 1.0
	if st.dbSealed {
		left = float64(st.plainBytes) / float64(want.blobBytes)
	}
	work := left * float64(max(full-idle, 0))
	share := 2 * work / float64(sealKills-kills+1)
	return idle + time.Duration(min(mrand.Float64()*share, sealWindowFrac*work))
}

// folderState is what a killed migration left, read without opening the
// store (which would finish the migration).
type folderState struct {
	dbSealed                bool
	sealedBlobs, plainBlobs int
	plainBytes              int64 // of the blobs still in plaintext
	sealingCopy             bool  // lawtrail.db.sealing exists
	tempFiles               int   // blobs/tmp/put-*
}

func (s folderState) complete() bool { return s.dbSealed && s.plainBlobs == 0 }

// inspectFolder checks that the killed migration lost nothing: a copy of
// the database (sealed or not) holds every event, every blob is there
// under its name with its content (sealed or not), and plaintext is only
// where it is still due to be sealed.
func inspectFolder(t *testing.T, dir string, keys *RecordKeys, want plainRecord) folderState {
	t.Helper()
	var st folderState
	dbFile := filepath.Join(dir, DatabaseFile)
	plain, err := databaseIsPlaintext(dbFile)
	if err != nil {
		t.Fatal(err)
	}
	st.dbSealed = !plain
	if _, err := os.Stat(dbFile + SealingSuffix); err == nil {
		st.sealingCopy = true
	}
	scratch := t.TempDir()
	for _, name := range []string{DatabaseFile, DatabaseFile + "-wal"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if errors.Is(err, fs.ErrNotExist) && name != DatabaseFile {
			continue
		}
		if err != nil {
			t.Fatalf("after a kill: %v", err)
		}
		if err := os.WriteFile(filepath.Join(scratch, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var key *[32]byte
	if st.dbSealed {
		key = &keys.Database
	}
	db, err := openTerminalDB(context.Background(), filepath.Join(scratch, DatabaseFile), key)
	if err != nil {
		t.Fatalf("after a kill (database sealed: %v): a copy of the database does not open: %v", st.dbSealed, err)
	}
	var n int
	if err := db.QueryRow("SELECT count(*) FROM events").Scan(&n); err != nil {
		db.Close()
		t.Fatalf("after a kill (database sealed: %v): %v", st.dbSealed, err)
	}
	got := eventsHash(t, db)
	db.Close()
	if n != want.events || got != want.eventsHash {
		t.Fatalf("after a kill (database sealed: %v): %d events, the plaintext folder had %d (same: %v)",
			st.dbSealed, n, want.events, got == want.eventsHash)
	}

	root := filepath.Join(dir, BlobDir)
	plainStore := &BlobStore{root: root}
	sealedStore := &BlobStore{root: root}
	if err := sealedStore.sealWith(keys.Footage); err != nil {
		t.Fatal(err)
	}
	found := map[evidence.Digest]bool{}
	err = plainStore.Walk(context.Background(), func(bf BlobFile) error {
		if !bf.Named {
			return fmt.Errorf("a file not named by a digest: %s", bf.Path)
		}
		sealed, err := fileIsSealed(bf.Path)
		if err != nil {
			return err
		}
		s := plainStore
		if sealed {
			s = sealedStore
			st.sealedBlobs++
		} else {
			fi, err := os.Stat(bf.Path)
			if err != nil {
				return err
			}
			st.plainBlobs++
			st.plainBytes += fi.Size()
		}
		if err := s.verifyFile(context.Background(), bf.Path, bf.Digest); err != nil {
			return fmt.Errorf("blob %s (sealed: %v): %w", bf.Digest, sealed, err)
		}
		found[bf.Digest] = true
		return nil
	})
	if err != nil {
		t.Fatalf("after a kill: %v", err)
	}
	for _, d := range want.digests {
		if !found[d] {
			t.Fatalf("after a kill: blob %s is gone", d)
		}
	}
	if len(found) != len(want.digests) {
		t.Fatalf("after a kill: %d blobs, the plaintext folder had %d", len(found), len(want.digests))
	}
	temps, err := filepath.Glob(filepath.Join(root, tmpDir, "put-*"))
	if err != nil {
		t.Fatal(err)
	}
	st.tempFiles = len(temps)
	assertPlaintextOnlyWhereDue(t, dir, st)
	return st
}

// assertPlaintextOnlyWhereDue: the secrets may be found in the database
// and its WAL while the database is plaintext, and in plaintext blobs;
// nowhere else (not in the sealed copy, a sealed blob's temporary file, a
// WAL beside a sealed database).
func assertPlaintextOnlyWhereDue(t *testing.T, dir string, st folderState) {
	t.Helper()
	err := filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if !bytes.Contains(b, []byte(partyIDNo)) && !bytes.Contains(b, []byte(footageMarker)) {
			return nil
		}
		rel, _ := filepath.Rel(dir, path)
		switch {
		case !st.dbSealed && (rel == DatabaseFile || rel == DatabaseFile+"-wal"):
			return nil
		case strings.HasPrefix(rel, BlobDir+string(filepath.Separator)) && !strings.Contains(rel, tmpDir+string(filepath.Separator)) &&
			!sealstream.IsSealed(b):
			return nil
		}
		return fmt.Errorf("plaintext in %s (database sealed: %v)", rel, st.dbSealed)
	})
	if err != nil {
		t.Fatalf("after a kill: %v", err)
	}
}

func yesNo(b bool, yes, no string) string {
	if b {
		return yes
	}
	return no
}

// A sealed folder opened without keys is refused with ErrSealed, and with
// another terminal's keys it fails too; neither touches a byte of it, and
// it still opens and checks clean with its own keys.
func TestOpenWithoutKeysRefusesSealed(t *testing.T) {
	ctx := context.Background()
	f, _ := fixtureWithFootage(t)
	f.store.Close()
	before := hashTree(t, f.dir)
	if plain, err := databaseIsPlaintext(filepath.Join(f.dir, DatabaseFile)); err != nil || plain {
		t.Fatalf("the fixture's database is plaintext (%v)", err)
	}

	if s, err := Open(ctx, f.dir, Options{}); !errors.Is(err, ErrSealed) {
		if err == nil {
			s.Close()
		}
		t.Fatalf("open without keys: %v, want ErrSealed", err)
	}
	other, err := evidence.GenerateKeyPair(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	wrong, err := DeriveRecordKeys(other)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(ctx, f.dir, Options{Keys: wrong})
	if err == nil {
		s.Close()
		t.Fatal("a sealed folder opened with another terminal's keys")
	}
	t.Logf("wrong keys: %v", err)
	after := hashTree(t, f.dir)
	for name, h := range before {
		if after[name] != h {
			t.Errorf("the failed opens changed %s: %q, was %q", name, after[name], h)
		}
	}
	for name, h := range after {
		if _, ok := before[name]; !ok {
			if !strings.HasSuffix(h, emptySHA256) {
				t.Errorf("the failed opens left %s with content: %s", name, h)
			} else {
				t.Logf("the failed opens left an empty %s", name)
			}
		}
	}
	if t.Failed() {
		t.FailNow()
	}

	s, err = Open(ctx, f.dir, Options{Keys: f.keys})
	if err != nil {
		t.Fatalf("open with its own keys after the failed opens: %v", err)
	}
	defer s.Close()
	if r, err := s.Check(ctx, f.trusted(t)); err != nil || !r.OK() || r.Events != 9 || r.Blobs != 3 {
		t.Fatalf("check after the failed opens: %v %+v", err, r)
	}
}

// emptySHA256 is the SHA-256 of nothing.
const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// hashTree maps every file and folder under dir to its mode and, for a
// file, its SHA-256.
func hashTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := e.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if e.IsDir() {
			out[rel+"/"] = fi.Mode().String()
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		out[rel] = fmt.Sprintf("%v %x", fi.Mode(), sha256.Sum256(b))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
