package live_test

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"lawtrail/hub"
	"lawtrail/hub/live"
	"lawtrail/hub/live/livetest"
	"lawtrail/sync/protocol"
)

// Attacks on the hub's TURN server by holders of its credentials (a
// console account, an enrolled terminal) and by forgers.

// The relay of an authenticated user reaches the SFU and nothing else:
// not another host, not another UDP port of the hub's own address (its
// loopback services); and nothing they send comes back through it.
func TestTURNRelaysToSFUOnly(t *testing.T) {
	r := newRig(t, live.Config{})
	tm := r.terminal(t, "A")
	src := startSource(t)
	tm.publish(t, "s1", src)
	relayed := r.watch(t, "s1", live.Watcher{Account: "sup", Role: hub.WebSupervisor}, true)
	grows(t, "video relayed to a viewer", relayed.Video.Load, 50)
	assertRelayed(t, relayed)

	ice := r.sfu.ICE("sup")
	relay := livetest.TURNRelay(t, r.turnAddr, ice.Servers[0].Username, ice.Servers[0].Credential)
	for _, target := range []string{"127.0.0.1:0", "127.0.0.2:0"} { // the SFU's own IP at another port; another host
		got := listenUDP(t, target)
		relay.WriteTo([]byte("ssrf"), got.LocalAddr()) // refused (an error) or dropped (none): either way it must not arrive
		got.WriteTo([]byte("in"), relay.LocalAddr())   // the target answers the relay
		assertNothing(t, got, "the target "+target)
		assertNothing(t, relay, "the relay's client, from "+target)
	}
}

// Credentials the hub did not make are refused however far their expiry:
// a wrong MAC, and a genuine expired credential with its expiry moved on.
func TestTURNForgedCredentials(t *testing.T) {
	r := newRig(t, live.Config{})
	far := time.Now().AddDate(50, 0, 0)
	user, _ := live.TURNCredential(r.secret, "viewer", far)
	_, otherPass := live.TURNCredential(live.RandomSecret(), "viewer", far)
	oldUser, oldPass := live.TURNCredential(r.secret, "viewer", time.Now().Add(-time.Hour))
	moved := "9999999999" + oldUser[strings.Index(oldUser, ":"):]
	for name, c := range map[string][2]string{
		"far-future expiry, another secret's MAC": {user, otherPass},
		"far-future expiry, no MAC":               {user, ""},
		"expired credential, expiry moved on":     {moved, oldPass},
		"no expiry":                               {"viewer", oldPass},
	} {
		if err := allocate(t, r.turnAddr, c[0], c[1]); err == nil {
			t.Errorf("%s: allocated", name)
		}
	}
}

func listenUDP(t *testing.T, addr string) net.PacketConn {
	t.Helper()
	c, err := net.ListenPacket("udp4", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// assertNothing fails if c receives a packet within two seconds.
func assertNothing(t *testing.T, c net.PacketConn, who string) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	defer c.SetReadDeadline(time.Time{})
	b := make([]byte, 1500)
	if n, from, err := c.ReadFrom(b); err == nil {
		t.Fatalf("%s received %q from %s through the hub's TURN", who, bytes.TrimSpace(b[:n]), from)
	}
}

// A rogue enrolled terminal: 1000 offers for new sessions hold no more
// than its limit and leave no connection; an officer name over the bound
// is refused; two terminals racing for one session id: one has it, the
// other is refused, and the record names the one that has it.
func TestRogueTerminal(t *testing.T) {
	r := newRig(t, live.Config{MaxPerTerminal: 2})
	tm := r.terminal(t, "A")
	o := offerFor("x")
	o.SDP = videoOffer(t)
	busy := 0
	for i := range 1000 {
		status, _ := tm.call(t, http.MethodPut, protocol.PathLive+"flood-"+strconv.Itoa(i), o, nil)
		if status == http.StatusTooManyRequests {
			busy++
		}
	}
	if st := r.sfu.Stats(); st.Sessions > 2 || st.PeerConnections > 2 || busy < 998 {
		t.Fatalf("after 1000 offers: %+v, %d refused as busy", st, busy)
	}
	huge := offerFor("big")
	huge.SDP, huge.OfficerName = videoOffer(t), strings.Repeat("张", 1000)
	if status, pe := r.terminal(t, "A").call(t, http.MethodPut, protocol.PathLive+"big", huge, nil); status != http.StatusBadRequest {
		t.Fatalf("a huge officer name: %d %+v", status, pe)
	}

	t1, t2 := r.terminal(t, "A"), r.terminal(t, "B")
	var wg sync.WaitGroup
	statuses := make([]int, 2)
	for i, tm := range []*terminal{t1, t2} {
		o := offerFor("race")
		o.SDP = videoOffer(t)
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i], _ = tm.call(t, http.MethodPut, protocol.PathLive+"race", o, nil)
		}()
	}
	wg.Wait()
	winner := t1
	switch {
	case statuses[0] == http.StatusOK && statuses[1] == http.StatusConflict:
	case statuses[1] == http.StatusOK && statuses[0] == http.StatusConflict:
		winner = t2
	default:
		t.Fatalf("two terminals racing for one id: %v", statuses)
	}
	info, ok := r.sfu.Session("race")
	rec, _, found, err := r.hub.LiveSessionRecord(context.Background(), "race")
	if !ok || info.Terminal != winner.id || err != nil || !found || rec.Terminal != winner.id {
		t.Fatalf("the race's session %+v, record %+v %v", info, rec, err)
	}
}

// A terminal that offers and never connects its media: the session ends
// by itself (the connection fails, then the grace passes), its end is
// recorded and its connection is closed.
func TestOfferWithoutMedia(t *testing.T) {
	r := newRig(t, live.Config{Grace: time.Second})
	tm := r.terminal(t, "A")
	pc := livetest.NewPC(t, webrtc.Configuration{})
	if _, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeVideo, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}); err != nil {
		t.Fatal(err)
	}
	o := offerFor("ghost")
	o.SDP = livetest.CompleteOffer(t, pc)
	pc.Close() // gone before any media
	if status, pe := tm.call(t, http.MethodPut, protocol.PathLive+"ghost", o, nil); status != http.StatusOK {
		t.Fatalf("offer: %d %+v", status, pe)
	}
	if err := eventually(60*time.Second, func() bool { return r.sfu.Stats().Sessions == 0 }); err != nil {
		t.Fatalf("a session never connected stays: %+v", r.sfu.Stats())
	}
	if err := eventually(10*time.Second, func() bool { return r.sfu.Stats().PeerConnections == 0 }); err != nil {
		t.Fatalf("its connection stays open: %+v", r.sfu.Stats())
	}
	s, _, found, err := r.hub.LiveSessionRecord(context.Background(), "ghost")
	if err != nil || !found || s.Ended.IsZero() {
		t.Fatalf("the record of a session never connected: %+v %v %v", s, found, err)
	}
}

// One holder of credentials cannot take every relay: at most
// MaxRelaysPerUser at once (fresh credentials count as the same user);
// another user still gets one, and a relay let go frees its place.
func TestTURNRelayQuota(t *testing.T) {
	r := newRig(t, live.Config{})
	var relays []net.PacketConn
	for i := range live.MaxRelaysPerUser {
		user, pass := live.TURNCredential(r.secret, "greedy", time.Now().Add(time.Duration(i+1)*time.Minute))
		relays = append(relays, livetest.TURNRelay(t, r.turnAddr, user, pass))
	}
	user, pass := live.TURNCredential(r.secret, "greedy", time.Now().Add(time.Hour))
	if err := allocate(t, r.turnAddr, user, pass); err == nil {
		t.Fatalf("a relay over %d for one user", live.MaxRelaysPerUser)
	}
	other, otherPass := live.TURNCredential(r.secret, "other", time.Now().Add(time.Hour))
	if err := allocate(t, r.turnAddr, other, otherPass); err != nil {
		t.Fatalf("another user's relay: %v", err)
	}
	relays[0].Close()
	if err := eventually(10*time.Second, func() bool { return allocate(t, r.turnAddr, user, pass) == nil }); err != nil {
		t.Fatal("a relay let go does not free its place")
	}
}

// Viewers' offers that never connect (a flood from one account): no more
// than the limit are taken, and each goes by itself with its connection;
// the session and its publisher stay.
func TestViewerFloodLeavesNothing(t *testing.T) {
	r := newRig(t, live.Config{MaxViewers: 4})
	tm := r.terminal(t, "A")
	tm.publish(t, "s1", startSource(t))
	if err := eventually(10*time.Second, func() bool { i, _ := r.sfu.Session("s1"); return i.Status.Connected }); err != nil {
		t.Fatal("the publisher never connected")
	}
	busy := 0
	for range 20 {
		pc := livetest.NewPC(t, webrtc.Configuration{})
		if _, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeVideo, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
			t.Fatal(err)
		}
		offer := livetest.CompleteOffer(t, pc)
		pc.Close()
		if _, _, err := r.sfu.Watch(context.Background(), "s1", live.Watcher{Account: "flood", Role: hub.WebSupervisor}, offer); err != nil {
			busy++
		}
	}
	if st := r.sfu.Stats(); st.Viewers > 4 || busy < 16 {
		t.Fatalf("after 20 offers: %+v, %d refused", st, busy)
	}
	want := live.Stats{Sessions: 1, Viewers: 0, PeerConnections: 1}
	if err := eventually(90*time.Second, func() bool { return r.sfu.Stats() == want }); err != nil {
		t.Fatalf("viewers never connected stay: %+v, want %+v", r.sfu.Stats(), want)
	}
}

// The addresses TURN relays may reach are the SFU socket's own, every
// interface's at its port when it listens on all, and --live-ip's.
func TestICEAddrs(t *testing.T) {
	one := listenUDP(t, "127.0.0.1:0")
	port := one.LocalAddr().(*net.UDPAddr).Port
	got, err := live.ICEAddrs(one, "203.0.113.5")
	if err != nil || len(got) != 2 || got[0].String() != "203.0.113.5:"+strconv.Itoa(port) || got[1].String() != "127.0.0.1:"+strconv.Itoa(port) {
		t.Fatalf("ICEAddrs of %s with a public address: %v %v", one.LocalAddr(), got, err)
	}
	all := listenUDP(t, ":0")
	port = all.LocalAddr().(*net.UDPAddr).Port
	got, err = live.ICEAddrs(all, "")
	found := false
	for _, a := range got {
		found = found || a.String() == "127.0.0.1:"+strconv.Itoa(port)
		if int(a.Port()) != port {
			t.Fatalf("ICEAddrs of %s names another port: %v", all.LocalAddr(), got)
		}
	}
	if err != nil || !found {
		t.Fatalf("ICEAddrs of %s: %v %v", all.LocalAddr(), got, err)
	}
	if _, err := live.ICEAddrs(one, "not an address"); err == nil {
		t.Fatal("a public address that is none")
	}
}
