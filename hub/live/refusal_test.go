package live_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"lawtrail/hub"
	"lawtrail/hub/live"
	"lawtrail/hub/live/livetest"
	"lawtrail/sync/protocol"
)

// What the terminals' signalling refuses, each with a clear protocol
// error, and that a refused offer leaves no connection or goroutine
// behind.
func TestTerminalRefusals(t *testing.T) {
	r := newRig(t, live.Config{MaxPerTerminal: 2, MaxViewers: 1})
	tm := r.terminal(t, "A")
	other := r.terminal(t, "A")
	stranger := r.terminal(t, "")
	idle := &source{} // publishers need no media here

	tm.call(t, http.MethodGet, protocol.PathLive+"none", nil, nil) // the connection's goroutines are there before counting
	before := runtime.NumGoroutine()
	bad := offerFor("x")
	bad.SDP = "v=0\r\ngarbage"
	noVideo := offerFor("x")
	noVideo.SDP = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
	noOfficer := offerFor("x")
	noOfficer.SDP, noOfficer.Officer = "v=0", ""
	for _, c := range []struct {
		name, method, path string
		body               any
		status             int
		code               string
	}{
		{"garbage SDP", http.MethodPut, protocol.PathLive + "x", bad, http.StatusBadRequest, protocol.CodeMalformed},
		{"an SDP without media", http.MethodPut, protocol.PathLive + "x", noVideo, http.StatusBadRequest, protocol.CodeMalformed},
		{"no officer", http.MethodPut, protocol.PathLive + "x", noOfficer, http.StatusBadRequest, protocol.CodeMalformed},
		{"not JSON", http.MethodPut, protocol.PathLive + "x", []byte("sdp"), http.StatusBadRequest, protocol.CodeMalformed},
		{"oversize", http.MethodPut, protocol.PathLive + "x", []byte(`{"sdp":"` + strings.Repeat("a", live.MaxOfferBody) + `"}`),
			http.StatusRequestEntityTooLarge, protocol.CodeTooLarge},
		{"bad session id", http.MethodPut, protocol.PathLive + "a%20b", offerFor("x"), http.StatusBadRequest, protocol.CodeMalformed},
		{"status of no session", http.MethodGet, protocol.PathLive + "none", nil, http.StatusNotFound, protocol.CodeNotFound},
		{"end of no session", http.MethodDelete, protocol.PathLive + "none", nil, http.StatusNotFound, protocol.CodeNotFound},
	} {
		status, pe := tm.call(t, c.method, c.path, c.body, nil)
		if status != c.status || pe == nil || pe.Code != c.code || pe.Message == "" {
			t.Errorf("%s: %d %+v, want %d %s", c.name, status, pe, c.status, c.code)
		}
	}
	if st := r.sfu.Stats(); st.Sessions != 0 || st.PeerConnections != 0 {
		t.Fatalf("refused offers left %+v", st)
	}
	if err := eventually(10*time.Second, func() bool { return runtime.NumGoroutine() <= before }); err != nil {
		t.Fatalf("goroutines: %d before, %d after refused offers", before, runtime.NumGoroutine())
	}

	// An unenrolled key is refused at the TLS handshake (hub.TLSConfig
	// pins enrolled keys), before any live path.
	for _, path := range []string{protocol.PathLiveICE, protocol.PathLive + "s1"} {
		resp, err := stranger.hc.Get("https://" + r.addr + path)
		if err == nil {
			resp.Body.Close()
			t.Fatalf("unenrolled GET %s: %s", path, resp.Status)
		}
		if !strings.Contains(err.Error(), "bad certificate") {
			t.Fatalf("unenrolled GET %s: %v", path, err)
		}
	}

	tm.publish(t, "s1", idle)
	// Another terminal cannot take the session over, see it or end it.
	o := offerFor("s1")
	o.SDP = videoOffer(t)
	for _, m := range []string{http.MethodPut, http.MethodGet, http.MethodDelete} {
		var body any
		if m == http.MethodPut {
			body = o
		}
		if status, pe := other.call(t, m, protocol.PathLive+"s1", body, nil); status != http.StatusConflict || pe.Code != protocol.CodeWrongTerminal {
			t.Fatalf("another terminal's %s: %d %+v", m, status, pe)
		}
	}
	tm.publish(t, "s2", idle)
	o.SDP = videoOffer(t)
	if status, pe := tm.call(t, http.MethodPut, protocol.PathLive+"s3", o, nil); status != http.StatusTooManyRequests || pe.Code != live.CodeBusy {
		t.Fatalf("a third session: %d %+v", status, pe)
	}
	r.watch(t, "s1", live.Watcher{Account: "a", Role: hub.WebHead}, false)
	if _, _, err := r.sfu.Watch(context.Background(), "s1", live.Watcher{Account: "b"}, o.SDP); !errors.Is(err, live.ErrBusy) {
		t.Fatalf("a viewer over the limit: %v", err)
	}
	if _, _, err := r.sfu.Watch(context.Background(), "s2", live.Watcher{Account: "b"}, "garbage"); !errors.Is(err, live.ErrBadSDP) {
		t.Fatalf("a viewer's garbage offer: %v", err)
	}
	if _, _, err := r.sfu.Watch(context.Background(), "none", live.Watcher{Account: "b"}, o.SDP); !errors.Is(err, live.ErrNoSession) {
		t.Fatalf("a viewer of no session: %v", err)
	}
	want := live.Stats{Sessions: 2, Viewers: 1, PeerConnections: 3}
	if err := eventually(10*time.Second, func() bool { return r.sfu.Stats() == want }); err != nil {
		t.Fatalf("stats %+v, want %+v", r.sfu.Stats(), want)
	}
}

// A session whose publisher is gone longer than the grace ends by itself
// and its end is recorded.
func TestSessionEndsAfterGrace(t *testing.T) {
	r := newRig(t, live.Config{Grace: time.Second})
	tm := r.terminal(t, "A")
	p := tm.publish(t, "g1", &source{})
	if err := eventually(10*time.Second, func() bool { i, _ := r.sfu.Session("g1"); return i.Status.Connected }); err != nil {
		t.Fatal("the publisher never connected")
	}
	p.PC.Close()
	if err := eventually(30*time.Second, func() bool { return r.sfu.Stats().Sessions == 0 }); err != nil {
		t.Fatalf("the session outlived its grace: %+v", r.sfu.Stats())
	}
	if err := eventually(10*time.Second, func() bool {
		s, _, found, err := r.hub.LiveSessionRecord(context.Background(), "g1")
		return err == nil && found && !s.Ended.IsZero()
	}); err != nil {
		t.Fatal("the session's end is not recorded")
	}
}

// The hub's TURN allocates a relay for fresh credentials and refuses
// expired ones and ones made with another secret.
func TestTURNCredentials(t *testing.T) {
	r := newRig(t, live.Config{})
	for _, c := range []struct {
		name    string
		secret  string
		expires time.Time
		ok      bool
	}{
		{"fresh", r.secret, time.Now().Add(time.Minute), true},
		{"expired", r.secret, time.Now().Add(-time.Second), false},
		{"another secret", live.RandomSecret(), time.Now().Add(time.Minute), false},
	} {
		user, pass := live.TURNCredential(c.secret, "viewer", c.expires)
		err := allocate(t, r.turnAddr, user, pass)
		if (err == nil) != c.ok {
			t.Errorf("%s credentials: allocation error %v", c.name, err)
		}
	}
}

// allocate asks for a relay and lets it go; it fails the test if the
// relay is not on loopback.
func allocate(t *testing.T, server, user, pass string) error {
	t.Helper()
	addr, err := livetest.TURNAllocate(t, server, user, pass)
	if err == nil && !addr.(*net.UDPAddr).IP.Equal(net.IPv4(127, 0, 0, 1)) {
		t.Fatalf("relay at %s, want 127.0.0.1", addr)
	}
	return err
}

// videoOffer is a complete offer sending video only.
func videoOffer(t *testing.T) string {
	t.Helper()
	pc := livetest.NewPC(t, webrtc.Configuration{})
	if _, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeVideo, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}); err != nil {
		t.Fatal(err)
	}
	return livetest.CompleteOffer(t, pc)
}
