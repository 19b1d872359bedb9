// Package tsa asks an RFC 3161 time-stamping authority for timestamps and
// verifies timestamp tokens: a token is the TSA's signed statement that a
// SHA-256 digest existed at its genTime. The hub timestamps its checkpoints
// (their signed-note bytes); terminals and verify-bundle check the tokens.
package tsa

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"time"

	"github.com/digitorus/pkcs7"
	"github.com/digitorus/timestamp"
)

// MaxTokenBytes bounds a token (and a TSA's reply): a real one with its
// certificate chain is a few KiB. Larger input is refused before parsing.
const MaxTokenBytes = 64 << 10

// ErrBadToken is a token that does not parse, does not name the message,
// or whose signature or certificate does not verify.
var ErrBadToken = errors.New("timestamp token does not verify")

// Token is a verified timestamp token.
type Token struct {
	DER     []byte    // the TimeStampToken (CMS SignedData), as the TSA signed it
	GenTime time.Time // when the TSA says the digest existed
	TSA     string    // subject of the certificate that signed it
	Serial  *big.Int
	Nonce   *big.Int
	// Chained says the signing certificate chained to the trusted roots
	// given; false means only the certificate inside the token was used.
	Chained bool
}

// Verify checks that der is a timestamp token over SHA-256(message), signed
// by the certificate it carries, which is a time-stamping certificate
// (extended key usage timeStamping, critical, as RFC 3161 §2.3 requires).
// With roots, that certificate must also chain to one of them (valid at
// genTime); without, the token's own certificate is all that was checked.
func Verify(der, message []byte, roots *x509.CertPool) (Token, error) {
	if len(der) > MaxTokenBytes {
		return Token{}, fmt.Errorf("%w: %d bytes, more than %d", ErrBadToken, len(der), MaxTokenBytes)
	}
	ts, err := timestamp.Parse(der) // verifies the signature when the token carries certificates
	if err != nil {
		return Token{}, fmt.Errorf("%w: %v", ErrBadToken, err)
	}
	if len(ts.Certificates) == 0 {
		return Token{}, fmt.Errorf("%w: the token carries no certificate (its signature cannot be checked)", ErrBadToken)
	}
	want := sha256.Sum256(message)
	if ts.HashAlgorithm != crypto.SHA256 || !bytes.Equal(ts.HashedMessage, want[:]) {
		return Token{}, fmt.Errorf("%w: it stamps %v digest %x, not SHA-256 %x", ErrBadToken, ts.HashAlgorithm, ts.HashedMessage, want)
	}
	p7, err := pkcs7.Parse(der)
	if err != nil {
		return Token{}, fmt.Errorf("%w: %v", ErrBadToken, err)
	}
	signer := p7.GetOnlySigner()
	if signer == nil {
		return Token{}, fmt.Errorf("%w: not one signer with a certificate in the token", ErrBadToken)
	}
	if err := timeStampingOnly(signer); err != nil {
		return Token{}, fmt.Errorf("%w: %v", ErrBadToken, err)
	}
	tok := Token{DER: der, GenTime: ts.Time, TSA: signer.Subject.String(), Serial: ts.SerialNumber, Nonce: ts.Nonce}
	if roots == nil {
		return tok, nil
	}
	err = p7.VerifyWithOpts(x509.VerifyOptions{Roots: roots, Intermediates: certPool(p7.Certificates),
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}, CurrentTime: ts.Time})
	if err != nil {
		return Token{}, fmt.Errorf("%w: the TSA certificate %q does not chain to the trusted certificates: %v", ErrBadToken, tok.TSA, err)
	}
	tok.Chained = true
	return tok, nil
}

var oidExtKeyUsage = asn1.ObjectIdentifier{2, 5, 29, 37}

// timeStampingOnly checks the extended key usage RFC 3161 requires of a
// TSA's certificate: exactly timeStamping, marked critical.
func timeStampingOnly(c *x509.Certificate) error {
	if len(c.ExtKeyUsage) != 1 || c.ExtKeyUsage[0] != x509.ExtKeyUsageTimeStamping || len(c.UnknownExtKeyUsage) > 0 {
		return fmt.Errorf("certificate %q is not a time-stamping certificate (extended key usage must be timeStamping only)", c.Subject)
	}
	for _, e := range c.Extensions {
		if e.Id.Equal(oidExtKeyUsage) && !e.Critical {
			return fmt.Errorf("certificate %q: its extended key usage is not critical", c.Subject)
		}
	}
	return nil
}

func certPool(certs []*x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	for _, c := range certs {
		p.AddCert(c)
	}
	return p
}

// ParseCertificates reads PEM certificates (a TSA's root, or its own
// certificate) into a pool; a file with none is an error.
func ParseCertificates(pemBytes []byte) (*x509.CertPool, error) {
	p := x509.NewCertPool()
	n := 0
	for rest := pemBytes; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("certificate %d: %w", n+1, err)
		}
		p.AddCert(c)
		n++
	}
	if n == 0 {
		return nil, errors.New("no PEM certificate found")
	}
	return p, nil
}

// Client asks one TSA for timestamps.
type Client struct {
	URL   string
	Roots *x509.CertPool // nil: the certificate in the reply is checked, not chained
	HTTP  *http.Client   // nil: http.DefaultClient; bound each call with ctx
}

// Stamp asks the TSA to timestamp SHA-256(message) with a fresh nonce and
// returns the token once the reply is granted, names this digest and
// nonce, and verifies (Verify). The reply is read up to MaxTokenBytes.
func (c Client) Stamp(ctx context.Context, message []byte) (Token, error) {
	digest := sha256.Sum256(message)
	nonce, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	if err != nil {
		return Token{}, err
	}
	q, err := (&timestamp.Request{HashAlgorithm: crypto.SHA256, HashedMessage: digest[:], Certificates: true, Nonce: nonce}).Marshal()
	if err != nil {
		return Token{}, fmt.Errorf("timestamp request: %w", err)
	}
	reply, err := c.post(ctx, q)
	if err != nil {
		return Token{}, err
	}
	ts, err := timestamp.ParseResponse(reply) // refuses a status other than granted
	if err != nil {
		return Token{}, fmt.Errorf("TSA %s: reply refused: %w", c.URL, err)
	}
	tok, err := Verify(ts.RawToken, message, c.Roots)
	if err != nil {
		return Token{}, fmt.Errorf("TSA %s: %w", c.URL, err)
	}
	if tok.Nonce == nil || tok.Nonce.Cmp(nonce) != 0 {
		return Token{}, fmt.Errorf("TSA %s: %w: the reply's nonce is not the request's", c.URL, ErrBadToken)
	}
	return tok, nil
}

// post sends a query and reads a reply of at most MaxTokenBytes.
func (c Client) post(ctx context.Context, query []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, bytes.NewReader(query))
	if err != nil {
		return nil, fmt.Errorf("TSA %s: %w", c.URL, err)
	}
	req.Header.Set("Content-Type", "application/timestamp-query")
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("TSA %s: %w", c.URL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("TSA %s: HTTP status %s", c.URL, resp.Status)
	}
	if resp.ContentLength > MaxTokenBytes {
		return nil, fmt.Errorf("TSA %s: reply of %d bytes, more than %d", c.URL, resp.ContentLength, MaxTokenBytes)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxTokenBytes+1))
	if err != nil {
		return nil, fmt.Errorf("TSA %s: read reply: %w", c.URL, err)
	}
	if len(b) > MaxTokenBytes {
		return nil, fmt.Errorf("TSA %s: reply over %d bytes", c.URL, MaxTokenBytes)
	}
	return b, nil
}
