package client

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"lawtrail/evidence"
	"lawtrail/sync/protocol"
)

// rawAnswer is what the hub answered to a hand-written request.
type rawAnswer struct {
	status int
	header http.Header
	body   string
}

// rawRequest writes one HTTP/1.1 request byte for byte, as curl
// --path-as-is would, over mutual TLS with key's certificate and SNI
// serverName, and reads the answer. The request target is sent exactly as
// given: no client library cleans or re-encodes it.
func rawRequest(t *testing.T, addr string, key evidence.KeyPair, serverName, method, target string, header map[string]string, body string) rawAnswer {
	t.Helper()
	cert, err := protocol.SelfSignedCert(key, key.ID())
	if err != nil {
		t.Fatal(err)
	}
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 10 * time.Second}, "tcp", addr, &tls.Config{
		MinVersion: tls.VersionTLS13, Certificates: []tls.Certificate{cert}, ServerName: serverName,
		InsecureSkipVerify: true, // a raw probe: the hub's identity is not what is tested
	})
	if err != nil {
		t.Fatalf("%s %s: dial: %v", method, target, err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n", method, target, serverName)
	for k, v := range header {
		fmt.Fprintf(&b, "%s: %s\r\n", k, v)
	}
	if body != "" || method == http.MethodPatch || method == http.MethodPost {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(body))
	}
	b.WriteString("\r\n")
	b.WriteString(body)
	if _, err := io.WriteString(conn, b.String()); err != nil {
		t.Fatalf("%s %s: write: %v", method, target, err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: method})
	if err != nil {
		t.Fatalf("%s %s: read answer: %v", method, target, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return rawAnswer{status: resp.StatusCode, header: resp.Header, body: string(raw)}
}
