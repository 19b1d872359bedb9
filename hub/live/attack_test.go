package live_test

import (
	"bytes"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/pion/turn/v4"

	"lawtrail/hub"
	"lawtrail/hub/live"
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
	grows(t, "video relayed to a viewer", relayed.video.Load, 50)
	assertRelayed(t, relayed)

	ice := r.sfu.ICE("sup")
	relay := allocateRelay(t, r.turnAddr, ice.Servers[0].Username, ice.Servers[0].Credential)
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

func allocateRelay(t *testing.T, server, user, pass string) net.PacketConn {
	t.Helper()
	conn := listenUDP(t, "127.0.0.1:0")
	c, err := turn.NewClient(&turn.ClientConfig{TURNServerAddr: server, Username: user, Password: pass, Conn: conn, RTO: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	if err := c.Listen(); err != nil {
		t.Fatal(err)
	}
	relay, err := c.Allocate()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { relay.Close() })
	return relay
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
