package client

import (
	"context"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// faultProxy sits between terminal and hub on loopback and makes the link
// bad on purpose: it cuts each connection after a random number of bytes
// sent toward the hub, delays, and throttles.
type faultProxy struct {
	l        net.Listener
	target   string
	cutMin   int64 // a connection is cut after cutMin..cutMax bytes up; 0: never
	cutMax   int64
	delay    time.Duration // added before each forwarded read
	limiter  *rate.Limiter // shared throttle toward the hub; nil: none
	up       atomic.Int64  // bytes forwarded toward the hub
	cuts     atomic.Int64
	mu       sync.Mutex
	conns    []net.Conn
	stopping atomic.Bool
}

func startProxy(t testing.TB, target string) *faultProxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &faultProxy{l: l, target: target}
	go p.serve()
	t.Cleanup(p.close)
	return p
}

func (p *faultProxy) addr() string { return p.l.Addr().String() }

func (p *faultProxy) throttle(bytesPerSec int) {
	p.limiter = rate.NewLimiter(rate.Limit(bytesPerSec), 32<<10)
}

func (p *faultProxy) close() {
	p.stopping.Store(true)
	p.l.Close()
	p.mu.Lock()
	for _, c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
}

func (p *faultProxy) serve() {
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
		if p.cutMax > 0 {
			budget = p.cutMin + rand.Int64N(p.cutMax-p.cutMin+1)
		}
		go p.pipe(up, down, budget, true)
		go p.pipe(down, up, -1, false)
	}
}

// pipe copies src to dst; toward the hub it counts, throttles and cuts.
func (p *faultProxy) pipe(dst, src net.Conn, budget int64, toHub bool) {
	defer dst.Close()
	defer src.Close()
	buf := make([]byte, 16<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if p.delay > 0 {
				time.Sleep(p.delay)
			}
			if toHub {
				if budget >= 0 && int64(n) >= budget {
					dst.Write(buf[:budget]) // the cut falls inside this read
					p.up.Add(budget)
					p.cuts.Add(1)
					return
				}
				if budget >= 0 {
					budget -= int64(n)
				}
				if p.limiter != nil {
					p.limiter.WaitN(context.Background(), n)
				}
				p.up.Add(int64(n))
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			if err != io.EOF {
				return
			}
			return
		}
	}
}
