//go:build !linux

package ingest

import "os"

// dropCache is a no-op where the OS offers no portable way to drop a
// file's cached pages; verification then may read from the cache.
func dropCache(*os.File) {}
