package console_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"lawtrail/hub/live"
	"lawtrail/hub/live/livetest"
	"lawtrail/sync/protocol"
)

// A rogue terminal names itself in HTML and claims another agency's case:
// the live list and page show its words as text, and nothing of the other
// agency's case; every live route of that session refuses the other
// agency's head and answers a cross-site post with 403.
func TestLiveAttackRogueDescription(t *testing.T) {
	s, sfu := liveSite(t)
	pc := livetest.NewPC(t, webrtc.Configuration{})
	if _, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeVideo, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}); err != nil {
		t.Fatal(err)
	}
	evil := evilScript + evilImg
	if _, err := sfu.Publish(context.Background(), live.Terminal{ID: "T-rogue", Agency: agency}, "rogue-1", protocol.LiveOffer{
		SDP: livetest.CompleteOffer(t, pc), Officer: "o-x", OfficerName: evil, Case: "c-of-another-agency", Step: "s-1",
		Source: protocol.LiveSourceFile, Started: time.Now()}); err != nil {
		t.Fatal(err)
	}
	h := s.browser(t)
	h.signIn(head, headPW)
	for _, path := range []string{"/console/live", "/console/live/rogue-1"} {
		res, body := h.get(path)
		if res.StatusCode != http.StatusOK || strings.Contains(body, "<script>alert") || strings.Contains(body, "<img src=x") ||
			!strings.Contains(body, "&lt;script&gt;") {
			t.Fatalf("%s: %d, the terminal's words not shown as text:\n%s", path, res.StatusCode, body)
		}
	}
	o := s.browser(t)
	o.signIn(otherHead, otherHeadPW)
	if res, _ := o.sdpPost("/console/live/rogue-1/whep", "application/sdp", "v=0"); res.StatusCode != http.StatusNotFound {
		t.Fatalf("another agency's whep: %d", res.StatusCode)
	}
	for _, m := range []string{http.MethodDelete} {
		if res, _ := o.send(m, "/console/live/rogue-1/whep/x"); res.StatusCode != http.StatusNotFound {
			t.Fatalf("another agency's %s: %d", m, res.StatusCode)
		}
	}
	for _, site := range []string{"cross-site", "same-site"} {
		r, _ := http.NewRequest(http.MethodPost, h.base+"/console/live/rogue-1/whep/x/talk", strings.NewReader("on"))
		r.Header.Set("Sec-Fetch-Site", site)
		if res, _ := h.do(r); res.StatusCode != http.StatusForbidden {
			t.Fatalf("a %s talk: %d", site, res.StatusCode)
		}
	}
}
