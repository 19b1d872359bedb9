package client

import (
	"testing"

	"lawtrail/sync/faultproxy"
)

func startProxy(t testing.TB, target string, cfg faultproxy.Config) *faultproxy.Proxy {
	t.Helper()
	p, err := faultproxy.Start(target, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}
