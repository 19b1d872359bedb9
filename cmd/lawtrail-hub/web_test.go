package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

var hubPass = func(k string) string { return map[string]string{"LAWTRAIL_HUB_PASSPHRASE": "hub passphrase"}[k] }

// serve refuses web flags that do not go together, before serving.
func TestServeRefusesBadWebFlags(t *testing.T) {
	dir := t.TempDir()
	for want, args := range map[string][]string{
		"need --web ADDR":  {"--web-cert", "c.pem", "--web-key", "k.pem"},
		"go together":      {"--web", "127.0.0.1:0", "--web-cert", "c.pem"},
		"web certificate:": {"--web", "127.0.0.1:0", "--web-cert", "/nonexistent.pem", "--web-key", "/nonexistent.key"},
		"at least 1":       {"--web", "127.0.0.1:0", "--web-max-conns", "0"},
	} {
		var out, errOut bytes.Buffer
		code := run(context.Background(), slices.Concat(dataArgs(t, dir), []string{"serve", "--listen", "127.0.0.1:0"}, args),
			env{stdout: &out, stderr: &errOut, getenv: hubPass})
		if code != 2 || !strings.Contains(errOut.String(), want) || strings.Contains(out.String(), "serving") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want %q", args, code, out.String(), errOut.String(), want)
		}
	}
}

// With --web-cert/--web-key the public web speaks TLS with that
// certificate and sets HSTS; the terminals' port still refuses a client
// without an enrolled key at the handshake.
func TestServeWebTLS(t *testing.T) {
	certFile, keyFile, pool := webCert(t)
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int)
	data := dataArgs(t, t.TempDir())
	go func() {
		done <- run(ctx, append(data, "serve", "--listen", "127.0.0.1:0", "--web", "127.0.0.1:0",
			"--web-cert", certFile, "--web-key", keyFile), env{stdout: pw, stderr: io.Discard, getenv: hubPass})
		pw.Close()
	}()
	t.Cleanup(func() { cancel(); <-done })
	var hubAddr, web string
	sc := bufio.NewScanner(pr)
	for web == "" && sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "lawtrail hub serving on "); ok {
			hubAddr = strings.Fields(rest)[0]
		}
		if rest, ok := strings.CutPrefix(sc.Text(), "public web on "); ok {
			web = rest
		}
	}
	go io.Copy(io.Discard, pr)
	if !strings.HasPrefix(web, "https://") {
		t.Fatalf("web address %q", web)
	}
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(web, "https://"))
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	res, err := c.Get("https://127.0.0.1:" + port + "/static/style.css")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Strict-Transport-Security") == "" {
		t.Fatalf("web over TLS: %d %v", res.StatusCode, res.Header)
	}
	// The terminals' port: no client certificate, no answer.
	insecure := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	if res, err := insecure.Get("https://" + hubAddr + "/c/x"); err == nil {
		res.Body.Close()
		t.Fatalf("the terminals' port answered a client without a certificate: %d", res.StatusCode)
	}
}

// webCert writes a self-signed certificate for 127.0.0.1 and its key.
func webCert(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "web.crt"), filepath.Join(dir, "web.key")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	leaf, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(leaf)
	return certFile, keyFile, pool
}

// --web-max-conns caps the public web's open connections: with two held
// open by clients that send nothing, a third visitor is not served until
// one of them goes; the terminals' port is not affected.
func TestServeWebMaxConns(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int)
	data := dataArgs(t, t.TempDir())
	go func() {
		done <- run(ctx, append(data, "serve", "--listen", "127.0.0.1:0", "--web", "127.0.0.1:0",
			"--web-max-conns", "2"), env{stdout: pw, stderr: io.Discard, getenv: hubPass})
		pw.Close()
	}()
	t.Cleanup(func() { cancel(); <-done })
	var web string
	sc := bufio.NewScanner(pr)
	for web == "" && sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "public web on "); ok {
			web = rest
		}
	}
	go io.Copy(io.Discard, pr)
	get := func(timeout time.Duration) error {
		c := &http.Client{Timeout: timeout, Transport: &http.Transport{DisableKeepAlives: true}}
		res, err := c.Get(web + "/static/style.css")
		if err == nil {
			res.Body.Close()
			if res.StatusCode != 200 {
				err = fmt.Errorf("status %d", res.StatusCode)
			}
		}
		return err
	}
	if err := get(10 * time.Second); err != nil {
		t.Fatalf("before: %v", err)
	}
	var held []net.Conn
	for range 2 {
		c, err := net.Dial("tcp", strings.TrimPrefix(web, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	if err := get(time.Second); err == nil {
		t.Fatal("a third connection was served while two were held open")
	}
	held[0].Close()
	if err := get(10 * time.Second); err != nil {
		t.Fatalf("after one held connection went: %v", err)
	}
	held[1].Close()
}
