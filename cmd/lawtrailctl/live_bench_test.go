package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
)

// goViewer is a console viewer in Go: signed in over HTTP, watching a
// session over WebRTC (WHEP), counting what it receives.
type goViewer struct {
	pc       *webrtc.PeerConnection
	bytes    atomic.Int64
	keyframe chan struct{} // closed at the first H.264 key frame
}

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

func watch(t testing.TB, c *http.Client, web, session string) *goViewer {
	t.Helper()
	pc, err := webrtc.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	v := &goViewer{pc: pc, keyframe: make(chan struct{})}
	t.Cleanup(func() { pc.Close() })
	var seen atomic.Bool
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		video := tr.Kind() == webrtc.RTPCodecTypeVideo
		for {
			pkt, _, err := tr.ReadRTP()
			if err != nil {
				return
			}
			v.bytes.Add(int64(len(pkt.Payload)))
			if video && len(pkt.Payload) > 1 && isKeyFrame(pkt.Payload) && seen.CompareAndSwap(false, true) {
				close(v.keyframe)
			}
		}
	})
	for _, k := range []webrtc.RTPCodecType{webrtc.RTPCodecTypeVideo, webrtc.RTPCodecTypeAudio} {
		if _, err := pc.AddTransceiverFromKind(k, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
			t.Fatal(err)
		}
	}
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(offer); err != nil {
		t.Fatal(err)
	}
	<-gathered
	res, err := c.Post(web+"/console/live/"+session+"/whep", "application/sdp", strings.NewReader(pc.LocalDescription().SDP))
	if err != nil {
		t.Fatalf("whep: %v", err)
	}
	answer, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("whep: %s %s", res.Status, answer)
	}
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: string(answer)}); err != nil {
		t.Fatal(err)
	}
	return v
}

// isKeyFrame reports whether an H.264 RTP payload (RFC 6184) starts or
// carries an IDR slice or a sequence parameter set.
func isKeyFrame(p []byte) bool {
	switch typ := p[0] & 0x1f; typ {
	case 5, 7:
		return true
	case 24: // STAP-A: 16-bit sizes, each NAL unit
		for i := 1; i+2 < len(p); {
			size := int(p[i])<<8 | int(p[i+1])
			if i+2 < len(p) && (p[i+2]&0x1f == 5 || p[i+2]&0x1f == 7) {
				return true
			}
			i += 2 + size
		}
	case 28: // FU-A: the start of a fragmented unit
		return len(p) > 1 && p[1]&0x80 != 0 && p[1]&0x1f == 5
	}
	return false
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

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ctl := exec.CommandContext(ctx, os.Args[0], "--data", dir, "live", "--source", "pattern:640x360@25", "--duration", "90s")
	ctl.Env = append(os.Environ(), asMainEnv+"=1", "LAWTRAIL_PASSPHRASE="+pass["LAWTRAIL_PASSPHRASE"],
		"LAWTRAIL_OFFICER=o-001", "LAWTRAIL_PIN="+zhangPIN)
	out, _ := ctl.StdoutPipe()
	started := time.Now()
	if err := ctl.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { ctl.Process.Signal(os.Interrupt); ctl.Wait() }()
	session := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if id, ok := strings.CutPrefix(sc.Text(), "session "); ok {
				session <- strings.Fields(id)[0]
			}
		}
	}()
	var id string
	select {
	case id = <-session:
	case <-time.After(60 * time.Second):
		b.Fatal("lawtrailctl live printed no session")
	}
	var first *goViewer
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		res, err := c.Get(web + "/console/live/" + id + "/status")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			b.Fatalf("the hub never showed session %s", id)
		}
	}
	first = watch(b, c, web, id)
	select {
	case <-first.keyframe:
	case <-time.After(30 * time.Second):
		b.Fatalf("no key frame reached the viewer (%d bytes, %s)", first.bytes.Load(), first.pc.ConnectionState())
	}
	firstFrame := time.Since(started)
	first.pc.Close()

	time.Sleep(3 * time.Second) // the viewer gone, the stream steady
	pid := h.cmd.Process.Pid
	c0 := processCPU(b, pid)
	time.Sleep(window)
	idle := processCPU(b, pid) - c0

	vs := make([]*goViewer, viewers)
	for i := range vs {
		vs[i] = watch(b, c, web, id)
	}
	for _, v := range vs {
		select {
		case <-v.keyframe:
		case <-time.After(30 * time.Second):
			b.Fatal("a viewer got no key frame")
		}
	}
	time.Sleep(2 * time.Second)
	var got0 int64
	for _, v := range vs {
		got0 += v.bytes.Load()
	}
	c1 := processCPU(b, pid)
	time.Sleep(window)
	busy := processCPU(b, pid) - c1
	var got int64
	for _, v := range vs {
		got += v.bytes.Load()
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
