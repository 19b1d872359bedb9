package live

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"lawtrail/sync/protocol"
)

// answerer stands in for the hub: a real pion PeerConnection answers each
// publish (a re-publish replaces the last), counts the H.264 and Opus
// packets it receives, and sends talk-back audio down.
type answerer struct {
	mu        sync.Mutex
	pc        *webrtc.PeerConnection
	publishes atomic.Int32
	video     atomic.Int64
	audio     atomic.Int64
	offers    []protocol.LiveOffer
	ended     atomic.Bool
	talk      *webrtc.TrackLocalStaticRTP
	stopTalk  chan struct{}
}

func newAnswerer() (*answerer, error) {
	talk, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "talk", "hub")
	if err != nil {
		return nil, err
	}
	a := &answerer{talk: talk, stopTalk: make(chan struct{})}
	go a.talkBack()
	return a, nil
}

// talkBack sends an Opus silence frame every 20 ms, as a viewer holding
// push-to-talk would send speech.
func (a *answerer) talkBack() {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	var seq uint16
	var ts uint32
	for {
		select {
		case <-a.stopTalk:
			return
		case <-t.C:
		}
		seq++
		ts += 960
		_ = a.talk.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: seq, Timestamp: ts, Marker: seq == 1},
			Payload: []byte{0xf8, 0xff, 0xfe}})
	}
}

func (a *answerer) close() {
	close(a.stopTalk)
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.pc != nil {
		a.pc.Close()
	}
}

func (a *answerer) ICEServers(context.Context) (protocol.LiveICE, error) {
	return protocol.LiveICE{}, nil
}

func (a *answerer) Publish(ctx context.Context, session string, o protocol.LiveOffer) (protocol.LiveAnswer, error) {
	if err := o.Validate(); err != nil {
		return protocol.LiveAnswer{}, err
	}
	m := &webrtc.MediaEngine{}
	if err := m.RegisterDefaultCodecs(); err != nil {
		return protocol.LiveAnswer{}, err
	}
	reg := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptors(m, reg); err != nil {
		return protocol.LiveAnswer{}, err
	}
	pc, err := webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(reg)).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return protocol.LiveAnswer{}, err
	}
	pc.OnTrack(func(t *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		n := &a.audio
		if t.Codec().MimeType == webrtc.MimeTypeH264 {
			n = &a.video
		}
		for {
			if _, _, err := t.ReadRTP(); err != nil {
				return
			}
			n.Add(1)
		}
	})
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: o.SDP}); err != nil {
		pc.Close()
		return protocol.LiveAnswer{}, err
	}
	if _, err := pc.AddTrack(a.talk); err != nil {
		pc.Close()
		return protocol.LiveAnswer{}, err
	}
	ans, err := pc.CreateAnswer(nil)
	if err != nil {
		pc.Close()
		return protocol.LiveAnswer{}, err
	}
	done := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(ans); err != nil {
		pc.Close()
		return protocol.LiveAnswer{}, err
	}
	select {
	case <-done:
	case <-ctx.Done():
		pc.Close()
		return protocol.LiveAnswer{}, ctx.Err()
	}
	a.mu.Lock()
	if a.pc != nil {
		a.pc.Close() // the same session again: the new publisher replaces the old
	}
	a.pc = pc
	a.offers = append(a.offers, o)
	a.mu.Unlock()
	a.publishes.Add(1)
	return protocol.LiveAnswer{SDP: pc.LocalDescription().SDP}, nil
}

func (a *answerer) Status(_ context.Context, session string) (protocol.LiveStatus, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.pc == nil {
		return protocol.LiveStatus{}, errors.New("no such session")
	}
	return protocol.LiveStatus{Session: session, Connected: a.pc.ConnectionState() == webrtc.PeerConnectionStateConnected,
		Viewers: []protocol.LiveViewer{{Account: "head1", Name: "Head One", Since: time.Now(), Talkback: true}}}, nil
}

func (a *answerer) End(context.Context, string) error {
	a.ended.Store(true)
	return nil
}
