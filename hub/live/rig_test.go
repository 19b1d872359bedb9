package live_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"lawtrail/evidence"
	"lawtrail/hub/hubtest"
	"lawtrail/hub/live"
	"lawtrail/hub/live/livetest"
	"lawtrail/sync/client"
	"lawtrail/sync/protocol"
	"lawtrail/sync/server"
)

// rig is a hub with live view: its sync handler with the SFU mounted, over
// TLS on loopback, and a TURN server.
type rig struct {
	hub      *hubtest.Hub
	sfu      *live.SFU
	addr     string // the sync listener
	turnAddr string
	secret   string
}

func newRig(t *testing.T, cfg live.Config) *rig {
	t.Helper()
	th := hubtest.Start(t)
	iceConn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	turnConn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{hub: th, turnAddr: turnConn.LocalAddr().String(), secret: live.RandomSecret()}
	peers, err := live.ICEAddrs(iceConn, "")
	if err != nil {
		t.Fatal(err)
	}
	tu, err := live.StartTURN(live.TURNConfig{Conn: turnConn, RelayIP: net.IPv4(127, 0, 0, 1), Secret: r.secret, Peers: peers})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tu.Close() })
	cfg.ICE, cfg.Record = iceConn, th.Hub
	cfg.TURN = &live.Credentials{URLs: []string{live.TURNURL(r.turnAddr)}, Secret: r.secret}
	if r.sfu, err = live.New(cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.sfu.Close() })
	r.addr = th.Serve(t, server.Options{Live: r.sfu.TerminalHandler()})
	return r
}

// terminal is an HTTP client with a terminal's key, enrolled in agency
// unless agency is "".
type terminal struct {
	id string
	hc *http.Client
	r  *rig
}

func (r *rig) terminal(t *testing.T, agency string) *terminal {
	t.Helper()
	key, err := evidence.GenerateKeyPair(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if agency != "" {
		code, err := protocol.ParseEnrollCode(r.hub.Code(t, agency))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.hub.Enroll(context.Background(), code.Secret, key.Public, "T-"+agency); err != nil {
			t.Fatal(err)
		}
	}
	tc, err := client.TLSConfig(key, r.hub.CertFingerprint(), protocol.ServerNameHub)
	if err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: tc}, Timeout: 30 * time.Second}
	t.Cleanup(hc.CloseIdleConnections)
	return &terminal{id: key.ID(), hc: hc, r: r}
}

// call sends a request with a JSON (or raw []byte) body and decodes a JSON
// answer into out; it returns the status and the protocol error, if any.
func (tm *terminal) call(t *testing.T, method, path string, in, out any) (int, *protocol.Error) {
	t.Helper()
	var body io.Reader
	switch v := in.(type) {
	case nil:
	case []byte:
		body = bytes.NewReader(v)
	default:
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, "https://"+tm.r.addr+path, body)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := tm.hc.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		var pe protocol.Error
		if err := json.Unmarshal(raw, &pe); err != nil {
			t.Fatalf("%s %s: %d %q is not a protocol error", method, path, resp.StatusCode, raw)
		}
		return resp.StatusCode, &pe
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %q: %v", method, path, raw, err)
		}
	}
	return resp.StatusCode, nil
}

// source is a live H.264 stream from ffmpeg (test pattern, baseline, a key
// frame a second) and Opus silence, written to whichever publisher's
// tracks are current.
type source struct {
	video, audio atomic.Pointer[webrtc.TrackLocalStaticRTP]
}

func startSource(t *testing.T) *source {
	t.Helper()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Fatal("ffmpeg is needed (make deps installs it): ", err)
	}
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, "ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25",
		"-c:v", "libx264", "-profile:v", "baseline", "-tune", "zerolatency", "-g", "25", "-pix_fmt", "yuv420p",
		"-f", "rtp", fmt.Sprintf("rtp://%s?pkt_size=1200", conn.LocalAddr()))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() {
		cancel()
		conn.Close()
		cmd.Wait()
		<-done
		if t.Failed() {
			t.Logf("ffmpeg: %s", stderr.String())
		}
	})
	s := &source{}
	go s.pump(conn, done)
	go livetest.OpusSilence(ctx, func(pkt *rtp.Packet) {
		if tr := s.audio.Load(); tr != nil {
			tr.WriteRTP(pkt)
		}
	})
	return s
}

func (s *source) pump(conn net.PacketConn, done chan struct{}) {
	defer close(done)
	buf := make([]byte, 1600)
	var pkt rtp.Packet
	for {
		n, _, err := conn.ReadFrom(buf)
		if err != nil {
			return
		}
		if pkt.Unmarshal(buf[:n]) != nil {
			continue
		}
		if tr := s.video.Load(); tr != nil {
			tr.WriteRTP(&pkt)
		}
	}
}

func offerFor(session string) protocol.LiveOffer {
	return protocol.LiveOffer{Officer: "o1", OfficerName: "张三", Case: "case-1", Step: "step-1", Source: protocol.LiveSourcePattern,
		Started: time.Now()}
}

// publish connects a new publisher of src for session and makes it the
// source's output.
func (tm *terminal) publish(t *testing.T, session string, src *source) *livetest.Publisher {
	t.Helper()
	p := livetest.Publish(t, func(sdp string) (string, error) {
		offer := offerFor(session)
		offer.SDP = sdp
		var ans protocol.LiveAnswer
		if status, pe := tm.call(t, http.MethodPut, protocol.PathLive+session, offer, &ans); pe != nil {
			return "", fmt.Errorf("publish: %d %v", status, pe)
		}
		return ans.SDP, nil
	})
	src.video.Store(p.Video)
	src.audio.Store(p.Audio)
	return p
}

// viewer is a Go viewer of the rig's SFU, with its id there.
type viewer struct {
	*livetest.Viewer
	id string
}

// watch connects a viewer of session; relay forces TURN.
func (r *rig) watch(t *testing.T, session string, w live.Watcher, relay bool) *viewer {
	t.Helper()
	opt := livetest.ViewerOptions{Talkback: w.Talkback}
	if relay {
		ice := r.sfu.ICE(w.Account)
		for _, s := range ice.Servers {
			opt.Config.ICEServers = append(opt.Config.ICEServers, webrtc.ICEServer{URLs: s.URLs, Username: s.Username, Credential: s.Credential})
		}
		opt.Config.ICETransportPolicy = webrtc.ICETransportPolicyRelay
	}
	v := &viewer{}
	v.Viewer = livetest.Watch(t, opt, func(offer string) (ans string, err error) {
		v.id, ans, err = r.sfu.Watch(context.Background(), session, w, offer)
		return ans, err
	})
	return v
}

// speak sends Opus frames on the viewer's microphone until ctx ends.
func (v *viewer) speak(ctx context.Context) {
	livetest.OpusSilence(ctx, func(pkt *rtp.Packet) { v.Mic.WriteRTP(pkt) })
}

// grows waits until count passes by more than n from now, or fails.
func grows(t *testing.T, what string, count func() int64, n int64) {
	t.Helper()
	start := count()
	if err := eventually(20*time.Second, func() bool { return count()-start > n }); err != nil {
		t.Fatalf("%s: %d packets after %d, want %d more: %v", what, count(), start, n, err)
	}
}

func eventually(limit time.Duration, ok func() bool) error {
	deadline := time.Now().Add(limit)
	for !ok() {
		if time.Now().After(deadline) {
			return errors.New("timed out")
		}
		time.Sleep(50 * time.Millisecond)
	}
	return nil
}
