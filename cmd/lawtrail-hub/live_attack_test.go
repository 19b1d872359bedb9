package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"lawtrail/hub/live"
	"lawtrail/hub/live/livetest"
	"lawtrail/sync/protocol"
)

// liveHub is `lawtrail-hub serve` with live view and TURN, as a process.
type liveHub struct {
	addr, turnAddr string
	data           []string
}

// startLiveHub serves with --live-udp on every interface (the ICE
// addresses are then each interface's) and TURN, with secret.
func startLiveHub(t *testing.T, secret string) liveHub {
	t.Helper()
	data := dataArgs(t, t.TempDir())
	cmd := exec.Command(os.Args[0], append(data, "serve", "--listen", "127.0.0.1:0", "--live-udp", ":0", "--turn", "127.0.0.1:0",
		"--turn-ip", "127.0.0.1")...)
	cmd.Env = append(os.Environ(), asMainEnv+"=1", "LAWTRAIL_HUB_PASSPHRASE=hub passphrase", "LAWTRAIL_TURN_SECRET="+secret)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	h := liveHub{data: data}
	sc := bufio.NewScanner(out)
	for h.turnAddr == "" && sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "lawtrail hub serving on "); ok {
			h.addr = strings.Fields(rest)[0]
		}
		if rest, ok := strings.CutPrefix(line, "TURN on "); ok {
			h.turnAddr = strings.TrimSuffix(strings.TrimPrefix(rest, "turn:"), "?transport=udp")
		}
	}
	go io.Copy(io.Discard, out)
	if h.addr == "" || h.turnAddr == "" {
		t.Fatalf("serve said: hub %q, TURN %q", h.addr, h.turnAddr)
	}
	return h
}

// The TURN of a `lawtrail-hub serve` process, attacked by an enrolled
// terminal with genuine credentials: its relay reaches no UDP port of the
// hub's loopback or interfaces but the SFU's, and no other host; nothing
// comes back from them. Credentials of another hub process (another
// secret), and a far-future username with a wrong MAC, are refused.
func TestServeLiveTURNAttacks(t *testing.T) {
	a := startLiveHub(t, "secret of hub A")
	b := startLiveHub(t, "secret of hub B")
	hc := enrolledClient(t, a.data, a.addr)
	res, err := hc.Get("https://" + a.addr + protocol.PathLiveICE)
	if err != nil {
		t.Fatal(err)
	}
	var ice protocol.LiveICE
	err = json.NewDecoder(res.Body).Decode(&ice)
	res.Body.Close()
	if err != nil || len(ice.Servers) != 1 {
		t.Fatalf("live-ice: %+v %v", ice, err)
	}
	user, pass := ice.Servers[0].Username, ice.Servers[0].Credential

	relay := livetest.TURNRelay(t, a.turnAddr, user, pass)
	targets := []string{"127.0.0.1:0", "127.0.0.2:0"}
	if ip := interfaceIP(t); ip != "" {
		targets = append(targets, net.JoinHostPort(ip, "0"))
	}
	for _, addr := range targets {
		target, err := net.ListenPacket("udp4", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer target.Close()
		relay.WriteTo([]byte("ssrf"), target.LocalAddr()) // refused or dropped: either way it must not arrive
		target.WriteTo([]byte("in"), relay.LocalAddr())
		for who, c := range map[string]net.PacketConn{"the target " + target.LocalAddr().String(): target, "the relay's client": relay} {
			c.SetReadDeadline(time.Now().Add(2 * time.Second))
			if n, from, err := c.ReadFrom(make([]byte, 1500)); err == nil {
				t.Fatalf("%s received %d bytes from %s through the hub's TURN", who, n, from)
			}
		}
	}

	if _, err := livetest.TURNAllocate(t, b.turnAddr, user, pass); err == nil {
		t.Error("hub B's TURN allocated for hub A's credentials")
	}
	far, _ := live.TURNCredential("secret of hub A", "x", time.Now().AddDate(30, 0, 0))
	_, wrong := live.TURNCredential("a guess", "x", time.Now().AddDate(30, 0, 0))
	if _, err := livetest.TURNAllocate(t, a.turnAddr, far, wrong); err == nil {
		t.Error("TURN allocated for a far-future username with a wrong MAC")
	}
	expired, expiredPass := live.TURNCredential("secret of hub A", "x", time.Now().Add(-time.Minute))
	if _, err := livetest.TURNAllocate(t, a.turnAddr, expired, expiredPass); err == nil {
		t.Error("TURN allocated for expired credentials")
	}
}

// interfaceIP is an IPv4 address of a non-loopback interface, "" without.
func interfaceIP(t *testing.T) string {
	t.Helper()
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil {
			return n.IP.String()
		}
	}
	return ""
}
