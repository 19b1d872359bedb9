package live

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1" //nolint:gosec // the TURN REST scheme's MAC
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pion/turn/v4"

	"lawtrail/sync/protocol"
)

// TURN credentials follow the TURN REST scheme (draft-uberti-behave-turn-
// rest): username "<unix expiry>:<user>", password
// base64(HMAC-SHA1(secret, username)). Any hub process with the secret
// hands them out, any TURN server with it accepts them until the expiry.

// Credentials hands out TURN servers with credentials over a shared
// secret.
type Credentials struct {
	URLs   []string      // e.g. turn:203.0.113.5:3478?transport=udp
	Secret string        // shared by every hub process (LAWTRAIL_TURN_SECRET)
	TTL    time.Duration // how long credentials hold (default 1 h)
}

// DefaultTURNTTL is how long TURN credentials hold by default.
const DefaultTURNTTL = time.Hour

// For is the ICE servers for user (a terminal id or a console account)
// with credentials that hold TTL from now.
func (c *Credentials) For(user string, now time.Time) protocol.LiveICE {
	ttl := c.TTL
	if ttl <= 0 {
		ttl = DefaultTURNTTL
	}
	expires := now.Add(ttl).Truncate(time.Second)
	name, pass := TURNCredential(c.Secret, user, expires)
	return protocol.LiveICE{Servers: []protocol.ICEServer{{URLs: c.URLs, Username: name, Credential: pass}}, Expires: expires}
}

// TURNCredential is the username and password for user until expires.
func TURNCredential(secret, user string, expires time.Time) (username, password string) {
	// As turn.GenerateLongTermTURNRESTCredentials, which counts from
	// time.Now; here the expiry is given. turn.LongTermTURNRESTAuthHandler
	// checks both.
	username = strconv.FormatInt(expires.Unix(), 10) + ":" + user
	mac := hmac.New(sha1.New, []byte(secret))
	mac.Write([]byte(username))
	return username, base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// RandomSecret is a TURN secret for one hub process alone.
func RandomSecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// TURNConfig sets up the TURN server.
type TURNConfig struct {
	Conn    net.PacketConn // the UDP socket TURN listens on (serve's --turn); the server closes it
	RelayIP net.IP         // the address relays are given and reached at (serve's --turn-ip)
	Secret  string
	// Peers are the only addresses a relay exchanges packets with: the
	// SFU's own ICE addresses (ICEAddrs). Required: the hub's TURN carries
	// live view and nothing else, so no holder of credentials can reach
	// other hosts or the hub's own UDP services through it.
	Peers []netip.AddrPort
	Log   *slog.Logger
}

// TURN is a running TURN server.
type TURN struct{ srv *turn.Server }

// StartTURN serves TURN over UDP on cfg.Conn with the long-term
// credentials of the TURN REST scheme, relays on cfg.RelayIP.
func StartTURN(cfg TURNConfig) (*TURN, error) {
	if cfg.Conn == nil || cfg.RelayIP == nil || cfg.Secret == "" || len(cfg.Peers) == 0 {
		return nil, errors.New("live: TURN needs a socket, a relay address, a secret and the SFU's addresses")
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	lf := pionLogger(cfg.Log)
	bind := "0.0.0.0"
	if cfg.RelayIP.To4() == nil {
		bind = "::"
	}
	peers := newPeerSet(cfg.Peers)
	q := &relayQuota{per: map[string]int{}}
	srv, err := turn.NewServer(turn.ServerConfig{
		Realm:         "lawtrail",
		AuthHandler:   turn.LongTermTURNRESTAuthHandler(cfg.Secret, lf.NewLogger("turn")),
		LoggerFactory: lf,
		QuotaHandler:  q.allow,
		EventHandler: turn.EventHandler{
			OnAllocationCreated: func(_, _ net.Addr, _, username, _ string, _ net.Addr, _ int) { q.add(username, 1) },
			OnAllocationDeleted: func(_, _ net.Addr, _, username, _ string) { q.add(username, -1) },
		},
		PacketConnConfigs: []turn.PacketConnConfig{{PacketConn: cfg.Conn,
			RelayAddressGenerator: &peerRelays{RelayAddressGeneratorStatic: turn.RelayAddressGeneratorStatic{RelayAddress: cfg.RelayIP, Address: bind}, peers: peers},
			PermissionHandler:     func(_ net.Addr, ip net.IP) bool { return peers.hasIP(ip) }}},
	})
	if err != nil {
		return nil, fmt.Errorf("live: TURN: %w", err)
	}
	return &TURN{srv: srv}, nil
}

// Close stops the server and its relays.
func (t *TURN) Close() error { return t.srv.Close() }

// TURNURL is the turn: URL of a server reached at host:port over UDP.
func TURNURL(hostPort string) string { return "turn:" + hostPort + "?transport=udp" }

// Relay quotas: a terminal or account holds at most MaxRelaysPerUser
// relays at once (a publisher or a viewer needs one; a cut connection's
// may linger until it times out), the server at most MaxRelays (each is a
// UDP socket of the hub process). Over them, an allocation is refused with
// 486 (Allocation Quota Reached).
const (
	MaxRelaysPerUser = 16
	MaxRelays        = 2048
)

// relayQuota counts the open relays per user (the username after its
// expiry: fresh credentials are the same user) and in all.
type relayQuota struct {
	mu  sync.Mutex
	per map[string]int
	all int
}

func turnUser(username string) string {
	_, user, _ := strings.Cut(username, ":")
	return user
}

func (q *relayQuota) allow(username, _ string, _ net.Addr) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.per[turnUser(username)] < MaxRelaysPerUser && q.all < MaxRelays
}

func (q *relayQuota) add(username string, n int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	u := turnUser(username)
	q.per[u] += n
	q.all += n
	if q.per[u] <= 0 {
		delete(q.per, u)
	}
}

// ICEAddrs are the addresses the SFU's candidates name for its socket
// conn: the socket's own address, or every interface's address at its
// port when it listens on all of them, and publicIP (serve's --live-ip)
// at that port when given.
func ICEAddrs(conn net.PacketConn, publicIP string) ([]netip.AddrPort, error) {
	local, err := netip.ParseAddrPort(conn.LocalAddr().String())
	if err != nil {
		return nil, fmt.Errorf("live: the SFU's address: %w", err)
	}
	port := local.Port()
	var addrs []netip.AddrPort
	if publicIP != "" {
		ip, err := netip.ParseAddr(publicIP)
		if err != nil {
			return nil, fmt.Errorf("live: public address %q: %w", publicIP, err)
		}
		addrs = append(addrs, netip.AddrPortFrom(ip.Unmap(), port))
	}
	if !local.Addr().IsUnspecified() {
		return append(addrs, netip.AddrPortFrom(local.Addr().Unmap(), port)), nil
	}
	ifaddrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil, fmt.Errorf("live: the interfaces' addresses: %w", err)
	}
	for _, a := range ifaddrs {
		if p, ok := netip.AddrFromSlice(ipOf(a)); ok {
			addrs = append(addrs, netip.AddrPortFrom(p.Unmap(), port))
		}
	}
	return addrs, nil
}

func ipOf(a net.Addr) net.IP {
	switch a := a.(type) {
	case *net.IPNet:
		return a.IP
	case *net.IPAddr:
		return a.IP
	}
	return nil
}

// peerSet is the addresses relays may exchange packets with.
type peerSet map[netip.AddrPort]bool

func newPeerSet(addrs []netip.AddrPort) peerSet {
	s := peerSet{}
	for _, a := range addrs {
		s[netip.AddrPortFrom(a.Addr().Unmap(), a.Port())] = true
	}
	return s
}

func (s peerSet) hasIP(ip net.IP) bool {
	a, ok := netip.AddrFromSlice(ip)
	if !ok {
		return false
	}
	for p := range s {
		if p.Addr() == a.Unmap() {
			return true
		}
	}
	return false
}

func (s peerSet) has(addr net.Addr) bool {
	u, ok := addr.(*net.UDPAddr)
	if !ok {
		return false
	}
	ap := u.AddrPort()
	return s[netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())]
}

// peerRelays gives relays that send to and take packets from the peers
// alone: TURN permissions go by IP address only, a relay by address and
// port.
type peerRelays struct {
	turn.RelayAddressGeneratorStatic
	peers peerSet
}

// AllocatePacketConn is the static generator's relay, filtered.
func (g *peerRelays) AllocatePacketConn(network string, port int) (net.PacketConn, net.Addr, error) {
	conn, addr, err := g.RelayAddressGeneratorStatic.AllocatePacketConn(network, port)
	if err != nil {
		return nil, nil, err
	}
	return &peerConn{PacketConn: conn, peers: g.peers}, addr, nil
}

// peerConn drops what is sent to or comes from any address but a peer's.
type peerConn struct {
	net.PacketConn
	peers peerSet
}

// WriteTo sends to a peer; to anyone else the packet is dropped, as a
// firewall would.
func (c *peerConn) WriteTo(b []byte, addr net.Addr) (int, error) {
	if !c.peers.has(addr) {
		return len(b), nil
	}
	return c.PacketConn.WriteTo(b, addr)
}

// ReadFrom is the next packet from a peer.
func (c *peerConn) ReadFrom(b []byte) (int, net.Addr, error) {
	for {
		n, addr, err := c.PacketConn.ReadFrom(b)
		if err != nil || c.peers.has(addr) {
			return n, addr, err
		}
	}
}
