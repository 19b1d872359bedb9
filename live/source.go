package live

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"

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
		if filepath.Clean(spec) != spec {
			return Source{}, fmt.Errorf("%w: %q is not a camera device path", ErrBadSource, spec)
		}
		if err := isDevice(spec); err != nil {
			return Source{}, err
		}
		return Source{Kind: protocol.LiveSourceCamera, Spec: spec}, nil
	case strings.Contains(spec, "://"):
		return Source{}, fmt.Errorf("%w: %q: only rtsp:// and rtsps:// URLs are streamed", ErrBadSource, redact(spec))
	case strings.IndexFunc(spec, unicode.IsControl) >= 0:
		return Source{}, fmt.Errorf("%w: %q: a file name with control characters (a line break?); rename the file", ErrBadSource, spec)
	}
	return parseFile(spec)
}

// parseFile is a media file, named by its absolute path: ffmpeg is given
// it as file:PATH (Input), so nothing in the name is read as one of
// ffmpeg's protocols (concat:, subfile,…:, pipe:) or as an option.
func parseFile(spec string) (Source, error) {
	abs, err := filepath.Abs(spec)
	if err != nil {
		return Source{}, fmt.Errorf("%w: %w", ErrBadSource, err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return Source{}, fmt.Errorf("%w: %w", ErrBadSource, err)
	}
	if !fi.Mode().IsRegular() {
		return Source{}, fmt.Errorf("%w: %s is not a media file", ErrBadSource, abs)
	}
	return Source{Kind: protocol.LiveSourceFile, Spec: abs}, nil
}

// Input is the source as ffmpeg's -i takes it: a file as file:PATH, a
// device or URL as it is.
func (s Source) Input() string {
	if s.Kind == protocol.LiveSourceFile {
		return "file:" + s.Spec
	}
	return s.Spec
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

// redact hides the password of a URL, also of one url.Parse refuses:
// everything between "user:" and the last "@" of the authority.
func redact(spec string) string {
	scheme, rest, ok := strings.Cut(spec, "://")
	if !ok {
		return spec
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	at := strings.LastIndex(rest[:end], "@")
	if at < 0 {
		return spec
	}
	user, _, hasPass := strings.Cut(rest[:at], ":")
	if !hasPass {
		return spec
	}
	return scheme + "://" + user + ":xxx" + rest[at:]
}

// password is the password a URL source carries, as written and
// percent-decoded; none for other sources.
func (s Source) password() []string {
	if s.Kind != protocol.LiveSourceRTSP {
		return nil
	}
	_, rest, _ := strings.Cut(s.Spec, "://")
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	at := strings.LastIndex(rest[:end], "@")
	if at < 0 {
		return nil
	}
	_, pass, ok := strings.Cut(rest[:at], ":")
	if !ok || pass == "" {
		return nil
	}
	out := []string{pass}
	if dec, err := url.PathUnescape(pass); err == nil && dec != pass {
		out = append(out, dec)
	}
	return out
}

// Scrub hides the source's password in msg (what ffmpeg said, which
// names the URL with its password).
func (s Source) Scrub(msg string) string {
	for _, p := range s.password() {
		msg = strings.ReplaceAll(msg, p, "xxx")
	}
	return msg
}
