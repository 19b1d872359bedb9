package live

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/transport/v5"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media/oggwriter"

	"lawtrail/store"
	"lawtrail/sync/protocol"
)

// Options are what a session streams, where, and how.
type Options struct {
	Source  Source
	Session string // protocol.ValidLiveSession
	// Offer is who streams, what for, and since when; its SDP is filled in
	// at each publish. Offer.Started is the session's start.
	Offer     protocol.LiveOffer
	Signaller Signaller // nil: record only (LinkNoHub)
	Blobs     *store.BlobStore
	// Net replaces the network the media link uses (pion's
	// SettingEngine.SetNet): tests pass a faultproxy.LossyNet.
	Net    transport.Net
	FFmpeg string // the ffmpeg binary; "ffmpeg" on PATH when empty
	// Preview makes JPEG frames (2 a second, 320 wide) of what is sent.
	Preview bool
	// OnChange is called when the link state or the viewers change; it
	// must not block.
	OnChange func(Status)
	// HighBitrate and LowBitrate are the encoded layers' bits per second
	// (1.2 Mbit/s and 250 kbit/s when 0).
	HighBitrate, LowBitrate int
	// Disconnected is how long a disconnected link may take to recover
	// before the session offers again (4 s when 0).
	Disconnected time.Duration
	// StatusEvery is how often the hub is asked for the viewers (3 s when 0).
	StatusEvery time.Duration
	Now         func() time.Time // the terminal clock; time.Now when nil

	// copyVideo passes a file's H.264 through as an RTSP camera's is
	// (tests: the one-layer path without an RTSP server).
	copyVideo bool
}

// Status is a session's state now.
type Status struct {
	Session     string
	Link        string // a Link* state
	LastError   string // why the link last failed
	Attempts    int    // publishes tried
	Layer       string // video layer sent (LayerHigh, LayerLow), "" before the first keyframe
	Estimate    int    // bits/s the congestion controller allows
	BytesSent   int64  // media payload bytes handed to the link
	PacketsSent int64  // video packets
	FramesSent  int64  // video frames
	Recorded    int64  // bytes of the recording so far
	HubSeesLink bool   // the hub reports the media link up
	Viewers     []protocol.LiveViewer
	Talkback    bool // talk-back audio has arrived
}

// Result is a stopped session: when it ran and what it recorded.
type Result struct {
	Start, End time.Time
	Recording  Recording
	Talkback   *Recording // nil when no talk-back arrived
	// SourceErr is set when the source ended by itself with an error
	// (a camera unplugged, an RTSP stream cut); the recording holds what
	// came before.
	SourceErr error
	// EndErr is set when the hub could not be told the session ended.
	EndErr error
}

// Stream is a running session.
type Stream struct {
	o       Options
	now     func() time.Time
	proc    *process
	rtps    []*rtpIn
	rec     *recorder
	pub     *publisher
	count   counters
	cancel  context.CancelFunc
	copied  chan error // the recording's copy ended
	workers sync.WaitGroup

	mu        sync.Mutex
	viewers   []protocol.LiveViewer
	hubUp     bool
	preview   []byte
	talk      *recorder
	talkOgg   *oggwriter.OggWriter
	talkErr   error
	stopped   bool
	sourceEnd chan struct{}
}

// startTimeout bounds the wait for the first recorded bytes: a source that
// gives nothing is an error, not a silent session.
const startTimeout = 20 * time.Second

// Start starts ffmpeg on the source, the recording and (with a Signaller)
// the publisher. It returns once the recording has begun; a source that
// cannot be read is an error and leaves nothing behind.
func Start(ctx context.Context, o Options) (*Stream, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	t, err := findTools(o.FFmpeg)
	if err != nil {
		return nil, err
	}
	m, err := probe(ctx, t, o.Source)
	if err != nil {
		return nil, err
	}
	s := &Stream{o: o, now: o.Now, copied: make(chan error, 1), sourceEnd: make(chan struct{})}
	if err := s.openSockets(); err != nil {
		return nil, err
	}
	p := s.plan(m)
	s.rec, err = newRecorder(o.Blobs, s.meta(KindStream), time.Now)
	if err != nil {
		s.closeSockets()
		return nil, err
	}
	if s.proc, err = startFFmpeg(t, p); err != nil {
		s.closeSockets()
		s.rec.discard()
		return nil, err
	}
	if err := s.awaitFirstBytes(ctx); err != nil {
		s.proc.stop()
		s.closeSockets()
		s.rec.discard()
		return nil, err
	}
	s.startWorkers(p)
	return s, nil
}

func (o *Options) defaults() error {
	if !protocol.ValidLiveSession(o.Session) {
		return fmt.Errorf("live: bad session id %q", o.Session)
	}
	if o.Blobs == nil {
		return errors.New("live: no blob store to record into")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.HighBitrate <= 0 {
		o.HighBitrate = 1_200_000
	}
	if o.LowBitrate <= 0 {
		o.LowBitrate = 250_000
	}
	if o.Disconnected <= 0 {
		o.Disconnected = 4 * time.Second
	}
	if o.StatusEvery <= 0 {
		o.StatusEvery = 3 * time.Second
	}
	if o.Offer.Started.IsZero() {
		o.Offer.Started = o.Now()
	}
	o.Offer.Source = o.Source.Kind
	return nil
}

func (s *Stream) meta(kind string) Meta {
	return Meta{Session: s.o.Session, Kind: kind, Officer: s.o.Offer.Officer, Case: s.o.Offer.Case, Step: s.o.Offer.Step,
		Source: s.o.Source.Kind, Started: s.o.Offer.Started}
}

func (s *Stream) openSockets() error {
	for range 3 {
		r, err := listenRTP()
		if err != nil {
			s.closeSockets()
			return err
		}
		s.rtps = append(s.rtps, r)
	}
	return nil
}

func (s *Stream) closeSockets() {
	for _, r := range s.rtps {
		r.close()
	}
}

// plan lays out the ffmpeg run: rtps[0] the high (or only) layer, rtps[1]
// the low layer, rtps[2] the audio.
func (s *Stream) plan(m media) plan {
	fps := m.FPS
	if fps <= 0 {
		fps = 25
	}
	p := plan{src: s.o.Source, m: m, fps: fps, high: s.o.HighBitrate, low: s.o.LowBitrate, preview: s.o.Preview,
		passthrough: (s.o.Source.Passthrough() || s.o.copyVideo) && m.VideoCodec == "h264",
		videoPort:   s.rtps[0].port(), lowPort: s.rtps[1].port(), audioPort: s.rtps[2].port()}
	for i, r := range s.rtps {
		p.rtcpPorts[i] = r.rtcpPort()
	}
	return p
}

// awaitFirstBytes starts copying the recording and waits for its first
// bytes, or ffmpeg's early exit (a source it cannot read).
func (s *Stream) awaitFirstBytes(ctx context.Context) error {
	first := make(chan struct{})
	go func() { s.copied <- s.copyRecording(first) }()
	select {
	case <-first:
		return nil
	case <-s.proc.done:
		return s.proc.failure()
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(startTimeout):
		return fmt.Errorf("live: %s gave nothing to record within %s", s.o.Source, startTimeout)
	}
}

// copyRecording copies ffmpeg's MPEG-TS into the recording until ffmpeg
// ends it; first is closed at the first bytes.
func (s *Stream) copyRecording(first chan struct{}) error {
	defer s.proc.stdout.Close()
	r := bufio.NewReaderSize(s.proc.stdout, 256<<10)
	if _, err := r.Peek(1); err != nil {
		return fmt.Errorf("live: recording: %w", err)
	}
	close(first)
	_, err := io.Copy(s.rec, r)
	return err
}

func (s *Stream) startWorkers(p plan) {
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	video, audio, err := newTracks()
	if err != nil { // only a bad codec capability, fixed in code
		panic(err)
	}
	fwd := &videoForwarder{track: video, want: LayerHigh, now: time.Now, count: &s.count, passthrough: p.passthrough}
	s.goWork(func() { s.rtps[0].read(func(pk *rtp.Packet) { fwd.push(LayerHigh, pk) }) })
	s.goWork(func() { s.rtps[1].read(func(pk *rtp.Packet) { fwd.push(LayerLow, pk) }) })
	s.goWork(func() { s.rtps[2].read(forwardAudio(audio, &s.count)) })
	if s.proc.jpegs != nil {
		s.goWork(func() { s.readPreview(s.proc.jpegs) })
	}
	go func() {
		<-s.proc.done
		close(s.sourceEnd)
	}()
	s.pub = &publisher{sig: s.o.Signaller, session: s.o.Session, offer: s.o.Offer, net: s.o.Net, video: video, audio: audio,
		fwd: fwd, high: s.o.HighBitrate, disconnected: s.o.Disconnected, onTalkback: s.recordTalkback, changed: s.changed,
		link: LinkNoHub}
	if s.o.Signaller == nil {
		return
	}
	s.goWork(func() { s.pub.run(ctx) })
	s.goWork(func() { s.pollStatus(ctx) })
}

func (s *Stream) goWork(fn func()) {
	s.workers.Add(1)
	go func() {
		defer s.workers.Done()
		fn()
	}()
}

// pollStatus asks the hub for the viewers every StatusEvery.
func (s *Stream) pollStatus(ctx context.Context) {
	t := time.NewTicker(s.o.StatusEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		st, err := s.o.Signaller.Status(ctx, s.o.Session)
		if err != nil {
			continue // the link state tells; viewers stay as last known
		}
		s.mu.Lock()
		changed := s.hubUp != st.Connected || !slices.EqualFunc(s.viewers, st.Viewers, sameViewer)
		s.viewers, s.hubUp = st.Viewers, st.Connected
		s.mu.Unlock()
		if changed {
			s.changed()
		}
	}
}

func sameViewer(a, b protocol.LiveViewer) bool {
	return a.Account == b.Account && a.Talkback == b.Talkback && a.Talking == b.Talking
}

func (s *Stream) changed() {
	if s.o.OnChange != nil {
		s.o.OnChange(s.Status())
	}
}

// Status returns the session's state now.
func (s *Stream) Status() Status {
	st := Status{Session: s.o.Session, Link: LinkNoHub, BytesSent: s.count.bytes.Load(), PacketsSent: s.count.packets.Load(),
		FramesSent: s.count.frames.Load(), Recorded: s.rec.size()}
	if s.pub != nil {
		st.Link, st.LastError, st.Attempts = s.pub.state()
		st.Layer = s.pub.fwd.layer()
		st.Estimate = int(s.pub.estimate.Load())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		st.Link = LinkStopped
	}
	st.Viewers = slices.Clone(s.viewers)
	st.HubSeesLink = s.hubUp
	st.Talkback = s.talk != nil
	return st
}

// Preview returns the latest JPEG of what is sent (nil without Preview or
// before the first).
func (s *Stream) Preview() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.preview
}

// SourceEnded is closed when ffmpeg ends by itself (a file played out, a
// camera unplugged) or after Stop.
func (s *Stream) SourceEnded() <-chan struct{} { return s.sourceEnd }

// readPreview splits ffmpeg's JPEG stream into frames.
func (s *Stream) readPreview(r io.ReadCloser) {
	defer r.Close()
	br := bufio.NewReaderSize(r, 256<<10)
	var frame bytes.Buffer
	for {
		b, err := br.ReadByte()
		if err != nil {
			return
		}
		frame.WriteByte(b)
		if b != 0xff {
			continue
		}
		m, err := br.ReadByte()
		if err != nil {
			return
		}
		frame.WriteByte(m)
		if m == 0xd9 { // end of image
			jpg := bytes.Clone(frame.Bytes())
			frame.Reset()
			s.mu.Lock()
			s.preview = jpg
			s.mu.Unlock()
		}
		if frame.Len() > 4<<20 { // not JPEGs: drop what piled up
			frame.Reset()
		}
	}
}

// recordTalkback records talk-back audio from the hub as Ogg/Opus.
func (s *Stream) recordTalkback(t *webrtc.TrackRemote) {
	for {
		p, _, err := t.ReadRTP()
		if err != nil {
			return
		}
		if len(p.Payload) == 0 {
			continue
		}
		s.mu.Lock()
		if !s.stopped {
			s.writeTalkback(p)
		}
		s.mu.Unlock()
	}
}

// writeTalkback writes one packet, opening the recording at the first;
// called with s.mu held.
func (s *Stream) writeTalkback(p *rtp.Packet) {
	if s.talkErr != nil {
		return
	}
	if s.talk == nil {
		rec, err := newRecorder(s.o.Blobs, s.meta(KindTalkback), time.Now)
		if err != nil {
			s.talkErr = err
			return
		}
		ogg, err := oggwriter.NewWith(rec, 48000, 2)
		if err != nil {
			rec.discard()
			s.talkErr = err
			return
		}
		s.talk, s.talkOgg = rec, ogg
		go s.changed()
	}
	if err := s.talkOgg.WriteRTP(p); err != nil {
		s.talkErr = err
	}
}

// Stop ends the session: the publisher stops and the hub is told, ffmpeg
// finishes its recording, and the recordings move into the blob store.
// Their custody is the caller's to record, then to Forget: until then they
// stay marked in progress (a crash in between loses nothing; Orphans, in
// another session, leaves them alone).
func (s *Stream) Stop(ctx context.Context) (Result, error) {
	res := Result{Start: s.o.Offer.Started}
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		return res, errors.New("live: session stopped already")
	}
	s.mu.Unlock()
	select {
	case <-s.proc.done:
		res.SourceErr = s.sourceEndErr()
	default:
	}
	s.proc.stop()
	res.End = s.now()
	copyErr := <-s.copied
	s.cancel()
	s.closeSockets()
	s.mu.Lock()
	s.stopped = true
	s.mu.Unlock()
	s.workers.Wait()
	if s.o.Signaller != nil {
		res.EndErr = s.o.Signaller.End(ctx, s.o.Session)
	}
	if err := s.finish(ctx, &res, copyErr); err != nil {
		s.rec.abandon() // left for Orphans: the next session recovers it
		if s.talk != nil {
			s.talk.abandon()
		}
		return res, err
	}
	return res, nil
}

// ErrSourceLost marks a source that ended before Stop: ffmpeg failed, or
// a source with no end of its own (an RTSP stream, a camera) stopped
// giving anything (ffmpeg ends an RTSP input the server closes as a
// normal end of file).
var ErrSourceLost = errors.New("live: source lost")

// sourceEndErr is why ffmpeg ended before Stop; nil for a media file
// played out.
func (s *Stream) sourceEndErr() error {
	if s.proc.err != nil {
		return fmt.Errorf("%w: %s: %w", ErrSourceLost, s.o.Source, s.proc.failure())
	}
	if s.o.Source.Kind == protocol.LiveSourceRTSP || s.o.Source.Kind == protocol.LiveSourceCamera {
		return fmt.Errorf("%w: %s: the stream ended (the camera closed it or went away)", ErrSourceLost, s.o.Source)
	}
	return nil
}

// finish moves the recordings into the blob store.
func (s *Stream) finish(ctx context.Context, res *Result, copyErr error) error {
	if copyErr != nil {
		return fmt.Errorf("live: recording: %w", copyErr)
	}
	rec, err := s.rec.finish(ctx)
	if err != nil {
		return err
	}
	res.Recording = rec
	if s.talk != nil {
		_ = s.talkOgg.Close() // flushes the last page; the recorder stays open
		t, err := s.talk.finish(ctx)
		if err != nil {
			return fmt.Errorf("live: talk-back: %w", err)
		}
		res.Talkback = &t
	}
	return nil
}

// Forget drops what is left of the session's recordings in progress, once
// their custody is recorded.
func (s *Stream) Forget() error {
	s.mu.Lock()
	talk := s.talk
	s.mu.Unlock()
	err := forgetFiles(s.rec.path)
	s.rec.forget()
	if talk != nil {
		err = errors.Join(err, forgetFiles(talk.path))
		talk.forget()
	}
	return err
}
