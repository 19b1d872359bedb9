package live

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1" //nolint:gosec // the TURN REST scheme's MAC
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/pion/turn/v4"

	"lawtrail/sync/protocol"
)

// TURN credentials follow the TURN REST scheme (draft-uberti-behave-turn-
// rest): username "<unix expiry>:<user>", password
// base64(HMAC-SHA1(secret, username)). Any hub process with the secret
// hands them out, any TURN server with it accepts them until the expiry.

// Credentials hands out TURN servers with credentials over a shared
// secret.
type Credentials struct {
	URLs   []string      // e.g. turn:203.0.113.5:3478?transport=udp
	Secret string        // shared by every hub process (LAWTRAIL_TURN_SECRET)
	TTL    time.Duration // how long credentials hold (default 1 h)
}

// DefaultTURNTTL is how long TURN credentials hold by default.
const DefaultTURNTTL = time.Hour

// For is the ICE servers for user (a terminal id or a console account)
// with credentials that hold TTL from now.
func (c *Credentials) For(user string, now time.Time) protocol.LiveICE {
	ttl := c.TTL
	if ttl <= 0 {
		ttl = DefaultTURNTTL
	}
	expires := now.Add(ttl).Truncate(time.Second)
	name, pass := TURNCredential(c.Secret, user, expires)
	return protocol.LiveICE{Servers: []protocol.ICEServer{{URLs: c.URLs, Username: name, Credential: pass}}, Expires: expires}
}

// TURNCredential is the username and password for user until expires.
func TURNCredential(secret, user string, expires time.Time) (username, password string) {
	// As turn.GenerateLongTermTURNRESTCredentials, which counts from
	// time.Now; here the expiry is given. turn.LongTermTURNRESTAuthHandler
	// checks both.
	username = strconv.FormatInt(expires.Unix(), 10) + ":" + user
	mac := hmac.New(sha1.New, []byte(secret))
	mac.Write([]byte(username))
	return username, base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// RandomSecret is a TURN secret for one hub process alone.
func RandomSecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// TURNConfig sets up the TURN server.
type TURNConfig struct {
	Conn    net.PacketConn // the UDP socket TURN listens on (serve's --turn); the server closes it
	RelayIP net.IP         // the address relays are given and reached at (serve's --turn-ip)
	Secret  string
	Log     *slog.Logger
}

// TURN is a running TURN server.
type TURN struct{ srv *turn.Server }

// StartTURN serves TURN over UDP on cfg.Conn with the long-term
// credentials of the TURN REST scheme, relays on cfg.RelayIP.
func StartTURN(cfg TURNConfig) (*TURN, error) {
	if cfg.Conn == nil || cfg.RelayIP == nil || cfg.Secret == "" {
		return nil, errors.New("live: TURN needs a socket, a relay address and a secret")
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	lf := pionLogger(cfg.Log)
	bind := "0.0.0.0"
	if cfg.RelayIP.To4() == nil {
		bind = "::"
	}
	srv, err := turn.NewServer(turn.ServerConfig{
		Realm:         "lawtrail",
		AuthHandler:   turn.LongTermTURNRESTAuthHandler(cfg.Secret, lf.NewLogger("turn")),
		LoggerFactory: lf,
		PacketConnConfigs: []turn.PacketConnConfig{{PacketConn: cfg.Conn,
			RelayAddressGenerator: &turn.RelayAddressGeneratorStatic{RelayAddress: cfg.RelayIP, Address: bind}}},
	})
	if err != nil {
		return nil, fmt.Errorf("live: TURN: %w", err)
	}
	return &TURN{srv: srv}, nil
}

// Close stops the server and its relays.
func (t *TURN) Close() error { return t.srv.Close() }

// TURNURL is the turn: URL of a server reached at host:port over UDP.
func TURNURL(hostPort string) string { return "turn:" + hostPort + "?transport=udp" }
