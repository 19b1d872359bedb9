package web

import (
	"fmt"
	"testing"
	"time"
)

// A cached page is served until its time is up; the cache never holds more
// than maxCachedPages; a negative time caches nothing.
func TestListCache(t *testing.T) {
	clock := time.Date(2027, 1, 5, 10, 0, 0, 0, time.UTC)
	c := newListCache(2*time.Second, func() time.Time { return clock })
	c.put("/decisions", []byte("a"))
	if b, ok := c.get("/decisions"); !ok || string(b) != "a" {
		t.Fatalf("fresh: %q %v", b, ok)
	}
	if _, ok := c.get("/decisions?page=2"); ok {
		t.Fatal("a page never put is cached")
	}
	clock = clock.Add(2 * time.Second)
	if _, ok := c.get("/decisions"); ok {
		t.Fatal("served after its time")
	}
	for i := range 3 * maxCachedPages {
		c.put(fmt.Sprintf("/decisions?page=%d", i), []byte("x"))
		if len(c.entries) > maxCachedPages {
			t.Fatalf("%d entries after %d puts", len(c.entries), i+1)
		}
	}
	off := newListCache(-1, func() time.Time { return clock })
	off.put("/decisions", []byte("a"))
	if _, ok := off.get("/decisions"); ok || len(off.entries) != 0 {
		t.Fatal("a cache that is off holds a page")
	}
}
