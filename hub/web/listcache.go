package web

import (
	"sync"
	"time"
)

// listCache keeps rendered pages of the decision list for a short time, so
// that a burst of visitors (a list linked from a news page) costs one read
// of the hub per page and second, not one per visitor. The pages are public
// and the same for everyone, and browsers and proxies may keep them longer
// (Cache-Control max-age=60); a withdrawal shows on the decision's own page
// at once, which is never cached here.
type listCache struct {
	mu      sync.Mutex
	ttl     time.Duration
	now     func() time.Time
	entries map[string]cachedPage
}

type cachedPage struct {
	body  []byte
	until time.Time
}

// maxCachedPages bounds the cache: a crawler walking every page and filter
// evicts, it does not grow memory.
const maxCachedPages = 256

func newListCache(ttl time.Duration, now func() time.Time) *listCache {
	return &listCache{ttl: ttl, now: now, entries: map[string]cachedPage{}}
}

// get returns the page cached under key while it is fresh.
func (c *listCache) get(key string) ([]byte, bool) {
	if c.ttl <= 0 {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || !c.now().Before(e.until) {
		return nil, false
	}
	return e.body, true
}

// put caches body under key; when the cache is full, the stale entries go,
// and all of them when none is stale.
func (c *listCache) put(key string, body []byte) {
	if c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if len(c.entries) >= maxCachedPages {
		for k, e := range c.entries {
			if !now.Before(e.until) {
				delete(c.entries, k)
			}
		}
		if len(c.entries) >= maxCachedPages {
			clear(c.entries)
		}
	}
	c.entries[key] = cachedPage{body: body, until: now.Add(c.ttl)}
}
