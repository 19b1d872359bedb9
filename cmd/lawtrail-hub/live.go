package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"time"

	"lawtrail/hub"
	"lawtrail/hub/live"
)

// liveFlags are serve's flags of live view (hub/live): the SFU's one UDP
// port and the TURN server. Live view is off unless --live-udp is given:
// it opens a UDP port the firewall must let through, an operator's choice.
type liveFlags struct {
	udp, ip        string
	turn, turnIP   string
	turnTTL        time.Duration
	maxPerTerminal int
	maxSessions    int
	maxViewers     int
	grace          time.Duration
}

// turnSecretEnv names the environment variable with the TURN secret that
// every hub process shares; without it each process makes its own.
const turnSecretEnv = "LAWTRAIL_TURN_SECRET"

func newLiveFlags(fs *flag.FlagSet) *liveFlags {
	l := &liveFlags{}
	fs.StringVar(&l.udp, "live-udp", "", "serve live view (terminals streaming to the console): the one UDP address of every WebRTC connection, e.g. :8445 (off by default)")
	fs.StringVar(&l.ip, "live-ip", "", "the address terminals and browsers reach --live-udp at, when the hub is behind a 1:1 NAT (default: the interfaces' addresses)")
	fs.StringVar(&l.turn, "turn", "", "also serve TURN over UDP on this address for terminals and browsers behind NAT, e.g. :3478 (off by default)")
	fs.StringVar(&l.turnIP, "turn-ip", "127.0.0.1", "the address TURN is reached at and relays from")
	fs.DurationVar(&l.turnTTL, "turn-ttl", live.DefaultTURNTTL, "how long the TURN credentials handed out hold")
	fs.IntVar(&l.maxPerTerminal, "live-max-per-terminal", live.DefaultMaxPerTerminal, "live sessions one terminal may have at once")
	fs.IntVar(&l.maxSessions, "live-max-sessions", live.DefaultMaxSessions, "live sessions in all")
	fs.IntVar(&l.maxViewers, "live-max-viewers", live.DefaultMaxViewers, "viewers of one live session")
	fs.DurationVar(&l.grace, "live-grace", live.DefaultGrace, "how long a live session waits for its terminal to come back")
	return l
}

// startLive starts the SFU (and TURN) when --live-udp is given; sfu is nil
// otherwise. stop closes them.
func startLive(h *hub.Hub, l *liveFlags, e env, log *slog.Logger) (sfu *live.SFU, stop func(), _ error) {
	if l.udp == "" {
		if l.turn != "" || l.ip != "" {
			return nil, nil, errors.New("--turn and --live-ip need --live-udp ADDR")
		}
		return nil, func() {}, nil
	}
	if l.ip != "" && net.ParseIP(l.ip) == nil {
		return nil, nil, fmt.Errorf("--live-ip %q: not an IP address", l.ip)
	}
	conn, err := net.ListenPacket("udp", l.udp)
	if err != nil {
		return nil, nil, fmt.Errorf("--live-udp: %w", err)
	}
	var creds *live.Credentials
	var tu io.Closer
	if l.turn != "" {
		if creds, tu, err = startTURN(l, conn, e, log); err != nil {
			conn.Close()
			return nil, nil, err
		}
	}
	sfu, err = live.New(live.Config{ICE: conn, PublicIP: l.ip, TURN: creds, Record: h, MaxPerTerminal: l.maxPerTerminal,
		MaxSessions: l.maxSessions, MaxViewers: l.maxViewers, Grace: l.grace, Log: log})
	if err != nil {
		conn.Close()
		closeAll(tu)
		return nil, nil, err
	}
	return sfu, func() { sfu.Close(); closeAll(tu) }, nil
}

// startTURN serves TURN whose relays reach the SFU's socket ice alone.
func startTURN(l *liveFlags, ice net.PacketConn, e env, log *slog.Logger) (*live.Credentials, io.Closer, error) {
	ip := net.ParseIP(l.turnIP)
	if ip == nil {
		return nil, nil, fmt.Errorf("--turn-ip %q: not an IP address", l.turnIP)
	}
	peers, err := live.ICEAddrs(ice, l.ip)
	if err != nil {
		return nil, nil, err
	}
	secret := e.getenv(turnSecretEnv)
	if secret == "" {
		secret = live.RandomSecret() // this process alone hands out and accepts its credentials
	}
	conn, err := net.ListenPacket("udp", l.turn)
	if err != nil {
		return nil, nil, fmt.Errorf("--turn: %w", err)
	}
	tu, err := live.StartTURN(live.TURNConfig{Conn: conn, RelayIP: ip, Secret: secret, Peers: peers, Log: log})
	if err != nil {
		conn.Close()
		return nil, nil, err
	}
	port := conn.LocalAddr().(*net.UDPAddr).Port
	url := live.TURNURL(net.JoinHostPort(ip.String(), strconv.Itoa(port)))
	return &live.Credentials{URLs: []string{url}, Secret: secret, TTL: l.turnTTL}, tu, nil
}

func closeAll(c io.Closer) {
	if c != nil {
		c.Close()
	}
}
