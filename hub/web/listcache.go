package web

import (
	"sync"
)

// listCache keeps rendered pages of the decision list, each with the
// publication generation (hub.PublicationGeneration) read before the page
// was: a burst of visitors (a list linked from a news page) costs one read
// of the hub per page for as long as nothing the list shows changes. A page
// is served again only while the generation is the one it was rendered at,
// so a publication, a withdrawal or a revoked terminal shows on the next
// request. The pages are public and the same for everyone.
type listCache struct {
	mu      sync.Mutex
	off     bool
	entries map[string]cachedPage
}

type cachedPage struct {
	body       []byte
	generation uint64
}

// maxCachedPages bounds the cache: a crawler walking every page and filter
// evicts, it does not grow memory.
const maxCachedPages = 256

// newListCache is an empty cache; off, it never holds a page.
func newListCache(off bool) *listCache {
	return &listCache{off: off, entries: map[string]cachedPage{}}
}

// get returns the page cached under key if it was rendered at generation.
func (c *listCache) get(key string, generation uint64) ([]byte, bool) {
	if c.off {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || e.generation != generation {
		return nil, false
	}
	return e.body, true
}

// put caches body, rendered at generation, under key — unless a page of a
// later generation is there already (a slower request finishing last).
// When the cache is full, the pages of other generations go, and all of
// them when none is.
func (c *listCache) put(key string, generation uint64, body []byte) {
	if c.off {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[key]; ok && e.generation > generation {
		return
	}
	if _, ok := c.entries[key]; !ok && len(c.entries) >= maxCachedPages {
		for k, e := range c.entries {
			if e.generation != generation {
				delete(c.entries, k)
			}
		}
		if len(c.entries) >= maxCachedPages {
			clear(c.entries)
		}
	}
	c.entries[key] = cachedPage{body: body, generation: generation}
}
