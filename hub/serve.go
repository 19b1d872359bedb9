package hub

import (
	"context"
	"crypto/tls"
	"log"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Limits bound what a peer can hold of a serving hub: the time to finish
// a TLS handshake and to send request headers, idle connections, and how
// many connections may be open — in all, and from keys that are not shown
// to be enrolled terminals. Zero fields take the defaults.
type Limits struct {
	// HandshakeTimeout: a connection whose TLS handshake has not finished
	// after this long is closed (default 10 s).
	HandshakeTimeout time.Duration
	// HeaderTimeout: a request's headers must arrive within this long
	// (default 10 s).
	HeaderTimeout time.Duration
	// IdleTimeout closes a kept-alive connection idle this long (default 2 min).
	IdleTimeout time.Duration
	// MaxConns caps open connections of every kind (default 1024); keep it
	// under the process's file-descriptor limit.
	MaxConns int
	// MaxUnenrolled caps connections not shown to be an enrolled terminal:
	// those still in the TLS handshake and enrollment connections
	// (default 128). Connections of enrolled terminals do not count, so a
	// flood of strangers cannot take their places.
	MaxUnenrolled int
	// MaxUnenrolledPerIP caps such connections from one client address
	// (default 8).
	MaxUnenrolledPerIP int
}

// DefaultLimits are the limits zero fields of Limits take.
func DefaultLimits() Limits {
	return Limits{
		HandshakeTimeout: 10 * time.Second, HeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		MaxConns: 1024, MaxUnenrolled: 128, MaxUnenrolledPerIP: 8,
	}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	pick := func(v *time.Duration, def time.Duration) {
		if *v <= 0 {
			*v = def
		}
	}
	pickN := func(v *int, def int) {
		if *v <= 0 {
			*v = def
		}
	}
	pick(&l.HandshakeTimeout, d.HandshakeTimeout)
	pick(&l.HeaderTimeout, d.HeaderTimeout)
	pick(&l.IdleTimeout, d.IdleTimeout)
	pickN(&l.MaxConns, d.MaxConns)
	pickN(&l.MaxUnenrolled, d.MaxUnenrolled)
	pickN(&l.MaxUnenrolledPerIP, d.MaxUnenrolledPerIP)
	return l
}

// Server serves a handler over the hub's TLS within Limits.
type Server struct {
	http  *http.Server
	conns *connLimiter
}

// NewServer returns a server for handler (sync/server's) over the hub's
// mutual TLS, HTTP/1.1 only (deadlines and limits are per connection).
// errorLog receives net/http's own complaints (nil: standard error).
func (h *Hub) NewServer(handler http.Handler, lim Limits, errorLog *log.Logger) *Server {
	lim = lim.withDefaults()
	cl := &connLimiter{lim: lim, perIP: map[string]int{}}
	return &Server{conns: cl, http: &http.Server{
		Handler:           handler,
		TLSConfig:         h.tlsConfig(handshaken),
		ReadHeaderTimeout: lim.HeaderTimeout,
		IdleTimeout:       lim.IdleTimeout,
		ErrorLog:          errorLog,
		TLSNextProto:      map[string]func(*http.Server, *tls.Conn, http.Handler){},
	}}
}

// Serve accepts connections on l until Shutdown or Close.
func (s *Server) Serve(l net.Listener) error {
	return s.http.Serve(tls.NewListener(&limitedListener{Listener: l, cl: s.conns}, s.http.TLSConfig))
}

// Shutdown stops accepting and waits for requests in flight until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error { return s.http.Shutdown(ctx) }

// Close closes every connection at once.
func (s *Server) Close() error { return s.http.Close() }

// Refused counts connections closed at once because a cap was reached.
func (s *Server) Refused() int64 { return s.conns.refused.Load() }

// connLimiter counts open connections: all, unenrolled, unenrolled per IP.
type connLimiter struct {
	lim        Limits
	mu         sync.Mutex
	total      int
	unenrolled int
	perIP      map[string]int
	refused    atomic.Int64
}

func (cl *connLimiter) admit(ip string) bool {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	if cl.total >= cl.lim.MaxConns || cl.unenrolled >= cl.lim.MaxUnenrolled || cl.perIP[ip] >= cl.lim.MaxUnenrolledPerIP {
		return false
	}
	cl.total++
	cl.unenrolled++
	cl.perIP[ip]++
	return true
}

// enrolled moves a connection out of the unenrolled counts.
func (cl *connLimiter) enrolled(ip string) {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	cl.unenrolled--
	cl.dropIP(ip)
}

func (cl *connLimiter) release(ip string, enrolled bool) {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	cl.total--
	if !enrolled {
		cl.unenrolled--
		cl.dropIP(ip)
	}
}

func (cl *connLimiter) dropIP(ip string) {
	if cl.perIP[ip]--; cl.perIP[ip] <= 0 {
		delete(cl.perIP, ip)
	}
}

// limitedListener closes at once a connection over a cap, and gives every
// other one a handshake deadline.
type limitedListener struct {
	net.Listener
	cl *connLimiter
}

func (l *limitedListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ip := c.RemoteAddr().String()
		if host, _, err := net.SplitHostPort(ip); err == nil {
			ip = host
		}
		if !l.cl.admit(ip) {
			l.cl.refused.Add(1)
			c.Close()
			continue
		}
		tc := &trackedConn{Conn: c, cl: l.cl, ip: ip}
		tc.timer = time.AfterFunc(l.cl.lim.HandshakeTimeout, tc.handshakeExpired)
		return tc, nil
	}
}

// trackedConn is an admitted connection: counted until closed, closed if
// its handshake does not finish in time.
type trackedConn struct {
	net.Conn
	cl       *connLimiter
	ip       string
	timer    *time.Timer
	mu       sync.Mutex
	shaken   bool
	enrolled bool
	closed   bool
}

func (c *trackedConn) handshakeExpired() {
	c.mu.Lock()
	shaken := c.shaken
	c.mu.Unlock()
	if !shaken {
		c.Conn.Close() // the server's handshake fails and closes c
	}
}

// handshaken is told by the TLS configuration when a handshake ends well;
// enrolled says the client key is an enrolled, unrevoked terminal's.
func handshaken(conn net.Conn, enrolled bool) {
	c, ok := conn.(*trackedConn)
	if !ok {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.shaken = true
	c.timer.Stop()
	if enrolled && !c.enrolled && !c.closed {
		c.enrolled = true
		c.cl.enrolled(c.ip)
	}
}

func (c *trackedConn) Close() error {
	c.mu.Lock()
	if !c.closed {
		c.closed = true
		c.timer.Stop()
		c.cl.release(c.ip, c.enrolled)
	}
	c.mu.Unlock()
	return c.Conn.Close()
}
