package protocol

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"fmt"
	"math/big"
	"time"

	"lawtrail/evidence"
)

// SelfSignedCert makes a long-lived self-signed certificate for an Ed25519
// key: the hub's server certificate, or a terminal's client certificate.
// Trust comes from pinning (the fingerprint, the enrolled key), not from a
// CA.
func SelfSignedCert(k evidence.KeyPair, commonName string, dnsNames ...string) (tls.Certificate, error) {
	tmpl := &x509.Certificate{
		SerialNumber: new(big.Int).SetBytes(k.Public[:16]),
		Subject:      pkix.Name{CommonName: commonName},
		NotBefore:    time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:     time.Date(2099, 12, 31, 0, 0, 0, 0, time.UTC),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		DNSNames:     dnsNames,
	}
	der, err := x509.CreateCertificate(nil, tmpl, tmpl, k.Public, k.Private)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("make certificate: %w", err)
	}
	leaf, _ := x509.ParseCertificate(der)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: k.Private, Leaf: leaf}, nil
}

// Fingerprint is the SHA-256 of a certificate's DER bytes, in hex.
func Fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])
}
