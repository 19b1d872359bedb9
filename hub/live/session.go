package live

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"

	"lawtrail/hub"
	"lawtrail/sync/protocol"
)

// session is one live session: its outgoing tracks, its current
// publisher and its viewers.
type session struct {
	sfu                  *SFU
	id, terminal, agency string
	since                time.Time
	video, audio         *webrtc.TrackLocalStaticRTP
	videoOut, audioOut   rewriter
	lastPLI              atomic.Int64 // unix nanoseconds of the last PLI sent to the publisher
	recorded             atomic.Bool  // its start is in the record: viewers may join

	mu      sync.Mutex
	offer   protocol.LiveOffer
	pub     *publisher
	viewers map[string]*viewer
	talker  *viewer // holds push-to-talk, or nil
	grace   *time.Timer
	ended   bool
}

// publisher is one connection of the terminal; a re-publish replaces it.
type publisher struct {
	pc        *webrtc.PeerConnection
	talk      *webrtc.TrackLocalStaticRTP // nil when the offer's audio was not sendrecv
	talkOut   rewriter
	videoSSRC atomic.Uint32
	connected atomic.Bool
	closeOnce sync.Once
}

// Publish takes a terminal's offer for session id: a new session, or the
// same terminal's again (its viewers keep watching). It returns the hub's
// complete answer.
func (s *SFU) Publish(ctx context.Context, t Terminal, id string, offer protocol.LiveOffer) (string, error) {
	ss, fresh, err := s.sessionFor(t, id)
	if err != nil {
		return "", err
	}
	p, ans, err := s.newPublisher(ctx, ss, offer.SDP)
	if err != nil {
		if fresh {
			s.end(ss)
		}
		return "", err
	}
	if fresh {
		rctx, cancel := recordCtx()
		err = s.cfg.Record.StartLiveSession(rctx, hub.LiveSession{ID: id, Terminal: t.ID, Agency: t.Agency, Officer: offer.Officer,
			OfficerName: offer.OfficerName, Case: offer.Case, Step: offer.Step, Source: offer.Source})
		cancel()
		if err != nil {
			s.closePublisher(p)
			s.end(ss)
			if errors.Is(err, hub.ErrLiveSessionTaken) {
				return "", ErrTaken
			}
			return "", err
		}
	}
	offer.SDP = ""
	if !ss.setPublisher(p, offer) {
		s.closePublisher(p)
		return "", ErrNoSession
	}
	ss.recorded.Store(true)
	return ans, nil
}

// Terminal is the enrolled terminal a request comes from.
type Terminal struct{ ID, Agency string }

// sessionFor finds the terminal's session id or makes it, within the
// limits.
func (s *SFU) sessionFor(t Terminal, id string) (*session, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done {
		return nil, false, ErrBusy
	}
	if ss := s.sess[id]; ss != nil {
		if ss.terminal != t.ID {
			return nil, false, ErrTaken
		}
		return ss, false, nil
	}
	mine := 0
	for _, ss := range s.sess {
		if ss.terminal == t.ID {
			mine++
		}
	}
	if mine >= s.cfg.MaxPerTerminal || len(s.sess) >= s.cfg.MaxSessions {
		return nil, false, fmt.Errorf("%w: %d sessions of this terminal, %d in all", ErrBusy, mine, len(s.sess))
	}
	ss, err := newSession(s, t, id)
	if err != nil {
		return nil, false, err
	}
	s.sess[id] = ss
	return ss, true, nil
}

func newSession(s *SFU, t Terminal, id string) (*session, error) {
	video, err := webrtc.NewTrackLocalStaticRTP(h264, "video", "live-"+id)
	if err != nil {
		return nil, err
	}
	audio, err := webrtc.NewTrackLocalStaticRTP(opus, "audio", "live-"+id)
	if err != nil {
		return nil, err
	}
	return &session{sfu: s, id: id, terminal: t.ID, agency: t.Agency, since: time.Now(), video: video, audio: audio,
		videoOut: rewriter{clock: 90000}, audioOut: rewriter{clock: 48000}, viewers: map[string]*viewer{}}, nil
}

// newPublisher answers the terminal's offer on a new connection that
// feeds the session's tracks once it is the current publisher.
func (s *SFU) newPublisher(ctx context.Context, ss *session, offer string) (*publisher, string, error) {
	pc, err := s.newPC(webrtc.Configuration{})
	if err != nil {
		return nil, "", err
	}
	p := &publisher{pc: pc, talkOut: rewriter{clock: 48000}}
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) { ss.forward(p, tr) })
	pc.OnConnectionStateChange(func(st webrtc.PeerConnectionState) { ss.publisherState(p, st) })
	ans, err := answer(ctx, pc, func() error { return p.addTalk(ss.id) }, offer)
	if err != nil {
		s.closePublisher(p)
		return nil, "", err
	}
	return p, ans, nil
}

// addTalk sends the talk-back track on the offer's audio when the
// terminal receives audio there; an offer without video is refused.
func (p *publisher) addTalk(id string) error {
	var desc sdp.SessionDescription
	if err := desc.UnmarshalString(p.pc.RemoteDescription().SDP); err != nil {
		return fmt.Errorf("%w: %v", ErrBadSDP, err)
	}
	video, talk := false, false
	for _, m := range desc.MediaDescriptions {
		switch m.MediaName.Media {
		case "video":
			_, recv := m.Attribute("recvonly")
			_, inactive := m.Attribute("inactive")
			video = video || (!recv && !inactive)
		case "audio":
			_, sendrecv := m.Attribute("sendrecv")
			_, recvonly := m.Attribute("recvonly")
			talk = talk || sendrecv || recvonly
		}
	}
	if !video {
		return fmt.Errorf("%w: no video sent", ErrBadSDP)
	}
	if !talk {
		return nil
	}
	track, err := webrtc.NewTrackLocalStaticRTP(opus, "talkback", "hub-"+id)
	if err != nil {
		return err
	}
	sender, err := p.pc.AddTrack(track)
	if err != nil {
		return fmt.Errorf("live: talk-back track: %w", err)
	}
	p.talk = track
	go drainRTCP(sender)
	return nil
}

// drainRTCP reads a sender's RTCP so its interceptors run.
func drainRTCP(sender *webrtc.RTPSender) {
	for {
		if _, _, err := sender.ReadRTCP(); err != nil {
			return
		}
	}
}

func (s *SFU) closePublisher(p *publisher) {
	p.closeOnce.Do(func() { s.closePC(p.pc) })
}

// setPublisher makes p the session's publisher and closes the one it
// replaces; false when the session ended meanwhile.
func (ss *session) setPublisher(p *publisher, offer protocol.LiveOffer) bool {
	ss.mu.Lock()
	if ss.ended {
		ss.mu.Unlock()
		return false
	}
	old := ss.pub
	ss.pub, ss.offer = p, offer
	if ss.grace != nil {
		ss.grace.Stop()
		ss.grace = nil
	}
	ss.mu.Unlock()
	if old != nil {
		go ss.sfu.closePublisher(old)
	}
	return true
}

func (ss *session) current(p *publisher) bool {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return ss.pub == p
}

// forward copies a publisher's track to the session's track of its kind
// while p is the current publisher.
func (ss *session) forward(p *publisher, tr *webrtc.TrackRemote) {
	out, rw := ss.audio, &ss.audioOut
	if tr.Kind() == webrtc.RTPCodecTypeVideo {
		out, rw = ss.video, &ss.videoOut
		p.videoSSRC.Store(uint32(tr.SSRC()))
		ss.pli(p, true)
	}
	buf := make([]byte, 1500)
	var pkt rtp.Packet
	for {
		n, _, err := tr.Read(buf)
		if err != nil {
			return
		}
		if err := pkt.Unmarshal(buf[:n]); err != nil || !ss.current(p) {
			continue
		}
		rw.rewrite(p, &pkt.Header)
		if err := out.WriteRTP(&pkt); err != nil && !errors.Is(err, io.ErrClosedPipe) {
			ss.sfu.log.Debug("live: forward", "session", ss.id, "err", err)
		}
	}
}

// pli asks the current publisher for a key frame, at most once per 500
// ms unless forced.
func (ss *session) pli(p *publisher, force bool) {
	if p == nil {
		ss.mu.Lock()
		p = ss.pub
		ss.mu.Unlock()
		if p == nil {
			return
		}
	}
	now := time.Now().UnixNano()
	last := ss.lastPLI.Load()
	if !force && now-last < int64(500*time.Millisecond) || !ss.lastPLI.CompareAndSwap(last, now) {
		return
	}
	ssrc := p.videoSSRC.Load()
	if ssrc == 0 {
		return
	}
	_ = p.pc.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: ssrc}})
}

// publisherState tracks the publisher's link: a failed or closed current
// publisher starts the grace period after which the session ends.
func (ss *session) publisherState(p *publisher, st webrtc.PeerConnectionState) {
	p.connected.Store(st == webrtc.PeerConnectionStateConnected)
	if st == webrtc.PeerConnectionStateConnected {
		ss.pli(p, true)
	}
	if st != webrtc.PeerConnectionStateFailed && st != webrtc.PeerConnectionStateClosed {
		return
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.pub != p || ss.ended {
		return
	}
	ss.pub = nil
	go ss.sfu.closePublisher(p)
	ss.grace = time.AfterFunc(ss.sfu.cfg.Grace, func() { ss.sfu.end(ss) })
}

// End ends a session of terminal t.
func (s *SFU) End(t Terminal, id string) error {
	ss := s.lookup(id)
	if ss == nil {
		return ErrNoSession
	}
	if ss.terminal != t.ID {
		return ErrTaken
	}
	s.end(ss)
	return nil
}

// end closes the session's publisher and viewers, records its end and
// forgets it; once.
func (s *SFU) end(ss *session) {
	ss.mu.Lock()
	if ss.ended {
		ss.mu.Unlock()
		return
	}
	ss.ended = true
	pub, viewers := ss.pub, ss.viewers
	ss.pub, ss.viewers, ss.talker = nil, map[string]*viewer{}, nil
	if ss.grace != nil {
		ss.grace.Stop()
	}
	ss.mu.Unlock()
	// The end is recorded before the session is forgotten: whoever finds
	// it gone finds its end in the record too.
	ctx, cancel := recordCtx()
	defer cancel()
	if err := s.cfg.Record.EndLiveSession(ctx, ss.id); err != nil {
		s.log.Error("live: record the end of a session", "session", ss.id, "err", err)
	}
	s.mu.Lock()
	if s.sess[ss.id] == ss {
		delete(s.sess, ss.id)
	}
	s.mu.Unlock()
	if pub != nil {
		s.closePublisher(pub)
	}
	for _, v := range viewers {
		s.closeViewer(ss, v)
	}
}

// Status is a session's state for its terminal.
func (s *SFU) Status(t Terminal, id string) (protocol.LiveStatus, error) {
	ss := s.lookup(id)
	if ss == nil {
		return protocol.LiveStatus{}, ErrNoSession
	}
	if ss.terminal != t.ID {
		return protocol.LiveStatus{}, ErrTaken
	}
	return ss.info().Status, nil
}

func (ss *session) info() Info {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	st := protocol.LiveStatus{Session: ss.id, Connected: ss.pub != nil && ss.pub.connected.Load(), Viewers: []protocol.LiveViewer{}}
	for _, v := range ss.viewers {
		st.Viewers = append(st.Viewers, protocol.LiveViewer{Account: v.account, Name: v.name, Since: v.since,
			Talkback: v.talkback, Talking: ss.talker == v})
	}
	sortViewers(st.Viewers)
	return Info{ID: ss.id, Terminal: ss.terminal, Agency: ss.agency, Offer: ss.offer, Since: ss.since, Status: st}
}

func sortViewers(vs []protocol.LiveViewer) {
	slices.SortFunc(vs, func(a, b protocol.LiveViewer) int {
		if c := a.Since.Compare(b.Since); c != 0 {
			return c
		}
		return strings.Compare(a.Account, b.Account)
	})
}

func (ss *session) viewerCount() int {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return len(ss.viewers)
}

// rewriter makes one outgoing RTP stream of packets from changing sources
// (a re-published terminal, another talker): when the source changes,
// sequence numbers go on from the last sent and timestamps by the time
// that passed, so receivers see one stream with a pause, not a jump.
type rewriter struct {
	clock uint32 // the codec's clock rate

	mu      sync.Mutex
	src     any
	started bool
	seqOff  uint16
	tsOff   uint32
	lastSeq uint16
	lastTS  uint32
	lastAt  time.Time
}

func (r *rewriter) rewrite(src any, h *rtp.Header) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	if !r.started || src != r.src {
		if r.started {
			gap := uint32(now.Sub(r.lastAt).Seconds() * float64(r.clock))
			r.seqOff = r.lastSeq + 1 - h.SequenceNumber
			r.tsOff = r.lastTS + max(gap, 1) - h.Timestamp
		}
		r.src = src
	}
	h.SequenceNumber += r.seqOff
	h.Timestamp += r.tsOff
	if !r.started || int16(h.SequenceNumber-r.lastSeq) > 0 {
		r.lastSeq, r.lastTS, r.lastAt = h.SequenceNumber, h.Timestamp, now
	}
	r.started = true
}
