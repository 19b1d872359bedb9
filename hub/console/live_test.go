package console_test

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pion/rtp"

	"lawtrail/hub"
	"lawtrail/hub/console"
	"lawtrail/hub/live"
	"lawtrail/hub/live/livetest"
	"lawtrail/sync/protocol"
)

// liveSite is a console with the hub's SFU and one session live, published
// by a Go WebRTC terminal of the fixture's agency sending RTP.
func liveSite(t *testing.T) (*site, *live.SFU) {
	t.Helper()
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var sfu *live.SFU
	s := newSiteWith(t, console.Options{}, func(h *hub.Hub) console.LiveView {
		sfu, err = live.New(live.Config{ICE: conn, Record: h})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { sfu.Close() })
		return sfu
	})
	pub := livetest.Publish(t, func(offer string) (string, error) {
		return sfu.Publish(context.Background(), live.Terminal{ID: "T1", Agency: agency}, "live-1", protocol.LiveOffer{
			SDP: offer, Officer: "o-7", OfficerName: "王五", Case: "c-1", Step: "s-2", Source: protocol.LiveSourceRTSP, Started: time.Now()})
	})
	ctx, stop := context.WithCancel(context.Background())
	t.Cleanup(stop)
	// A stand-in stream: what the viewer counts is RTP.
	idr := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 102, Marker: true}, Payload: []byte{0x65, 1, 2, 3}}
	go livetest.Pace(ctx, idr, 20*time.Millisecond, 3600, func(pkt *rtp.Packet) { pub.Video.WriteRTP(pkt) })
	return s, sfu
}

// sdpPost sends an SDP offer as the page's script does.
func (b *browser) sdpPost(path, contentType, body string) (*http.Response, string) {
	b.t.Helper()
	r, err := http.NewRequest(http.MethodPost, b.base+path, strings.NewReader(body))
	if err != nil {
		b.t.Fatal(err)
	}
	r.Header.Set("Content-Type", contentType)
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	return b.do(r)
}

func (b *browser) send(method, path string) (*http.Response, string) {
	b.t.Helper()
	r, err := http.NewRequest(method, b.base+path, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	return b.do(r)
}

// A head of the session's agency lists it, opens its page (the live CSP,
// the officer, case and step, the script), watches it over WHEP with a Go
// viewer that receives its RTP, talks back and leaves; the page then shows
// who watched and talked, with their ends. The page view is recorded.
func TestLiveWatchInScope(t *testing.T) {
	s, sfu := liveSite(t)
	b := s.browser(t)
	b.signIn(head, headPW)
	res, body := b.get("/console/live")
	if res.StatusCode != 200 || !strings.Contains(body, `href="/console/live/live-1"`) || !strings.Contains(body, "王五") || !strings.Contains(body, "直播中") ||
		res.Header.Get("Content-Security-Policy") != console.CSP {
		t.Fatalf("list: %d %v\n%s", res.StatusCode, res.Header, body)
	}
	res, body = b.get("/console/live/live-1")
	if res.StatusCode != 200 || res.Header.Get("Content-Security-Policy") != console.LiveCSP ||
		res.Header.Get("Permissions-Policy") != "camera=(), microphone=(self), geolocation=()" ||
		!strings.Contains(body, `<video id="video" muted autoplay playsinline>`) || !strings.Contains(body, `src="/console/static/live.js"`) ||
		!strings.Contains(body, "王五") || !strings.Contains(body, `href="/console/cases/c-1"`) || !strings.Contains(body, "s-2") ||
		!strings.Contains(body, `data-talkback="1"`) || !strings.Contains(body, `id="talk"`) {
		t.Fatalf("session page: %d %v\n%s", res.StatusCode, res.Header, body)
	}
	if res, js := b.get("/console/static/live.js"); res.StatusCode != 200 || !strings.Contains(js, "window.livePC") ||
		!strings.HasPrefix(res.Header.Get("Content-Type"), "text/javascript") {
		t.Fatalf("live.js: %d %v", res.StatusCode, res.Header)
	}
	res, body = b.get("/console/live/live-1/ice")
	if res.StatusCode != 200 || !strings.Contains(body, `"ice_servers"`) {
		t.Fatalf("ice: %d %s", res.StatusCode, body)
	}

	var loc string
	v := livetest.Watch(t, livetest.ViewerOptions{Talkback: true}, func(offer string) (string, error) {
		if res, _ := b.sdpPost("/console/live/live-1/whep", "text/plain", offer); res.StatusCode != http.StatusUnsupportedMediaType {
			t.Fatalf("an offer as text/plain: %d", res.StatusCode)
		}
		if res, _ := b.sdpPost("/console/live/live-1/whep", "application/sdp", "garbage"); res.StatusCode != http.StatusBadRequest {
			t.Fatalf("a garbage offer: %d", res.StatusCode)
		}
		res, ans := b.sdpPost("/console/live/live-1/whep", "application/sdp", offer)
		loc = res.Header.Get("Location")
		if res.StatusCode != http.StatusCreated || res.Header.Get("Content-Type") != "application/sdp" || !strings.HasPrefix(loc, "/console/live/live-1/whep/") {
			t.Fatalf("whep: %d %v\n%s", res.StatusCode, res.Header, ans)
		}
		return ans, nil
	})
	deadline := time.Now().Add(20 * time.Second)
	for v.Video.Load() < 20 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if v.Video.Load() < 20 {
		t.Fatalf("the viewer received %d RTP packets", v.Video.Load())
	}
	if res, body := b.get("/console/live/live-1/status"); res.StatusCode != 200 || !strings.Contains(body, `"account":"`+head+`"`) {
		t.Fatalf("status: %d %s", res.StatusCode, body)
	}
	if info, _ := sfu.Session("live-1"); len(info.Status.Viewers) != 1 || info.Status.Viewers[0].Account != head || !info.Status.Viewers[0].Talkback {
		t.Fatalf("viewers %+v", info.Status.Viewers)
	}
	for _, c := range []struct {
		body string
		want int
	}{{"maybe", http.StatusBadRequest}, {"on", http.StatusNoContent}, {"off", http.StatusNoContent}} {
		if res, _ := b.sdpPost(loc+"/talk", "text/plain", c.body); res.StatusCode != c.want {
			t.Fatalf("talk %q: %d, want %d", c.body, res.StatusCode, c.want)
		}
	}
	if res, _ := b.send(http.MethodDelete, loc); res.StatusCode != http.StatusNoContent {
		t.Fatalf("leave: %d", res.StatusCode)
	}
	if res, _ := b.send(http.MethodDelete, loc); res.StatusCode != http.StatusNotFound {
		t.Fatalf("leave again: %d", res.StatusCode)
	}
	_, body = b.get("/console/live/live-1")
	if !strings.Contains(body, `id="live-views"`) || strings.Count(body, "<td>"+head+"</td>") != 2 || !strings.Contains(body, "喊话") ||
		strings.Contains(body, "进行中") {
		t.Fatalf("the page's record of views:\n%s", body)
	}
	sup := s.browser(t)
	sup.signIn(supervisor, supervisorPW)
	if res, body := sup.get("/console/access"); res.StatusCode != 200 || !strings.Contains(body, `id="live-log"`) ||
		strings.Count(body, `<a href="/console/live/live-1">live-1</a>`) != 2 || !strings.Contains(body, "喊话") {
		t.Fatalf("访问记录 without the live views: %d\n%s", res.StatusCode, body)
	}
	views, _, err := s.hub.WebViews(context.Background(), hub.WebViewQuery{})
	if err != nil {
		t.Fatal(err)
	}
	seen := false
	for _, v := range views {
		seen = seen || v.User == head && v.Path == "/console/live/live-1"
	}
	if !seen {
		t.Fatalf("the page view is not recorded: %+v", views)
	}
}

// Outside the scope: another agency's head gets 403 on the page and 404
// on its API; anonymous requests are sent to sign in or refused; a
// cross-site POST is refused; a session that never was is 404.
func TestLiveOutsideScope(t *testing.T) {
	s, _ := liveSite(t)
	anon := s.browser(t)
	if res, _ := anon.get("/console/live/live-1"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("anonymous page: %d", res.StatusCode)
	}
	for _, p := range []string{"/console/live/live-1/ice"} {
		if res, _ := anon.get(p); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("anonymous %s: %d", p, res.StatusCode)
		}
	}
	if res, _ := anon.sdpPost("/console/live/live-1/whep", "application/sdp", "v=0"); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("anonymous whep: %d", res.StatusCode)
	}
	b := s.browser(t)
	b.signIn(otherHead, otherHeadPW)
	if res, _ := b.get("/console/live/live-1"); res.StatusCode != http.StatusForbidden {
		t.Fatalf("another agency's page: %d", res.StatusCode)
	}
	if res, body := b.get("/console/live"); res.StatusCode != 200 || strings.Contains(body, "王五") {
		t.Fatalf("another agency's list shows the session: %d\n%s", res.StatusCode, body)
	}
	for _, p := range []string{"/console/live/live-1/ice", "/console/live/none/ice", "/console/live/live-1/status"} {
		if res, _ := b.get(p); res.StatusCode != http.StatusNotFound {
			t.Fatalf("%s: %d", p, res.StatusCode)
		}
	}
	if res, _ := b.sdpPost("/console/live/live-1/whep", "application/sdp", "v=0"); res.StatusCode != http.StatusNotFound {
		t.Fatalf("another agency's whep: %d", res.StatusCode)
	}
	sup := s.browser(t)
	sup.signIn(supervisor, supervisorPW)
	if res, _ := sup.get("/console/live/none"); res.StatusCode != http.StatusNotFound {
		t.Fatalf("no such session: %d", res.StatusCode)
	}
	if res, body := sup.get("/console/live/live-1"); res.StatusCode != 200 || !strings.Contains(body, "王五") {
		t.Fatalf("a supervisor's page: %d", res.StatusCode)
	}
	r, _ := http.NewRequest(http.MethodPost, sup.base+"/console/live/live-1/whep", strings.NewReader("v=0"))
	r.Header.Set("Content-Type", "application/sdp")
	r.Header.Set("Sec-Fetch-Site", "cross-site")
	if res, _ := sup.do(r); res.StatusCode != http.StatusForbidden {
		t.Fatalf("a cross-site whep: %d", res.StatusCode)
	}
}
