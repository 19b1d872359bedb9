// Package faultproxy is a TCP proxy that makes a link bad on purpose: it
// cuts each connection after a random number of bytes, delays, throttles,
// and freezes (as a peer stopped with SIGSTOP: connections are accepted,
// nothing moves). Sync tests and benchmarks put it between a terminal and a hub
// to prove that a cut at any byte costs almost nothing.
package faultproxy

import (
	"context"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// Proxy sits between a client and a server on loopback.
type Proxy struct {
	l       net.Listener
	target  string
	cfg     Config
	limiter *rate.Limiter
	// Up counts bytes forwarded toward the target; Cuts counts cuts.
	Up, Cuts atomic.Int64
	mu       sync.Mutex
	conns    []net.Conn
	thaw     chan struct{} // non-nil while frozen; closed by Thaw
	stopping atomic.Bool
}

// Config is how bad the link is; it is fixed when the proxy starts.
type Config struct {
	// CutMin and CutMax: each connection is cut after a random number of
	// bytes toward the target in [CutMin, CutMax]; CutMax 0 means never.
	CutMin, CutMax int64
	// Rate caps bytes per second toward the target over all connections
	// (0: no cap).
	Rate int
	// Delay is added before each forwarded read.
	Delay time.Duration
}

// Start listens on a loopback port and forwards each connection to target.
func Start(target string, cfg Config) (*Proxy, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{l: l, target: target, cfg: cfg}
	if cfg.Rate > 0 {
		p.limiter = rate.NewLimiter(rate.Limit(cfg.Rate), 32<<10)
	}
	go p.serve()
	return p, nil
}

// Addr is where the proxy listens.
func (p *Proxy) Addr() string { return p.l.Addr().String() }

// Freeze stops forwarding in both directions on every connection, old and
// new, until Thaw: what a frozen peer looks like from the other end.
func (p *Proxy) Freeze() {
	p.mu.Lock()
	if p.thaw == nil {
		p.thaw = make(chan struct{})
	}
	p.mu.Unlock()
}

// Thaw lets every connection move again.
func (p *Proxy) Thaw() {
	p.mu.Lock()
	if p.thaw != nil {
		close(p.thaw)
		p.thaw = nil
	}
	p.mu.Unlock()
}

func (p *Proxy) waitThawed() {
	p.mu.Lock()
	ch := p.thaw
	p.mu.Unlock()
	if ch != nil {
		<-ch
	}
}

// Close stops the proxy and every connection through it.
func (p *Proxy) Close() {
	p.Thaw()
	p.stopping.Store(true)
	p.l.Close()
	p.mu.Lock()
	for _, c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
}

func (p *Proxy) serve() {
	for {
		down, err := p.l.Accept()
		if err != nil {
			return
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			down.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, down, up)
		p.mu.Unlock()
		budget := int64(-1)
		if p.cfg.CutMax > 0 {
			budget = p.cfg.CutMin + rand.Int64N(p.cfg.CutMax-p.cfg.CutMin+1)
		}
		go p.pipe(up, down, budget, true)
		go p.pipe(down, up, -1, false)
	}
}

// pipe copies src to dst; toward the hub it counts, throttles and cuts.
func (p *Proxy) pipe(dst, src net.Conn, budget int64, toHub bool) {
	defer dst.Close()
	defer src.Close()
	buf := make([]byte, 16<<10)
	for {
		n, err := src.Read(buf)
		p.waitThawed()
		if n > 0 {
			if p.cfg.Delay > 0 {
				time.Sleep(p.cfg.Delay)
			}
			if toHub {
				if budget >= 0 && int64(n) >= budget {
					dst.Write(buf[:budget]) // the cut falls inside this read
					p.Up.Add(budget)
					p.Cuts.Add(1)
					return
				}
				if budget >= 0 {
					budget -= int64(n)
				}
				if p.limiter != nil {
					p.limiter.WaitN(context.Background(), n)
				}
				p.Up.Add(int64(n))
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}
