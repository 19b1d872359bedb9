package terminal_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"lawtrail/casework"
	"lawtrail/evidence"
	"lawtrail/live"
	"lawtrail/store"
	"lawtrail/terminal"
	"lawtrail/terminal/terminaltest"
)

// liveEvents returns the footage.ingested and step.footage_linked payloads
// of the record, by digest.
func liveEvents(t *testing.T, f *terminaltest.Fixture) (map[evidence.Digest]casework.FootageIngested, map[evidence.Digest]string) {
	t.Helper()
	ingested := map[evidence.Digest]casework.FootageIngested{}
	linked := map[evidence.Digest]string{}
	err := f.Terminal.Store().Events(context.Background(), func(se store.StoredEvent) error {
		b, err := evidence.ParseBody(se.Event.Body)
		if err != nil {
			return err
		}
		switch b.Type {
		case casework.TypeFootageIngested, casework.TypeStepFootageLinked:
			p, err := casework.Decode(b.Type, b.Payload)
			if err != nil {
				return err
			}
			switch p := p.(type) {
			case *casework.FootageIngested:
				ingested[p.Digest] = *p
			case *casework.StepFootageLinked:
				linked[p.Digest] = p.Step
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ingested, linked
}

// noPlaintextMedia fails if a .ts or .ogg file, or any file starting like
// MPEG-TS (0x47 sync byte) or Ogg, lies anywhere in the data folder.
func noPlaintextMedia(t *testing.T, dir string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		if ext := filepath.Ext(p); ext == ".ts" || ext == ".ogg" {
			t.Errorf("plaintext media file %s", p)
		}
		fh, err := os.Open(p)
		if err != nil {
			return err
		}
		defer fh.Close()
		head := make([]byte, 189)
		n, _ := fh.Read(head)
		if n >= 189 && head[0] == 0x47 && head[188] == 0x47 || n >= 4 && string(head[:4]) == "OggS" {
			t.Errorf("%s holds plaintext MPEG-TS or Ogg", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestGoLiveIngestsFootageLinkedToTheStep(t *testing.T) {
	ctx := context.Background()
	f := terminaltest.New(t)
	caseID := f.OpenCase(t, f.Admin, "某市监罚〔2026〕14号", "直播测试")
	step, err := f.Admin.RecordStep(ctx, terminal.NewStep{Case: caseID, Kind: casework.StepOnSiteInspection,
		Start: f.Clock.T.Add(-time.Hour), End: f.Clock.T.Add(-time.Hour + time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	ls, err := f.Admin.GoLive(ctx, terminal.LiveOptions{Source: "pattern:320x240@15", Case: caseID, Step: step.Step})
	if err != nil {
		t.Fatal(err)
	}
	if st := ls.Status(); st.Link != live.LinkNoHub {
		t.Errorf("a terminal without a hub: link %q", st.Link)
	}
	time.Sleep(2 * time.Second)
	// A second session at once (the 采集 tab's, say) leaves the first's recording alone.
	other, err := f.Admin.GoLive(ctx, terminal.LiveOptions{Source: "pattern:320x240@15"})
	if err != nil {
		t.Fatal(err)
	}
	if len(other.Recovered) != 0 {
		t.Fatalf("the second session took the running one's recording as left by a crash: %+v", other.Recovered)
	}
	time.Sleep(time.Second)
	res, err := ls.Stop(ctx)
	if err != nil {
		t.Fatal(err)
	}
	res2, err := other.Stop(ctx)
	if err != nil || res2.Footage.IsZero() || res2.Footage == res.Footage || res2.Linked != "" {
		t.Fatalf("the second session: %+v, %v", res2, err)
	}
	if res.Footage.IsZero() || res.Size == 0 || res.Linked != step.Step || !res.Talkback.IsZero() {
		t.Fatalf("result %+v", res)
	}
	ingested, linked := liveEvents(t, f)
	p, ok := ingested[res.Footage]
	if !ok {
		t.Fatal("no footage.ingested for the live recording")
	}
	want := casework.SourceKey{DeviceSerial: "live", Path: "live/" + ls.ID() + "/stream.ts", Size: res.Size}
	if p.DeviceSerial != want.DeviceSerial || p.Path != want.Path || p.Size != want.Size || !p.ModTime.Equal(res.End) ||
		p.Officer != terminaltest.AdminID || p.Clerk != terminaltest.AdminID || p.Station != "采集站-1" ||
		!p.Start.Equal(res.Start) || !p.End.Equal(res.End) || p.ClockOffset != 0 || !p.ClockKnown || p.DeviceModel != "pattern" {
		t.Errorf("custody %+v\nresult %+v", p, res)
	}
	if linked[res.Footage] != step.Step {
		t.Errorf("footage linked to %q, want %s", linked[res.Footage], step.Step)
	}
	rep, err := f.Terminal.Store().Check(ctx, mustTrusted(t, f))
	if err != nil || !rep.OK() {
		t.Fatalf("check: %+v, %v", rep, err)
	}
	noPlaintextMedia(t, f.Dir)
}

func TestGoLiveRefusesBeforeRecording(t *testing.T) {
	ctx := context.Background()
	f := terminaltest.New(t)
	caseID := f.OpenCase(t, f.Admin, "某市监罚〔2026〕15号", "直播拒绝")
	other := f.OpenCase(t, f.Admin, "某市监罚〔2026〕16号", "另一案")
	step, err := f.Admin.RecordStep(ctx, terminal.NewStep{Case: other, Kind: casework.StepOnSiteInspection,
		Start: f.Clock.T.Add(-time.Hour), End: f.Clock.T.Add(-time.Hour + time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	f.Enroll(t, "o-009", "审核员", "35010000009", "246810", casework.RoleReviewer)
	reviewer := f.Login(t, "o-009", "246810")
	for name, tc := range map[string]struct {
		s *terminal.Session
		o terminal.LiveOptions
	}{
		"step of another case": {f.Admin, terminal.LiveOptions{Source: "pattern", Case: caseID, Step: step.Step}},
		"step without case":    {f.Admin, terminal.LiveOptions{Source: "pattern", Step: step.Step}},
		"no such step":         {f.Admin, terminal.LiveOptions{Source: "pattern", Case: caseID, Step: "s-000000000000"}},
		"bad source":           {f.Admin, terminal.LiveOptions{Source: "/dev/video99"}},
		"role records nothing": {reviewer, terminal.LiveOptions{Source: "pattern"}},
	} {
		t.Run(name, func(t *testing.T) {
			if ls, err := tc.s.GoLive(ctx, tc.o); err == nil {
				ls.Stop(ctx)
				t.Fatal("started")
			} else if name != "role records nothing" && !errors.Is(err, terminal.ErrBadInput) {
				t.Errorf("error %v, want ErrBadInput", err)
			} else if name == "role records nothing" && !errors.Is(err, casework.ErrRole) {
				t.Errorf("error %v, want ErrRole", err)
			}
		})
	}
	if orphans, err := live.Orphans(f.Terminal.Store().Blobs()); err != nil || len(orphans) != 0 {
		t.Errorf("recordings left: %v, %v", orphans, err)
	}
}

// A terminal that dies mid-session ingests what it recorded (up to its
// last durable point) at the next GoLive, marked recovered.
func TestGoLiveRecoversACrashedSession(t *testing.T) {
	ctx := context.Background()
	f := terminaltest.New(t)
	caseID := f.OpenCase(t, f.Admin, "某市监罚〔2026〕17号", "直播中断")
	step, err := f.Admin.RecordStep(ctx, terminal.NewStep{Case: caseID, Kind: casework.StepOnSiteInspection,
		Start: f.Clock.T.Add(-time.Hour), End: f.Clock.T.Add(-time.Hour + time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	crashed := startAndAbandon(t, f, caseID, step.Step)
	f.Reopen(t)
	ls, err := f.Admin.GoLive(ctx, terminal.LiveOptions{Source: "pattern:320x240@15"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ls.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if len(ls.Recovered) != 1 || ls.Recovered[0].Session != crashed || !ls.Recovered[0].Recovered || ls.Recovered[0].Size == 0 {
		t.Fatalf("recovered %+v", ls.Recovered)
	}
	rec := ls.Recovered[0]
	ingested, linked := liveEvents(t, f)
	if p := ingested[rec.Footage]; p.Path != "live/"+crashed+"/stream.ts" || linked[rec.Footage] != step.Step {
		t.Errorf("recovered custody %+v, linked to %q", p, linked[rec.Footage])
	}
	rep, err := f.Terminal.Store().Check(ctx, mustTrusted(t, f))
	if err != nil || !rep.OK() {
		t.Fatalf("check: %+v, %v", rep, err)
	}
	noPlaintextMedia(t, f.Dir)
}

// startAndAbandon starts a session in a child process of the test binary
// and kills it (and its ffmpeg) after a few seconds: a crash.
func startAndAbandon(t *testing.T, f *terminaltest.Fixture, caseID, step string) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestLiveCrashChild$", "-test.v")
	cmd.Env = append(os.Environ(), "LAWTRAIL_LIVE_CRASH_DIR="+f.Dir, "LAWTRAIL_LIVE_CRASH_CASE="+caseID, "LAWTRAIL_LIVE_CRASH_STEP="+step)
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("the child was not killed:\n%s", out)
	}
	_, after, ok := strings.Cut(string(out), "SESSION=")
	id, _, _ := strings.Cut(after, "\n")
	if !ok || id == "" {
		t.Fatalf("child output:\n%s", out)
	}
	return strings.TrimSpace(id)
}

// TestLiveCrashChild is the terminal that crashes, run by startAndAbandon
// in a child process (it does nothing in a normal run).
func TestLiveCrashChild(t *testing.T) {
	dir := os.Getenv("LAWTRAIL_LIVE_CRASH_DIR")
	if dir == "" {
		return
	}
	ctx := context.Background()
	tm, err := terminal.Open(ctx, dir, terminal.Options{KDF: terminaltest.KDF, Passphrase: []byte(terminaltest.Passphrase)})
	if err != nil {
		t.Fatal(err)
	}
	desk, err := tm.Desk(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s, err := desk.Login(ctx, terminaltest.AdminID, []byte(terminaltest.AdminPIN))
	if err != nil {
		t.Fatal(err)
	}
	ls, err := s.GoLive(ctx, terminal.LiveOptions{Source: "pattern:320x240@15", Case: os.Getenv("LAWTRAIL_LIVE_CRASH_CASE"),
		Step: os.Getenv("LAWTRAIL_LIVE_CRASH_STEP")})
	if err != nil {
		t.Fatal(err)
	}
	os.Stdout.WriteString("SESSION=" + ls.ID() + "\n")
	for ls.Status().Recorded == 0 {
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(5 * time.Second) // two checkpoints at least
	_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
}
