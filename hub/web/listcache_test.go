package web

import (
	"fmt"
	"testing"
)

// A cached page is served only at the generation it was rendered at; a
// slower request of an older generation does not replace a newer page;
// the cache never holds more than maxCachedPages; a cache that is off
// holds nothing.
func TestListCache(t *testing.T) {
	c := newListCache(false)
	c.put("/decisions", 7, []byte("a"))
	if b, ok := c.get("/decisions", 7); !ok || string(b) != "a" {
		t.Fatalf("same generation: %q %v", b, ok)
	}
	if _, ok := c.get("/decisions?page=2", 7); ok {
		t.Fatal("a page never put is cached")
	}
	if _, ok := c.get("/decisions", 8); ok {
		t.Fatal("served at a later generation")
	}
	c.put("/decisions", 8, []byte("b"))
	c.put("/decisions", 7, []byte("old"))
	if b, ok := c.get("/decisions", 8); !ok || string(b) != "b" {
		t.Fatalf("an older page replaced a newer one: %q %v", b, ok)
	}
	for i := range 3 * maxCachedPages {
		c.put(fmt.Sprintf("/decisions?page=%d", i), uint64(8+i/100), []byte("x"))
		if len(c.entries) > maxCachedPages {
			t.Fatalf("%d entries after %d puts", len(c.entries), i+1)
		}
	}
	off := newListCache(true)
	off.put("/decisions", 1, []byte("a"))
	if _, ok := off.get("/decisions", 1); ok || len(off.entries) != 0 {
		t.Fatal("a cache that is off holds a page")
	}
}

// If-None-Match names the current tag among others, weak or strong, or is
// "*"; nothing else matches, however long.
func TestMatchesTag(t *testing.T) {
	tag := `"abcd1234-7-0011223344556677"`
	long := make([]byte, 1<<20)
	for i := range long {
		long[i] = ','
	}
	for _, c := range []struct {
		header []string
		want   bool
	}{
		{[]string{tag}, true},
		{[]string{`"x", ` + tag}, true},
		{[]string{`"x"`, "W/" + tag}, true},
		{[]string{"*"}, true},
		{nil, false},
		{[]string{""}, false},
		{[]string{`"abcd1234-6-0011223344556677"`}, false},
		{[]string{tag[1 : len(tag)-1]}, false},
		{[]string{`<script>alert(1)</script>`, `"><img src=x onerror=alert(1)>`}, false},
		{[]string{string(long)}, false},
		{[]string{string(long) + tag}, true},
	} {
		if got := matchesTag(c.header, tag); got != c.want {
			t.Errorf("%.60q: %v, want %v", c.header, got, c.want)
		}
	}
}
