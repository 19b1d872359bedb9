package protocol

import (
	"fmt"
	"time"
)

// Live view (实时回传): a terminal publishes one WebRTC stream to the hub
// over its enrolled mTLS link; the hub forwards it to signed-in viewers of
// the console. Signalling is plain request and answer with complete SDP (no
// trickle ICE): the terminal gathers its candidates, sends its offer and
// gets the hub's answer with the hub's candidates. docs/SYNC.md "Live view".
const (
	// PathLiveICE answers GET with LiveICE: the ICE servers the terminal
	// uses, TURN credentials that expire included.
	PathLiveICE = "/v1/live-ice"
	// PathLive + session: PUT a LiveOffer to publish (again, after a cut:
	// the same session continues), GET a LiveStatus, DELETE to end.
	PathLive = "/v1/live/"
)

// Limits of live signalling.
const (
	MaxLiveSDP = 64 << 10 // bytes of one SDP
)

// Live source kinds, as a terminal names its source.
const (
	LiveSourceCamera  = "camera"  // a V4L2 device (the tablet's camera, a recorder as UVC)
	LiveSourceRTSP    = "rtsp"    // an RTSP URL (4G recorder, IP camera): H.264 forwarded as is
	LiveSourceFile    = "file"    // a media file played in real time
	LiveSourcePattern = "pattern" // a generated test pattern with a tone
)

// ICEServer is one STUN or TURN server, as RTCIceServer spells it.
type ICEServer struct {
	URLs       []string `json:"urls"`
	Username   string   `json:"username,omitempty"`
	Credential string   `json:"credential,omitempty"`
}

// LiveICE lists the ICE servers to use and until when their credentials
// hold.
type LiveICE struct {
	Servers []ICEServer `json:"ice_servers"`
	Expires time.Time   `json:"expires,omitzero"`
}

// LiveOffer publishes a session: the terminal's complete SDP offer (video
// sendonly; audio sendrecv — the terminal's microphone up, talk-back down)
// and what the session is.
type LiveOffer struct {
	SDP         string    `json:"sdp"`
	Officer     string    `json:"officer"`      // who streams (an officer id of the terminal's agency)
	OfficerName string    `json:"officer_name"` // shown to viewers
	Case        string    `json:"case,omitempty"`
	Step        string    `json:"step,omitempty"`
	Source      string    `json:"source"`  // a LiveSource kind
	Started     time.Time `json:"started"` // when the session began (the terminal's clock), kept across re-publishes
}

// Validate checks an offer's fields (not the SDP's contents).
func (o LiveOffer) Validate() error {
	switch {
	case o.SDP == "" || len(o.SDP) > MaxLiveSDP:
		return fmt.Errorf("live offer: SDP empty or over %d bytes", MaxLiveSDP)
	case !liveID(o.Officer):
		return fmt.Errorf("live offer: bad officer id %q", o.Officer)
	case o.Case != "" && !liveID(o.Case), o.Step != "" && !liveID(o.Step):
		return fmt.Errorf("live offer: bad case or step id")
	case len(o.OfficerName) > 200:
		return fmt.Errorf("live offer: officer name over 200 bytes")
	case o.Started.IsZero():
		return fmt.Errorf("live offer: no start time")
	}
	switch o.Source {
	case LiveSourceCamera, LiveSourceRTSP, LiveSourceFile, LiveSourcePattern:
		return nil
	}
	return fmt.Errorf("live offer: unknown source kind %q", o.Source)
}

// LiveAnswer is the hub's complete SDP answer.
type LiveAnswer struct {
	SDP string `json:"sdp"`
}

// LiveViewer is one person watching a session.
type LiveViewer struct {
	Account  string    `json:"account"`
	Name     string    `json:"name"`
	Since    time.Time `json:"since"`
	Talkback bool      `json:"talkback"` // may talk back
	Talking  bool      `json:"talking"`  // holds push-to-talk now
}

// LiveStatus is what the hub knows of a session now.
type LiveStatus struct {
	Session   string       `json:"session"`
	Connected bool         `json:"connected"` // the terminal's media link is up
	Viewers   []LiveViewer `json:"viewers"`
}

// ValidLiveSession reports whether s is a session id: 1–64 of A–Z a–z 0–9
// - _ . (the event id alphabet).
func ValidLiveSession(s string) bool { return liveID(s) }

func liveID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for _, c := range []byte(s) {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.':
		default:
			return false
		}
	}
	return true
}
