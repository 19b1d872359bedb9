package hub

import (
	"os"
	"testing"

	"lawtrail/hub/postgrestest"
)

// TestMain stops the PostgreSQL server the tests started, if any.
func TestMain(m *testing.M) { os.Exit(postgrestest.Run(m)) }
