package terminal

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/pion/transport/v5"

	"lawtrail/casework"
	"lawtrail/evidence"
	"lawtrail/live"
	"lawtrail/store"
	"lawtrail/sync/client"
	"lawtrail/sync/protocol"
)

// LiveOptions are what a live session (实时回传) streams and what for.
type LiveOptions struct {
	Source string // as `lawtrailctl live --source` takes it (live.ParseSource)
	// Case and Step name the act streamed; both empty, or both given.
	Case, Step string
	Preview    bool // JPEG frames of what is sent, for the app (LiveSession.Preview)
	// OnChange is called when the link state or the viewers change; it
	// must not block.
	OnChange func(live.Status)
	// Net replaces the network of the media link (tests pass a
	// faultproxy.LossyNet to lose or cut packets).
	Net    transport.Net
	FFmpeg string // the ffmpeg binary; "ffmpeg" on PATH when empty
	// Disconnected and StatusEvery tune the link (live.Options; 0: defaults).
	Disconnected, StatusEvery time.Duration
}

// LiveSession is a live session running at this terminal.
type LiveSession struct {
	s      *Session
	id     string
	opt    LiveOptions
	kind   string
	stream *live.Stream
	// Recovered are the sessions a crash had left unfinished, ingested as
	// this one began.
	Recovered []LiveResult
}

// LiveResult is a finished live session, its recordings ingested as
// footage with custody.
type LiveResult struct {
	Session    string
	Start, End time.Time // the terminal clock
	Footage    evidence.Digest
	Size       int64
	Talkback   evidence.Digest // zero when no talk-back arrived
	Linked     string          // the step the footage is linked to, if any
	Recovered  bool            // ingested after a crash: ends at its last durable point
	// EndErr: the hub could not be told the session ended (it ends it
	// itself when the media stops).
	EndErr error
	// SourceErr: the source ended by itself with an error before Stop.
	SourceErr error
}

// Paths of live recordings as their custody records name them.
func liveStreamPath(session string) string   { return "live/" + session + "/stream.ts" }
func liveTalkbackPath(session string) string { return "live/" + session + "/talkback.ogg" }

// liveSerial is the device serial of every live recording.
const liveSerial = "live"

// GoLive starts a live session: it checks the officer may record footage
// (and link it to the step, which must be the case's), ingests what a
// crash left of earlier sessions, then starts streaming and recording. The
// recording never depends on the hub: without a joined hub, or with the
// hub out of reach, the session records and keeps trying.
func (s *Session) GoLive(ctx context.Context, o LiveOptions) (*LiveSession, error) {
	if err := s.checkLive(ctx, o); err != nil {
		return nil, err
	}
	src, err := live.ParseSource(o.Source)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadInput, err)
	}
	recovered, err := s.RecoverLive(ctx)
	if err != nil {
		return nil, err
	}
	sig, err := s.liveSignaller(ctx)
	if err != nil {
		return nil, err
	}
	ls := &LiveSession{s: s, id: newID("l"), opt: o, kind: src.Kind, Recovered: recovered}
	offer := protocol.LiveOffer{Officer: s.Officer.ID, OfficerName: s.Officer.Name, Case: o.Case, Step: o.Step, Started: s.now()}
	stream, err := live.Start(ctx, live.Options{Source: src, Session: ls.id, Offer: offer, Signaller: sig, Blobs: s.st.Blobs(),
		Net: o.Net, FFmpeg: o.FFmpeg, Preview: o.Preview, OnChange: o.OnChange, Disconnected: o.Disconnected,
		StatusEvery: o.StatusEvery, Now: s.now})
	if errors.Is(err, live.ErrBadSource) {
		return nil, fmt.Errorf("%w: %w", ErrBadInput, err)
	}
	if err != nil {
		return nil, fmt.Errorf("live: %w", err)
	}
	ls.stream = stream
	return ls, nil
}

// checkLive: the officer may record footage now, and link it to the step,
// which exists and belongs to the case. The rules at append stay the
// authority; this refuses before anything is recorded.
func (s *Session) checkLive(ctx context.Context, o LiveOptions) error {
	if err := s.mayDock(); err != nil {
		return err
	}
	if (o.Case == "") != (o.Step == "") {
		return fmt.Errorf("%w: live: a case needs its step and a step its case", ErrBadInput)
	}
	if o.Step == "" {
		return nil
	}
	if err := casework.MayRecord(s.Officer, casework.TypeStepFootageLinked, s.now()); err != nil {
		return err
	}
	steps, err := s.st.Steps(ctx, o.Case)
	if err != nil {
		return err
	}
	for _, st := range steps {
		if st.ID == o.Step {
			return nil
		}
	}
	return fmt.Errorf("%w: live: case %s has no step %s", ErrBadInput, o.Case, o.Step)
}

// liveSignaller signals to the joined hub over the terminal's mTLS link;
// nil (record only) when the terminal has joined no hub.
func (s *Session) liveSignaller(ctx context.Context) (live.Signaller, error) {
	link, err := s.st.Hub(ctx)
	if errors.Is(err, store.ErrNoHub) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	tc, err := client.TLSConfig(s.Desk.key, link.Fingerprint, protocol.ServerNameHub)
	if err != nil {
		return nil, fmt.Errorf("live: %w", err)
	}
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: tc, TLSHandshakeTimeout: 10 * time.Second,
		ResponseHeaderTimeout: 15 * time.Second, MaxIdleConnsPerHost: 2, IdleConnTimeout: 30 * time.Second}}
	return live.HTTPSignaller{Client: hc, BaseURL: link.URL}, nil
}

// ID is the session id, as the hub and the console know it.
func (l *LiveSession) ID() string { return l.id }

// Status is the session's link state, layer, counters and viewers now.
func (l *LiveSession) Status() live.Status { return l.stream.Status() }

// Preview is the latest JPEG of what is sent (LiveOptions.Preview).
func (l *LiveSession) Preview() []byte { return l.stream.Preview() }

// SourceEnded is closed when the source ends by itself (a file played
// out, a camera unplugged); Stop still has to be called.
func (l *LiveSession) SourceEnded() <-chan struct{} { return l.stream.SourceEnded() }

// Stop ends the session and ingests its recordings as footage with
// custody: the streaming officer is whose footage it is and who took it
// in, the station is this terminal, the start and end are the terminal
// clock's; linked to the step when one was given.
func (l *LiveSession) Stop(ctx context.Context) (LiveResult, error) {
	res, err := l.stream.Stop(ctx)
	out := LiveResult{Session: l.id, Start: res.Start, End: res.End, EndErr: res.EndErr, SourceErr: res.SourceErr}
	if err != nil {
		return out, fmt.Errorf("live %s: %w (the recording stays to be recovered)", l.id, err)
	}
	r := liveRecord{session: l.id, officer: l.s.Officer.ID, kind: l.kind, step: l.opt.Step, start: res.Start, end: res.End,
		stream: res.Recording, talkback: res.Talkback}
	if err := l.s.ingestLive(ctx, r); err != nil {
		return out, err
	}
	if err := l.stream.Forget(); err != nil {
		return out, fmt.Errorf("live %s: %w", l.id, err)
	}
	out.Footage, out.Size, out.Linked = res.Recording.Digest, res.Recording.Size, l.opt.Step
	if res.Talkback != nil {
		out.Talkback = res.Talkback.Digest
	}
	return out, nil
}

// liveRecord is what the custody of a session's recordings says.
type liveRecord struct {
	session, officer, kind, step string
	start, end                   time.Time
	stream                       live.Recording
	talkback                     *live.Recording
}

// ingestLive records the custody of a session's recordings (and their
// links to the step) in one append.
func (s *Session) ingestLive(ctx context.Context, r liveRecord) error {
	drafts := s.liveDrafts(r, r.stream, liveStreamPath(r.session))
	if r.talkback != nil {
		drafts = append(drafts, s.liveDrafts(r, *r.talkback, liveTalkbackPath(r.session))...)
	}
	if _, err := s.append(ctx, drafts...); err != nil {
		return fmt.Errorf("live %s: custody: %w", r.session, err)
	}
	return nil
}

func (s *Session) liveDrafts(r liveRecord, rec live.Recording, path string) []store.Draft {
	end := r.end.In(casework.Shanghai)
	p := &casework.FootageIngested{Digest: rec.Digest,
		SourceKey:   casework.SourceKey{DeviceSerial: liveSerial, Path: path, Size: rec.Size, ModTime: end},
		DeviceModel: r.kind, Officer: r.officer, Clerk: s.Officer.ID, Station: s.Info.Name,
		Start: r.start.In(casework.Shanghai), End: end, ClockOffset: 0, ClockKnown: true}
	drafts := []store.Draft{{Payload: p, Blobs: []evidence.Digest{rec.Digest}}}
	if r.step != "" {
		drafts = append(drafts, store.Draft{Payload: &casework.StepFootageLinked{Step: r.step, Digest: rec.Digest}})
	}
	return drafts
}

// RecoverLive ingests the live recordings a crash left unfinished, each up
// to its last durable point: the officer who streamed is whose footage it
// is, this session's officer takes it in. One whose custody was recorded
// already (a crash after recording it) is only cleaned up.
func (s *Session) RecoverLive(ctx context.Context) ([]LiveResult, error) {
	orphans, err := live.Orphans(s.st.Blobs())
	if err != nil {
		return nil, err
	}
	bySession := map[string][]live.Orphan{}
	var order []string
	for _, o := range orphans {
		if bySession[o.Session] == nil {
			order = append(order, o.Session)
		}
		bySession[o.Session] = append(bySession[o.Session], o)
	}
	var out []LiveResult
	for _, id := range order {
		res, err := s.recoverSession(ctx, bySession[id])
		if err != nil {
			return out, err
		}
		if res != nil {
			out = append(out, *res)
		}
	}
	return out, nil
}

func (s *Session) recoverSession(ctx context.Context, parts []live.Orphan) (*LiveResult, error) {
	m := parts[0].Meta
	r := liveRecord{session: m.Session, officer: m.Officer, kind: m.Source, step: m.Step, start: m.Started, end: m.Started}
	for _, o := range parts {
		if o.Last.After(r.end) {
			r.end = o.Last
		}
	}
	res := &LiveResult{Session: m.Session, Start: r.start, End: r.end, Linked: r.step, Recovered: true}
	var drafts []store.Draft
	for i := range parts {
		o := &parts[i]
		rec, err := o.Recover(ctx, s.st.Blobs())
		if err != nil {
			return nil, fmt.Errorf("recover live %s: %w", m.Session, err)
		}
		path := liveStreamPath(m.Session)
		if o.Kind == live.KindTalkback {
			path = liveTalkbackPath(m.Session)
		}
		if rec.Size == 0 {
			continue
		}
		if had, err := s.st.FootagePath(ctx, rec.Digest.String()); err != nil {
			return nil, err
		} else if had == path {
			continue // custody recorded before the crash
		}
		if o.Kind == live.KindTalkback {
			res.Talkback = rec.Digest
		} else {
			res.Footage, res.Size = rec.Digest, rec.Size
		}
		drafts = append(drafts, s.liveDrafts(r, rec, path)...)
	}
	if len(drafts) > 0 {
		if _, err := s.append(ctx, drafts...); err != nil {
			return nil, fmt.Errorf("recover live %s: custody: %w", m.Session, err)
		}
	}
	for i := range parts {
		if err := parts[i].Forget(); err != nil {
			return nil, err
		}
	}
	if len(drafts) == 0 {
		return nil, nil
	}
	return res, nil
}
