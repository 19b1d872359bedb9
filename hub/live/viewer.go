package live

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"lawtrail/hub"
)

// Watcher is a signed-in person who asks to watch a session.
type Watcher struct {
	Account, Name string
	Role          hub.WebRole
	Talkback      bool // may hold push-to-talk
}

// viewer is one viewer's connection to a session.
type viewer struct {
	id, account, name string
	role              hub.WebRole
	talkback          bool
	since             time.Time
	pc                *webrtc.PeerConnection
	watchRow          int64
	talkRow           int64 // the open talk row, 0 for none; under the session's lock
	closeOnce         sync.Once
}

// Watch answers a viewer's offer (video and audio to receive; audio sent
// too when the viewer may talk back) with the hub's complete answer, and
// records the view. viewerID names the viewer in Leave and Talk.
func (s *SFU) Watch(ctx context.Context, id string, w Watcher, offer string) (viewerID, ans string, err error) {
	ss := s.lookup(id)
	if ss == nil || !ss.recorded.Load() {
		return "", "", ErrNoSession
	}
	if ss.viewerCount() >= s.cfg.MaxViewers {
		return "", "", fmt.Errorf("%w: %d viewers", ErrBusy, s.cfg.MaxViewers)
	}
	pc, err := s.newPC(webrtc.Configuration{})
	if err != nil {
		return "", "", err
	}
	v := &viewer{id: newID(), account: w.Account, name: w.Name, role: w.Role, talkback: w.Talkback, since: time.Now(), pc: pc}
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) { ss.talkFrom(v, tr) })
	pc.OnConnectionStateChange(func(st webrtc.PeerConnectionState) {
		switch st {
		case webrtc.PeerConnectionStateConnected:
			ss.pli(nil, true) // a key frame for the one who joined
		case webrtc.PeerConnectionStateFailed, webrtc.PeerConnectionStateClosed:
			s.leave(ss, v)
		}
	})
	if ans, err = answer(ctx, pc, func() error { return ss.addTracks(pc) }, offer); err != nil {
		s.closeViewer(ss, v)
		return "", "", err
	}
	rctx, cancel := recordCtx()
	v.watchRow, err = s.cfg.Record.StartLiveView(rctx, hub.LiveView{Session: id, Viewer: v.id, Kind: hub.LiveWatch, Account: w.Account, Role: w.Role})
	cancel()
	if err != nil {
		s.closeViewer(ss, v)
		return "", "", err // a view not recorded is not given
	}
	if err := ss.addViewer(v, s.cfg.MaxViewers); err != nil {
		s.closeViewer(ss, v)
		return "", "", err
	}
	return v.id, ans, nil
}

// addTracks sends the session's tracks on a viewer's connection; PLI and
// FIR from the viewer go to the publisher.
func (ss *session) addTracks(pc *webrtc.PeerConnection) error {
	vs, err := pc.AddTrack(ss.video)
	if err != nil {
		return fmt.Errorf("live: video track: %w", err)
	}
	as, err := pc.AddTrack(ss.audio)
	if err != nil {
		return fmt.Errorf("live: audio track: %w", err)
	}
	go drainRTCP(as)
	go func() {
		for {
			pkts, _, err := vs.ReadRTCP()
			if err != nil {
				return
			}
			for _, p := range pkts {
				switch p.(type) {
				case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
					ss.pli(nil, false)
				}
			}
		}
	}()
	return nil
}

func (ss *session) addViewer(v *viewer, limit int) error {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	switch {
	case ss.ended:
		return ErrNoSession
	case len(ss.viewers) >= limit:
		return fmt.Errorf("%w: %d viewers", ErrBusy, limit)
	}
	ss.viewers[v.id] = v
	return nil
}

// talkFrom forwards a viewer's microphone to the publisher's talk-back
// track while the viewer holds push-to-talk.
func (ss *session) talkFrom(v *viewer, tr *webrtc.TrackRemote) {
	if tr.Kind() != webrtc.RTPCodecTypeAudio {
		return
	}
	buf := make([]byte, 1500)
	var pkt rtp.Packet
	for {
		n, _, err := tr.Read(buf)
		if err != nil {
			return
		}
		ss.mu.Lock()
		pub, on := ss.pub, ss.talker == v
		ss.mu.Unlock()
		if !on || pub == nil || pub.talk == nil || pkt.Unmarshal(buf[:n]) != nil {
			continue
		}
		pub.talkOut.rewrite(v, &pkt.Header)
		if err := pub.talk.WriteRTP(&pkt); err != nil && !errors.Is(err, io.ErrClosedPipe) {
			ss.sfu.log.Debug("live: talk-back", "session", ss.id, "err", err)
		}
	}
}

// Leave ends a viewer's watching; account must be the viewer's.
func (s *SFU) Leave(id, viewerID, account string) error {
	ss, v, err := s.viewerOf(id, viewerID, account)
	if err != nil {
		return err
	}
	s.leave(ss, v)
	return nil
}

// Talk starts (on) or stops a viewer's push-to-talk. One viewer talks at
// a time: another's on while one talks is ErrTalkBusy.
func (s *SFU) Talk(id, viewerID, account string, on bool) error {
	ss, v, err := s.viewerOf(id, viewerID, account)
	if err != nil {
		return err
	}
	if !v.talkback {
		return ErrNoTalkback
	}
	ss.mu.Lock()
	switch {
	case on && ss.talker == v, !on && ss.talker != v:
		ss.mu.Unlock()
		return nil
	case on && ss.talker != nil:
		ss.mu.Unlock()
		return ErrTalkBusy
	case on:
		ss.talker = v
		ss.mu.Unlock()
		ctx, cancel := recordCtx()
		defer cancel()
		row, err := s.cfg.Record.StartLiveView(ctx, hub.LiveView{Session: id, Viewer: v.id, Kind: hub.LiveTalk, Account: v.account, Role: v.role})
		ss.mu.Lock()
		defer ss.mu.Unlock()
		if err != nil {
			if ss.talker == v {
				ss.talker = nil // talk not recorded is not forwarded
			}
			return err
		}
		v.talkRow = row
		return nil
	}
	ss.talker = nil
	row := v.talkRow
	v.talkRow = 0
	ss.mu.Unlock()
	s.endRow(row)
	return nil
}

func (s *SFU) viewerOf(id, viewerID, account string) (*session, *viewer, error) {
	ss := s.lookup(id)
	if ss == nil {
		return nil, nil, ErrNoSession
	}
	ss.mu.Lock()
	v := ss.viewers[viewerID]
	ss.mu.Unlock()
	if v == nil || v.account != account {
		return nil, nil, ErrNoViewer
	}
	return ss, v, nil
}

// leave takes a viewer out of its session and closes it.
func (s *SFU) leave(ss *session, v *viewer) {
	ss.mu.Lock()
	if ss.viewers[v.id] == v {
		delete(ss.viewers, v.id)
	}
	if ss.talker == v {
		ss.talker = nil
	}
	ss.mu.Unlock()
	s.closeViewer(ss, v)
}

// closeViewer closes a viewer's connection and records the end of its
// watching and talking; once.
func (s *SFU) closeViewer(ss *session, v *viewer) {
	v.closeOnce.Do(func() {
		go s.closePC(v.pc) // not inline: this may run in the connection's own callback
		ss.mu.Lock()
		talk := v.talkRow
		v.talkRow = 0
		ss.mu.Unlock()
		s.endRow(talk)
		s.endRow(v.watchRow)
	})
}

func (s *SFU) endRow(row int64) {
	if row == 0 {
		return
	}
	ctx, cancel := recordCtx()
	defer cancel()
	if err := s.cfg.Record.EndLiveView(ctx, row); err != nil {
		s.log.Error("live: record the end of a view", "row", row, "err", err)
	}
}

// newID is a viewer's random id.
func newID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}
