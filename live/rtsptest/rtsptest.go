// Package rtsptest runs an RTSP camera for tests, as httptest runs an HTTP
// server: a gortsplib server in the test process, on a loopback port, that
// may ask readers for a user and password and relays to them what an
// ffmpeg child publishes to it — a 4G recorder as a terminal sees it.
package rtsptest

import (
	"bytes"
	"errors"
	"net"
	"os/exec"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bluenviron/gortsplib/v4"
	"github.com/bluenviron/gortsplib/v4/pkg/base"
	"github.com/bluenviron/gortsplib/v4/pkg/description"
	"github.com/bluenviron/gortsplib/v4/pkg/format"
	"github.com/bluenviron/gortsplib/v4/pkg/liberrors"
	"github.com/pion/rtp"
)

// Path is the camera's stream path.
const Path = "/cam"

// Camera is an RTSP server with at most one stream, at Path.
type Camera struct {
	user, pass string // readers' credentials; none asked for when both are ""
	server     *gortsplib.Server
	addr       string // host:port it listens on
	closeOnce  sync.Once
	mu         sync.RWMutex
	stream     *gortsplib.ServerStream
	pub        *gortsplib.ServerSession
	packets    atomic.Int64 // RTP packets published to it
	ffmpeg     *exec.Cmd
	exited     chan struct{} // closed when ffmpeg has ended
}

// NewCamera starts a camera with no one publishing to it; readers must give
// user and pass unless both are "". It is closed when the test ends.
func NewCamera(t testing.TB, user, pass string) *Camera {
	t.Helper()
	c := &Camera{user: user, pass: pass}
	c.server = &gortsplib.Server{Handler: c, RTSPAddress: "127.0.0.1:0",
		Listen: func(network, _ string) (net.Listener, error) {
			ln, err := net.Listen(network, "127.0.0.1:0")
			if err == nil {
				c.addr = ln.Addr().String()
			}
			return ln, err
		}}
	if err := c.server.Start(); err != nil {
		t.Fatalf("RTSP server: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

// Publish starts an ffmpeg publishing a test pattern to the camera over
// TCP: H.264 (libx264, Constrained Baseline, level 3.1, 352x288 at 25 fps,
// three reference frames, a key frame every 50 frames — settings the live
// package's own encoder never chooses) and AAC at 48 kHz, as 4G recorders
// send. It returns once 50 packets have arrived; the test fails if none
// come in 15 s or ffmpeg ends (make deps installs ffmpeg).
func (c *Camera) Publish(t testing.TB) {
	t.Helper()
	cmd := exec.Command("ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin",
		"-re", "-f", "lavfi", "-i", "testsrc2=size=352x288:rate=25",
		"-re", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
		"-c:v", "libx264", "-preset", "veryfast", "-profile:v", "baseline", "-level:v", "3.1", "-pix_fmt", "yuv420p",
		"-g", "25", "-x264-params", "keyint=50:min-keyint=50:scenecut=0:ref=3",
		"-c:a", "aac", "-b:a", "64k",
		"-f", "rtsp", "-rtsp_transport", "tcp", "rtsp://"+c.addr+Path)
	var stderr bytes.Buffer // read once ffmpeg has ended
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start the publishing ffmpeg (make deps installs it): %v", err)
	}
	c.ffmpeg, c.exited = cmd, make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(c.exited)
	}()
	t.Cleanup(c.Close)
	end := time.Now().Add(15 * time.Second)
	for c.packets.Load() < 50 {
		select {
		case <-c.exited:
			t.Fatalf("the publishing ffmpeg ended: %s", stderr.String())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(end) {
			c.Close()
			t.Fatalf("nothing published to the RTSP camera in 15 s: %s", stderr.String())
		}
	}
}

// Addr is the host:port the camera listens on.
func (c *Camera) Addr() string { return c.addr }

// URL is the camera's stream as a terminal is given it, with user and pass
// in it (any, to try wrong ones) unless both are "".
func (c *Camera) URL(user, pass string) string {
	if user == "" && pass == "" {
		return "rtsp://" + c.addr + Path
	}
	return "rtsp://" + user + ":" + pass + "@" + c.addr + Path
}

// Packets is how many RTP packets have been published to the camera.
func (c *Camera) Packets() int64 { return c.packets.Load() }

// Close stops the publisher and the server, cutting every reader: the
// camera goes away. It may be called more than once.
func (c *Camera) Close() {
	c.closeOnce.Do(func() {
		if c.ffmpeg != nil {
			_ = c.ffmpeg.Process.Kill()
			<-c.exited
		}
		c.server.Close()
	})
}

// OnSessionClose lets the stream go with its publisher.
func (c *Camera) OnSessionClose(ctx *gortsplib.ServerHandlerOnSessionCloseCtx) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stream != nil && ctx.Session == c.pub {
		c.stream.Close()
		c.stream = nil
	}
}

// OnDescribe answers a reader.
func (c *Camera) OnDescribe(ctx *gortsplib.ServerHandlerOnDescribeCtx) (*base.Response, *gortsplib.ServerStream, error) {
	return c.reader(ctx.Conn, ctx.Request)
}

// OnAnnounce takes the publisher (the test's own ffmpeg, over loopback)
// without credentials.
func (c *Camera) OnAnnounce(ctx *gortsplib.ServerHandlerOnAnnounceCtx) (*base.Response, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stream != nil {
		return &base.Response{StatusCode: base.StatusBadRequest}, errors.New("a stream is published already")
	}
	st := &gortsplib.ServerStream{Server: c.server, Desc: ctx.Description}
	if err := st.Initialize(); err != nil {
		return &base.Response{StatusCode: base.StatusInternalServerError}, err
	}
	c.stream, c.pub = st, ctx.Session
	return &base.Response{StatusCode: base.StatusOK}, nil
}

// OnSetup takes the publisher's tracks, or answers a reader.
func (c *Camera) OnSetup(ctx *gortsplib.ServerHandlerOnSetupCtx) (*base.Response, *gortsplib.ServerStream, error) {
	if ctx.Session.State() == gortsplib.ServerSessionStatePreRecord {
		return &base.Response{StatusCode: base.StatusOK}, nil, nil
	}
	return c.reader(ctx.Conn, ctx.Request)
}

// reader checks a reader's credentials and hands it the stream: 401
// without them, 404 while no one publishes.
func (c *Camera) reader(conn *gortsplib.ServerConn, req *base.Request) (*base.Response, *gortsplib.ServerStream, error) {
	if (c.user != "" || c.pass != "") && !conn.VerifyCredentials(req, c.user, c.pass) {
		return &base.Response{StatusCode: base.StatusUnauthorized}, nil, liberrors.ErrServerAuth{}
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.stream == nil {
		return &base.Response{StatusCode: base.StatusNotFound}, nil, nil
	}
	return &base.Response{StatusCode: base.StatusOK}, c.stream, nil
}

// OnPlay lets a reader play.
func (c *Camera) OnPlay(*gortsplib.ServerHandlerOnPlayCtx) (*base.Response, error) {
	return &base.Response{StatusCode: base.StatusOK}, nil
}

// OnRecord counts each published packet and relays it to the readers.
func (c *Camera) OnRecord(ctx *gortsplib.ServerHandlerOnRecordCtx) (*base.Response, error) {
	ctx.Session.OnPacketRTPAny(func(m *description.Media, _ format.Format, p *rtp.Packet) {
		c.packets.Add(1)
		c.mu.RLock()
		st := c.stream
		c.mu.RUnlock()
		if st != nil {
			_ = st.WritePacketRTP(m, p)
		}
	})
	return &base.Response{StatusCode: base.StatusOK}, nil
}
