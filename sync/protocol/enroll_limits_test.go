package protocol

import (
	"runtime"
	"strings"
	"testing"
)

// A pasted "code" of 64 MiB is refused before it is decoded: the
// allocation stays small (before the cap it was base64-decoded whole).
func TestHugeEnrollCodeIsRefusedBeforeDecoding(t *testing.T) {
	code := codePrefix + strings.Repeat("A", 64<<20)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := ParseEnrollCode(code)
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), "more than 4096") {
		t.Fatalf("got %v, want a refusal naming the cap", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
		t.Fatalf("parsing allocated %d KiB", alloc>>10)
	}
}
