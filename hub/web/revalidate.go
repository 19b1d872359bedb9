package web

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
)

// The decision pages (the list and each decision) may be kept by browsers
// and proxies but must be revalidated before each use (Cache-Control:
// no-cache), so a withdrawal never waits in a cache. The revalidation is
// cheap: the page's ETag is the hub's publication generation with the
// page's address, and a request whose If-None-Match names the current one
// is answered 304 after one read of one row.

// entityTag is the ETag of the page named by what (the list's query, or a
// publication id) at the publication generation: this handler's epoch, the
// generation and a hash of the name, all ASCII whatever the name holds.
func (h *Handler) entityTag(generation uint64, kind, what string) string {
	sum := sha256.Sum256([]byte(kind + "\x00" + what))
	return `"` + h.epoch + "-" + strconv.FormatUint(generation, 10) + "-" + hex.EncodeToString(sum[:8]) + `"`
}

// revalidate lets caches keep the answer only to ask again before using
// it, with its ETag.
func revalidate(w http.ResponseWriter, tag string) {
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("ETag", tag)
}

// notModified answers 304 when the request's If-None-Match names tag (or
// is "*"): the copy the client holds is the current page. It reads the
// header in place, whatever its length.
func notModified(w http.ResponseWriter, r *http.Request, tag string) bool {
	if !matchesTag(r.Header.Values("If-None-Match"), tag) {
		return false
	}
	revalidate(w, tag)
	w.WriteHeader(http.StatusNotModified)
	return true
}

// matchesTag is the weak comparison of RFC 9110 §13.1.2: a W/ prefix does
// not count.
func matchesTag(headers []string, tag string) bool {
	for _, v := range headers {
		for v != "" {
			var t string
			t, v, _ = strings.Cut(v, ",")
			t = strings.TrimSpace(t)
			if t == "*" || strings.TrimPrefix(t, "W/") == tag {
				return true
			}
		}
	}
	return false
}
