package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"lawtrail/hub/web"
)

// /console and everything under /console/ go to the console's handler,
// past the public rate limit, with the security headers it may override;
// other paths stay public and limited.
func TestConsoleRoutes(t *testing.T) {
	w := newWorld(t)
	console := http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/console/strict" {
			rw.Header().Set("Content-Security-Policy", "default-src 'self'")
		}
		rw.Write([]byte("console:" + r.URL.Path))
	})
	h := web.New(w.hub, web.Options{Now: func() time.Time { return hubNow }, Rate: 0.001, Burst: 1, Console: console})
	for i := range 5 {
		for _, path := range []string{"/console", "/console/", "/console/login", "/console/strict"} {
			res, body := get(t, h, path, "203.0.113.9:5")
			if res.StatusCode != 200 || body != "console:"+path {
				t.Fatalf("round %d %s: %d %q", i, path, res.StatusCode, body)
			}
			wantCSP := web.CSP
			if path == "/console/strict" {
				wantCSP = "default-src 'self'"
			}
			if res.Header.Get("Content-Security-Policy") != wantCSP || res.Header.Get("X-Frame-Options") != "DENY" || res.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("%s: headers %v", path, res.Header)
			}
		}
	}
	// The public side keeps its limit: one request, then 429.
	if res, _ := get(t, h, "/decisions", "203.0.113.9:5"); res.StatusCode != 200 {
		t.Fatalf("first public request: %d", res.StatusCode)
	}
	if res, _ := get(t, h, "/decisions", "203.0.113.9:5"); res.StatusCode != 429 {
		t.Fatalf("second public request: %d", res.StatusCode)
	}
	// Paths that only look like the console are public pages (404 here).
	for i, path := range []string{"/consolex", "/console.html", "/a/console"} {
		if res, body := get(t, h, path, fmt.Sprintf("198.51.100.%d:5", i+10)); res.StatusCode != 404 || strings.Contains(body, "console:") {
			t.Errorf("%s: %d %q", path, res.StatusCode, body)
		}
	}
	// An unclean path that leads out of /console/ is redirected, not served
	// by the console.
	if res, body := get(t, h, "/console/../decisions", "198.51.100.2:5"); res.StatusCode/100 != 3 || res.Header.Get("Location") != "/decisions" ||
		strings.Contains(body, "console:") {
		t.Errorf("/console/../decisions: %d %q", res.StatusCode, body)
	}
}
