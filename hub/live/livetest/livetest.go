// Package livetest holds the WebRTC ends of live view for tests, as
// httptest holds an HTTP server: PeerConnections on loopback with their
// complete offers, a viewer that counts what it receives and sees an H.264
// key frame, a terminal's publisher of H.264 and Opus, Opus silence, and
// TURN clients. Signalling is the caller's: each end hands its complete
// offer to a function that returns the answer (an HTTP request, an SFU
// call). It imports pion and the standard library only, so the tests of
// any package, hub/live's own included, may use it.
package livetest

import (
	"context"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/turn/v4"
	"github.com/pion/webrtc/v4"
)

// Answerer takes a complete SDP offer to the other end and returns its
// answer.
type Answerer func(offer string) (answer string, err error)

// NewPC is a PeerConnection on UDP4 whose candidates include loopback,
// closed when the test ends.
func NewPC(t testing.TB, cfg webrtc.Configuration) *webrtc.PeerConnection {
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

// CompleteOffer sets pc's offer and returns it with its candidates
// gathered; the test fails if gathering takes over 10 s.
func CompleteOffer(t testing.TB, pc *webrtc.PeerConnection) string {
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
		t.Fatal("ICE gathering did not complete in 10 s")
	}
	return pc.LocalDescription().SDP
}

// connect sends pc's complete offer through answer and sets the answer.
func connect(t testing.TB, pc *webrtc.PeerConnection, answer Answerer) {
	t.Helper()
	ans, err := answer(CompleteOffer(t, pc))
	if err != nil {
		t.Fatalf("signalling: %v", err)
	}
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: ans}); err != nil {
		t.Fatalf("the answer: %v", err)
	}
}

// H264 is the video the publisher sends: H.264 Constrained Baseline,
// packetization mode 1.
var H264 = webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000,
	SDPFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"}

// Opus is the audio both ends send.
var Opus = webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}

// Viewer is a viewer's connection counting what it receives.
type Viewer struct {
	PC           *webrtc.PeerConnection
	Mic          *webrtc.TrackLocalStaticRTP // talk-back, when asked for
	Video, Audio atomic.Int64                // RTP packets received per kind
	Bytes        atomic.Int64                // RTP payload bytes received
	keyFrame     chan struct{}
	seen         atomic.Bool
}

// KeyFrame is closed when the first H.264 key frame arrives.
func (v *Viewer) KeyFrame() <-chan struct{} { return v.keyFrame }

// ViewerOptions say how a viewer connects.
type ViewerOptions struct {
	Config   webrtc.Configuration // ICE servers, a relay-only policy
	Talkback bool                 // audio both ways, with a microphone (Mic), instead of receiving only
}

// Watch connects a viewer that receives video and audio, its complete
// offer sent through answer.
func Watch(t testing.TB, opt ViewerOptions, answer Answerer) *Viewer {
	t.Helper()
	pc := NewPC(t, opt.Config)
	v := &Viewer{PC: pc, keyFrame: make(chan struct{})}
	recv := webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}
	if _, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeVideo, recv); err != nil {
		t.Fatal(err)
	}
	if opt.Talkback {
		mic, err := webrtc.NewTrackLocalStaticRTP(Opus, "mic", "viewer")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pc.AddTransceiverFromTrack(mic, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendrecv}); err != nil {
			t.Fatal(err)
		}
		v.Mic = mic
	} else if _, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeAudio, recv); err != nil {
		t.Fatal(err)
	}
	pc.OnTrack(v.receive)
	connect(t, pc, answer)
	return v
}

// receive counts a track's packets until it ends.
func (v *Viewer) receive(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
	video := tr.Kind() == webrtc.RTPCodecTypeVideo
	n := &v.Audio
	if video {
		n = &v.Video
	}
	for {
		pkt, _, err := tr.ReadRTP()
		if err != nil {
			return
		}
		n.Add(1)
		v.Bytes.Add(int64(len(pkt.Payload)))
		if video && IsKeyFrame(pkt.Payload) && v.seen.CompareAndSwap(false, true) {
			close(v.keyFrame)
		}
	}
}

// IsKeyFrame reports whether an H.264 RTP payload (RFC 6184) starts or
// carries an IDR slice or a sequence parameter set.
func IsKeyFrame(p []byte) bool {
	if len(p) < 2 {
		return false
	}
	switch typ := p[0] & 0x1f; typ {
	case 5, 7:
		return true
	case 24: // STAP-A: 16-bit sizes, each NAL unit
		for i := 1; i+2 < len(p); {
			size := int(p[i])<<8 | int(p[i+1])
			if p[i+2]&0x1f == 5 || p[i+2]&0x1f == 7 {
				return true
			}
			i += 2 + size
		}
	case 28: // FU-A: the start of a fragmented unit
		return p[1]&0x80 != 0 && p[1]&0x1f == 5
	}
	return false
}

// Publisher is a terminal's connection sending H.264 and Opus (audio both
// ways, for talk-back), counting what the other end sends back.
type Publisher struct {
	PC           *webrtc.PeerConnection
	Video, Audio *webrtc.TrackLocalStaticRTP // what the test writes RTP to
	PLIs         atomic.Int64                // picture-loss indications received
	Talkback     atomic.Int64                // talk-back RTP packets received
}

// Publish connects a publisher, its complete offer sent through answer.
func Publish(t testing.TB, answer Answerer) *Publisher {
	t.Helper()
	pc := NewPC(t, webrtc.Configuration{})
	video, err := webrtc.NewTrackLocalStaticRTP(H264, "video", "terminal")
	if err != nil {
		t.Fatal(err)
	}
	audio, err := webrtc.NewTrackLocalStaticRTP(Opus, "audio", "terminal")
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
	p := &Publisher{PC: pc, Video: video, Audio: audio}
	go p.countPLIs(vt.Sender())
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		for {
			if _, _, err := tr.ReadRTP(); err != nil {
				return
			}
			p.Talkback.Add(1)
		}
	})
	connect(t, pc, answer)
	return p
}

func (p *Publisher) countPLIs(s *webrtc.RTPSender) {
	for {
		pkts, _, err := s.ReadRTCP()
		if err != nil {
			return
		}
		for _, k := range pkts {
			if _, ok := k.(*rtcp.PictureLossIndication); ok {
				p.PLIs.Add(1)
			}
		}
	}
}

// Pace hands write pkt every period, its sequence number one more and its
// timestamp step more each time, until ctx ends: a stand-in stream.
func Pace(ctx context.Context, pkt rtp.Packet, period time.Duration, step uint32, write func(*rtp.Packet)) {
	tick := time.NewTicker(period)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		pkt.SequenceNumber++
		pkt.Timestamp += step
		write(&pkt)
	}
}

// OpusSilence hands write an Opus silence frame every 20 ms until ctx
// ends.
func OpusSilence(ctx context.Context, write func(*rtp.Packet)) {
	Pace(ctx, rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 111}, Payload: []byte{0xf8, 0xff, 0xfe}}, 20*time.Millisecond, 960, write)
}

// turnClient is a TURN client of server from a loopback UDP socket; release
// ends both.
func turnClient(t testing.TB, server, user, pass string) (c *turn.Client, release func()) {
	t.Helper()
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c, err = turn.NewClient(&turn.ClientConfig{TURNServerAddr: server, Username: user, Password: pass, Conn: conn, RTO: 200 * time.Millisecond})
	if err != nil {
		conn.Close()
		t.Fatal(err)
	}
	if err := c.Listen(); err != nil {
		c.Close()
		conn.Close()
		t.Fatal(err)
	}
	return c, func() { c.Close(); conn.Close() }
}

// TURNRelay allocates a relay on the TURN server at server, kept until the
// test ends; the test fails if the server refuses.
func TURNRelay(t testing.TB, server, user, pass string) net.PacketConn {
	t.Helper()
	c, closeClient := turnClient(t, server, user, pass)
	t.Cleanup(closeClient)
	relay, err := c.Allocate()
	if err != nil {
		t.Fatalf("TURN allocation: %v", err)
	}
	t.Cleanup(func() { relay.Close() })
	return relay
}

// TURNAllocate asks the TURN server at server for a relay and lets it go
// at once; the error is the server's refusal. It returns the relay's
// address.
func TURNAllocate(t testing.TB, server, user, pass string) (net.Addr, error) {
	t.Helper()
	c, closeClient := turnClient(t, server, user, pass)
	defer closeClient()
	relay, err := c.Allocate()
	if err != nil {
		return nil, err
	}
	defer relay.Close()
	return relay.LocalAddr(), nil
}
