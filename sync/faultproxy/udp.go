package faultproxy

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"

	"github.com/pion/transport/v5"
	"github.com/pion/transport/v5/stdnet"
)

// LossyNet is a pion transport.Net over the real network whose UDP sockets
// drop packets on purpose: a settable fraction each way, or every packet
// while the link is cut. Live-view tests hand it to a publisher (pion's
// SettingEngine.SetNet) to make its media link bad. TCP and name lookups
// pass through untouched.
type LossyNet struct {
	*stdnet.Net
	loss     atomic.Uint64 // drop probability in parts per million
	cut      atomic.Bool
	mu       sync.Mutex
	rng      *rand.Rand
	Sent     atomic.Int64 // packets passed on, both ways
	Dropped  atomic.Int64 // packets dropped, both ways
	Received atomic.Int64 // packets the sockets were handed (before dropping), both ways
}

// NewLossyNet returns a LossyNet that drops nothing yet.
func NewLossyNet() (*LossyNet, error) {
	n, err := stdnet.NewNet()
	if err != nil {
		return nil, fmt.Errorf("lossy net: %w", err)
	}
	return &LossyNet{Net: n, rng: rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))}, nil
}

// SetLoss makes each packet, each way, dropped with probability f (0–1).
func (n *LossyNet) SetLoss(f float64) {
	f = min(max(f, 0), 1)
	n.loss.Store(uint64(f * 1e6))
}

// Cut drops every packet while on is true.
func (n *LossyNet) Cut(on bool) { n.cut.Store(on) }

// drop decides the fate of one packet.
func (n *LossyNet) drop() bool {
	n.Received.Add(1)
	if n.cut.Load() {
		n.Dropped.Add(1)
		return true
	}
	ppm := n.loss.Load()
	if ppm > 0 {
		n.mu.Lock()
		d := n.rng.Uint64N(1e6) < ppm
		n.mu.Unlock()
		if d {
			n.Dropped.Add(1)
			return true
		}
	}
	n.Sent.Add(1)
	return false
}

// ListenUDP opens a UDP socket that drops packets.
func (n *LossyNet) ListenUDP(network string, laddr *net.UDPAddr) (transport.UDPConn, error) {
	c, err := n.Net.ListenUDP(network, laddr)
	if err != nil {
		return nil, err
	}
	return &lossyUDP{UDPConn: c, n: n}, nil
}

// DialUDP opens a connected UDP socket that drops packets.
func (n *LossyNet) DialUDP(network string, laddr, raddr *net.UDPAddr) (transport.UDPConn, error) {
	c, err := n.Net.DialUDP(network, laddr, raddr)
	if err != nil {
		return nil, err
	}
	return &lossyUDP{UDPConn: c, n: n}, nil
}

// ListenPacket opens a packet socket; UDP ones drop packets.
func (n *LossyNet) ListenPacket(network, address string) (net.PacketConn, error) {
	c, err := n.Net.ListenPacket(network, address)
	if err != nil {
		return nil, err
	}
	return n.wrapPacket(c), nil
}

// CreateListenConfig returns a ListenConfig whose UDP packet sockets drop
// packets.
func (n *LossyNet) CreateListenConfig(lc *net.ListenConfig) transport.ListenConfig {
	return lossyListenConfig{ListenConfig: n.Net.CreateListenConfig(lc), n: n}
}

func (n *LossyNet) wrapPacket(c net.PacketConn) net.PacketConn {
	if u, ok := c.(*net.UDPConn); ok {
		return &lossyUDP{UDPConn: u, n: n}
	}
	return &lossyPacket{PacketConn: c, n: n}
}

type lossyListenConfig struct {
	transport.ListenConfig
	n *LossyNet
}

func (l lossyListenConfig) ListenPacket(ctx context.Context, network, address string) (net.PacketConn, error) {
	c, err := l.ListenConfig.ListenPacket(ctx, network, address)
	if err != nil {
		return nil, err
	}
	return l.n.wrapPacket(c), nil
}

// lossyPacket drops packets of a net.PacketConn that is not a UDP socket.
type lossyPacket struct {
	net.PacketConn
	n *LossyNet
}

func (c *lossyPacket) ReadFrom(p []byte) (int, net.Addr, error) {
	for {
		k, addr, err := c.PacketConn.ReadFrom(p)
		if err != nil || !c.n.drop() {
			return k, addr, err
		}
	}
}

func (c *lossyPacket) WriteTo(p []byte, addr net.Addr) (int, error) {
	if c.n.drop() {
		return len(p), nil
	}
	return c.PacketConn.WriteTo(p, addr)
}

// lossyUDP drops packets of a UDP socket on every read and write path.
type lossyUDP struct {
	transport.UDPConn
	n *LossyNet
}

func (c *lossyUDP) Read(p []byte) (int, error) {
	for {
		k, err := c.UDPConn.Read(p)
		if err != nil || !c.n.drop() {
			return k, err
		}
	}
}

func (c *lossyUDP) ReadFrom(p []byte) (int, net.Addr, error) {
	for {
		k, addr, err := c.UDPConn.ReadFrom(p)
		if err != nil || !c.n.drop() {
			return k, addr, err
		}
	}
}

func (c *lossyUDP) ReadFromUDP(p []byte) (int, *net.UDPAddr, error) {
	for {
		k, addr, err := c.UDPConn.ReadFromUDP(p)
		if err != nil || !c.n.drop() {
			return k, addr, err
		}
	}
}

func (c *lossyUDP) ReadMsgUDP(p, oob []byte) (int, int, int, *net.UDPAddr, error) {
	for {
		k, oobn, flags, addr, err := c.UDPConn.ReadMsgUDP(p, oob)
		if err != nil || !c.n.drop() {
			return k, oobn, flags, addr, err
		}
	}
}

func (c *lossyUDP) Write(p []byte) (int, error) {
	if c.n.drop() {
		return len(p), nil
	}
	return c.UDPConn.Write(p)
}

func (c *lossyUDP) WriteTo(p []byte, addr net.Addr) (int, error) {
	if c.n.drop() {
		return len(p), nil
	}
	return c.UDPConn.WriteTo(p, addr)
}

func (c *lossyUDP) WriteToUDP(p []byte, addr *net.UDPAddr) (int, error) {
	if c.n.drop() {
		return len(p), nil
	}
	return c.UDPConn.WriteToUDP(p, addr)
}

func (c *lossyUDP) WriteMsgUDP(p, oob []byte, addr *net.UDPAddr) (int, int, error) {
	if c.n.drop() {
		return len(p), len(oob), nil
	}
	return c.UDPConn.WriteMsgUDP(p, oob, addr)
}
