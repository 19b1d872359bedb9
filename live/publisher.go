package live

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/cc"
	"github.com/pion/interceptor/pkg/gcc"
	"github.com/pion/rtp"
	"github.com/pion/transport/v5"
	"github.com/pion/webrtc/v4"

	"lawtrail/sync/protocol"
)

// Link states of a session's connection to the hub.
const (
	LinkNoHub        = "no-hub"       // recording only: the terminal has joined no hub
	LinkConnecting   = "connecting"   // offering, or ICE checking
	LinkConnected    = "connected"    // media flows to the hub
	LinkReconnecting = "reconnecting" // the link failed; offering again after a pause
	LinkStopped      = "stopped"
)

// publisher keeps one PeerConnection to the hub up, building a new one
// under the same session id whenever the last fails.
type publisher struct {
	sig          Signaller
	session      string
	offer        protocol.LiveOffer
	net          transport.Net
	video, audio *webrtc.TrackLocalStaticRTP
	fwd          *videoForwarder
	high         int
	disconnected time.Duration
	onTalkback   func(*webrtc.TrackRemote)
	changed      func()

	mu       sync.Mutex
	link     string
	lastErr  string
	tries    int
	estimate atomic.Int64
	est      atomic.Pointer[cc.BandwidthEstimator]
}

func newTracks() (video, audio *webrtc.TrackLocalStaticRTP, err error) {
	video, err = webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000,
		SDPFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"}, "video", "lawtrail")
	if err != nil {
		return nil, nil, fmt.Errorf("video track: %w", err)
	}
	audio, err = webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2},
		"audio", "lawtrail")
	if err != nil {
		return nil, nil, fmt.Errorf("audio track: %w", err)
	}
	return video, audio, nil
}

func (p *publisher) setLink(state, errText string) {
	p.mu.Lock()
	changed := p.link != state
	p.link = state
	if errText != "" {
		p.lastErr = errText
	}
	p.mu.Unlock()
	if changed && p.changed != nil {
		p.changed()
	}
}

func (p *publisher) state() (link, lastErr string, tries int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.link, p.lastErr, p.tries
}

// run keeps publishing until ctx ends, backing off 1 s, 2 s, 4 s … 10 s
// between failed attempts (back to 1 s after a link that held).
func (p *publisher) run(ctx context.Context) {
	backoff := time.Second
	for ctx.Err() == nil {
		p.mu.Lock()
		p.tries++
		p.mu.Unlock()
		p.setLink(LinkConnecting, "")
		began := time.Now()
		err := p.connect(ctx)
		if ctx.Err() != nil {
			return
		}
		if time.Since(began) > 15*time.Second {
			backoff = time.Second
		}
		p.setLink(LinkReconnecting, fmt.Sprint(err))
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 10*time.Second)
	}
}

// api builds a pion API with the NACK responder, RTCP reports and GCC
// over transport-wide congestion control feedback.
func (p *publisher) api() (*webrtc.API, error) {
	m := &webrtc.MediaEngine{}
	if err := m.RegisterDefaultCodecs(); err != nil {
		return nil, err
	}
	reg := &interceptor.Registry{}
	if err := webrtc.ConfigureNack(m, reg); err != nil {
		return nil, err
	}
	if err := webrtc.ConfigureRTCPReports(reg); err != nil {
		return nil, err
	}
	ccf, err := cc.NewInterceptor(func() (cc.BandwidthEstimator, error) {
		return gcc.NewSendSideBWE(gcc.SendSideBWEInitialBitrate(p.high*3/2), gcc.SendSideBWEMinBitrate(100_000),
			gcc.SendSideBWEMaxBitrate(p.high*4), gcc.SendSideBWEPacer(gcc.NewNoOpPacer()))
	})
	if err != nil {
		return nil, err
	}
	ccf.OnNewPeerConnection(func(_ string, est cc.BandwidthEstimator) { p.est.Store(&est) })
	reg.Add(ccf) // before the TWCC sequence numbers: it reads them on the way out
	if err := webrtc.ConfigureTWCCHeaderExtensionSender(m, reg); err != nil {
		return nil, err
	}
	se := webrtc.SettingEngine{}
	if p.net != nil {
		se.SetNet(p.net)
	}
	se.SetICETimeouts(p.disconnected, p.disconnected+4*time.Second, time.Second)
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(reg), webrtc.WithSettingEngine(se)), nil
}

// connect publishes once and returns when the link failed (or ctx ended).
func (p *publisher) connect(ctx context.Context) error {
	ice, err := p.sig.ICEServers(ctx)
	if err != nil {
		return err
	}
	api, err := p.api()
	if err != nil {
		return fmt.Errorf("webrtc: %w", err)
	}
	pc, err := api.NewPeerConnection(webrtc.Configuration{ICEServers: iceServers(ice)})
	if err != nil {
		return fmt.Errorf("webrtc: %w", err)
	}
	defer pc.Close()
	states := make(chan webrtc.PeerConnectionState, 16)
	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		select {
		case states <- s:
		default:
		}
	})
	pc.OnTrack(func(t *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		if t.Kind() == webrtc.RTPCodecTypeAudio && p.onTalkback != nil {
			p.onTalkback(t)
		}
	})
	if err := p.addTracks(pc); err != nil {
		return err
	}
	if err := p.negotiate(ctx, pc); err != nil {
		return err
	}
	return p.watch(ctx, states)
}

func iceServers(ice protocol.LiveICE) []webrtc.ICEServer {
	var out []webrtc.ICEServer
	for _, s := range ice.Servers {
		out = append(out, webrtc.ICEServer{URLs: s.URLs, Username: s.Username, Credential: s.Credential})
	}
	return out
}

// addTracks adds the video (send only) and audio (send and receive:
// talk-back comes down) and reads each sender's RTCP, which runs the
// interceptors (NACKs answered, TWCC feedback to the estimator).
func (p *publisher) addTracks(pc *webrtc.PeerConnection) error {
	for _, tr := range []struct {
		t   *webrtc.TrackLocalStaticRTP
		dir webrtc.RTPTransceiverDirection
	}{{p.video, webrtc.RTPTransceiverDirectionSendonly}, {p.audio, webrtc.RTPTransceiverDirectionSendrecv}} {
		x, err := pc.AddTransceiverFromTrack(tr.t, webrtc.RTPTransceiverInit{Direction: tr.dir})
		if err != nil {
			return fmt.Errorf("webrtc: %w", err)
		}
		go drainRTCP(x.Sender())
	}
	return nil
}

func drainRTCP(s *webrtc.RTPSender) {
	buf := make([]byte, 1500)
	for {
		if _, _, err := s.Read(buf); err != nil {
			return
		}
	}
}

// negotiate sends a complete offer (all candidates gathered) and applies
// the hub's answer.
func (p *publisher) negotiate(ctx context.Context, pc *webrtc.PeerConnection) error {
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		return fmt.Errorf("webrtc offer: %w", err)
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(offer); err != nil {
		return fmt.Errorf("webrtc offer: %w", err)
	}
	select {
	case <-gathered:
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(10 * time.Second):
		return errors.New("webrtc: gathering ICE candidates took over 10 s")
	}
	o := p.offer
	o.SDP = pc.LocalDescription().SDP
	ans, err := p.sig.Publish(ctx, p.session, o)
	if err != nil {
		return err
	}
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: ans.SDP}); err != nil {
		return fmt.Errorf("webrtc: the hub's answer: %w", err)
	}
	return nil
}

// connectTimeout bounds how long a new connection may take to come up.
const connectTimeout = 20 * time.Second

// watch follows the connection until it fails, or stays disconnected for
// longer than p.disconnected, or ctx ends.
func (p *publisher) watch(ctx context.Context, states <-chan webrtc.PeerConnectionState) error {
	deadline := time.NewTimer(connectTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-deadline.C:
			return errors.New("webrtc: the link did not come up (ICE)")
		case <-tick.C:
			p.adapt()
		case s := <-states:
			switch s {
			case webrtc.PeerConnectionStateConnected:
				deadline.Stop()
				p.setLink(LinkConnected, "")
			case webrtc.PeerConnectionStateDisconnected:
				deadline.Reset(p.disconnected)
			case webrtc.PeerConnectionStateFailed, webrtc.PeerConnectionStateClosed:
				return fmt.Errorf("webrtc: link %s", s)
			}
		}
	}
}

// adapt picks the video layer the current bandwidth estimate allows.
func (p *publisher) adapt() {
	e := p.est.Load()
	if e == nil {
		return
	}
	rate := (*e).GetTargetBitrate()
	p.estimate.Store(int64(rate))
	if p.fwd.passthrough {
		return
	}
	cur := p.fwd.layer()
	if next := chooseLayer(cur, rate, p.high); next != cur {
		p.fwd.setWant(next)
	}
}

// forwardAudio writes ffmpeg's Opus packets onto the audio track.
func forwardAudio(t *webrtc.TrackLocalStaticRTP, c *counters) func(*rtp.Packet) {
	return func(p *rtp.Packet) {
		if t.WriteRTP(p) == nil {
			c.bytes.Add(int64(len(p.Payload)))
		}
	}
}
