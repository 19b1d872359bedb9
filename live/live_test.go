package live

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"lawtrail/store"
	"lawtrail/sync/faultproxy"
	"lawtrail/sync/protocol"
)

func blobStore(t *testing.T) *store.BlobStore {
	t.Helper()
	b, err := store.OpenBlobStore(filepath.Join(t.TempDir(), "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// filesUnder lists the regular files under dir.
func filesUnder(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			out = append(out, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func testOffer() protocol.LiveOffer {
	return protocol.LiveOffer{Officer: "o-1", OfficerName: "Officer One", Case: "c-1", Step: "s-1", Started: time.Now()}
}

// waitFor polls cond every 100 ms until it holds or d passes.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	end := time.Now().Add(d)
	for !cond() {
		if time.Now().After(end) {
			t.Fatalf("waited %s for %s", d, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// grows waits until counter has grown by at least n.
func grows(t *testing.T, d time.Duration, what string, counter func() int64, n int64) {
	t.Helper()
	from := counter()
	waitFor(t, d, what, func() bool { return counter()-from >= n })
}

func TestPatternPublishesRecordsAndComesBack(t *testing.T) {
	ln, err := faultproxy.NewLossyNet()
	if err != nil {
		t.Fatal(err)
	}
	ans, err := newAnswerer()
	if err != nil {
		t.Fatal(err)
	}
	defer ans.close()
	blobs := blobStore(t)
	src, err := ParseSource("pattern:320x240@15")
	if err != nil {
		t.Fatal(err)
	}
	changes := make(chan Status, 100)
	s, err := Start(context.Background(), Options{Source: src, Session: "l-test1", Offer: testOffer(), Signaller: ans, Blobs: blobs,
		Net: ln, Preview: true, StatusEvery: time.Second, Disconnected: 2 * time.Second,
		OnChange: func(st Status) {
			select {
			case changes <- st:
			default:
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("status at the end: %+v; answerer: %d publishes, %d video, %d audio", s.Status(), ans.publishes.Load(), ans.video.Load(), ans.audio.Load())
		}
	})
	grows(t, 20*time.Second, "H.264 at the answerer", ans.video.Load, 50)
	grows(t, 10*time.Second, "Opus at the answerer", ans.audio.Load, 20)
	st := s.Status()
	if st.Link != LinkConnected || st.Layer != LayerHigh || st.FramesSent == 0 || st.Recorded == 0 {
		t.Errorf("status while streaming: %+v", st)
	}
	waitFor(t, 5*time.Second, "a JPEG preview", func() bool { p := s.Preview(); return len(p) > 4 && p[0] == 0xff && p[1] == 0xd8 })
	waitFor(t, 5*time.Second, "the viewer from the hub's status", func() bool { return len(s.Status().Viewers) == 1 })

	// 5 % loss each way: the stream keeps flowing (lost packets are asked for again).
	ln.SetLoss(0.05)
	grows(t, 10*time.Second, "H.264 through 5 % loss", ans.video.Load, 100)
	ln.SetLoss(0)

	// 30 % loss: the congestion controller lowers the estimate and the low layer is sent.
	ln.SetLoss(0.3)
	waitFor(t, 20*time.Second, "the low layer under 30 % loss", func() bool { return s.Status().Layer == LayerLow })
	grows(t, 10*time.Second, "H.264 of the low layer", ans.video.Load, 30)
	ln.SetLoss(0)
	// Cut the link for 10 s: it comes back by itself.
	ln.Cut(true)
	time.Sleep(10 * time.Second)
	ln.Cut(false)
	restored := ans.video.Load()
	grows(t, 40*time.Second, "H.264 again after the cut", ans.video.Load, 50)
	t.Logf("after the cut: %d publishes, %d packets since restoring, status %+v", ans.publishes.Load(), ans.video.Load()-restored, s.Status())

	res, err := s.Stop(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ran := time.Since(began)
	if !ans.ended.Load() {
		t.Error("the hub was not told the session ended")
	}
	if res.Recording.Size == 0 || res.Talkback == nil {
		t.Fatalf("result %+v", res)
	}
	for _, o := range ans.offers {
		if o.Source != protocol.LiveSourcePattern || !o.Started.Equal(res.Start) {
			t.Errorf("offer %+v: source or start differs (start %v)", o, res.Start)
		}
	}
	rec := probeFile(t, blobs.Path(res.Recording.Digest))
	if !rec.has("video", "h264") || !rec.has("audio", "opus") {
		t.Errorf("recording streams: %+v", rec.Streams)
	}
	if d := rec.duration(); math.Abs(d-ran.Seconds()) > 4 {
		t.Errorf("recording lasts %.1f s, the session ran %.1f s", d, ran.Seconds())
	}
	if gap := maxGap(t, blobs.Path(res.Recording.Digest)); gap > 0.5 {
		t.Errorf("recording has a gap of %.2f s", gap)
	}
	talk := probeFile(t, blobs.Path(res.Talkback.Digest))
	if !talk.has("audio", "opus") {
		t.Errorf("talk-back streams: %+v", talk.Streams)
	}
	if o, err := Orphans(blobs); err != nil || len(o) != 0 {
		t.Errorf("before Forget: %d orphans (%v); the session's recordings are its own until it forgets them", len(o), err)
	}
	if err := s.Forget(); err != nil {
		t.Fatal(err)
	}
	if o, err := Orphans(blobs); err != nil || len(o) != 0 {
		t.Errorf("after Forget: %d recordings in progress (%v)", len(o), err)
	}
}

type probed struct {
	Streams []struct {
		Type  string `json:"codec_type"`
		Codec string `json:"codec_name"`
	} `json:"streams"`
	Format struct {
		Duration string `json:"duration"`
	} `json:"format"`
}

func (p probed) has(typ, codec string) bool {
	for _, s := range p.Streams {
		if s.Type == typ && s.Codec == codec {
			return true
		}
	}
	return false
}

func (p probed) duration() float64 {
	d, _ := strconv.ParseFloat(p.Format.Duration, 64)
	return d
}

func probeFile(t *testing.T, path string) probed {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "stream=codec_type,codec_name:format=duration", "-of", "json", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	var p probed
	if err := json.Unmarshal(out, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

// maxGap is the longest step between consecutive video packets' times.
func maxGap(t *testing.T, path string) float64 {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pts_time", "-of", "csv=p=0", path).Output()
	if err != nil {
		t.Fatalf("ffprobe packets: %v", err)
	}
	var prev, gap float64
	n := 0
	for _, line := range strings.Fields(string(out)) {
		v, err := strconv.ParseFloat(strings.TrimSuffix(line, ","), 64)
		if err != nil {
			continue
		}
		if n > 0 {
			gap = max(gap, v-prev)
		}
		prev, n = v, n+1
	}
	if n < 10 {
		t.Fatalf("only %d video packets in the recording", n)
	}
	return gap
}

func TestBadSourcesFailQuicklyAndLeaveNothing(t *testing.T) {
	for _, spec := range []string{"/nonexistent/clip.mp4", "rtsp://127.0.0.1:1/stream", "/dev/video99", "ftp://example.com/x",
		"pattern:10x10@5", "testdata-not-here.mkv", "live_test.go"} {
		t.Run(spec, func(t *testing.T) {
			dir := t.TempDir()
			blobs, err := store.OpenBlobStore(dir)
			if err != nil {
				t.Fatal(err)
			}
			began := time.Now()
			err = func() error {
				src, err := ParseSource(spec)
				if err != nil {
					return err
				}
				s, err := Start(context.Background(), Options{Source: src, Session: "l-bad", Offer: testOffer(), Blobs: blobs})
				if err == nil {
					s.Stop(context.Background())
					return errors.New("started")
				}
				return err
			}()
			if err == nil || !errors.Is(err, ErrBadSource) {
				t.Fatalf("error %v, want ErrBadSource", err)
			}
			if d := time.Since(began); d > 16*time.Second {
				t.Errorf("took %s to refuse", d)
			}
			if left := filesUnder(t, dir); len(left) > 0 {
				t.Errorf("left behind: %v", left)
			}
		})
	}
}

func TestFFmpegMissingNamesMakeDeps(t *testing.T) {
	src, _ := ParseSource("pattern")
	_, err := Start(context.Background(), Options{Source: src, Session: "l-x", Offer: testOffer(), Blobs: blobStore(t), FFmpeg: "/nonexistent/ffmpeg"})
	if !errors.Is(err, ErrNoFFmpeg) || !strings.Contains(err.Error(), "make deps") {
		t.Fatalf("error %v", err)
	}
}

// A terminal that dies mid-session leaves its recording in progress;
// Orphans finds it and Recover closes it at its last durable point.
func TestCrashedRecordingIsRecovered(t *testing.T) {
	blobs := blobStore(t)
	src, _ := ParseSource("pattern:320x240@15")
	s, err := Start(context.Background(), Options{Source: src, Session: "l-crash", Offer: testOffer(), Blobs: blobs})
	if err != nil {
		t.Fatal(err)
	}
	if st := s.Status(); st.Link != LinkNoHub {
		t.Errorf("without a hub the link is %q", st.Link)
	}
	waitFor(t, 20*time.Second, "two checkpoints", func() bool {
		return s.Status().Recorded > 0 && time.Since(s.o.Offer.Started) > 2*checkpointEvery+time.Second
	})
	// The crash: ffmpeg and the terminal die; nothing is closed properly.
	_ = s.proc.cmd.Process.Kill()
	<-s.copied
	s.cancel()
	s.closeSockets()
	s.rec.f.Close()
	s.rec.lock.Close() // the kernel lets go of a dead process's locks

	orphans, err := Orphans(blobs)
	if err != nil || len(orphans) != 1 {
		t.Fatalf("orphans %v, %v", orphans, err)
	}
	o := orphans[0]
	if o.Session != "l-crash" || o.Kind != KindStream || o.Officer != "o-1" || o.Step != "s-1" || o.Synced == 0 {
		t.Errorf("orphan %+v", o.Meta)
	}
	rec, err := o.Recover(context.Background(), blobs)
	if err != nil {
		t.Fatal(err)
	}
	if err := blobs.Verify(context.Background(), rec.Digest); err != nil {
		t.Fatal(err)
	}
	if p := probeFile(t, blobs.Path(rec.Digest)); !p.has("video", "h264") {
		t.Errorf("recovered recording: %+v", p.Streams)
	}
	// Recovering again (a crash before custody was recorded) gives the same recording.
	if again, err := Orphans(blobs); err != nil || len(again) != 0 {
		t.Fatalf("an orphan being recovered is listed again: %v, %v", again, err)
	}
	o.lock.Close() // the recovering process dies before recording custody
	again, err := Orphans(blobs)
	if err != nil || len(again) != 1 {
		t.Fatalf("orphans after recovery %v, %v", again, err)
	}
	if r2, err := again[0].Recover(context.Background(), blobs); err != nil || r2 != rec {
		t.Fatalf("second recovery %v, %v; want %v", r2, err, rec)
	}
	if err := again[0].Forget(); err != nil {
		t.Fatal(err)
	}
	if left := filesUnder(t, filepath.Dir(filepath.Dir(blobs.Path(rec.Digest)))); len(left) != 1 {
		t.Errorf("files left besides the blob: %v", left)
	}
}

func TestParseSource(t *testing.T) {
	for _, tc := range []struct {
		spec, kind string
		w, h, fps  int
	}{
		{"pattern", protocol.LiveSourcePattern, 1280, 720, 25},
		{"pattern:640x360@30", protocol.LiveSourcePattern, 640, 360, 30},
		{"rtsp://cam.local:554/h264", protocol.LiveSourceRTSP, 0, 0, 0},
		{"rtsps://user:pw@cam/x", protocol.LiveSourceRTSP, 0, 0, 0},
		{"live_test.go", protocol.LiveSourceFile, 0, 0, 0},
	} {
		s, err := ParseSource(tc.spec)
		if err != nil || s.Kind != tc.kind || s.Width != tc.w || s.Height != tc.h || s.FPS != tc.fps {
			t.Errorf("ParseSource(%q) = %+v, %v", tc.spec, s, err)
		}
	}
	if s, _ := ParseSource("rtsps://user:pw@cam/x"); strings.Contains(s.String(), "pw") {
		t.Errorf("a URL's password shown: %s", s)
	}
	for _, bad := range []string{"", "pattern:", "pattern:7x7@1", "pattern:640x360@0", "http://x/y", "/dev/video99", "."} {
		if _, err := ParseSource(bad); !errors.Is(err, ErrBadSource) {
			t.Errorf("ParseSource(%q) = %v, want ErrBadSource", bad, err)
		}
	}
}

// An H.264 source is forwarded as is, one layer (the RTSP path; here a
// file stands in for the camera): the answerer gets H.264 and Opus, the
// recording holds the source's H.264.
func TestH264PassedThroughAsOneLayer(t *testing.T) {
	clip := filepath.Join(t.TempDir(), "camera.ts")
	out, err := exec.Command("ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=15",
		"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", "8", "-c:v", "libx264", "-profile:v", "baseline",
		"-pix_fmt", "yuv420p", "-g", "15", "-c:a", "aac", "-f", "mpegts", clip).CombinedOutput()
	if err != nil {
		t.Fatalf("make the clip: %v\n%s", err, out)
	}
	ans, err := newAnswerer()
	if err != nil {
		t.Fatal(err)
	}
	defer ans.close()
	blobs := blobStore(t)
	src, err := ParseSource(clip)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Start(context.Background(), Options{Source: src, Session: "l-copy", Offer: testOffer(), Signaller: ans, Blobs: blobs,
		copyVideo: true})
	if err != nil {
		t.Fatal(err)
	}
	grows(t, 20*time.Second, "H.264 at the answerer", ans.video.Load, 30)
	grows(t, 10*time.Second, "Opus at the answerer", ans.audio.Load, 20)
	if st := s.Status(); st.Layer != LayerHigh {
		t.Errorf("layer %q", st.Layer)
	}
	<-s.SourceEnded() // the file played out
	res, err := s.Stop(context.Background())
	if err != nil || res.SourceErr != nil {
		t.Fatalf("stop: %v, %+v", err, res)
	}
	rec := probeFile(t, blobs.Path(res.Recording.Digest))
	if !rec.has("video", "h264") || !rec.has("audio", "opus") || math.Abs(rec.duration()-8) > 1.5 {
		t.Errorf("recording: %+v, %.1f s", rec.Streams, rec.duration())
	}
}

func TestCameraFormatsRead(t *testing.T) {
	list := `[video4linux2,v4l2 @ 0x55d0c] Raw       :     yuyv422 :           YUYV 4:2:2 : 640x480 1280x720
[video4linux2,v4l2 @ 0x55d0c] Compressed:       mjpeg :          Motion-JPEG : 640x480 1280x720
[video4linux2,v4l2 @ 0x55d0c] Compressed:        h264 :                H.264 : 1920x1080
/dev/video0: Immediate exit requested`
	if !cameraGivesH264(list) {
		t.Error("a camera listing H.264 read as not giving it")
	}
	if cameraGivesH264(strings.Replace(list, "h264 :", "hevc :", 1)) {
		t.Error("a camera without H.264 read as giving it")
	}
	// The plan for a camera giving H.264 asks for it and copies it; for one that does not, encodes two layers.
	cam := Source{Kind: protocol.LiveSourceCamera, Spec: "/dev/video0"}
	copyArgs := strings.Join(plan{src: cam, m: media{Video: true, VideoCodec: "h264"}, fps: 25, passthrough: true}.args(), " ")
	if !strings.Contains(copyArgs, "-input_format h264 -i /dev/video0") || !strings.Contains(copyArgs, "-c:v copy") || strings.Contains(copyArgs, "libx264") {
		t.Errorf("H.264 camera: %s", copyArgs)
	}
	encArgs := strings.Join(plan{src: cam, m: media{Video: true, VideoCodec: "rawvideo"}, fps: 25, high: 1_200_000, low: 250_000}.args(), " ")
	if strings.Contains(encArgs, "-input_format") || strings.Count(encArgs, "libx264") != 2 {
		t.Errorf("raw camera: %s", encArgs)
	}
}
