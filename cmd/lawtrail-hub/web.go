package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"golang.org/x/net/netutil"
	"golang.org/x/time/rate"

	"lawtrail/hub"
	"lawtrail/hub/console"
	"lawtrail/hub/web"
)

// webFlags are serve's flags of the public web (docs/OPERATIONS.md, "The
// hub's web").
type webFlags struct {
	addr, url, cert, key, ipHeader string
	rate                           float64
	burst, maxConns                int
}

func newWebFlags(fs *flag.FlagSet) *webFlags {
	w := &webFlags{}
	fs.StringVar(&w.addr, "web", "", "also serve the public web on this address (plain HTTP unless --web-cert; none by default)")
	fs.StringVar(&w.url, "web-url", "", "the public web's address as people reach it, put in card QR codes (default: http(s)://HOST:PORT of --web)")
	fs.StringVar(&w.cert, "web-cert", "", "TLS certificate (PEM, chain) of the public web")
	fs.StringVar(&w.key, "web-key", "", "TLS private key (PEM) of --web-cert")
	fs.StringVar(&w.ipHeader, "web-client-ip-header", "", "header a reverse proxy sets to the client's address, e.g. X-Real-IP (only behind a proxy that overwrites it)")
	fs.Float64Var(&w.rate, "web-rate", 1, "requests per second each client address may make")
	fs.IntVar(&w.burst, "web-burst", 20, "requests a client address may make at once")
	fs.IntVar(&w.maxConns, "web-max-conns", 512, "most open connections of the public web; more wait to be accepted (keep under the file-descriptor limit, beside --max-conns)")
	return w
}

// startWeb serves the public web until ctx ends, when set; it records and
// publishes to the terminals the web's address. stop waits for it to end.
func startWeb(ctx context.Context, h *hub.Hub, w *webFlags, lv console.LiveView, log *slog.Logger) (url string, stop func(), _ error) {
	if w.addr == "" {
		if w.cert != "" || w.key != "" || w.url != "" {
			return "", nil, errors.New("--web-cert, --web-key and --web-url need --web ADDR")
		}
		return "", func() {}, nil
	}
	if (w.cert == "") != (w.key == "") {
		return "", nil, errors.New("--web-cert and --web-key go together")
	}
	if w.maxConns < 1 {
		return "", nil, errors.New("--web-max-conns must be at least 1")
	}
	var tlsConfig *tls.Config
	if w.cert != "" {
		pair, err := tls.LoadX509KeyPair(w.cert, w.key)
		if err != nil {
			return "", nil, fmt.Errorf("web certificate: %w", err)
		}
		tlsConfig = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{pair}}
	}
	l, err := net.Listen("tcp", w.addr)
	if err != nil {
		return "", nil, fmt.Errorf("web: %w", err)
	}
	// A flood of connections from many addresses (each under the rate
	// limit) waits in the kernel's backlog instead of using up descriptors.
	l = netutil.LimitListener(l, w.maxConns)
	url = w.url
	if url == "" {
		url = defaultURL(l.Addr().String())
		if tlsConfig == nil {
			url = "http" + url[len("https"):]
		}
	}
	consoleH, err := consoleHandler(h, w, url, lv, log) // main.go
	if err != nil {
		l.Close()
		return "", nil, err
	}
	if _, err := h.PublishWebURL(ctx, url); err != nil {
		l.Close()
		return "", nil, err
	}
	srv := &http.Server{
		Handler: web.New(h, web.Options{Rate: rate.Limit(w.rate), Burst: w.burst, ClientIPHeader: w.ipHeader, Log: log,
			Console: consoleH}),
		ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 20 * time.Second, WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute,
		MaxHeaderBytes: 16 << 10, TLSConfig: tlsConfig,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		var err error
		if tlsConfig != nil {
			err = srv.ServeTLS(l, "", "")
		} else {
			err = srv.Serve(l)
		}
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("web", "err", err)
		}
	}()
	stop = func() {
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shut)
		<-done
	}
	return url, stop, nil
}
