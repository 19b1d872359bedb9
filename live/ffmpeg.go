package live

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"lawtrail/sync/protocol"
)

// ErrNoFFmpeg: ffmpeg (or ffprobe) is not installed.
var ErrNoFFmpeg = errors.New("ffmpeg not found: install it with `make deps` (Debian's ffmpeg package)")

// tools are the ffmpeg and ffprobe binaries.
type tools struct{ ffmpeg, ffprobe string }

func findTools(ffmpeg string) (tools, error) {
	if ffmpeg == "" {
		ffmpeg = "ffmpeg"
	}
	fm, err := exec.LookPath(ffmpeg)
	if err != nil {
		return tools{}, fmt.Errorf("%w (%v)", ErrNoFFmpeg, err)
	}
	probe := strings.TrimSuffix(fm, "ffmpeg") + "ffprobe"
	if _, err := os.Stat(probe); err != nil {
		if probe, err = exec.LookPath("ffprobe"); err != nil {
			return tools{}, fmt.Errorf("%w (%v)", ErrNoFFmpeg, err)
		}
	}
	return tools{ffmpeg: fm, ffprobe: probe}, nil
}

// media is what probing a source found.
type media struct {
	Video, Audio bool
	VideoCodec   string
	FPS          int
}

// probeTimeout bounds probing a file or RTSP URL: a bad URL fails quickly.
const probeTimeout = 15 * time.Second

// probe asks ffprobe what a file or RTSP source holds; the pattern and
// cameras are known without asking.
func probe(ctx context.Context, t tools, s Source) (media, error) {
	switch s.Kind {
	case protocol.LiveSourcePattern:
		return media{Video: true, Audio: true, VideoCodec: "rawvideo", FPS: s.FPS}, nil
	case protocol.LiveSourceCamera:
		return probeCamera(ctx, t, s), nil
	}
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	args := []string{"-v", "error", "-show_entries", "stream=codec_type,codec_name,avg_frame_rate,r_frame_rate", "-of", "json"}
	if s.Kind == protocol.LiveSourceRTSP {
		args = append(args, "-rtsp_transport", "tcp", "-timeout", "10000000")
	}
	cmd := exec.CommandContext(ctx, t.ffprobe, append(args, "--", s.Input())...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return media{}, fmt.Errorf("%w: %s: %s", ErrBadSource, s, s.Scrub(firstLine(stderr.String(), err)))
	}
	var raw struct {
		Streams []map[string]string `json:"streams"`
	}
	if err := json.Unmarshal(out, &raw); err != nil {
		return media{}, fmt.Errorf("probe %s: %w", s, err)
	}
	var m media
	for _, st := range raw.Streams {
		switch {
		case st["codec_type"] == "video" && !m.Video:
			m.Video, m.VideoCodec, m.FPS = true, st["codec_name"], frameRate(st["avg_frame_rate"], st["r_frame_rate"])
		case st["codec_type"] == "audio":
			m.Audio = true
		}
	}
	if !m.Video {
		return m, fmt.Errorf("%w: %s has no video", ErrBadSource, s)
	}
	return m, nil
}

// probeCamera asks the V4L2 device which formats it gives: one that gives
// H.264 (some recorders in PC-camera mode do) is passed through as is,
// any other is encoded.
func probeCamera(ctx context.Context, t tools, s Source) media {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	// ffmpeg lists the formats on stderr and exits with an error: no output was asked for.
	out, _ := exec.CommandContext(ctx, t.ffmpeg, "-hide_banner", "-f", "v4l2", "-list_formats", "all", "-i", s.Spec).CombinedOutput()
	m := media{Video: true, VideoCodec: "rawvideo"}
	if cameraGivesH264(string(out)) {
		m.VideoCodec = "h264"
	}
	return m
}

// cameraGivesH264 reads ffmpeg's -list_formats answer, lines such as
// "[video4linux2,v4l2 @ 0x…] Compressed:        h264 :                H.264 : 1920x1080".
func cameraGivesH264(list string) bool {
	for _, line := range strings.Split(list, "\n") {
		_, rest, ok := strings.Cut(line, "Compressed:")
		if name, _, _ := strings.Cut(rest, ":"); ok && strings.TrimSpace(name) == "h264" {
			return true
		}
	}
	return false
}

// frameRate reads "30000/1001" as 30, falling back to the second rate.
func frameRate(rates ...string) int {
	for _, r := range rates {
		n, d, ok := strings.Cut(r, "/")
		num, err1 := strconv.Atoi(n)
		den, err2 := strconv.Atoi(d)
		if ok && err1 == nil && err2 == nil && den > 0 && num > 0 {
			if f := (num + den/2) / den; f >= 1 && f <= 120 {
				return f
			}
		}
	}
	return 0
}

func firstLine(s string, err error) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return err.Error()
	}
	if i := strings.IndexByte(s, '\n'); i > 0 {
		return s[:i]
	}
	return s
}

// plan is one ffmpeg run: its source, layers and where each output goes.
type plan struct {
	src         Source
	m           media
	fps         int
	high, low   int // bits/s
	videoPort   int // RTP of the high (or only) layer
	lowPort     int // RTP of the low layer; 0 when passed through
	audioPort   int // 0 without audio
	rtcpPorts   [3]int
	preview     bool // JPEGs on fd 3
	passthrough bool
}

// args builds ffmpeg's command line: inputs, the filter graph, the
// recording (MPEG-TS on stdout) and the RTP outputs.
func (p plan) args() []string {
	a := []string{"-hide_banner", "-loglevel", "error", "-nostats"}
	a = append(a, p.inputArgs()...)
	if p.passthrough {
		return append(a, p.passthroughOutputs()...)
	}
	return append(a, p.encodedOutputs()...)
}

func (p plan) inputArgs() []string {
	switch p.src.Kind {
	case protocol.LiveSourcePattern:
		return []string{"-re", "-f", "lavfi", "-i", fmt.Sprintf("testsrc2=size=%dx%d:rate=%d", p.src.Width, p.src.Height, p.src.FPS),
			"-re", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"}
	case protocol.LiveSourceCamera:
		if p.passthrough {
			return []string{"-f", "v4l2", "-input_format", "h264", "-i", p.src.Spec}
		}
		return []string{"-f", "v4l2", "-i", p.src.Spec}
	case protocol.LiveSourceRTSP:
		return []string{"-rtsp_transport", "tcp", "-timeout", "10000000", "-i", p.src.Spec}
	}
	return []string{"-re", "-i", p.src.Input()}
}

// audioInput is the stream specifier of the audio, "" without audio.
func (p plan) audioInput() string {
	switch {
	case !p.m.Audio:
		return ""
	case p.src.Kind == protocol.LiveSourcePattern:
		return "1:a:0"
	}
	return "0:a:0"
}

func (p plan) rtpURL(port, rtcp int) string {
	return fmt.Sprintf("rtp://127.0.0.1:%d?pkt_size=1200&rtcpport=%d", port, rtcp)
}

func x264(bitrate, fps int) []string {
	k := strconv.Itoa(bitrate/1000) + "k"
	return []string{"-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-profile:v", "baseline",
		"-pix_fmt", "yuv420p", "-b:v", k, "-maxrate", k, "-bufsize", k, "-g", strconv.Itoa(fps),
		"-keyint_min", strconv.Itoa(fps), "-sc_threshold", "0", "-x264-params", "repeat-headers=1"}
}

var opus = []string{"-c:a", "libopus", "-b:a", "32k", "-ac", "1", "-ar", "48000", "-application", "lowdelay"}

func (p plan) encodedOutputs() []string {
	graph := "[0:v]scale=trunc(iw/2)*2:trunc(ih/2)*2,split=3[vh][vl][vp];[vl]scale=320:-2[vlo];[vp]fps=2,scale=320:-2[vpr]"
	if !p.preview {
		graph = "[0:v]scale=trunc(iw/2)*2:trunc(ih/2)*2,split=2[vh][vl];[vl]scale=320:-2[vlo]"
	}
	a := []string{"-filter_complex", graph, "-map", "[vh]"}
	tee := `[select=\'v:0\':f=mpegts:onfail=abort]pipe:1|[select=\'v:0\':f=rtp]` + p.rtpURL(p.videoPort, p.rtcpPorts[0])
	if ai := p.audioInput(); ai != "" {
		a = append(a, "-map", ai)
		tee = `[select=\'v:0,a:0\':f=mpegts:onfail=abort]pipe:1|[select=\'v:0\':f=rtp]` + p.rtpURL(p.videoPort, p.rtcpPorts[0]) +
			`|[select=\'a:0\':f=rtp]` + p.rtpURL(p.audioPort, p.rtcpPorts[2])
		a = append(a, opus...)
	}
	a = append(a, x264(p.high, p.fps)...)
	a = append(a, "-flush_packets", "1", "-f", "tee", tee)
	a = append(a, "-map", "[vlo]")
	a = append(a, x264(p.low, p.fps)...)
	a = append(a, "-f", "rtp", p.rtpURL(p.lowPort, p.rtcpPorts[1]))
	if p.preview {
		a = append(a, "-map", "[vpr]", "-c:v", "mjpeg", "-q:v", "7", "-f", "image2pipe", "pipe:3")
	}
	return a
}

// passthroughOutputs forward the source's H.264 as is: to the recording
// and to RTP, its parameter sets repeated in-band at each keyframe
// (browsers need them; RTSP carries them out of band).
func (p plan) passthroughOutputs() []string {
	a := []string{"-map", "0:v:0"}
	ai := p.audioInput()
	if ai != "" {
		a = append(a, "-map", ai)
		a = append(a, opus...)
	}
	a = append(a, "-c:v", "copy", "-bsf:v", "dump_extra=freq=keyframe", "-flush_packets", "1", "-f", "mpegts", "pipe:1")
	a = append(a, "-map", "0:v:0", "-c:v", "copy", "-bsf:v", "dump_extra=freq=keyframe", "-f", "rtp", p.rtpURL(p.videoPort, p.rtcpPorts[0]))
	if ai != "" {
		a = append(a, "-map", ai)
		a = append(a, opus...)
		a = append(a, "-f", "rtp", p.rtpURL(p.audioPort, p.rtcpPorts[2]))
	}
	if p.preview {
		a = append(a, "-map", "0:v:0", "-vf", "fps=2,scale=320:-2", "-c:v", "mjpeg", "-q:v", "7", "-f", "image2pipe", "pipe:3")
	}
	return a
}

// process is a running ffmpeg.
type process struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout io.ReadCloser
	jpegs  *os.File // read end of fd 3; nil without preview
	stderr *tailBuffer
	done   chan struct{}       // closed when ffmpeg has exited
	err    error               // its exit, valid after done
	scrub  func(string) string // hides the source's password in what ffmpeg says
}

// startFFmpeg starts ffmpeg with p's arguments.
func startFFmpeg(t tools, p plan) (*process, error) {
	cmd := exec.Command(t.ffmpeg, p.args()...)
	endWithParent(cmd)
	pr := &process{cmd: cmd, stderr: &tailBuffer{max: 8 << 10}, done: make(chan struct{}), scrub: p.src.Scrub}
	cmd.Stderr = pr.stderr
	var err error
	if pr.stdin, err = cmd.StdinPipe(); err != nil {
		return nil, fmt.Errorf("ffmpeg: %w", err)
	}
	// The recording's pipe is our own, not StdoutPipe's: Wait (below)
	// closes that one's read end as soon as ffmpeg exits, cutting off the
	// end of the recording still in the pipe ("read |0: file already
	// closed"). The reader closes it at EOF.
	out, outW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("ffmpeg: recording pipe: %w", err)
	}
	pr.stdout, cmd.Stdout = out, outW
	var w *os.File
	if p.preview {
		if pr.jpegs, w, err = os.Pipe(); err != nil {
			out.Close()
			outW.Close()
			return nil, fmt.Errorf("ffmpeg: preview pipe: %w", err)
		}
		cmd.ExtraFiles = []*os.File{w}
	}
	err = cmd.Start()
	outW.Close() // ffmpeg holds its own copy
	if w != nil {
		w.Close()
	}
	if err != nil {
		out.Close()
		if pr.jpegs != nil {
			pr.jpegs.Close()
		}
		return nil, fmt.Errorf("start ffmpeg: %w", err)
	}
	go func() {
		pr.err = cmd.Wait()
		close(pr.done)
	}()
	return pr, nil
}

// failure describes how ffmpeg ended, with the end of what it said.
func (pr *process) failure() error {
	msg := strings.TrimSpace(pr.stderr.String())
	if msg == "" {
		msg = fmt.Sprint(pr.err)
	}
	return fmt.Errorf("ffmpeg: %s", pr.scrub(msg))
}

// stop asks ffmpeg to finish (q on stdin, as a person at its terminal
// would), then interrupts it, then kills it; it returns once ffmpeg exited.
func (pr *process) stop() {
	_, _ = pr.stdin.Write([]byte("q"))
	_ = pr.stdin.Close()
	for _, next := range []func(){
		func() { _ = pr.cmd.Process.Signal(syscall.SIGINT) },
		func() { _ = pr.cmd.Process.Kill() },
	} {
		select {
		case <-pr.done:
			return
		case <-time.After(5 * time.Second):
			next()
		}
	}
	<-pr.done
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = append(t.b[:0], t.b[len(t.b)-t.max:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}
