package live_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os/exec"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"lawtrail/evidence"
	"lawtrail/hub/hubtest"
	"lawtrail/hub/live"
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
	handler, err := server.NewWithOptions(th.Hub, slog.New(slog.DiscardHandler), server.Options{Live: r.sfu.TerminalHandler()})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, ErrorLog: log.New(io.Discard, "", 0)}
	go srv.Serve(tls.NewListener(l, th.TLSConfig()))
	t.Cleanup(func() { srv.Close() })
	r.addr = l.Addr().String()
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
	go s.silence(ctx)
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

// silence sends an Opus silence frame every 20 ms.
func (s *source) silence(ctx context.Context) {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	pkt := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 111}, Payload: []byte{0xf8, 0xff, 0xfe}}
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		pkt.SequenceNumber++
		pkt.Timestamp += 960
		if tr := s.audio.Load(); tr != nil {
			tr.WriteRTP(&pkt)
		}
	}
}

// publisher is a terminal's WebRTC connection publishing src.
type publisher struct {
	pc       *webrtc.PeerConnection
	talkback atomic.Int64 // talk-back RTP packets received
	plis     atomic.Int64 // picture-loss indications received
}

func offerFor(session string) protocol.LiveOffer {
	return protocol.LiveOffer{Officer: "o1", OfficerName: "张三", Case: "case-1", Step: "step-1", Source: protocol.LiveSourcePattern,
		Started: time.Now()}
}

// publish connects a new publisher of src for session and makes it the
// source's output.
func (tm *terminal) publish(t *testing.T, session string, src *source) *publisher {
	t.Helper()
	pc := newPC(t, webrtc.Configuration{})
	video, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000,
		SDPFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"}, "video", "terminal")
	if err != nil {
		t.Fatal(err)
	}
	audio, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "audio", "terminal")
	if err != nil {
		t.Fatal(err)
	}
	vt, err := pc.AddTransceiverFromTrack(video, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pc.AddTransceiverFromTrack(audio, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendrecv}); err != nil {
		t.Fatal(err)
	}
	p := &publisher{pc: pc}
	go func() {
		for {
			pkts, _, err := vt.Sender().ReadRTCP()
			if err != nil {
				return
			}
			for _, k := range pkts {
				if _, ok := k.(*rtcp.PictureLossIndication); ok {
					p.plis.Add(1)
				}
			}
		}
	}()
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		for {
			if _, _, err := tr.ReadRTP(); err != nil {
				return
			}
			p.talkback.Add(1)
		}
	})
	offer := offerFor(session)
	offer.SDP = localOffer(t, pc)
	var ans protocol.LiveAnswer
	if status, pe := tm.call(t, http.MethodPut, protocol.PathLive+session, offer, &ans); pe != nil {
		t.Fatalf("publish: %d %v", status, pe)
	}
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: ans.SDP}); err != nil {
		t.Fatal(err)
	}
	src.video.Store(video)
	src.audio.Store(audio)
	return p
}

func newPC(t *testing.T, cfg webrtc.Configuration) *webrtc.PeerConnection {
	t.Helper()
	var se webrtc.SettingEngine
	se.SetIncludeLoopbackCandidate(true)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	pc, err := webrtc.NewAPI(webrtc.WithSettingEngine(se)).NewPeerConnection(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	return pc
}

// localOffer is pc's complete offer, candidates gathered.
func localOffer(t *testing.T, pc *webrtc.PeerConnection) string {
	t.Helper()
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(offer); err != nil {
		t.Fatal(err)
	}
	select {
	case <-gathered:
	case <-time.After(10 * time.Second):
		t.Fatal("gathering did not complete")
	}
	return pc.LocalDescription().SDP
}

// viewer is a Go viewer counting the RTP it receives per kind.
type viewer struct {
	id           string
	pc           *webrtc.PeerConnection
	video, audio atomic.Int64
	mic          *webrtc.TrackLocalStaticRTP // talk-back, when asked for
}

// watch connects a viewer of session; relay forces TURN.
func (r *rig) watch(t *testing.T, session string, w live.Watcher, relay bool) *viewer {
	t.Helper()
	cfg := webrtc.Configuration{}
	if relay {
		ice := r.sfu.ICE(w.Account)
		for _, s := range ice.Servers {
			cfg.ICEServers = append(cfg.ICEServers, webrtc.ICEServer{URLs: s.URLs, Username: s.Username, Credential: s.Credential})
		}
		cfg.ICETransportPolicy = webrtc.ICETransportPolicyRelay
	}
	pc := newPC(t, cfg)
	v := &viewer{pc: pc}
	if _, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeVideo, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
		t.Fatal(err)
	}
	if w.Talkback {
		mic, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "mic", "viewer")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pc.AddTransceiverFromTrack(mic, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendrecv}); err != nil {
			t.Fatal(err)
		}
		v.mic = mic
	} else if _, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeAudio, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
		t.Fatal(err)
	}
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		n := &v.audio
		if tr.Kind() == webrtc.RTPCodecTypeVideo {
			n = &v.video
		}
		for {
			if _, _, err := tr.ReadRTP(); err != nil {
				return
			}
			n.Add(1)
		}
	})
	id, ans, err := r.sfu.Watch(context.Background(), session, w, localOffer(t, pc))
	if err != nil {
		t.Fatalf("watch: %v", err)
	}
	v.id = id
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: ans}); err != nil {
		t.Fatal(err)
	}
	return v
}

// speak sends Opus frames on the viewer's microphone until ctx ends.
func (v *viewer) speak(ctx context.Context) {
	pkt := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 111}, Payload: []byte{0xf8, 0xff, 0xfe}}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		pkt.SequenceNumber++
		pkt.Timestamp += 960
		v.mic.WriteRTP(&pkt)
	}
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
