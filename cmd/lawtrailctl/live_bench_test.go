package main

import (
	"fmt"
	"io"
	"lawtrail/hub/live/livetest"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

func consoleClient(t testing.TB, web, name, password string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	res, err := c.PostForm(web+"/console/login", url.Values{"name": {name}, "password": {password}, "next": {"/console/"}})
	if err != nil {
		t.Fatalf("sign in: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("sign in: %s", res.Status)
	}
	return c
}

// watch is a console viewer in Go watching session over WebRTC (WHEP),
// signed in with c.
func watch(t testing.TB, c *http.Client, web, session string) *livetest.Viewer {
	t.Helper()
	return livetest.Watch(t, livetest.ViewerOptions{}, func(offer string) (string, error) {
		res, err := c.Post(web+"/console/live/"+session+"/whep", "application/sdp", strings.NewReader(offer))
		if err != nil {
			return "", fmt.Errorf("whep: %w", err)
		}
		defer res.Body.Close()
		answer, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
		if res.StatusCode != http.StatusCreated {
			return "", fmt.Errorf("whep: %s %s", res.Status, answer)
		}
		return string(answer), nil
	})
}

// processCPU is the CPU time (user + system) pid has used.
func processCPU(t testing.TB, pid int) time.Duration {
	t.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	// The command name (field 2) may hold spaces: count from its ")".
	f := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+2:]))
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		t.Fatalf("/proc/%d/stat: %q", pid, raw)
	}
	return time.Duration(utime+stime) * 10 * time.Millisecond // USER_HZ is 100 on Linux
}

// BenchmarkLiveForward measures live view as people run it: a hub process
// (serve --web --live-udp) and `lawtrailctl live --source pattern` as a
// process; viewers in Go sign in to the console and watch over WebRTC. It
// prints the time from starting `lawtrailctl live` to a viewer's first key
// frame, and the hub's CPU per forwarded stream: the hub process's CPU with
// 8 viewers less its CPU with none (taking the stream in), per viewer —
// and so how many streams one core forwards.
func BenchmarkLiveForward(b *testing.B) {
	for i := 0; i < b.N; i++ {
		liveForward(b, 8, 10*time.Second)
	}
}

func liveForward(b *testing.B, viewers int, window time.Duration) {
	h := startHubProcess(b, "--web", "127.0.0.1:0", "--live-udp", "127.0.0.1:0")
	web := h.webURL(b)
	dir := agencyTerminal(b, h, "某区城市管理综合行政执法局")
	const password = "bench 口令 horse"
	cmd := exec.Command(h.bin, "--data", h.dir, "user", "add", "指挥中心", "--role", "supervisor", "--agency", "all")
	cmd.Env = append(os.Environ(), append(hubEnv, "LAWTRAIL_WEB_PASSWORD="+password)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("user add: %v\n%s", err, out)
	}
	c := consoleClient(b, web, "指挥中心", password)

	started := time.Now()
	ctl, id := startLive(b, dir, "pattern:640x360@25")
	defer ctl.Process.Signal(os.Interrupt)
	awaitSession(b, c, web, id)
	first := watch(b, c, web, id)
	select {
	case <-first.KeyFrame():
	case <-time.After(30 * time.Second):
		b.Fatalf("no key frame reached the viewer (%d bytes, %s)", first.Bytes.Load(), first.PC.ConnectionState())
	}
	firstFrame := time.Since(started)
	first.PC.Close()

	time.Sleep(3 * time.Second) // the viewer gone, the stream steady
	pid := h.cmd.Process.Pid
	c0 := processCPU(b, pid)
	time.Sleep(window)
	idle := processCPU(b, pid) - c0

	vs := make([]*livetest.Viewer, viewers)
	for i := range vs {
		vs[i] = watch(b, c, web, id)
	}
	for _, v := range vs {
		select {
		case <-v.KeyFrame():
		case <-time.After(30 * time.Second):
			b.Fatal("a viewer got no key frame")
		}
	}
	time.Sleep(2 * time.Second)
	var got0 int64
	for _, v := range vs {
		got0 += v.Bytes.Load()
	}
	c1 := processCPU(b, pid)
	time.Sleep(window)
	busy := processCPU(b, pid) - c1
	var got int64
	for _, v := range vs {
		got += v.Bytes.Load()
	}
	got -= got0
	perStream := (busy - idle) / time.Duration(viewers) // CPU per stream over the window
	cpuShare := perStream.Seconds() / window.Seconds()  // of one core
	mbit := float64(got) * 8 / 1e6 / window.Seconds() / float64(viewers)
	b.ReportMetric(firstFrame.Seconds(), "s-to-first-keyframe")
	b.ReportMetric(cpuShare*100, "%core/stream")
	b.ReportMetric(1/cpuShare, "streams/core")
	fmt.Printf("FIGURE live view: `lawtrailctl live` start → first key frame at a viewer %.2f s; hub CPU taking the stream in %.1f%% of a core; "+
		"per forwarded stream (%.2f Mbit/s) %.2f%% of a core → %.0f streams per core (%d viewers, %v window)\n",
		firstFrame.Seconds(), idle.Seconds()/window.Seconds()*100, mbit, cpuShare*100, 1/cpuShare, viewers, window)
}
