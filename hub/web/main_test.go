package web_test

import (
	"os"
	"testing"

	"lawtrail/hub/postgrestest"
)

// TestMain stops the PostgreSQL server the tests started, if any
// (LAWTRAIL_TEST_HUB_DB=postgres).
func TestMain(m *testing.M) { os.Exit(postgrestest.Run(m)) }
