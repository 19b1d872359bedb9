// Package live streams a terminal's camera, RTSP recorder, file or test
// pattern to its hub over WebRTC (实时回传) while recording the same session
// at full quality into the terminal's sealed blob store.
//
// Capture and encoding are done by ffmpeg from Debian, run as a child
// process (`make deps` installs it). One tool reads V4L2 cameras, RTSP
// recorders (their H.264 forwarded as is with -c:v copy), media files in
// real time and a lavfi test pattern (testsrc2 and a sine tone); it encodes
// with libx264 and libopus; and our binary links no cgo codec library.
// pion/mediadevices v0.9.4 was the alternative: it needs the cgo x264 and
// opus development libraries and has no RTSP.
//
// One ffmpeg process writes: the recording as MPEG-TS on its stdout (the
// encoded high layer, or the source's H.264 as is, with Opus audio),
// sealed into a partial blob file as it arrives, so the recording never
// depends on the network and survives a crash (Orphans finds it again);
// RTP over loopback UDP for a high and a low video layer (one layer when
// passed through) and Opus audio, read into pion tracks; and optionally a
// JPEG preview at 2 frames a second on a pipe. ffmpeg cannot answer a
// keyframe request, so it makes a keyframe every second.
//
// The publisher is a pion PeerConnection with a NACK responder, RTCP
// reports and transport-wide congestion control (GCC): it forwards the
// layer the bandwidth estimate allows, switching only at a keyframe. It
// signals with complete SDP (no trickle ICE) through a Signaller — the
// hub over the terminal's mTLS link — and when the link fails it offers
// again under the same session id, with backoff, while the recording goes
// on. Audio is sendrecv: talk-back from the hub is recorded as Ogg/Opus.
package live
