package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"lawtrail/sync/faultproxy"
	"lawtrail/terminal"
)

// liveBrowser is Chromium with a fake camera and microphone (the
// supervisor's push-to-talk) and media allowed without a prompt.
func liveBrowser(t *testing.T) *browser {
	t.Helper()
	chrome, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("chromium is not installed: run `make deps` (Debian's chromium drives the browser test)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chrome), chromedp.NoSandbox,
		chromedp.WindowSize(1280, 900), chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("use-fake-ui-for-media-stream", true), chromedp.Flag("autoplay-policy", "no-user-gesture-required"))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 6*time.Minute)
	t.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	return &browser{t: t, ctx: ctx}
}

// videoStats is what the page's connection reports of the video it
// receives, and the kind of its local ICE candidate in use.
type videoStats struct {
	Frames    int    `json:"frames"`
	Packets   int    `json:"packets"`
	Lost      int    `json:"lost"`
	Candidate string `json:"candidate"`
	State     string `json:"state"`
}

const videoStatsJS = `(async () => {
  const pc = window.livePC;
  const out = {frames: 0, packets: 0, lost: 0, candidate: '', state: String(window.liveState || '')};
  if (!pc) return out;
  const st = await pc.getStats();
  let pair = null;
  st.forEach(r => {
    if (r.type === 'inbound-rtp' && r.kind === 'video') {
      out.frames += r.framesDecoded || 0; out.packets += r.packetsReceived || 0; out.lost += r.packetsLost || 0;
    }
    if (r.type === 'transport' && r.selectedCandidatePairId) pair = st.get(r.selectedCandidatePairId);
  });
  if (pair) { const l = st.get(pair.localCandidateId); if (l) out.candidate = l.candidateType; }
  return out;
})()`

func (b *browser) videoStats() videoStats {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[videoStats](videoStatsJS, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("browser: video stats: %v", err)
	}
	return v
}

// framesBeyond waits until the page has decoded more than n frames, and
// returns the stats then; it fails after limit.
func (b *browser) framesBeyond(n int, limit time.Duration, what string) videoStats {
	b.t.Helper()
	deadline := time.Now().Add(limit)
	for {
		v := b.videoStats()
		if v.Frames > n {
			return v
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("%s: no frame decoded beyond %d in %v (stats %+v)", what, n, limit, v)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// liveTerminal opens the terminal folder dir in this process, 张三 logged
// in: the test injects faults into its network, which a child process's
// would not allow.
func liveTerminal(t *testing.T, dir string) *terminal.Session {
	t.Helper()
	ctx := context.Background()
	term, err := terminal.Open(ctx, dir, terminal.Options{Passphrase: []byte(pass["LAWTRAIL_PASSPHRASE"])})
	if err != nil {
		t.Fatalf("open the terminal: %v", err)
	}
	t.Cleanup(func() { term.Close() })
	desk, err := term.Unlock(ctx, []byte(pass["LAWTRAIL_PASSPHRASE"]))
	if err != nil {
		t.Fatalf("unlock: %v", err)
	}
	s, err := desk.Login(ctx, "o-001", []byte(zhangPIN))
	if err != nil {
		t.Fatalf("login: %v", err)
	}
	return s
}

// TestLiveInBrowser is issue 14's acceptance: a terminal streams a test
// pattern through a hub process; a supervisor's Chromium plays it within
// seconds, keeps playing through 5 % packet loss on the terminal's link,
// plays it through the hub's TURN when forced to relay, and resumes by
// itself after the terminal's link is cut for 10 s; the terminal's own
// recording has no gap, is ingested as footage linked to the step with its
// custody, the hub records who watched, and both checks pass.
func TestLiveInBrowser(t *testing.T) {
	const agency = "某区城市管理综合行政执法局"
	h := startHubProcess(t, "--web", "127.0.0.1:0", "--live-udp", "127.0.0.1:0", "--turn", "127.0.0.1:0", "--turn-ip", "127.0.0.1")
	web := h.webURL(t)
	dir := agencyTerminal(t, h, agency)
	caseID := strings.TrimSpace(mustAgencyCtl(t, asZhang, "--data", dir, "case", "new", "--number", "示城执强〔2026〕3号", "--title", "违法建设强制拆除",
		"--act", "coercion"))
	step := strings.TrimSpace(mustAgencyCtl(t, asZhang, "--data", dir, "case", "step", caseID, "--kind", "forced_demolition",
		"--start", "2026-12-02 09:00", "--end", "2026-12-02 11:00"))
	mustAgencyCtl(t, nil, "--data", dir, "sync", "--once")
	const password = "指挥中心 口令 horse"
	cmd := exec.Command(h.bin, "--data", h.dir, "user", "add", "指挥中心", "--role", "supervisor", "--agency", "all")
	cmd.Env = append(os.Environ(), append(hubEnv, "LAWTRAIL_WEB_PASSWORD="+password)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("user add: %v\n%s", err, out)
	}

	desk := liveBrowser(t)
	desk.open(web + "/console/login")
	if err := chromedp.Do(desk.ctx, chromedp.SendKeys(`#name`, "指挥中心"), chromedp.SendKeys(`#password`, password),
		chromedp.Click(`button[type=submit]`), chromedp.WaitVisible(`#alerts`)); err != nil {
		t.Fatalf("sign in: %v", err)
	}

	sess := liveTerminal(t, dir)
	lossy, err := faultproxy.NewLossyNet()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	published := time.Now()
	ls, err := sess.GoLive(ctx, terminal.LiveOptions{Source: "pattern", Case: caseID, Step: step, Net: lossy})
	if err != nil {
		t.Fatalf("go live: %v", err)
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			ls.Stop(context.Background())
		}
	})

	// The console lists the session with its officer and case; its page
	// plays it.
	deadline := time.Now().Add(20 * time.Second)
	for list := desk.open(web + "/console/live"); !strings.Contains(list, "张三"); list = desk.open(web + "/console/live") {
		if time.Now().After(deadline) {
			t.Fatalf("the live list never showed the session:\n%s", list)
		}
		time.Sleep(200 * time.Millisecond)
	}
	page := desk.open(web + "/console/live/" + ls.ID())
	if !strings.Contains(page, "张三") || !strings.Contains(page, "示城执强〔2026〕3号 违法建设强制拆除") || !strings.Contains(page, "强制拆除（"+step+"）") {
		t.Fatalf("the session page shows no officer or case:\n%s", page)
	}
	first := desk.framesBeyond(0, 30*time.Second, "first frame")
	firstFrame := time.Since(published)
	t.Logf("publish → first frame decoded in the browser: %v", firstFrame.Round(time.Millisecond))
	desk.shot("console-live")
	// Frames decoded per second, on a clean link.
	time.Sleep(5 * time.Second)
	clean := desk.videoStats()
	fps := float64(clean.Frames-first.Frames) / 5
	t.Logf("frames decoded per second: %.1f", fps)
	if fps < 5 {
		t.Fatalf("the stream plays at %.1f frames per second on a clean link", fps)
	}

	// 5 % of the terminal's packets lost, each way: the picture goes on.
	lossy.SetLoss(0.05)
	prev := clean
	for i := 0; i < 5; i++ {
		time.Sleep(2 * time.Second)
		v := desk.videoStats()
		if v.Frames <= prev.Frames {
			t.Fatalf("with 5%% loss the picture froze: %+v then %+v", prev, v)
		}
		prev = v
	}
	lossy.SetLoss(0)

	// A second page, forced to relay: it plays through the hub's TURN.
	relay := liveBrowser(t)
	relay.open(web + "/console/login")
	if err := chromedp.Do(relay.ctx, chromedp.SendKeys(`#name`, "指挥中心"), chromedp.SendKeys(`#password`, password),
		chromedp.Click(`button[type=submit]`), chromedp.WaitVisible(`#alerts`)); err != nil {
		t.Fatalf("sign in (relay): %v", err)
	}
	relay.open(web + "/console/live/" + ls.ID() + "?relay=1")
	if v := relay.framesBeyond(0, 30*time.Second, "relayed"); v.Candidate != "relay" {
		t.Fatalf("the relayed page uses a %q candidate, not the TURN relay", v.Candidate)
	}

	// Push-to-talk: the supervisor holds the button for 3 s; the
	// terminal receives and records it.
	press := func(ev string) {
		t.Helper()
		if _, err := chromedp.Run(desk.ctx, chromedp.Evaluate[bool](`document.getElementById('talk').dispatchEvent(new PointerEvent('`+ev+`', {bubbles: true, cancelable: true}))`)); err != nil {
			t.Fatalf("push-to-talk %s: %v", ev, err)
		}
	}
	press("pointerdown")
	time.Sleep(3 * time.Second)
	press("pointerup")

	// The terminal's link cut for 10 s, then back: nobody does anything,
	// the picture comes back.
	lossy.Cut(true)
	time.Sleep(10 * time.Second)
	cut := desk.videoStats()
	lossy.Cut(false)
	desk.framesBeyond(cut.Frames+25, 60*time.Second, "after the link came back")
	relay.framesBeyond(relay.videoStats().Frames+25, 60*time.Second, "relayed, after the link came back")

	res, err := ls.Stop(ctx)
	stopped = true
	if err != nil {
		t.Fatalf("stop: %v", err)
	}
	if res.Footage.IsZero() || res.Linked != step || res.Talkback.IsZero() {
		t.Fatalf("the recording: %+v", res)
	}

	// The recording, exported as an officer would: no gap in its video.
	out := filepath.Join(t.TempDir(), "live.ts")
	mustAgencyCtl(t, asZhang, "--data", dir, "footage", "export", res.Footage.String(), "--out", out)
	gap, span := videoGap(t, out)
	if gap > 500*time.Millisecond {
		t.Fatalf("the local recording has a gap of %v", gap)
	}
	if span < 25*time.Second {
		t.Fatalf("the local recording spans %v only", span)
	}
	// Its custody: who streamed, from where, when, on which step — and
	// the export just made.
	custody := mustAgencyCtl(t, asZhang, "--data", dir, "footage", "custody", "--json", res.Footage.String())
	if !strings.Contains(custody, `"Type":"footage.ingested","Actor":"o-001"`) || !strings.Contains(custody, "access.footage_exported") {
		t.Fatalf("the custody trail:\n%s", custody)
	}
	log := mustAgencyCtl(t, asZhang, "--data", dir, "log", "--json")
	for _, want := range []string{`"device_serial":"live","original_path":"live/` + ls.ID() + `/stream.ts"`,
		`"device_model":"pattern"`, `"officer":"o-001"`, `"original_path":"live/` + ls.ID() + `/talkback.ogg"`, `"step":"` + step + `","digest":"` + res.Footage.String()} {
		if !strings.Contains(log, want) {
			t.Fatalf("the log lacks %s:\n%s", want, log)
		}
	}
	mustAgencyCtl(t, nil, "--data", dir, "sync", "--once")
	if r := agencyCtl(t, nil, "--data", dir, "check"); r.code != 0 {
		t.Fatalf("terminal check: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if out, rc := h.run(t, "check"); rc != 0 {
		t.Fatalf("hub check: %d %s", rc, out)
	}
	// The hub recorded who watched.
	watched := desk.open(web + "/console/live/" + ls.ID())
	if !strings.Contains(watched, "指挥中心") || !strings.Contains(watched, "喊话") {
		t.Fatalf("the session page does not show who watched:\n%s", watched)
	}
	t.Logf("figures: first frame %v after publishing; %.1f frames/s decoded", firstFrame.Round(time.Millisecond), fps)
}

// videoGap reads the video packets' times of an MPEG-TS with ffprobe and
// returns the longest step between two and the time they span.
func videoGap(t *testing.T, path string) (gap, span time.Duration) {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pts_time",
		"-of", "json", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v (ffprobe comes with ffmpeg: make deps)", path, err)
	}
	var probe struct {
		Packets []struct {
			PTS string `json:"pts_time"`
		} `json:"packets"`
	}
	if err := json.Unmarshal(out, &probe); err != nil {
		t.Fatalf("ffprobe's answer: %v", err)
	}
	var times []float64
	for _, p := range probe.Packets {
		if v, err := strconv.ParseFloat(p.PTS, 64); err == nil {
			times = append(times, v)
		}
	}
	if len(times) < 2 {
		t.Fatalf("the recording has %d video packets", len(times))
	}
	sort.Float64s(times)
	var g float64
	for i := 1; i < len(times); i++ {
		g = max(g, times[i]-times[i-1])
	}
	sec := func(f float64) time.Duration { return time.Duration(f * float64(time.Second)) }
	return sec(g), sec(times[len(times)-1] - times[0])
}
