package live

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// rtpIn is a loopback UDP socket ffmpeg sends one RTP stream to, with the
// socket its RTCP reports go to (read by no one: pion makes its own).
type rtpIn struct {
	conn, rtcp *net.UDPConn
}

func listenRTP() (*rtpIn, error) {
	lo := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}
	c, err := net.ListenUDP("udp4", lo)
	if err != nil {
		return nil, fmt.Errorf("rtp socket: %w", err)
	}
	r, err := net.ListenUDP("udp4", lo)
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("rtp socket: %w", err)
	}
	_ = c.SetReadBuffer(4 << 20)
	return &rtpIn{conn: c, rtcp: r}, nil
}

func (r *rtpIn) port() int     { return r.conn.LocalAddr().(*net.UDPAddr).Port }
func (r *rtpIn) rtcpPort() int { return r.rtcp.LocalAddr().(*net.UDPAddr).Port }

func (r *rtpIn) close() {
	r.conn.Close()
	r.rtcp.Close()
}

// read hands each RTP packet to fn until the socket is closed.
func (r *rtpIn) read(fn func(*rtp.Packet)) {
	buf := make([]byte, 1600)
	for {
		n, _, err := r.conn.ReadFromUDP(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		p := &rtp.Packet{}
		if p.Unmarshal(buf[:n]) != nil {
			continue
		}
		fn(p)
	}
}

// Video layers.
const (
	LayerHigh = "high"
	LayerLow  = "low"
)

// counters are what the publisher sent.
type counters struct {
	bytes, packets, frames atomic.Int64
}

// videoForwarder writes one of the video layers onto the track, switching
// layers only where the new layer starts a keyframe. It numbers packets
// and shifts timestamps itself, so the receiver sees one continuous stream
// whichever layer it comes from.
type videoForwarder struct {
	mu      sync.Mutex
	track   *webrtc.TrackLocalStaticRTP
	cur     string // layer forwarded now; "" before the first keyframe
	want    string // layer the bandwidth allows
	seq     uint16
	offset  uint32 // added to the current layer's timestamps
	lastTS  uint32
	lastAt  time.Time
	now     func() time.Time
	count   *counters
	started bool
	// passthrough: one layer, never switched
	passthrough bool
}

// setWant asks for a layer from its next keyframe on.
func (f *videoForwarder) setWant(layer string) {
	f.mu.Lock()
	f.want = layer
	f.mu.Unlock()
}

func (f *videoForwarder) layer() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.cur
}

func (f *videoForwarder) push(layer string, p *rtp.Packet) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if layer != f.cur {
		if layer != f.want || !keyframeStart(p.Payload) {
			return
		}
		f.cur = layer
		// Continue the output's clock from where it was (90 kHz).
		ticks := uint32(f.now().Sub(f.lastAt).Seconds() * 90000)
		if !f.started {
			ticks = 0
		}
		f.offset = f.lastTS + max(ticks, 1) - p.Timestamp
		f.started = true
	}
	out := *p
	out.SequenceNumber = f.seq
	f.seq++
	out.Timestamp = p.Timestamp + f.offset
	f.lastTS, f.lastAt = out.Timestamp, f.now()
	if err := f.track.WriteRTP(&out); err != nil {
		return // no peer bound yet, or between connections
	}
	f.count.packets.Add(1)
	f.count.bytes.Add(int64(len(p.Payload)))
	if p.Marker {
		f.count.frames.Add(1)
	}
}

// H.264 NAL unit types (RFC 6184).
const (
	nalIDR   = 5
	nalSPS   = 7
	nalSTAPA = 24
	nalFUA   = 28
)

// keyframeStart reports whether an H.264 RTP payload begins a keyframe:
// a parameter set or the first fragment of an IDR slice.
func keyframeStart(b []byte) bool {
	if len(b) < 2 {
		return false
	}
	switch t := b[0] & 0x1f; t {
	case nalSPS, nalIDR:
		return true
	case nalSTAPA:
		return len(b) > 3 && (b[3]&0x1f == nalSPS || b[3]&0x1f == nalIDR)
	case nalFUA:
		return b[1]&0x80 != 0 && b[1]&0x1f == nalIDR
	}
	return false
}

// chooseLayer is the layer a bandwidth estimate allows, with hysteresis:
// down below 80 % of the high layer's rate, up again above 130 %.
func chooseLayer(cur string, estimate, high int) string {
	switch {
	case estimate <= 0:
		return cur
	case cur == LayerHigh && estimate < high*8/10:
		return LayerLow
	case cur != LayerHigh && estimate > high*13/10:
		return LayerHigh
	}
	if cur == "" {
		return LayerHigh
	}
	return cur
}
