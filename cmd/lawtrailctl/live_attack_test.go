package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"lawtrail/hub/live/livetest"
	"lawtrail/live/rtsptest"
)

// Attacks on live view from outside, with processes: a careless or
// malicious --source, a thief or another agency at the console's live
// routes, a cross-site page, a killed `lawtrailctl live`, a wrong
// passphrase, PIN or a revoked officer.

// liveClip is a 4-second H.264/AAC MPEG-TS made by ffmpeg at path.
func liveClip(t *testing.T, path string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=15", "-f", "lavfi",
		"-i", "sine=frequency=440:sample_rate=48000", "-t", "4", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-f", "mpegts", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg is needed (make deps): %v\n%s", err, out)
	}
}

// liveCtl runs `lawtrailctl live` as 张三 in cwd with extra environment.
func liveCtl(t *testing.T, cwd string, env []string, args ...string) result {
	t.Helper()
	return ctlIn(t, cwd, append([]string{"LAWTRAIL_OFFICER=o-001", "LAWTRAIL_PIN=" + zhangPIN}, env...), args...)
}

// A --source that would make ffmpeg read something other than what the
// officer named is refused, or read as the file it names: files named like
// ffmpeg protocols (concat:, subfile,…:) or options (-x) are played as the
// files they are; URLs other than RTSP, absurd patterns, absent cameras and
// names with a line break are refused; an RTSP password appears nowhere.
func TestLiveAttackSources(t *testing.T) {
	h := startHubProcess(t)
	dir := agencyTerminal(t, h, "某区城市管理综合行政执法局")
	cwd := t.TempDir()
	for _, name := range []string{"concat:/etc/passwd|x", "subfile,,start,0,end,0,,:/etc/shadow", "-i"} {
		liveClip(t, filepath.Join(cwd, name))
		r := liveCtl(t, cwd, nil, "--data", dir, "live", "--source", name, "--duration", "3s")
		if r.code != 0 || !strings.Contains(r.stdout, "footage ") {
			t.Fatalf("--source %q (a media file of that name): exit %d\n%s%s", name, r.code, r.stdout, r.stderr)
		}
	}
	const secret = "s3cr3t-Passw0rd"
	nl := filepath.Join(cwd, "a\nb.ts")
	liveClip(t, nl)
	for _, src := range []string{"http://127.0.0.1:1/x.ts", "file:///etc/passwd", "pattern:99999x99999@1000", "/dev/video99",
		"/dev/video0/../../etc/passwd", nl, "rtsp://user:" + secret + "@127.0.0.1:1/x", "rtsp://user:" + secret + "%zz@127.0.0.1:1/x",
		"RTSP://user:" + secret + "@127.0.0.1:1/x"} {
		r := liveCtl(t, cwd, nil, "--data", dir, "live", "--source", src, "--duration", "3s")
		if r.code == 0 || strings.Contains(r.stdout, "footage ") {
			t.Errorf("--source %q streamed: exit %d\n%s%s", src, r.code, r.stdout, r.stderr)
		}
		if strings.Contains(r.stdout+r.stderr, secret) || strings.Contains(r.stdout+r.stderr, "root:") {
			t.Errorf("--source %q: the output shows a secret:\n%s%s", src, r.stdout, r.stderr)
		}
	}
	if log := mustAgencyCtl(t, asZhang, "--data", dir, "log", "--json"); strings.Contains(log, secret) {
		t.Fatalf("the event log holds the RTSP password")
	}
	mustAgencyCtl(t, nil, "--data", dir, "sync", "--once")
	if out, rc := h.run(t, "check"); rc != 0 || strings.Contains(out, secret) {
		t.Fatalf("hub check: %d %s", rc, out)
	}
	if r := agencyCtl(t, nil, "--data", dir, "check"); r.code != 0 {
		t.Fatalf("terminal check: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// A wrong passphrase, a wrong PIN or a revoked officer: `lawtrailctl live`
// refuses before it starts ffmpeg (a stand-in ffmpeg on PATH marks a start).
func TestLiveAttackRefusedBeforeFFmpeg(t *testing.T) {
	h := startHubProcess(t)
	dir := agencyTerminal(t, h, "某区城市管理综合行政执法局")
	const liPIN = "864213"
	mustAgencyCtl(t, map[string]string{"LAWTRAIL_OFFICER": "o-001", "LAWTRAIL_PIN": zhangPIN, "LAWTRAIL_NEW_PIN": liPIN}, "--data", dir,
		"officer", "add", "--id", "o-002", "--name", "李四", "--credential", "35010000002", "--roles", "officer")
	mustAgencyCtl(t, asZhang, "--data", dir, "officer", "revoke", "o-002", "--reason", "调离执法岗位")
	bin := t.TempDir()
	mark := filepath.Join(t.TempDir(), "started")
	for _, tool := range []string{"ffmpeg", "ffprobe"} {
		if err := os.WriteFile(filepath.Join(bin, tool), []byte("#!/bin/sh\ntouch '"+mark+"'\nexit 1\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	path := "PATH=" + bin + ":" + os.Getenv("PATH")
	for name, env := range map[string][]string{
		"wrong passphrase": {"LAWTRAIL_PASSPHRASE=not the passphrase"},
		"wrong PIN":        {"LAWTRAIL_PIN=000000"},
		"revoked officer":  {"LAWTRAIL_OFFICER=o-002", "LAWTRAIL_PIN=" + liPIN},
	} {
		r := liveCtl(t, t.TempDir(), append(env, path), "--data", dir, "live", "--source", "pattern", "--duration", "2s")
		if r.code == 0 {
			t.Errorf("%s: live ran:\n%s%s", name, r.stdout, r.stderr)
		}
		if _, err := os.Stat(mark); err == nil {
			t.Fatalf("%s: ffmpeg was started (exit %d)\n%s%s", name, r.code, r.stdout, r.stderr)
		}
	}
	liveCtl(t, t.TempDir(), []string{path}, "--data", dir, "live", "--source", "pattern", "--duration", "2s")
	if _, err := os.Stat(mark); err != nil {
		t.Fatal("the stand-in ffmpeg on PATH is never started: the test proves nothing")
	}
}

// startLive runs `lawtrailctl live --source source` for up to five minutes
// as a process, killed when the test ends, and returns it with its session
// id.
func startLive(t testing.TB, dir, source string) (*exec.Cmd, string) {
	t.Helper()
	ctl := exec.Command(os.Args[0], "--data", dir, "live", "--source", source, "--duration", "5m")
	ctl.Env = append(os.Environ(), asMainEnv+"=1", "LAWTRAIL_PASSPHRASE="+pass["LAWTRAIL_PASSPHRASE"], "LAWTRAIL_OFFICER=o-001", "LAWTRAIL_PIN="+zhangPIN)
	out, err := ctl.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := ctl.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ctl.Process.Kill(); ctl.Wait() })
	session := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if id, ok := strings.CutPrefix(sc.Text(), "session "); ok {
				session <- strings.Fields(id)[0]
			}
		}
	}()
	select {
	case id := <-session:
		return ctl, id
	case <-time.After(60 * time.Second):
		t.Fatal("lawtrailctl live printed no session")
	}
	return nil, ""
}

// awaitSession waits until the hub's console shows session id to c.
func awaitSession(t testing.TB, c *http.Client, web, id string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if code, _ := consoleDo(t, c, http.MethodGet, web+"/console/live/"+id+"/status", "", nil); code == http.StatusOK {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the hub never showed session %s", id)
		}
	}
}

// consoleDo sends a request with the headers a same-origin page's fetch
// has, plus extra ones; it returns the status and body.
func consoleDo(t testing.TB, c *http.Client, method, url, contentType string, body io.Reader, hdr ...string) (int, string) {
	t.Helper()
	r, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := c.Do(r)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	return res.StatusCode, string(b)
}

// recvOffer is a complete offer of a Go viewer that receives what kinds
// asks for; the connection is closed at once (it never connects).
func recvOffer(t *testing.T, kinds ...webrtc.RTPCodecType) string {
	t.Helper()
	pc, err := webrtc.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	for _, k := range kinds {
		if _, err := pc.AddTransceiverFromKind(k, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
			t.Fatal(err)
		}
	}
	return livetest.CompleteOffer(t, pc)
}

func viewerCount(t *testing.T, c *http.Client, web, id string) int {
	t.Helper()
	code, body := consoleDo(t, c, http.MethodGet, web+"/console/live/"+id+"/status", "", nil)
	if code != http.StatusOK {
		t.Fatalf("status: %d %s", code, body)
	}
	var st struct {
		Viewers []json.RawMessage `json:"viewers"`
	}
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		t.Fatal(err)
	}
	return len(st.Viewers)
}

// A hub process with a session live from `lawtrailctl live`, attacked at
// the console: without a session every live route refuses and shows
// nothing; another agency's head finds nothing; oversize, garbage and
// video-less offers are refused; WHEP offers that never connect fill the
// viewer limit, then go by themselves; another account cannot talk or
// leave for a viewer not its own; a cross-site page cannot post. Then
// `lawtrailctl live` is killed mid-session: the hub ends the session after
// its grace, the next `lawtrailctl live` ingests what was recorded, the
// checks pass and the data folder holds no plaintext media.
func TestLiveAttackConsoleAndKill(t *testing.T) {
	const agency = "某区城市管理综合行政执法局"
	h := startHubProcess(t, "--web", "127.0.0.1:0", "--live-udp", "127.0.0.1:0", "--live-max-viewers", "4", "--live-grace", "3s")
	web := h.webURL(t)
	dir := agencyTerminal(t, h, agency)
	for name, args := range map[string][]string{
		"指挥中心": {"--role", "supervisor", "--agency", "all"},
		"督察":   {"--role", "supervisor", "--agency", "all"},
		"他局局长": {"--role", "head", "--agency", "另一个局"},
	} {
		cmd := exec.Command(h.bin, append([]string{"--data", h.dir, "user", "add", name}, args...)...)
		cmd.Env = append(os.Environ(), append(hubEnv, "LAWTRAIL_WEB_PASSWORD=口令 "+name+" horse battery")...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("user add: %v\n%s", err, out)
		}
	}
	ctl, id := startLive(t, dir, "pattern:320x240@15")
	sup := consoleClient(t, web, "指挥中心", "口令 指挥中心 horse battery")
	awaitSession(t, sup, web, id)
	base := web + "/console/live/" + id

	// No session: curl gets a redirect or 401 and no name of the session.
	for _, c := range []struct{ method, path, want string }{
		{"GET", "/console/live", "303"}, {"GET", "", "303"}, {"GET", "/ice", "401"}, {"GET", "/status", "401"},
		{"POST", "/whep", "401"}, {"DELETE", "/whep/x", "401"}, {"POST", "/whep/x/talk", "401"},
	} {
		url := base + c.path
		if c.path == "/console/live" {
			url = web + c.path
		}
		out, err := exec.Command("curl", "-sS", "-X", c.method, "-H", "Content-Type: application/sdp", "-H", "Sec-Fetch-Site: same-origin",
			"--data-binary", "v=0", "-w", "\n%{http_code}", url).Output()
		if err != nil {
			t.Fatalf("curl: %v", err)
		}
		s := string(out)
		if code := s[strings.LastIndex(s, "\n")+1:]; code != c.want || strings.Contains(s, "张三") || strings.Contains(s, "turn:") {
			t.Errorf("anonymous %s %s: %s", c.method, c.path, s)
		}
	}

	// Another agency's head: nothing of the session.
	other := consoleClient(t, web, "他局局长", "口令 他局局长 horse battery")
	if code, body := consoleDo(t, other, http.MethodGet, web+"/console/live", "", nil); code != 200 || strings.Contains(body, id) || strings.Contains(body, "张三") {
		t.Errorf("another agency's list: %d", code)
	}
	for _, c := range []struct{ method, path string }{{"GET", ""}, {"GET", "/ice"}, {"GET", "/status"}, {"POST", "/whep"}} {
		code, body := consoleDo(t, other, c.method, base+c.path, "application/sdp", strings.NewReader(recvOffer(t, webrtc.RTPCodecTypeVideo)))
		if code != http.StatusNotFound && code != http.StatusForbidden || strings.Contains(body, "张三") {
			t.Errorf("another agency %s %s: %d", c.method, c.path, code)
		}
	}

	// Offers that cannot be used.
	for name, c := range map[string]struct {
		ct   string
		body io.Reader
		want []int
	}{
		"10 MiB":      {"application/sdp", bytes.NewReader(bytes.Repeat([]byte("a=x\r\n"), 2<<20)), []int{http.StatusRequestEntityTooLarge}},
		"garbage":     {"application/sdp", strings.NewReader("v=0\r\nthis is no SDP\x00\xff"), []int{http.StatusBadRequest}},
		"no SDP type": {"text/plain", strings.NewReader(recvOffer(t, webrtc.RTPCodecTypeVideo)), []int{http.StatusUnsupportedMediaType}},
		"no media":    {"application/sdp", strings.NewReader(recvOffer(t)), []int{http.StatusBadRequest, http.StatusCreated}},
		"no video":    {"application/sdp", strings.NewReader(recvOffer(t, webrtc.RTPCodecTypeAudio)), []int{http.StatusBadRequest, http.StatusCreated}},
	} {
		code, _ := consoleDo(t, sup, http.MethodPost, base+"/whep", c.ct, c.body)
		ok := false
		for _, w := range c.want {
			ok = ok || code == w
		}
		if !ok {
			t.Errorf("%s offer: %d, want one of %v", name, code, c.want)
		}
	}

	// Offers that never connect: at most the limit, then all go.
	busy := 0
	for range 12 {
		if code, _ := consoleDo(t, sup, http.MethodPost, base+"/whep", "application/sdp", strings.NewReader(recvOffer(t, webrtc.RTPCodecTypeVideo,
			webrtc.RTPCodecTypeAudio))); code == http.StatusTooManyRequests {
			busy++
		}
	}
	if n := viewerCount(t, sup, web, id); n > 4 || busy < 8 {
		t.Fatalf("%d viewers over a limit of 4, %d of 12 refused", n, busy)
	}
	for deadline := time.Now().Add(90 * time.Second); viewerCount(t, sup, web, id) > 0; time.Sleep(time.Second) {
		if time.Now().After(deadline) {
			t.Fatalf("viewers that never connected stay: %d", viewerCount(t, sup, web, id))
		}
	}

	// A viewer's talk and leave are its account's alone; a cross-site
	// page posts nothing.
	v := watch(t, sup, web, id)
	select {
	case <-v.KeyFrame():
	case <-time.After(30 * time.Second):
		t.Fatal("the viewer got no key frame")
	}
	code, _ := consoleDo(t, sup, http.MethodPost, base+"/whep", "application/sdp", strings.NewReader(recvOffer(t, webrtc.RTPCodecTypeVideo)))
	if code != http.StatusCreated {
		t.Fatalf("a second viewer: %d", code)
	}
	// The viewer id: from a WHEP answer's Location.
	r, _ := http.NewRequest(http.MethodPost, base+"/whep", strings.NewReader(recvOffer(t, webrtc.RTPCodecTypeVideo)))
	r.Header.Set("Content-Type", "application/sdp")
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	res, err := sup.Do(r)
	if err != nil || res.StatusCode != http.StatusCreated {
		t.Fatalf("whep: %v", err)
	}
	res.Body.Close()
	loc := web + res.Header.Get("Location")
	insider := consoleClient(t, web, "督察", "口令 督察 horse battery")
	if code, _ := consoleDo(t, insider, http.MethodPost, loc+"/talk", "text/plain", strings.NewReader("on")); code != http.StatusNotFound {
		t.Errorf("talk for another account's viewer: %d", code)
	}
	if code, _ := consoleDo(t, insider, http.MethodDelete, loc, "", nil); code != http.StatusNotFound {
		t.Errorf("leave for another account's viewer: %d", code)
	}
	for _, hdr := range [][]string{{"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example"},
		{"Sec-Fetch-Site", "", "Origin", "https://evil.example"}} {
		if code, _ := consoleDo(t, sup, http.MethodPost, loc+"/talk", "text/plain", strings.NewReader("on"), hdr...); code != http.StatusForbidden {
			t.Errorf("a cross-site talk %v: %d", hdr, code)
		}
		if code, _ := consoleDo(t, sup, http.MethodPost, base+"/whep", "application/sdp", strings.NewReader(recvOffer(t, webrtc.RTPCodecTypeVideo)), hdr...); code != http.StatusForbidden {
			t.Errorf("a cross-site whep %v: %d", hdr, code)
		}
		if code, _ := consoleDo(t, sup, http.MethodDelete, loc, "", nil, hdr...); code != http.StatusForbidden {
			t.Errorf("a cross-site leave %v: %d", hdr, code)
		}
	}
	if code, _ := consoleDo(t, sup, http.MethodPost, loc+"/talk", "text/plain", strings.NewReader("on")); code != http.StatusNoContent {
		t.Errorf("the viewer's own talk: %d", code)
	}
	if code, _ := consoleDo(t, sup, http.MethodDelete, loc, "", nil); code != http.StatusNoContent {
		t.Errorf("the viewer's own leave: %d", code)
	}

	// SIGKILL mid-session.
	time.Sleep(3 * time.Second) // something recorded
	ctl.Process.Kill()
	ctl.Wait()
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(500 * time.Millisecond) {
		if code, _ := consoleDo(t, sup, http.MethodGet, base+"/status", "", nil); code == http.StatusNotFound {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the hub keeps a killed terminal's session past its grace")
		}
	}
	if _, page := consoleDo(t, sup, http.MethodGet, web+"/console/live", "", nil); strings.Contains(page, "未记录结束") {
		t.Error("the hub's record has no end for the killed session")
	}
	r2 := liveCtl(t, t.TempDir(), nil, "--data", dir, "live", "--source", "pattern:320x240@15", "--duration", "3s")
	if r2.code != 0 || !strings.Contains(r2.stdout, "recovered ") || !strings.Contains(r2.stdout, id) {
		t.Fatalf("the next live run recovered nothing of %s: exit %d\n%s%s", id, r2.code, r2.stdout, r2.stderr)
	}
	if r := agencyCtl(t, nil, "--data", dir, "check"); r.code != 0 {
		t.Fatalf("terminal check after the kill: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	assertNoPlainMedia(t, dir)
}

// assertNoPlainMedia fails on a .ts or .ogg file in the data folder or a
// blob that is not sealed.
func assertNoPlainMedia(t *testing.T, dir string) {
	t.Helper()
	blobs := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if ext := filepath.Ext(p); ext == ".ts" || ext == ".ogg" {
			t.Errorf("plaintext media in the data folder: %s", p)
		}
		rel, _ := filepath.Rel(dir, p)
		if strings.HasPrefix(rel, "blobs"+string(filepath.Separator)) && rel != filepath.Join("blobs", "sealed-v1") { // the store's mark that all is sealed
			blobs++
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			head := make([]byte, 16)
			n, _ := io.ReadFull(f, head)
			f.Close()
			if string(head[:n]) != "lawtrail-seal/1\n" {
				t.Errorf("a blob not sealed: %s", rel)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if blobs == 0 {
		t.Fatal("no blobs in the data folder: the check proves nothing")
	}
}

// An RTSP camera streamed through a hub process by `lawtrailctl live`:
// the URL's password is in none of the command's output (also with a
// wrong password, which the camera refuses), the event log, the hub's
// console pages or the hub's check.
func TestLiveAttackRTSPPassword(t *testing.T) {
	const secret = "Cam-S3cret-9"
	cam := rtsptest.NewCamera(t, "user", secret)
	cam.Publish(t)
	h := startHubProcess(t, "--web", "127.0.0.1:0", "--live-udp", "127.0.0.1:0")
	web := h.webURL(t)
	dir := agencyTerminal(t, h, "某区城市管理综合行政执法局")
	cmd := exec.Command(h.bin, "--data", h.dir, "user", "add", "指挥中心", "--role", "supervisor", "--agency", "all")
	cmd.Env = append(os.Environ(), append(hubEnv, "LAWTRAIL_WEB_PASSWORD=口令 指挥中心 horse battery")...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("user add: %v\n%s", err, out)
	}
	sup := consoleClient(t, web, "指挥中心", "口令 指挥中心 horse battery")
	url := cam.URL("user", secret)

	wrong := liveCtl(t, t.TempDir(), nil, "--data", dir, "live", "--source", cam.URL("user", secret+"-wrong"), "--duration", "3s")
	if wrong.code == 0 || strings.Contains(wrong.stdout+wrong.stderr, secret) {
		t.Fatalf("a wrong camera password: exit %d\n%s%s", wrong.code, wrong.stdout, wrong.stderr)
	}
	ctl := exec.Command(os.Args[0], "--data", dir, "live", "--source", url, "--duration", "8s")
	ctl.Env = append(os.Environ(), asMainEnv+"=1", "LAWTRAIL_PASSPHRASE="+pass["LAWTRAIL_PASSPHRASE"], "LAWTRAIL_OFFICER=o-001", "LAWTRAIL_PIN="+zhangPIN)
	var out, errOut strings.Builder
	ctl.Stdout, ctl.Stderr = &out, &errOut
	if err := ctl.Start(); err != nil {
		t.Fatal(err)
	}
	pages := ""
	for deadline := time.Now().Add(8 * time.Second); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		_, list := consoleDo(t, sup, http.MethodGet, web+"/console/live", "", nil)
		pages += list
	}
	if err := ctl.Wait(); err != nil || !strings.Contains(out.String(), "footage ") {
		t.Fatalf("live from the RTSP camera: %v\n%s%s", err, out.String(), errOut.String())
	}
	if !strings.Contains(pages, "RTSP") {
		t.Fatal("the console never listed the RTSP session: the check of its pages proves nothing")
	}
	for what, text := range map[string]string{"output": out.String() + errOut.String(), "the console's live list": pages,
		"the event log": mustAgencyCtl(t, asZhang, "--data", dir, "log", "--json")} {
		if strings.Contains(text, secret) {
			t.Errorf("the RTSP password shows in %s", what)
		}
	}
	if o, rc := h.run(t, "check"); rc != 0 || strings.Contains(o, secret) {
		t.Fatalf("hub check: %d %s", rc, o)
	}
}
