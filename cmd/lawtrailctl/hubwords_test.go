package main

import (
	"crypto/rand"
	"crypto/tls"
	"net"
	"net/http"
	"strings"
	"testing"

	"lawtrail/evidence"
	"lawtrail/sync/protocol"
)

// A hub's words reach the officer's terminal: a rogue "hub" behind an
// enrollment code answers with a message full of terminal escapes (a
// window-title OSC, a screen clear, a forged success line). lawtrailctl
// prints it escaped, never raw (defect 7 of "Trust, checked from outside").
func TestHubWordsAreEscaped(t *testing.T) {
	key, _ := evidence.GenerateKeyPair(rand.Reader)
	cert, err := protocol.SelfSignedCert(key, "rogue", protocol.ServerNameEnroll, protocol.ServerNameHub)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hostile := "\x1b]0;pwned\x07\x1b[2J\nok: joined the hub"
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte(`{"code":"bad_code","message":` + jsonString(hostile) + `}`))
	})}
	go srv.Serve(tls.NewListener(l, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS13,
		ClientAuth: tls.RequireAnyClientCert}))
	t.Cleanup(func() { srv.Close() })
	code := protocol.EnrollCode{URL: "https://" + l.Addr().String(), Fingerprint: protocol.Fingerprint(cert.Certificate[0]), Secret: "s"}
	dir := initTerminal(t)
	r := ctl(t, pass, "--data", dir, "hub", "join", code.String())
	all := r.stdout + r.stderr
	t.Logf("printed: %s", all)
	if r.code == 0 || !strings.Contains(all, "pwned") {
		t.Fatalf("join with a rogue hub: %d %q", r.code, all)
	}
	if strings.ContainsAny(all, "\x1b\x07") || strings.Contains(all, "\nok: joined") {
		t.Fatalf("the hub's words were printed raw: %q", all)
	}
}

func jsonString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteString(`\` + string(r))
		case r < 0x20:
			b.WriteString(`\u00` + string("0123456789abcdef"[r>>4]) + string("0123456789abcdef"[r&15]))
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
