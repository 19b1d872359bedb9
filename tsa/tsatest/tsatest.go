// Package tsatest runs a real RFC 3161 time-stamping authority for tests:
// `openssl ts -reply` behind an HTTP handler, with a test CA and a TSA
// certificate (extended key usage timeStamping, critical) made at test
// time, as mtptest serves MTP and httptest serves HTTP.
package tsatest

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// Authority is a CA with one time-stamping certificate under it.
type Authority struct {
	Dir     string // holds ca.pem, tsa.pem, tsa.key, tsa.cnf
	CAPEM   []byte
	TSAPEM  []byte
	CA, TSA *x509.Certificate
}

// CAFile is the CA certificate's path (what --tsa-cert and -CAfile take).
func (a *Authority) CAFile() string { return filepath.Join(a.Dir, "ca.pem") }

// NewAuthority makes a CA and a TSA certificate named name in a temp dir,
// with the openssl ts configuration that signs with them.
func NewAuthority(t testing.TB, name string) *Authority {
	t.Helper()
	dir := t.TempDir()
	caKey := newKey(t)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name + " Root CA", Organization: []string{name}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	tsaKey := newKey(t)
	eku, _ := asn1.Marshal([]asn1.ObjectIdentifier{{1, 3, 6, 1, 5, 5, 7, 3, 8}}) // id-kp-timeStamping
	tsaTmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: name + " TSA", Organization: []string{name}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage:        x509.KeyUsageDigitalSignature,
		ExtraExtensions: []pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 37}, Critical: true, Value: eku}}}
	tsaDER, err := x509.CreateCertificate(rand.Reader, tsaTmpl, ca, &tsaKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	tsaCert, _ := x509.ParseCertificate(tsaDER)
	a := &Authority{Dir: dir, CA: ca, TSA: tsaCert,
		CAPEM:  pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		TSAPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: tsaDER})}
	keyDER, _ := x509.MarshalPKCS8PrivateKey(tsaKey)
	write(t, filepath.Join(dir, "ca.pem"), a.CAPEM)
	write(t, filepath.Join(dir, "tsa.pem"), a.TSAPEM)
	write(t, filepath.Join(dir, "tsa.key"), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}))
	write(t, filepath.Join(dir, "serial"), []byte("01\n"))
	write(t, filepath.Join(dir, "tsa.cnf"), []byte(fmt.Sprintf(config, dir)))
	return a
}

const config = `[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
dir            = %s
serial         = $dir/serial
crypto_device  = builtin
signer_cert    = $dir/tsa.pem
signer_key     = $dir/tsa.key
signer_digest  = sha256
default_policy = 1.2.3.4.1
digests        = sha256, sha384, sha512
accuracy       = secs:1
ordering       = yes
tsa_name       = yes
ess_cert_id_chain = no
ess_cert_id_alg   = sha256
`

func newKey(t testing.TB) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func write(t testing.TB, path string, b []byte) {
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// Reply runs `openssl ts -reply` on a DER query and returns the DER reply.
func (a *Authority) Reply(ctx context.Context, query []byte) ([]byte, error) {
	f, err := os.CreateTemp(a.Dir, "q-*.tsq")
	if err != nil {
		return nil, err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(query); err != nil {
		f.Close()
		return nil, err
	}
	f.Close()
	cmd := exec.CommandContext(ctx, "openssl", "ts", "-reply", "-config", filepath.Join(a.Dir, "tsa.cnf"), "-queryfile", f.Name())
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("openssl ts -reply: %v: %s", err, stderr.String())
	}
	return out.Bytes(), nil
}

// Server is the authority served over HTTP (RFC 3161 §3.4: POST a query,
// application/timestamp-query; the reply is application/timestamp-reply).
// Mode changes what it answers, for fault tests.
type Server struct {
	*httptest.Server
	Auth     *Authority
	Requests atomic.Int64
	mode     atomic.Value // Mode
}

// Mode is how the server misbehaves.
type Mode func(w http.ResponseWriter, r *http.Request, a *Authority, query []byte) bool

// Serve starts a TSA server for a; it stops with the test.
func Serve(t testing.TB, a *Authority) *Server {
	s := &Server{Auth: a}
	s.Server = httptest.NewServer(http.HandlerFunc(s.handle))
	t.Cleanup(s.Server.Close)
	return s
}

// SetMode makes the server answer with m (nil: honestly).
func (s *Server) SetMode(m Mode) { s.mode.Store(m) }

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	s.Requests.Add(1)
	q, err := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	if err != nil || r.Method != http.MethodPost {
		http.Error(w, "POST a timestamp query", http.StatusBadRequest)
		return
	}
	if m, _ := s.mode.Load().(Mode); m != nil && m(w, r, s.Auth, q) {
		return
	}
	reply, err := s.Auth.Reply(r.Context(), q)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/timestamp-reply")
	_, _ = w.Write(reply)
}
