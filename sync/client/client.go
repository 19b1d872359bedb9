package client

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"lawtrail/evidence"
	"lawtrail/store"
	"lawtrail/sync/protocol"
)

// Options shape a Client.
type Options struct {
	// RateLimit caps upload bytes per second (0: no cap).
	RateLimit int64
	// Metered sends events and fetches receipts but uploads no footage.
	Metered bool
	// ChunkSize is the most bytes one PATCH carries (default 4 MiB); a cut
	// costs at most this much again.
	ChunkSize int64
	// BatchSize is the most events one request carries (default 200).
	BatchSize int
	// Timeout bounds each request other than an upload's PATCH — dialling,
	// the TLS handshake, sending, and reading the whole answer — and the
	// wait for a PATCH's answer once its body is sent (default 60 s).
	Timeout time.Duration
	// StallTimeout cuts an upload's PATCH when the network has taken no byte
	// of its body for this long (default: Timeout). A slow upload that keeps
	// moving is never cut.
	StallTimeout time.Duration
	// Uploads is how many blobs are sent at once (default DefaultUploads):
	// while one waits on the hub's answers, the next keeps the link busy.
	Uploads int
	// Dial lets tests route connections (through a faulty proxy).
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// Client syncs one terminal's store with its hub.
type Client struct {
	st      *store.Store
	key     evidence.KeyPair
	hub     store.HubLink
	http    *http.Client
	opt     Options
	limiter *rate.Limiter
	// bodyBytes counts footage bytes handed to the network, re-sends included.
	bodyBytes atomic.Int64
}

// BytesOnWire returns how many footage bytes this client has sent,
// including bytes sent again after a cut.
func (c *Client) BytesOnWire() int64 { return c.bodyBytes.Load() }

// New returns a client for a terminal that joined a hub.
func New(ctx context.Context, st *store.Store, terminal evidence.KeyPair, opt Options) (*Client, error) {
	link, err := st.Hub(ctx)
	if err != nil {
		return nil, err
	}
	if opt.ChunkSize <= 0 {
		opt.ChunkSize = 4 << 20
	}
	if opt.BatchSize <= 0 {
		opt.BatchSize = 200
	}
	if opt.Uploads <= 0 {
		opt.Uploads = DefaultUploads
	}
	if opt.Timeout <= 0 {
		opt.Timeout = DefaultTimeout
	}
	if opt.StallTimeout <= 0 {
		opt.StallTimeout = opt.Timeout
	}
	hc, err := httpClient(terminal, link.Fingerprint, protocol.ServerNameHub, opt)
	if err != nil {
		return nil, err
	}
	lim := rate.NewLimiter(rate.Inf, 0)
	if opt.RateLimit > 0 {
		lim = rate.NewLimiter(rate.Limit(opt.RateLimit), int(min(opt.RateLimit, 256<<10)))
	}
	return &Client{st: st, key: terminal, hub: link, http: hc, opt: opt, limiter: lim}, nil
}

// DefaultTimeout is Options.Timeout when none is given.
const DefaultTimeout = 60 * time.Second

// ErrTimeout: the hub did not answer, or an upload made no progress, within
// the client's time limits (Options.Timeout, Options.StallTimeout). The
// pass ends with it; nothing is lost, the next pass resumes.
var ErrTimeout = errors.New("hub timeout")

// maxAnswer bounds every JSON answer the client reads from the hub (16 MiB,
// far above the largest the hub sends: 500 events' inclusion proofs, a feed
// page of 500 items). A longer answer is an error, never parsed truncated.
const maxAnswer = 16 << 20

// TLSConfig is how a terminal speaks to its hub: TLS 1.3 with the
// terminal's key as client certificate, accepting only the hub certificate
// whose fingerprint was pinned (serverName: protocol.ServerNameHub, or
// protocol.ServerNameEnroll to join).
func TLSConfig(terminal evidence.KeyPair, fingerprint, serverName string) (*tls.Config, error) {
	cert, err := protocol.SelfSignedCert(terminal, terminal.ID())
	if err != nil {
		return nil, err
	}
	return &tls.Config{
		MinVersion:         tls.VersionTLS13,
		Certificates:       []tls.Certificate{cert},
		ServerName:         serverName,
		InsecureSkipVerify: true, // replaced by the pin below: no CA, one certificate
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			if len(raw) == 0 || protocol.Fingerprint(raw[0]) != fingerprint {
				return errors.New("hub certificate does not match the pinned fingerprint")
			}
			return nil
		},
	}, nil
}

// httpClient is the terminal's HTTP client over TLSConfig.
func httpClient(terminal evidence.KeyPair, fingerprint, serverName string, opt Options) (*http.Client, error) {
	tc, err := TLSConfig(terminal, fingerprint, serverName)
	if err != nil {
		return nil, err
	}
	dial := (&net.Dialer{Timeout: opt.Timeout, KeepAlive: 30 * time.Second}).DialContext
	if opt.Dial != nil {
		dial = opt.Dial
	}
	tr := &http.Transport{TLSClientConfig: tc, ForceAttemptHTTP2: false, DialContext: dial,
		TLSHandshakeTimeout: opt.Timeout, ResponseHeaderTimeout: opt.Timeout,
		ExpectContinueTimeout: 2 * time.Second,
		MaxIdleConnsPerHost:   2, IdleConnTimeout: 30 * time.Second}
	return &http.Client{Transport: tr}, nil
}

// Join enrolls the terminal with a code from `lawtrail-hub enroll`, pins
// the hub and records it. A terminal joins one hub.
func Join(ctx context.Context, st *store.Store, terminal evidence.KeyPair, code, name string) (protocol.EnrollResponse, error) {
	c, err := protocol.ParseEnrollCode(code)
	if err != nil {
		return protocol.EnrollResponse{}, err
	}
	if _, err := st.Hub(ctx); err == nil {
		return protocol.EnrollResponse{}, errors.New("this terminal has joined a hub already")
	}
	opt := Options{Timeout: 30 * time.Second}
	hc, err := httpClient(terminal, c.Fingerprint, protocol.ServerNameEnroll, opt)
	if err != nil {
		return protocol.EnrollResponse{}, err
	}
	cl := &Client{http: hc, hub: store.HubLink{URL: c.URL}, opt: opt}
	var resp protocol.EnrollResponse
	if err := cl.call(ctx, http.MethodPost, protocol.PathEnroll, protocol.EnrollRequest{Code: c.Secret, TerminalName: name}, &resp); err != nil {
		return resp, fmt.Errorf("join hub %s: %w", c.URL, err)
	}
	if resp.Terminal != terminal.ID() {
		return resp, fmt.Errorf("join hub: hub enrolled %s, this terminal is %s", resp.Terminal, terminal.ID())
	}
	if err := resp.Checkpoint.Verify(resp.HubKey); err != nil {
		return resp, fmt.Errorf("join hub: %w", err)
	}
	if err := st.SetHub(ctx, store.HubLink{URL: c.URL, Fingerprint: c.Fingerprint, HubKey: resp.HubKey, Agency: resp.Agency, JoinedAt: time.Now()}); err != nil {
		return resp, err
	}
	cp, _ := json.Marshal(resp.Checkpoint)
	return resp, st.SaveCheckpoint(ctx, resp.Checkpoint.Size, cp)
}

// call sends a JSON request and decodes a JSON answer, the whole exchange
// within Options.Timeout; a refusal comes back as *protocol.Error.
func (c *Client) call(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	ctx, cancel, limit := c.bounded(ctx, method, path)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(c.hub.URL, "/")+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return explain(ctx, err, limit)
	}
	defer resp.Body.Close()
	return explain(ctx, decodeAnswer(resp, out), limit)
}

// bounded gives one small request its deadline; limit is the error that
// names the request and the deadline.
func (c *Client) bounded(ctx context.Context, method, path string) (_ context.Context, _ context.CancelFunc, limit error) {
	limit = fmt.Errorf("%w: no answer to %s %s within %s", ErrTimeout, method, path, c.opt.Timeout)
	ctx, cancel := context.WithTimeoutCause(ctx, c.opt.Timeout, limit)
	return ctx, cancel, limit
}

// explain turns an error from a request cut by one of the client's time
// limits — its deadline, or the transport's dial, handshake and answer
// timeouts, which are the same length — into limit, the error naming the
// request and the limit (wrapping ErrTimeout).
func explain(ctx context.Context, err, limit error) error {
	if err == nil {
		return nil
	}
	if cause := context.Cause(ctx); cause != nil && errors.Is(cause, ErrTimeout) {
		return cause
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return fmt.Errorf("%w (%v)", limit, err)
	}
	return err
}

// decodeAnswer reads at most maxAnswer bytes holding exactly one JSON
// value; a longer answer, or anything after the value, is an error.
func decodeAnswer(resp *http.Response, out any) error {
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		return fmt.Errorf("read answer: %w", err)
	}
	if len(raw) > maxAnswer {
		return fmt.Errorf("read answer: the hub's answer is over %d bytes", maxAnswer)
	}
	if resp.StatusCode/100 != 2 {
		var pe protocol.Error
		if json.Unmarshal(raw, &pe) == nil && pe.Code != "" {
			return &pe
		}
		return fmt.Errorf("hub answered %s: %s", resp.Status, strings.TrimSpace(string(raw)))
	}
	if out == nil {
		return nil
	}
	if err := decodeOne(raw, out); err != nil {
		return fmt.Errorf("read answer: %w", err)
	}
	return nil
}

// decodeOne decodes raw, which must hold one JSON value and nothing after
// it but white space.
func decodeOne(raw []byte, out any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(out); err != nil {
		return err
	}
	return protocol.EndOfJSON(dec)
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }
