package tsa_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/digitorus/timestamp"

	"lawtrail/tsa"
	"lawtrail/tsa/tsatest"
)

func roots(t *testing.T, a *tsatest.Authority) *tsa.Client {
	t.Helper()
	p, err := tsa.ParseCertificates(a.CAPEM)
	if err != nil {
		t.Fatal(err)
	}
	return &tsa.Client{Roots: p}
}

// A token from a real openssl TSA verifies over its message, chained to the
// CA given, and openssl itself verifies the same token (-token_in).
func TestStampFromOpenSSLVerifies(t *testing.T) {
	a := tsatest.NewAuthority(t, "Test")
	srv := tsatest.Serve(t, a)
	c := roots(t, a)
	c.URL = srv.URL
	msg := []byte("lawtrail/kabc\n3\nroot\n\n— sig\n")
	tok, err := c.Stamp(context.Background(), msg)
	if err != nil {
		t.Fatal(err)
	}
	if !tok.Chained || !strings.Contains(tok.TSA, "Test TSA") || time.Since(tok.GenTime) > time.Minute {
		t.Fatalf("token: chained %v, TSA %q, genTime %v", tok.Chained, tok.TSA, tok.GenTime)
	}
	again, err := tsa.Verify(tok.DER, msg, nil)
	if err != nil || again.Chained || !again.GenTime.Equal(tok.GenTime) {
		t.Fatalf("verify with the token's own certificate: %+v, %v", again, err)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "m"), msg, 0o600)
	os.WriteFile(filepath.Join(dir, "t.tsr"), tok.DER, 0o600)
	out, err := exec.Command("openssl", "ts", "-verify", "-data", filepath.Join(dir, "m"), "-in", filepath.Join(dir, "t.tsr"),
		"-token_in", "-CAfile", a.CAFile()).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Verification: OK") {
		t.Fatalf("openssl ts -verify: %v\n%s", err, out)
	}
}

// Tokens for another message, with a byte changed, signed under another CA,
// or oversize are refused, each with ErrBadToken.
func TestVerifyRefuses(t *testing.T) {
	a := tsatest.NewAuthority(t, "Test")
	srv := tsatest.Serve(t, a)
	c := roots(t, a)
	c.URL = srv.URL
	msg := []byte("checkpoint note")
	tok, err := c.Stamp(context.Background(), msg)
	if err != nil {
		t.Fatal(err)
	}
	other := roots(t, tsatest.NewAuthority(t, "Other"))
	tampered := func(old, new []byte) []byte {
		i := bytes.Index(tok.DER, old)
		if i < 0 {
			t.Fatalf("%q not in the token", old)
		}
		b := bytes.Clone(tok.DER)
		copy(b[i:], new)
		return b
	}
	sum := sha256.Sum256(msg)
	flipped := bytes.Clone(sum[:])
	flipped[0] ^= 1
	year := []byte(tok.GenTime.UTC().Format("20060102"))
	laterYear := []byte(tok.GenTime.UTC().AddDate(-1, 0, 0).Format("20060102"))
	cases := []struct {
		name  string
		der   []byte
		msg   []byte
		roots *tsa.Client
	}{
		{"another message", tok.DER, []byte("another note"), c},
		{"imprint changed", tampered(sum[:], flipped), msg, c},
		{"genTime changed", tampered(year, laterYear), msg, c},
		{"another CA", tok.DER, msg, other},
		{"oversize", append(bytes.Clone(tok.DER), make([]byte, tsa.MaxTokenBytes)...), msg, c},
		{"garbage", []byte("not DER at all"), msg, c},
		{"empty", nil, msg, c},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tsa.Verify(tc.der, tc.msg, tc.roots.Roots); !errors.Is(err, tsa.ErrBadToken) {
				t.Fatalf("verified (err %v)", err)
			}
		})
	}
	// Without roots, a changed signed byte still breaks the signature.
	if _, err := tsa.Verify(tampered(year, laterYear), msg, nil); !errors.Is(err, tsa.ErrBadToken) {
		t.Fatalf("tampered genTime verified without roots: %v", err)
	}
}

// A TSA that answers wrongly is refused: the reply is bounded, must be
// granted, name the digest asked for and echo the nonce; a slow TSA is cut
// by the caller's context.
func TestStampRefusesBadReplies(t *testing.T) {
	a := tsatest.NewAuthority(t, "Test")
	srv := tsatest.Serve(t, a)
	c := roots(t, a)
	c.URL = srv.URL
	reply := func(q []byte) []byte {
		r, err := a.Reply(context.Background(), q)
		if err != nil {
			t.Error(err)
		}
		return r
	}
	modes := map[string]tsatest.Mode{
		"oversize": func(w http.ResponseWriter, _ *http.Request, _ *tsatest.Authority, _ []byte) bool {
			chunk := make([]byte, 1<<20)
			for range 64 { // 64 MiB offered, no length announced
				if _, err := w.Write(chunk); err != nil {
					break
				}
			}
			return true
		},
		"garbage": func(w http.ResponseWriter, _ *http.Request, _ *tsatest.Authority, _ []byte) bool {
			w.Write([]byte("<html>maintenance</html>"))
			return true
		},
		"rejection": func(w http.ResponseWriter, _ *http.Request, _ *tsatest.Authority, _ []byte) bool {
			b, _ := timestamp.CreateErrorResponse(timestamp.Rejection, timestamp.BadRequest)
			w.Write(b)
			return true
		},
		"http error": func(w http.ResponseWriter, _ *http.Request, _ *tsatest.Authority, _ []byte) bool {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return true
		},
		"another digest": func(w http.ResponseWriter, _ *http.Request, _ *tsatest.Authority, q []byte) bool {
			req, _ := timestamp.ParseRequest(q)
			other := sha256.Sum256([]byte("something else"))
			req.HashedMessage = other[:]
			q2, _ := req.Marshal()
			w.Write(reply(q2))
			return true
		},
		"nonce dropped": func(w http.ResponseWriter, _ *http.Request, _ *tsatest.Authority, q []byte) bool {
			req, _ := timestamp.ParseRequest(q)
			req.Nonce = nil
			q2, _ := req.Marshal()
			w.Write(reply(q2))
			return true
		},
		"another nonce": func(w http.ResponseWriter, _ *http.Request, _ *tsatest.Authority, q []byte) bool {
			req, _ := timestamp.ParseRequest(q)
			req.Nonce.Add(req.Nonce, req.Nonce)
			req.HashAlgorithm = crypto.SHA256
			q2, _ := req.Marshal()
			w.Write(reply(q2))
			return true
		},
		"slow": func(w http.ResponseWriter, r *http.Request, _ *tsatest.Authority, _ []byte) bool {
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
			return true
		},
	}
	for name, m := range modes {
		t.Run(name, func(t *testing.T) {
			srv.SetMode(m)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			start := time.Now()
			if tok, err := c.Stamp(ctx, []byte("note")); err == nil {
				t.Fatalf("accepted a token: %+v", tok)
			} else {
				t.Logf("refused: %.200v", err)
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Fatalf("took %v", d)
			}
		})
	}
	srv.SetMode(nil)
	if _, err := c.Stamp(context.Background(), []byte("note")); err != nil {
		t.Fatalf("an honest reply after the faults: %v", err)
	}
}
