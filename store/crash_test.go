package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"lawtrail/casework"
)

const crashChildEnv = "LAWTRAIL_CRASH_CHILD_DIR"

// TestMain runs the test binary as the crash child when asked to.
func TestMain(m *testing.M) {
	if dir := os.Getenv(crashChildEnv); dir != "" {
		if err := runCrashChild(dir); err != nil {
			fmt.Fprintln(os.Stderr, "crash child:", err)
			os.Exit(3)
		}
	}
	os.Exit(m.Run())
}

// runCrashChild is the child side of TestCrashConsistency: it appends
// events and puts blobs as fast as it can until it is killed.
func runCrashChild(dir string) error {
	ctx := context.Background()
	key, err := UnlockTerminal(dir, []byte("terminal pass"))
	if err != nil {
		return err
	}
	keys, err := DeriveRecordKeys(key)
	if err != nil {
		return err
	}
	s, err := Open(ctx, dir, Options{Keys: keys})
	if err != nil {
		return err
	}
	for {
		size := mrand.IntN(512 << 10)
		d, n, err := s.Blobs().Put(ctx, io.LimitReader(rand.Reader, int64(size)))
		if err != nil {
			return err
		}
		id := randomID()
		drafts := []Draft{footageDraft("o-001", d, n, "DCIM/"+id+".MP4")}
		if mrand.IntN(2) == 0 { // sometimes a batch
			drafts = append(drafts, Draft{Actor: "o-001", Payload: &casework.CaseOpened{Case: "c-" + id, Number: id,
				Title: "crash", ActType: casework.ActInspection, Agency: "a1"}})
		}
		if _, err := s.Append(ctx, key, drafts...); err != nil {
			return err
		}
	}
}

func randomID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Kill a writer with SIGKILL at random moments, 20 times, and after each
// kill the chain must verify, and no blob may be half-written or misnamed.
func TestCrashConsistency(t *testing.T) {
	f := newFixture(t)
	f.store.Close()
	ctx := context.Background()
	lastEvents := 0
	for round := 0; round < 20; round++ {
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), crashChildEnv+"="+f.dir)
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(100+mrand.IntN(400)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		err := cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
			t.Fatalf("round %d: child ended on its own: %v", round, err)
		}
		s, err := Open(ctx, f.dir, Options{Keys: f.keys})
		if err != nil {
			t.Fatalf("round %d: reopen: %v", round, err)
		}
		r, err := s.Check(ctx, f.trusted(t))
		s.Close()
		if err != nil {
			t.Fatalf("round %d: check: %v", round, err)
		}
		if !r.OK() {
			t.Fatalf("round %d: after SIGKILL: %v", round, r.Problems)
		}
		if r.Events < lastEvents {
			t.Fatalf("round %d: events went from %d to %d", round, lastEvents, r.Events)
		}
		lastEvents = r.Events
	}
	if lastEvents <= 3 {
		t.Fatalf("the child never appended (%d events): the test tested nothing", lastEvents)
	}
	t.Logf("%d events after 20 kills", lastEvents)
}
