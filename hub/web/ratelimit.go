package web

import (
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// ipLimiter is a token bucket per client address. Addresses idle for
// idleAfter are forgotten when the table grows past sweepAt.
type ipLimiter struct {
	mu      sync.Mutex
	r       rate.Limit
	burst   int
	now     func() time.Time
	clients map[string]*client
}

type client struct {
	lim  *rate.Limiter
	seen time.Time
}

const (
	sweepAt   = 10000
	idleAfter = 10 * time.Minute
)

func newIPLimiter(r rate.Limit, burst int, now func() time.Time) *ipLimiter {
	return &ipLimiter{r: r, burst: burst, now: now, clients: map[string]*client{}}
}

// allow takes a token from ip's bucket.
func (l *ipLimiter) allow(ip string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.clients) >= sweepAt {
		for k, c := range l.clients {
			if now.Sub(c.seen) > idleAfter {
				delete(l.clients, k)
			}
		}
	}
	c, ok := l.clients[ip]
	if !ok {
		c = &client{lim: rate.NewLimiter(l.r, l.burst)}
		l.clients[ip] = c
	}
	c.seen = now
	return c.lim.AllowN(now, 1)
}

// clientIP is the client's address: the proxy's header when one is named
// and present (its last comma-separated value), else the peer's address.
func clientIP(r *http.Request, header string) string {
	if header != "" {
		if v := r.Header.Get(header); v != "" {
			parts := strings.Split(v, ",")
			return strings.TrimSpace(parts[len(parts)-1])
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
