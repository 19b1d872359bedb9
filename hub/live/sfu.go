package live

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/logging"
	"github.com/pion/webrtc/v4"

	"lawtrail/hub"
	"lawtrail/sync/protocol"
)

// Recorder keeps the record of sessions and viewers (hub.Hub is one;
// hub/liverecord.go).
type Recorder interface {
	StartLiveSession(ctx context.Context, s hub.LiveSession) error
	EndLiveSession(ctx context.Context, id string) error
	StartLiveView(ctx context.Context, v hub.LiveView) (int64, error)
	EndLiveView(ctx context.Context, id int64) error
}

// Config sets up the SFU. Zero limits take the defaults.
type Config struct {
	// ICE is the one UDP socket of every WebRTC connection (serve's
	// --live-udp). Required; the SFU closes it.
	ICE net.PacketConn
	// PublicIP, when set, is the address the hub's candidates name
	// instead of its interfaces' (a 1:1 NAT; serve's --live-ip).
	PublicIP string
	// TURN hands out TURN servers and credentials; nil: none.
	TURN *Credentials
	// Record keeps the record; required.
	Record Recorder

	MaxPerTerminal int           // sessions one terminal may have at once (default 2)
	MaxSessions    int           // sessions in all (default 64)
	MaxViewers     int           // viewers of one session (default 16)
	Grace          time.Duration // how long a session waits for its publisher to come back (default 2 min)
	Log            *slog.Logger
}

// Defaults of Config.
const (
	DefaultMaxPerTerminal = 2
	DefaultMaxSessions    = 64
	DefaultMaxViewers     = 16
	DefaultGrace          = 2 * time.Minute
)

// gatherTimeout bounds the wait for the hub's own candidates.
const gatherTimeout = 10 * time.Second

// Errors of the SFU, for handlers to map to answers.
var (
	ErrNoSession   = errors.New("no such live session")
	ErrNoViewer    = errors.New("no such viewer of the session")
	ErrTaken       = errors.New("the session belongs to another terminal")
	ErrBusy        = errors.New("live view is at its limit")
	ErrBadSDP      = errors.New("the SDP offer is not usable")
	ErrTalkBusy    = errors.New("another viewer is talking")
	ErrNoTalkback  = errors.New("this viewer may not talk back")
	ErrNoPublisher = errors.New("the terminal is not connected")
)

// SFU forwards terminals' live streams to viewers.
type SFU struct {
	cfg  Config
	api  *webrtc.API
	mux  ice.UDPMux
	log  *slog.Logger
	pcs  atomic.Int64 // open peer connections, publishers and viewers
	mu   sync.Mutex
	sess map[string]*session
	done bool
}

// New sets up the SFU on cfg.ICE.
func New(cfg Config) (*SFU, error) {
	if cfg.ICE == nil || cfg.Record == nil {
		return nil, errors.New("live: Config.ICE and Config.Record are required")
	}
	if cfg.MaxPerTerminal <= 0 {
		cfg.MaxPerTerminal = DefaultMaxPerTerminal
	}
	if cfg.MaxSessions <= 0 {
		cfg.MaxSessions = DefaultMaxSessions
	}
	if cfg.MaxViewers <= 0 {
		cfg.MaxViewers = DefaultMaxViewers
	}
	if cfg.Grace <= 0 {
		cfg.Grace = DefaultGrace
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	lf := pionLogger(cfg.Log)
	mux := webrtc.NewICEUDPMux(lf.NewLogger("ice-mux"), cfg.ICE)
	api, err := newAPI(cfg, mux, lf)
	if err != nil {
		mux.Close()
		return nil, err
	}
	return &SFU{cfg: cfg, api: api, mux: mux, log: cfg.Log, sess: map[string]*session{}}, nil
}

// newAPI is the media engine (H.264, Opus), the default interceptors and
// the network settings every connection of the SFU shares.
func newAPI(cfg Config, mux ice.UDPMux, lf logging.LoggerFactory) (*webrtc.API, error) {
	me := &webrtc.MediaEngine{}
	fb := []webrtc.RTCPFeedback{{Type: "goog-remb"}, {Type: "ccm", Parameter: "fir"}, {Type: "nack"}, {Type: "nack", Parameter: "pli"}}
	if err := me.RegisterCodec(webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264,
		ClockRate: 90000, SDPFmtpLine: h264Fmtp, RTCPFeedback: fb}, PayloadType: 102}, webrtc.RTPCodecTypeVideo); err != nil {
		return nil, fmt.Errorf("live: H.264: %w", err)
	}
	if err := me.RegisterCodec(webrtc.RTPCodecParameters{RTPCodecCapability: opus, PayloadType: 111}, webrtc.RTPCodecTypeAudio); err != nil {
		return nil, fmt.Errorf("live: Opus: %w", err)
	}
	reg := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptors(me, reg); err != nil {
		return nil, fmt.Errorf("live: interceptors: %w", err)
	}
	se := webrtc.SettingEngine{LoggerFactory: lf}
	se.SetICEUDPMux(mux)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4, webrtc.NetworkTypeUDP6})
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetICETimeouts(5*time.Second, 15*time.Second, 2*time.Second)
	if cfg.PublicIP != "" {
		se.SetNAT1To1IPs([]string{cfg.PublicIP}, webrtc.ICECandidateTypeHost)
	}
	if loopback(cfg.ICE.LocalAddr()) || net.ParseIP(cfg.PublicIP).IsLoopback() {
		se.SetIncludeLoopbackCandidate(true) // a hub on one machine (tests, trials)
	}
	return webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithInterceptorRegistry(reg), webrtc.WithSettingEngine(se)), nil
}

// The codecs the SFU forwards.
const h264Fmtp = "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"

var (
	h264 = webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000, SDPFmtpLine: h264Fmtp}
	opus = webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2, SDPFmtpLine: "minptime=10;useinbandfec=1"}
)

func loopback(a net.Addr) bool {
	u, ok := a.(*net.UDPAddr)
	return ok && u.IP.IsLoopback()
}

// Close ends every session and closes the UDP socket.
func (s *SFU) Close() error {
	s.mu.Lock()
	s.done = true
	all := make([]*session, 0, len(s.sess))
	for _, ss := range s.sess {
		all = append(all, ss)
	}
	s.mu.Unlock()
	for _, ss := range all {
		s.end(ss)
	}
	return s.mux.Close()
}

// ICEAddr is the UDP address every connection uses.
func (s *SFU) ICEAddr() net.Addr { return s.cfg.ICE.LocalAddr() }

// ICE is the ICE servers a terminal or viewer named user gets: the TURN
// server with credentials that expire, or none.
func (s *SFU) ICE(user string) protocol.LiveICE {
	if s.cfg.TURN == nil {
		return protocol.LiveICE{Servers: []protocol.ICEServer{}}
	}
	return s.cfg.TURN.For(user, time.Now())
}

// TURNURLs are the TURN servers handed out; none without TURN.
func (s *SFU) TURNURLs() []string {
	if s.cfg.TURN == nil {
		return nil
	}
	return s.cfg.TURN.URLs
}

// Stats are the SFU's figures now.
type Stats struct {
	Sessions, Viewers, PeerConnections int
}

// Stats counts sessions, viewers and open connections.
func (s *SFU) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := Stats{Sessions: len(s.sess), PeerConnections: int(s.pcs.Load())}
	for _, ss := range s.sess {
		st.Viewers += ss.viewerCount()
	}
	return st
}

// Info is what viewers are shown of a session.
type Info struct {
	ID, Terminal, Agency string
	Offer                protocol.LiveOffer // the publisher's description (SDP left out)
	Since                time.Time          // when the hub first took it, at the hub's clock
	Status               protocol.LiveStatus
}

// Sessions lists the live sessions of agency ("" for every agency),
// oldest first.
func (s *SFU) Sessions(agency string) []Info {
	s.mu.Lock()
	var list []*session
	for _, ss := range s.sess {
		if (agency == "" || ss.agency == agency) && ss.recorded.Load() {
			list = append(list, ss)
		}
	}
	s.mu.Unlock()
	out := make([]Info, 0, len(list))
	for _, ss := range list {
		out = append(out, ss.info())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Since.Before(out[j].Since) })
	return out
}

// Session is one live session.
func (s *SFU) Session(id string) (Info, bool) {
	ss := s.lookup(id)
	if ss == nil || !ss.recorded.Load() {
		return Info{}, false
	}
	return ss.info(), true
}

func (s *SFU) lookup(id string) *session {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sess[id]
}

// newPC opens a peer connection counted in Stats.
func (s *SFU) newPC(cfg webrtc.Configuration) (*webrtc.PeerConnection, error) {
	pc, err := s.api.NewPeerConnection(cfg)
	if err != nil {
		return nil, err
	}
	s.pcs.Add(1)
	return pc, nil
}

// closePC closes a connection opened by newPC; once per connection.
func (s *SFU) closePC(pc *webrtc.PeerConnection) {
	if err := pc.Close(); err != nil {
		s.log.Debug("live: close", "err", err)
	}
	s.pcs.Add(-1)
}

// answer sets offer on pc and returns the complete answer, candidates
// gathered.
func answer(ctx context.Context, pc *webrtc.PeerConnection, prepare func() error, offer string) (string, error) {
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		return "", fmt.Errorf("%w: %v", ErrBadSDP, err)
	}
	if err := prepare(); err != nil {
		return "", err
	}
	ans, err := pc.CreateAnswer(nil)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrBadSDP, err)
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(ans); err != nil {
		return "", fmt.Errorf("%w: %v", ErrBadSDP, err)
	}
	ctx, cancel := context.WithTimeout(ctx, gatherTimeout)
	defer cancel()
	select {
	case <-gathered:
	case <-ctx.Done():
		return "", fmt.Errorf("live: gathering candidates: %w", ctx.Err())
	}
	return pc.LocalDescription().SDP, nil
}

// recordCtx bounds a write to the record made outside a request.
func recordCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 10*time.Second)
}

// pionLogger sends pion's warnings and errors to log.
func pionLogger(log *slog.Logger) logging.LoggerFactory {
	lf := logging.NewDefaultLoggerFactory()
	lf.DefaultLogLevel = logging.LogLevelWarn
	lf.Writer = slogWriter{log}
	return lf
}

type slogWriter struct{ log *slog.Logger }

func (w slogWriter) Write(p []byte) (int, error) {
	w.log.Warn("live: pion", "msg", strings.TrimSpace(string(p)))
	return len(p), nil
}
