package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"sync"
	"time"

	"lawtrail/hub"
	"lawtrail/tsa"
)

// tsaFlags are serve's RFC 3161 time-stamping flags (docs/OPERATIONS.md,
// "Timestamps from a time-stamping authority").
type tsaFlags struct {
	url, certFile  string
	every, timeout time.Duration
}

func timestampFlags(fs *flag.FlagSet) *tsaFlags {
	f := &tsaFlags{}
	fs.StringVar(&f.url, "tsa", "", "URL of an RFC 3161 time-stamping authority to timestamp checkpoints (default: none)")
	fs.StringVar(&f.certFile, "tsa-cert", "", "PEM file of the certificate(s) the TSA's certificate must chain to (its root CA)")
	fs.DurationVar(&f.every, "tsa-every", time.Minute, "at most one timestamp round this often: the newest checkpoint, if it has no token yet")
	fs.DurationVar(&f.timeout, "tsa-timeout", 15*time.Second, "one request to the TSA must be answered within this")
	return f
}

// startTimestamps starts the background rounds when --tsa is given; stop
// ends them and waits.
func startTimestamps(ctx context.Context, h *hub.Hub, f *tsaFlags, log *slog.Logger) (stop func(), err error) {
	if f.url == "" {
		if f.certFile != "" {
			return nil, errors.New("--tsa-cert needs --tsa")
		}
		return func() {}, nil
	}
	if u, err := url.Parse(f.url); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--tsa %q: not an http(s) URL", f.url)
	}
	if f.every < time.Second || f.timeout <= 0 {
		return nil, errors.New("--tsa-every must be at least 1s and --tsa-timeout positive")
	}
	cfg := hub.TimestampConfig{URL: f.url, Every: f.every, Timeout: f.timeout}
	if f.certFile != "" {
		raw, err := readCertFile(f.certFile)
		if err == nil {
			cfg.Roots, err = tsa.ParseCertificates(raw)
		}
		if err != nil {
			return nil, fmt.Errorf("--tsa-cert %s: %w", f.certFile, err)
		}
	} else {
		log.Warn("--tsa without --tsa-cert: each token's signature is checked against the certificate inside it, not chained to a trusted root")
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); h.RunTimestamps(ctx, cfg, log) }()
	return func() { cancel(); wg.Wait() }, nil
}

// maxCertFile bounds --tsa-cert: a root and a chain fit in far less; a
// wrong path (a video, /dev/zero) is refused, not read into memory.
const maxCertFile = 1 << 20

func readCertFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxCertFile+1))
	if err == nil && len(b) > maxCertFile {
		err = fmt.Errorf("larger than %d bytes: refused (is it the right file?)", maxCertFile)
	}
	return b, err
}
