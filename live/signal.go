package live

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"lawtrail/sync/protocol"
)

// Signaller carries a session's signalling to the hub: the ICE servers to
// use, the offer (answered with complete SDP), the session's status, and
// its end. A re-publish of the same session replaces the publisher.
type Signaller interface {
	ICEServers(ctx context.Context) (protocol.LiveICE, error)
	Publish(ctx context.Context, session string, offer protocol.LiveOffer) (protocol.LiveAnswer, error)
	Status(ctx context.Context, session string) (protocol.LiveStatus, error)
	End(ctx context.Context, session string) error
}

// HTTPSignaller signals over HTTP to the hub's sync listener: the
// terminal's mTLS client and the hub's base URL.
type HTTPSignaller struct {
	Client  *http.Client
	BaseURL string
	Timeout time.Duration // per request; 15 s when 0
}

// maxSignalAnswer bounds an answer from the hub (an SDP, a viewer list).
const maxSignalAnswer = 1 << 20

// ICEServers asks the hub for the ICE servers (GET /v1/live-ice).
func (h HTTPSignaller) ICEServers(ctx context.Context) (protocol.LiveICE, error) {
	var ice protocol.LiveICE
	return ice, h.call(ctx, http.MethodGet, protocol.PathLiveICE, nil, &ice)
}

// Publish sends the offer (PUT /v1/live/{session}).
func (h HTTPSignaller) Publish(ctx context.Context, session string, offer protocol.LiveOffer) (protocol.LiveAnswer, error) {
	var a protocol.LiveAnswer
	if err := h.call(ctx, http.MethodPut, protocol.PathLive+session, offer, &a); err != nil {
		return a, err
	}
	if a.SDP == "" || len(a.SDP) > protocol.MaxLiveSDP {
		return a, errors.New("live: the hub's answer has no SDP or too long an SDP")
	}
	return a, nil
}

// Status asks what the hub knows of the session (GET /v1/live/{session}).
func (h HTTPSignaller) Status(ctx context.Context, session string) (protocol.LiveStatus, error) {
	var s protocol.LiveStatus
	return s, h.call(ctx, http.MethodGet, protocol.PathLive+session, nil, &s)
}

// End ends the session at the hub (DELETE /v1/live/{session}).
func (h HTTPSignaller) End(ctx context.Context, session string) error {
	return h.call(ctx, http.MethodDelete, protocol.PathLive+session, nil, nil)
}

func (h HTTPSignaller) call(ctx context.Context, method, path string, in, out any) error {
	timeout := h.Timeout
	if timeout <= 0 {
		timeout = 15 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var body io.Reader
	if in != nil {
		raw, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(h.BaseURL, "/")+path, body)
	if err != nil {
		return fmt.Errorf("live %s %s: %w", method, path, err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := h.Client.Do(req)
	if err != nil {
		return fmt.Errorf("live %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxSignalAnswer+1))
	if err != nil {
		return fmt.Errorf("live %s %s: %w", method, path, err)
	}
	if len(raw) > maxSignalAnswer {
		return fmt.Errorf("live %s %s: answer over %d bytes", method, path, maxSignalAnswer)
	}
	if resp.StatusCode/100 != 2 {
		var pe protocol.Error
		if json.Unmarshal(raw, &pe) == nil && pe.Code != "" {
			return fmt.Errorf("live %s %s: %w", method, path, &pe)
		}
		return fmt.Errorf("live %s %s: hub answered %s", method, path, resp.Status)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("live %s %s: %w", method, path, err)
	}
	return nil
}
