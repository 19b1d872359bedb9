// Package live is the hub's side of live view (实时回传): an SFU that takes
// one WebRTC stream from a terminal over its enrolled mTLS link and forwards
// it to any number of signed-in viewers of the console, and a TURN server
// for terminals and viewers behind NAT. The 4G uplink of a terminal carries
// one stream whatever the number of viewers.
//
// Signalling is request and answer with complete SDP (no trickle ICE). A
// terminal (TerminalHandler, mounted by sync/server through
// server.Options.Live, so only enrolled terminals reach it):
//
//	GET    /v1/live-ice        protocol.LiveICE: TURN servers with credentials that expire
//	PUT    /v1/live/{session}  protocol.LiveOffer → protocol.LiveAnswer (publish, or publish again after a cut)
//	GET    /v1/live/{session}  protocol.LiveStatus
//	DELETE /v1/live/{session}  end the session
//
// A viewer (the console, hub/console/live.go) calls Watch with its SDP
// offer (WHEP style), Leave, and Talk to hold push-to-talk.
//
// Media: H.264 (packetization-mode=1, profile-level-id=42e01f) and Opus,
// with pion's default interceptors on every connection: NACK generator and
// responder (a viewer's lost packets are resent from the hub's buffer, the
// terminal's from the terminal's), RTCP sender and receiver reports, TWCC
// feedback. Each session has one outgoing track per kind
// (webrtc.TrackLocalStaticRTP) that every viewer's connection sends; the
// current publisher connection feeds it. Sequence numbers and timestamps
// are rewritten to run on across a publisher's replacement, so a terminal
// that publishes again after a cut resumes the picture in the viewers'
// players without them reconnecting. A viewer's picture-loss indications
// (PLI, FIR) go to the publisher as one PLI (at most one per 500 ms), and
// a joining viewer asks for a key frame.
//
// Talk-back: the terminal's offer has audio sendrecv; the hub's answer
// sends on it a talk-back track. One viewer at a time holds push-to-talk
// (Talk on); only that viewer's microphone is forwarded, and the hub
// records when each talk began and ended.
//
// Every WebRTC connection of the SFU shares one UDP socket (Config.ICE,
// webrtc.NewICEUDPMux): a firewall opens one port. The TURN server
// (StartTURN) listens on its own UDP port and relays from one address;
// its credentials are the TURN REST scheme over a secret shared by the hub
// processes: username "<unix expiry>:<terminal or account>", password
// base64(HMAC-SHA1(secret, username)). A relay exchanges packets with the
// SFU's own ICE addresses alone (IP and port, ICEAddrs), so a holder of
// credentials reaches no other host and none of the hub's other UDP
// services through it; a terminal or account holds at most
// MaxRelaysPerUser relays at once.
//
// Limits (Config): sessions per terminal, sessions in all, viewers per
// session; a session whose publisher is gone longer than Config.Grace ends
// by itself. The record (Recorder, hub.Hub) keeps each session's start and
// end and each viewer's watching and talking (hub/liverecord.go).
//
// Sessions live in the memory of one hub process: with several hub
// processes behind a balancer, the terminals' sync listener and the web
// must send live requests to the same process.
package live
