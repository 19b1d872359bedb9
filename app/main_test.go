package app

import (
	"fmt"
	"os"
	"testing"
)

// TestMain registers the translations once for the whole package: Fyne's
// lang bundle is process-wide, and registering it again in each test raced
// with a previous test's background work still reading it.
func TestMain(m *testing.M) {
	if err := LoadTranslations(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}
