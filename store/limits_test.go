package store

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// A file of 512 MiB put where a sealed key belongs is refused without being
// read whole (before the cap, ReadSealedKey allocated all of it).
func TestOversizedKeyFileIsRefusedUnread(t *testing.T) {
	p := filepath.Join(t.TempDir(), "terminal.key")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	f.Truncate(512 << 20) // sparse: no disk used
	f.Close()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err = ReadSealedKey(p)
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), "not a sealed key") {
		t.Fatalf("got %v", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4<<20 {
		t.Fatalf("reading allocated %d MiB", alloc>>20)
	}
}
