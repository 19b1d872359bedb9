package live

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"lawtrail/live/rtsptest"
	"lawtrail/store"
)

// The reader's credentials the RTSP camera asks for.
const (
	camUser = "user"
	camPass = "secret"
)

// startRTSPCamera starts a camera that asks readers for camUser/camPass,
// published to as rtsptest.Camera.Publish says.
func startRTSPCamera(t *testing.T) *rtsptest.Camera {
	t.Helper()
	cam := rtsptest.NewCamera(t, camUser, camPass)
	cam.Publish(t)
	return cam
}

// videoParams are what ffprobe reads of an H.264 stream's parameter sets.
type videoParams struct {
	Codec   string `json:"codec_name"`
	Profile string `json:"profile"`
	Level   int    `json:"level"`
	Width   int    `json:"width"`
	Height  int    `json:"height"`
	PixFmt  string `json:"pix_fmt"`
}

// probeVideo reads the first video stream's parameters of a file or an
// RTSP URL.
func probeVideo(t *testing.T, input string) videoParams {
	t.Helper()
	args := []string{"-v", "error", "-select_streams", "v:0", "-show_entries",
		"stream=codec_name,profile,level,width,height,pix_fmt", "-of", "json"}
	if strings.HasPrefix(input, "rtsp://") {
		args = append(args, "-rtsp_transport", "tcp")
	}
	out, err := exec.Command("ffprobe", append(args, input)...).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", redact(input), err)
	}
	var p struct{ Streams []videoParams }
	if err := json.Unmarshal(out, &p); err != nil || len(p.Streams) != 1 {
		t.Fatalf("ffprobe %s: %s (%v)", redact(input), out, err)
	}
	return p.Streams[0]
}

// firstSPS is the first H.264 sequence parameter set of a file or an RTSP
// URL, field by field, as ffmpeg's trace_headers reads it.
func firstSPS(t *testing.T, input string) map[string]int {
	t.Helper()
	var args []string
	if strings.HasPrefix(input, "rtsp://") {
		args = append(args, "-rtsp_transport", "tcp")
	}
	args = append(args, "-i", input, "-map", "0:v:0", "-c:v", "copy", "-frames:v", "1", "-bsf:v", "trace_headers", "-f", "null", "-")
	out, err := exec.Command("ffmpeg", append([]string{"-hide_banner", "-nostdin"}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg trace_headers %s: %v\n%s", redact(input), err, strings.ReplaceAll(string(out), camPass, "xxx"))
	}
	sps := map[string]int{}
	in := false
	for _, line := range strings.Split(string(out), "\n") {
		_, text, ok := strings.Cut(line, "[trace_headers @ ")
		if _, text, ok = strings.Cut(text, "] "); !ok {
			continue
		}
		f := strings.Fields(text)
		switch {
		case text == "Sequence Parameter Set":
			in = true
		case in && len(f) >= 5 && f[len(f)-2] == "=":
			v, err := strconv.Atoi(f[len(f)-1])
			if err != nil {
				t.Fatalf("trace_headers line %q", text)
			}
			sps[f[1]] = v
		case in:
			if len(sps) == 0 {
				t.Fatalf("an empty SPS in %s", redact(input))
			}
			return sps
		}
	}
	t.Fatalf("no SPS in %s", redact(input))
	return nil
}

// keyframeGaps are the numbers of video packets from one keyframe to the
// next in a recording.
func keyframeGaps(t *testing.T, path string) []int {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "packet=flags",
		"-of", "csv=p=0", path).Output()
	if err != nil {
		t.Fatalf("ffprobe packets: %v", err)
	}
	var gaps []int
	last := -1
	for i, flags := range strings.Fields(string(out)) {
		if !strings.HasPrefix(flags, "K") {
			continue
		}
		if last >= 0 {
			gaps = append(gaps, i-last)
		}
		last = i
	}
	return gaps
}

// noSecret fails the test where the camera's password shows.
func noSecret(t *testing.T, what, text string) {
	t.Helper()
	if strings.Contains(text, camPass) {
		t.Errorf("the RTSP password shows in %s: %s", what, text)
	}
}

// An RTSP camera's H.264 is forwarded as it comes, one layer, to the hub
// and into the recording; the URL's password is shown nowhere; when the
// camera goes away the session says so and keeps what it recorded.
func TestRTSPCameraPassedThroughAndCut(t *testing.T) {
	cam := startRTSPCamera(t)
	source, sourceSPS := cameraVideo(t, cam)
	ans, err := newAnswerer()
	if err != nil {
		t.Fatal(err)
	}
	defer ans.close()
	blobs := blobStore(t)
	src, err := ParseSource(cam.URL(camUser, camPass))
	if err != nil {
		t.Fatal(err)
	}
	noSecret(t, "the source's name", src.String())
	var statuses sync.Mutex
	var seen []string
	s, err := Start(context.Background(), Options{Source: src, Session: "l-rtsp", Offer: testOffer(), Signaller: ans, Blobs: blobs,
		StatusEvery: time.Second, OnChange: func(st Status) {
			statuses.Lock()
			seen = append(seen, fmt.Sprintf("%+v", st))
			statuses.Unlock()
		}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("status at the end: %+v; answerer: %d publishes, %d video, %d audio", s.Status(), ans.publishes.Load(), ans.video.Load(), ans.audio.Load())
		}
	})

	// (a) The hub gets H.264 (and the AAC as Opus).
	grows(t, 20*time.Second, "H.264 at the answerer", ans.video.Load, 50)
	grows(t, 10*time.Second, "Opus at the answerer", ans.audio.Load, 20)
	// (b) Not encoded again: ffmpeg copies the video, one layer is sent.
	args := strings.Join(s.proc.cmd.Args, " ")
	if strings.Contains(args, "libx264") || !strings.Contains(args, "-c:v copy") {
		t.Errorf("ffmpeg does not copy the camera's H.264: %s", src.Scrub(args))
	}
	if low := fmt.Sprintf("rtp://127.0.0.1:%d?", s.rtps[1].port()); strings.Contains(args, low) {
		t.Errorf("ffmpeg sends a low layer (%s): %s", low, src.Scrub(args))
	}
	waitFor(t, 15*time.Second, "three keyframes' worth of frames sent", func() bool { return s.Status().FramesSent >= 125 })
	if st := s.Status(); st.Layer != LayerHigh || st.Link != LinkConnected {
		t.Errorf("status while streaming: %+v", st)
	}
	noSecret(t, "the status", fmt.Sprintf("%+v", s.Status()))

	// (d) The camera goes away mid-session.
	cam.Close()
	select {
	case <-s.SourceEnded():
	case <-time.After(30 * time.Second):
		t.Fatal("the session did not notice the camera going away in 30 s")
	}
	noSecret(t, "the status after the cut", fmt.Sprintf("%+v", s.Status()))
	res, err := s.Stop(context.Background())
	if err != nil {
		t.Fatalf("stop: %v", err)
	}
	if !errors.Is(res.SourceErr, ErrSourceLost) {
		t.Errorf("the camera went away and the result tells %v, want ErrSourceLost", res.SourceErr)
	} else {
		t.Logf("the source's end: %v", res.SourceErr)
		noSecret(t, "the source's error", res.SourceErr.Error())
		if !strings.Contains(res.SourceErr.Error(), src.String()) {
			t.Errorf("the source's error does not name the source %s: %v", src, res.SourceErr)
		}
	}
	if res.Recording.Size == 0 {
		t.Fatalf("nothing kept of the recording: %+v", res)
	}
	if err := blobs.Verify(context.Background(), res.Recording.Digest); err != nil {
		t.Fatal(err)
	}

	// (b) The recording holds the camera's own H.264: its parameter sets and its GOP.
	checkCopied(t, blobs.Path(res.Recording.Digest), source, sourceSPS)
	// (b) One video layer offered, and (c) nothing of the password reaches the hub.
	checkOffers(t, ans)
	statuses.Lock()
	defer statuses.Unlock()
	for _, st := range seen {
		noSecret(t, "a status change", st)
	}
}

// cameraVideo reads the camera's video as a reader sees it and checks it
// is what the publisher set.
func cameraVideo(t *testing.T, cam *rtsptest.Camera) (videoParams, map[string]int) {
	t.Helper()
	source := probeVideo(t, cam.URL(camUser, camPass))
	want := videoParams{Codec: "h264", Profile: "Constrained Baseline", Level: 31, Width: 352, Height: 288, PixFmt: "yuv420p"}
	if source != want {
		t.Fatalf("the camera's stream is %+v, the publisher set %+v", source, want)
	}
	sourceSPS := firstSPS(t, cam.URL(camUser, camPass))
	for field, v := range map[string]int{"profile_idc": 66, "constraint_set1_flag": 1, "level_idc": 31, "max_num_ref_frames": 3,
		"pic_width_in_mbs_minus1": 352/16 - 1, "pic_height_in_map_units_minus1": 288/16 - 1} {
		if sourceSPS[field] != v {
			t.Fatalf("the camera's SPS has %s %d, the publisher set %d", field, sourceSPS[field], v)
		}
	}
	return source, sourceSPS
}

// checkCopied checks a recording's video is the camera's H.264 as it came:
// the same parameters and SPS, a keyframe every 50 frames; and that it
// holds the camera's audio as Opus.
func checkCopied(t *testing.T, path string, source videoParams, sourceSPS map[string]int) {
	t.Helper()
	if got := probeVideo(t, path); got != source {
		t.Errorf("the recording's video is %+v, the camera's %+v", got, source)
	}
	if got := firstSPS(t, path); !maps.Equal(got, sourceSPS) {
		t.Errorf("the recording's SPS differs from the camera's:\n%v\n%v", got, sourceSPS)
	}
	if rec := probeFile(t, path); !rec.has("audio", "opus") || len(rec.Streams) != 2 {
		t.Errorf("recording streams: %+v", rec.Streams)
	}
	gaps := keyframeGaps(t, path)
	if len(gaps) < 2 {
		t.Errorf("%d whole GOPs recorded, want at least 2", len(gaps))
	}
	for _, g := range gaps {
		if g != 50 {
			t.Errorf("keyframes %v packets apart in the recording; the camera sends one every 50", gaps)
			break
		}
	}
}

// checkOffers checks each offer the answerer got sends one video layer
// and carries nothing of the camera's password.
func checkOffers(t *testing.T, ans *answerer) {
	t.Helper()
	ans.mu.Lock()
	defer ans.mu.Unlock()
	if len(ans.offers) == 0 {
		t.Fatal("no offer reached the answerer")
	}
	for _, o := range ans.offers {
		if n := strings.Count(o.SDP, "m=video"); n != 1 || strings.Contains(o.SDP, "a=simulcast") || strings.Contains(o.SDP, "a=rid") {
			t.Errorf("the offer has %d video sections or simulcast:\n%s", n, o.SDP)
		}
		j, err := json.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		noSecret(t, "an offer to the hub", string(j))
	}
}

// A camera that cannot be read is refused quickly with an error that names
// it without its password, and leaves nothing behind.
func TestRTSPUnreadableCameraRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	nobody := ln.Addr().String()
	ln.Close()
	empty := rtsptest.NewCamera(t, camUser, camPass) // no one publishes to it
	for _, tc := range []struct{ name, url, why string }{
		{"nothing listening", "rtsp://" + camUser + ":" + camPass + "@" + nobody + rtsptest.Path, "refused"},
		{"wrong password", empty.URL(camUser, "guess"), "401"},
		{"no stream", empty.URL(camUser, camPass), "404"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			blobs, err := store.OpenBlobStore(dir)
			if err != nil {
				t.Fatal(err)
			}
			src, err := ParseSource(tc.url)
			if err != nil {
				t.Fatal(err)
			}
			began := time.Now()
			s, err := Start(context.Background(), Options{Source: src, Session: "l-badrtsp", Offer: testOffer(), Blobs: blobs})
			if err == nil {
				s.Stop(context.Background())
				t.Fatal("started")
			}
			t.Logf("%s: %v", tc.name, err)
			if !errors.Is(err, ErrBadSource) || !strings.Contains(err.Error(), tc.why) || !strings.Contains(err.Error(), src.String()) {
				t.Errorf("error %q: want ErrBadSource naming %s and saying %q", err, src, tc.why)
			}
			noSecret(t, "the error", err.Error())
			if d := time.Since(began); d > 16*time.Second {
				t.Errorf("took %s to refuse", d)
			}
			if left := filesUnder(t, dir); len(left) > 0 {
				t.Errorf("left behind: %v", left)
			}
		})
	}
}
