package hub

import (
	"crypto/ed25519"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"os"

	"lawtrail/evidence"
	"lawtrail/sync/protocol"
)

func loadOrCreateCert(path string, k evidence.KeyPair) (tls.Certificate, error) {
	if raw, err := os.ReadFile(path); err == nil {
		block, _ := pem.Decode(raw)
		if block == nil {
			return tls.Certificate{}, fmt.Errorf("%s: not a PEM certificate", path)
		}
		leaf, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return tls.Certificate{}, fmt.Errorf("%s: %w", path, err)
		}
		if pub, ok := leaf.PublicKey.(ed25519.PublicKey); !ok || !pub.Equal(k.Public) {
			return tls.Certificate{}, fmt.Errorf("%s: certificate is not for the hub key", path)
		}
		return tls.Certificate{Certificate: [][]byte{block.Bytes}, PrivateKey: k.Private, Leaf: leaf}, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return tls.Certificate{}, err
	}
	cert, err := protocol.SelfSignedCert(k, "lawtrail hub", protocol.ServerNameHub, protocol.ServerNameEnroll, "localhost")
	if err != nil {
		return tls.Certificate{}, err
	}
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]})
	if err := writeFileSync(path, pemBytes); err != nil {
		return tls.Certificate{}, err
	}
	return cert, nil
}

// CertFingerprint is the fingerprint terminals pin.
func (h *Hub) CertFingerprint() string { return protocol.Fingerprint(h.cert.Certificate[0]) }

// TLSConfig requires a client certificate on every connection and refuses
// at the handshake any key that is not an enrolled, unrevoked terminal —
// except on connections for enrollment (SNI enroll.lawtrail), which serve
// only the enrollment request.
func (h *Hub) TLSConfig() *tls.Config { return h.tlsConfig(nil) }

// tlsConfig is TLSConfig telling done of every handshake that ends well,
// and whether its key is an enrolled terminal's. The check is made again
// when the handshake ends, so a resumed session (which skips the
// certificate check) is held to it too.
func (h *Hub) tlsConfig(done func(conn net.Conn, enrolled bool)) *tls.Config {
	base := &tls.Config{
		MinVersion:   tls.VersionTLS13,
		Certificates: []tls.Certificate{h.cert},
		ClientAuth:   tls.RequireAnyClientCert,
	}
	base.GetConfigForClient = func(hello *tls.ClientHelloInfo) (*tls.Config, error) {
		c := base.Clone()
		c.GetConfigForClient = nil
		enrolling := hello.ServerName == protocol.ServerNameEnroll
		c.VerifyPeerCertificate = func(raw [][]byte, _ [][]*x509.Certificate) error {
			return h.verifyClient(hello.Context(), raw, enrolling)
		}
		c.VerifyConnection = func(cs tls.ConnectionState) error {
			if !enrolling {
				raw := make([][]byte, len(cs.PeerCertificates))
				for i, pc := range cs.PeerCertificates {
					raw[i] = pc.Raw
				}
				if err := h.verifyClient(hello.Context(), raw, false); err != nil {
					return err
				}
			}
			if done != nil {
				done(hello.Conn, !enrolling)
			}
			return nil
		}
		return c, nil
	}
	return base
}
