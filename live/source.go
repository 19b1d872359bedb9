package live

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"

	"lawtrail/sync/protocol"
)

// Source is what a session streams: a kind (protocol.LiveSource*) and the
// device, URL or file it names.
type Source struct {
	Kind string
	Spec string // the device path, URL or file; "pattern" for the test pattern
	// Width, Height and FPS size the test pattern (1280x720 at 25 when 0).
	Width, Height, FPS int
}

// ErrBadSource marks a --source that names nothing usable.
var ErrBadSource = errors.New("bad live source")

// ParseSource reads a source as `lawtrailctl live --source` takes it:
// /dev/video* is a camera, rtsp:// or rtsps:// an RTSP stream, "pattern"
// or "pattern:WxH@FPS" the test pattern, anything else a media file. A
// device or file that does not exist is refused here.
func ParseSource(spec string) (Source, error) {
	switch {
	case spec == "":
		return Source{}, fmt.Errorf("%w: no source given", ErrBadSource)
	case spec == "pattern" || strings.HasPrefix(spec, "pattern:"):
		return parsePattern(spec)
	case strings.HasPrefix(spec, "rtsp://") || strings.HasPrefix(spec, "rtsps://"):
		u, err := url.Parse(spec)
		if err != nil || u.Host == "" {
			return Source{}, fmt.Errorf("%w: %q is not an RTSP URL", ErrBadSource, redact(spec))
		}
		return Source{Kind: protocol.LiveSourceRTSP, Spec: spec}, nil
	case strings.HasPrefix(spec, "/dev/video"):
		if err := isDevice(spec); err != nil {
			return Source{}, err
		}
		return Source{Kind: protocol.LiveSourceCamera, Spec: spec}, nil
	case strings.Contains(spec, "://"):
		return Source{}, fmt.Errorf("%w: %q: only rtsp:// and rtsps:// URLs are streamed", ErrBadSource, redact(spec))
	}
	fi, err := os.Stat(spec)
	if err != nil {
		return Source{}, fmt.Errorf("%w: %w", ErrBadSource, err)
	}
	if !fi.Mode().IsRegular() {
		return Source{}, fmt.Errorf("%w: %s is not a media file", ErrBadSource, spec)
	}
	return Source{Kind: protocol.LiveSourceFile, Spec: spec}, nil
}

func isDevice(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("%w: camera %s: %w", ErrBadSource, path, err)
	}
	if fi.Mode()&os.ModeCharDevice == 0 {
		return fmt.Errorf("%w: %s is not a camera device", ErrBadSource, path)
	}
	return nil
}

func parsePattern(spec string) (Source, error) {
	s := Source{Kind: protocol.LiveSourcePattern, Spec: "pattern", Width: 1280, Height: 720, FPS: 25}
	rest, ok := strings.CutPrefix(spec, "pattern:")
	if !ok {
		return s, nil
	}
	size, fps, ok := strings.Cut(rest, "@")
	w, h, ok2 := strings.Cut(size, "x")
	var err error
	if ok && ok2 {
		s.Width, err = strconv.Atoi(w)
		if err == nil {
			s.Height, err = strconv.Atoi(h)
		}
		if err == nil {
			s.FPS, err = strconv.Atoi(fps)
		}
	}
	if !ok || !ok2 || err != nil || s.Width < 16 || s.Height < 16 || s.Width > 3840 || s.Height > 2160 ||
		s.Width%2 != 0 || s.Height%2 != 0 || s.FPS < 1 || s.FPS > 60 {
		return Source{}, fmt.Errorf("%w: %q: the pattern is pattern or pattern:WxH@FPS (even sizes up to 3840x2160, 1–60 fps)", ErrBadSource, spec)
	}
	return s, nil
}

// Passthrough reports whether the source's video is forwarded as is (one
// layer) when it is H.264, rather than encoded: an RTSP stream's, a
// camera's that gives H.264.
func (s Source) Passthrough() bool {
	return s.Kind == protocol.LiveSourceRTSP || s.Kind == protocol.LiveSourceCamera
}

// String names the source for people, without a URL's password.
func (s Source) String() string { return redact(s.Spec) }

// redact hides the password of a URL.
func redact(spec string) string {
	u, err := url.Parse(spec)
	if err != nil || u.User == nil {
		return spec
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxx")
	}
	return u.String()
}
