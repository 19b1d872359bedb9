package console

import (
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
)

// Sign-in limits. Failures are counted per account name (whether or not
// it exists, so the limit tells nothing about which names do) and per
// client address (an IPv6 client by its /64). From the fifth failure in a
// row a key must wait before its next attempt: 30 s, doubling with each
// further failure, at most an hour. While a key waits no password is
// checked at all. A successful sign-in clears its account's count, not its
// address's: one good password does not buy another round of guesses at
// other accounts. A count is forgotten an hour after its last failure.
// The counts live in memory (a restart forgets them) and their table is
// bounded: past maxKeys, keys an hour quiet are swept, and if it is still
// full every sign-in waits until they are.
const (
	freeFailures = 5
	firstWait    = 30 * time.Second
	longestWait  = time.Hour
	forgetAfter  = time.Hour
	maxKeys      = 100_000
)

// failureLimiter counts sign-in failures per key.
type failureLimiter struct {
	mu   sync.Mutex
	now  func() time.Time
	keys map[string]*failures
}

type failures struct {
	n     int
	last  time.Time // of the last failure
	until time.Time // no attempt before this
}

func newFailureLimiter(now func() time.Time) *failureLimiter {
	return &failureLimiter{now: now, keys: map[string]*failures{}}
}

// wait is how long the longest-waiting of keys must still wait; 0 when an
// attempt may go ahead.
func (l *failureLimiter) wait(keys ...string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	var longest time.Duration
	for _, k := range keys {
		if f, ok := l.keys[k]; ok {
			longest = max(longest, f.until.Sub(now))
		}
	}
	if longest <= 0 && len(l.keys) >= maxKeys {
		l.sweep(now)
		if len(l.keys) >= maxKeys {
			return forgetAfter
		}
	}
	return max(longest, 0)
}

// fail counts a failure against each key.
func (l *failureLimiter) fail(keys ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	for _, k := range keys {
		f, ok := l.keys[k]
		if !ok || now.Sub(f.last) > forgetAfter {
			f = &failures{}
			l.keys[k] = f
		}
		f.n++
		f.last = now
		if f.n >= freeFailures {
			f.until = now.Add(waitAfter(f.n))
		}
	}
}

// waitAfter is the wait after n failures in a row (n ≥ freeFailures).
func waitAfter(n int) time.Duration {
	d := firstWait
	for i := freeFailures; i < n && d < longestWait; i++ {
		d *= 2
	}
	return min(d, longestWait)
}

// succeed clears key's count.
func (l *failureLimiter) succeed(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.keys, key)
}

func (l *failureLimiter) sweep(now time.Time) {
	for k, f := range l.keys {
		if now.Sub(f.last) > forgetAfter && !now.Before(f.until) {
			delete(l.keys, k)
		}
	}
}

// accountKey is the limit's key of an account name: case folded (Zhang and
// zhang count together) and bounded.
func accountKey(name string) string {
	return "account " + strings.Map(unicode.ToLower, truncate(name, 64))
}

// clientKey is the client's address as the limit counts it: the proxy's
// header when one is named and present (its last comma-separated value),
// else the peer's address; an IPv6 address by its /64, which one client
// usually holds whole.
func clientKey(r *http.Request, header string) string {
	addr := ""
	if header != "" {
		if v := r.Header.Get(header); v != "" {
			parts := strings.Split(v, ",")
			addr = strings.TrimSpace(parts[len(parts)-1])
		}
	}
	if addr == "" {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			host = r.RemoteAddr
		}
		addr = host
	}
	ip := net.ParseIP(addr)
	if ip == nil {
		return truncate(addr, 64)
	}
	if ip.To4() == nil {
		return ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
	}
	return ip.String()
}

// waitText says a wait in Chinese: 45 秒, 2 分钟, 1 小时.
func waitText(d time.Duration) string {
	switch {
	case d < time.Minute:
		return strconv.Itoa(int((d+time.Second-1)/time.Second)) + " 秒"
	case d < time.Hour:
		return strconv.Itoa(int((d+time.Minute-1)/time.Minute)) + " 分钟"
	}
	return "1 小时"
}
