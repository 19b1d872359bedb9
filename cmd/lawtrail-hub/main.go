// Command lawtrail-hub runs the central server and administers it. Every
// command takes --data DIR; the hub key's passphrase comes from
// LAWTRAIL_HUB_PASSPHRASE (or is asked for at a terminal).
//
// Exit codes: 0 success; 1 check found problems; 2 usage or operational error.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	neturl "net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"golang.org/x/term"

	"lawtrail/hub"
	"lawtrail/hub/console"
	"lawtrail/sync/server"
)

const usage = `usage: lawtrail-hub --data DIR [--db URL] [--blobs SPEC] COMMAND [flags]

  --data DIR    the hub's folder: its key, TLS certificate, the footage (blobs/) unless --blobs,
                and the record (hub.db) unless --db
  --db URL      keep the record on PostgreSQL instead: postgres://USER@HOST:PORT/DATABASE?sslmode=…
                (keep the password in PGPASSWORD or ~/.pgpass, not the URL); before or after the command
  --blobs SPEC  keep the footage elsewhere: a folder's path, or an S3 bucket
                s3://BUCKET?endpoint=HOST:PORT&region=R&secure=false&prefix=P&path-style=true
                (credentials from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, never in SPEC);
                before or after the command; every hub process sharing the footage gives the same

commands:
  serve --listen ADDR [--url URL] [limits] serve terminals (first start creates the hub key and TLS certificate)
        limits: --request-timeout 30s --stall-timeout 30s --handshake-timeout 10s --header-timeout 10s
                --idle-timeout 2m --max-conns 1024 --max-unenrolled 128 --max-unenrolled-per-ip 8
        timestamps: --tsa URL [--tsa-cert TSA-CA.pem] [--tsa-every 1m] [--tsa-timeout 15s] (RFC 3161, of checkpoints)
        live view: --live-udp ADDR [--live-ip IP] [--turn ADDR --turn-ip IP --turn-ttl 1h] (TURN secret: LAWTRAIL_TURN_SECRET)
                   [--live-max-per-terminal 2 --live-max-sessions 64 --live-max-viewers 16 --live-grace 2m]
        public web: --web ADDR [--web-url URL] [--web-cert CERT.pem --web-key KEY.pem] [--web-rate 1 --web-burst 20 --web-max-conns 512]
                    [--web-client-ip-header X-Real-IP]  (plain HTTP behind a reverse proxy, or TLS)
  enroll --agency NAME [--ttl 24h] [--url URL]
                                           print a one-time enrollment code for a terminal
  revoke TERMINAL                          refuse a terminal from now on
  key [--json]                             the hub's public key (id, base64, PEM, signed-note verifier key) to publish
  terminals [--json]                       the register of terminals: id, public key, name, agency, enrolled, revoked
  stats [--json]                           terminals, events, blobs, bytes, quarantined forks, divergences reported
  check                                    verify every event, blob, receipt, the log and the read model; exit 0
                                           only if all hold; then list quarantined forks and divergences reported
  rebuild                                  empty the read model (officers, agencies, terminals) and rebuild it
                                           from the stored events
  user add NAME --role supervisor|head --agency ID|all
                                           add a supervision console account (/console/ on the web): a supervisor
                                           sees every agency (all) or one, a head their own agency
  user list [--json] | user disable NAME | user passwd NAME
                                           list accounts; disable one (its sessions end); set its password
  migrate --to-db URL [--to-blobs SPEC]    copy this embedded hub (hub.db, its footage) to PostgreSQL (and S3); the
                                           hub stopped; resumable; checked, same log root; then serve with --db/--blobs

environment:
  LAWTRAIL_HUB_PASSPHRASE  seals the hub key
  PGPASSWORD, PGSSLMODE…   PostgreSQL's own variables, for --db
  AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN
                           the S3 credentials, for --blobs s3://…
  LAWTRAIL_WEB_PASSWORD    a console account's password for user add and user passwd (else typed twice)
  LAWTRAIL_TURN_SECRET     the TURN credentials' secret every hub process serving live view shares (else one per process)
`

type env struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	db             string // --db: the record's PostgreSQL URL, "" for hub.db in the data folder
	blobs          string // --blobs: the footage store's spec, "" for blobs/ in the data folder
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], env{stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv})
	stop()
	os.Exit(code)
}

var errProblems = errors.New("problems found")

func run(ctx context.Context, args []string, e env) int {
	global := flag.NewFlagSet("lawtrail-hub", flag.ContinueOnError)
	global.SetOutput(e.stderr)
	global.Usage = func() { fmt.Fprint(e.stderr, usage) }
	dir := global.String("data", "", "hub data folder (required)")
	global.StringVar(&e.db, "db", "", "the record's PostgreSQL URL")
	global.StringVar(&e.blobs, "blobs", "", "the footage store: a folder or s3://BUCKET?…")
	if err := global.Parse(args); err != nil {
		return 2
	}
	if *dir == "" || global.NArg() == 0 {
		global.Usage()
		return 2
	}
	cmd, rest := global.Arg(0), global.Args()[1:]
	rest, db, err := takeValueFlag(rest, "db") // `lawtrail-hub --data DIR serve --db URL` too
	if err == nil {
		var blobs string
		if rest, blobs, err = takeValueFlag(rest, "blobs"); blobs != "" {
			e.blobs = blobs
		}
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "lawtrail-hub %s: %v\n", cmd, err)
		return 2
	}
	if db != "" {
		e.db = db
	}
	if e.db != "" && !hub.IsDatabaseURL(e.db) {
		fmt.Fprintln(e.stderr, "lawtrail-hub: --db wants a postgres:// or postgresql:// URL")
		return 2
	}
	switch cmd {
	case "serve":
		err = cmdServe(ctx, *dir, rest, e)
	case "enroll":
		err = cmdEnroll(ctx, *dir, rest, e)
	case "revoke":
		err = cmdRevoke(ctx, *dir, rest, e)
	case "stats":
		err = cmdStats(ctx, *dir, rest, e)
	case "check":
		err = cmdCheck(ctx, *dir, rest, e)
	case "key":
		err = cmdKey(ctx, *dir, rest, e)
	case "terminals":
		err = cmdTerminals(ctx, *dir, rest, e)
	case "rebuild":
		err = cmdRebuild(ctx, *dir, rest, e)
	case "user":
		err = cmdUser(ctx, *dir, rest, e) // user.go
	case "migrate":
		err = cmdMigrate(ctx, *dir, rest, e) // migrate.go
	default:
		fmt.Fprintf(e.stderr, "lawtrail-hub: unknown command %q\n%s", cmd, usage)
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errProblems):
		return 1
	case errors.Is(err, flag.ErrHelp):
		return 0
	}
	fmt.Fprintf(e.stderr, "lawtrail-hub %s: %v\n", cmd, err)
	return 2
}

// takeValueFlag takes --NAME VALUE (or --NAME=VALUE) out of a command's
// arguments, up to a "--", so that every command accepts --db and --blobs
// after its name as well. Its errors never repeat a value.
func takeValueFlag(args []string, name string) (rest []string, value string, err error) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return append(rest, args[i:]...), value, nil
		case a == "--"+name || a == "-"+name:
			if i+1 == len(args) {
				return nil, "", errors.New("flag needs an argument: --" + name)
			}
			value, i = args[i+1], i+1
		case strings.HasPrefix(a, "--"+name+"=") || strings.HasPrefix(a, "-"+name+"="):
			value = a[strings.IndexByte(a, '=')+1:]
		default:
			rest = append(rest, a)
		}
	}
	return rest, value, nil
}

func passphrase(e env) ([]byte, error) {
	if p := e.getenv("LAWTRAIL_HUB_PASSPHRASE"); p != "" {
		return []byte(p), nil
	}
	if !term.IsTerminal(int(os.Stdin.Fd())) {
		return nil, errors.New("set LAWTRAIL_HUB_PASSPHRASE (standard input is not a terminal to ask on)")
	}
	fmt.Fprint(e.stderr, "Hub passphrase: ")
	b, err := term.ReadPassword(int(os.Stdin.Fd()))
	fmt.Fprintln(e.stderr)
	return b, err
}

func openHub(ctx context.Context, dir string, e env) (*hub.Hub, error) {
	pass, err := passphrase(e)
	if err != nil {
		return nil, err
	}
	return hub.Open(ctx, dir, pass, hub.Options{DB: e.db, Blobs: e.blobs})
}

// consoleHandler is the supervision console the web serves under
// /console/ (hub/console), for people who reach the web at webURL: when
// that is https:// the session cookie is the Secure __Host- one even
// behind a proxy that terminates TLS, and form posts whose Origin is
// webURL's are accepted even if the proxy rewrites Host.
func consoleHandler(h *hub.Hub, w *webFlags, webURL string, lv console.LiveView, log *slog.Logger) (http.Handler, error) {
	u, err := neturl.Parse(webURL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("--web-url %q: not an absolute URL", webURL)
	}
	c, err := console.New(h, console.Options{HTTPS: u.Scheme == "https", TrustedOrigins: []string{u.Scheme + "://" + u.Host},
		ClientIPHeader: w.ipHeader, Live: lv, Log: log})
	if err != nil {
		return nil, fmt.Errorf("console: %w", err)
	}
	return c, nil
}

// settings are what serve remembers for enroll: the URL terminals use,
// and the public web's address when it serves one.
type settings struct {
	URL    string `json:"url"`
	WebURL string `json:"web_url,omitempty"`
}

func settingsPath(dir string) string { return filepath.Join(dir, "hub.json") }

func cmdServe(ctx context.Context, dir string, args []string, e env) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	listen := fs.String("listen", ":8443", "address to listen on")
	url := fs.String("url", "", "URL terminals reach this hub at (default: https://HOST:PORT of --listen)")
	opt, lim := serveLimitFlags(fs)
	tsaf := timestampFlags(fs) // timestamps.go
	webf := newWebFlags(fs)    // web.go
	livef := newLiveFlags(fs)  // live.go
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("serve: unexpected argument %q", fs.Arg(0))
	}
	h, err := openHub(ctx, dir, e)
	if err != nil {
		return err
	}
	defer h.Close()
	log := slog.New(slog.NewTextHandler(e.stderr, nil))
	stopTSA, err := startTimestamps(ctx, h, tsaf, log)
	if err != nil {
		return err
	}
	defer stopTSA()
	sfu, stopLive, err := startLive(h, livef, e, log)
	if err != nil {
		return err
	}
	defer stopLive()
	var liveView console.LiveView
	if sfu != nil {
		opt.Live, liveView = sfu.TerminalHandler(), sfu
	}
	handler, err := server.NewWithOptions(h, log, *opt)
	if err != nil {
		return err
	}
	l, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	if *url == "" {
		*url = defaultURL(l.Addr().String())
	}
	webURL, stopWeb, err := startWeb(ctx, h, webf, liveView, log)
	if err != nil {
		l.Close()
		return err
	}
	defer stopWeb()
	raw, _ := json.Marshal(settings{URL: *url, WebURL: webURL})
	if err := os.WriteFile(settingsPath(dir), raw, 0o600); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "lawtrail hub serving on %s (%s)\ncertificate fingerprint (SHA-256): %s\n", l.Addr(), *url, h.CertFingerprint())
	if webURL != "" {
		fmt.Fprintf(e.stdout, "public web on %s\n", webURL)
	}
	if sfu != nil {
		fmt.Fprintf(e.stdout, "live view on UDP %s\n", sfu.ICEAddr())
		for _, u := range sfu.TURNURLs() {
			fmt.Fprintf(e.stdout, "TURN on %s\n", u)
		}
	}
	srv := h.NewServer(handler, *lim, slog.NewLogLogger(log.Handler(), slog.LevelWarn))
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		shut, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return srv.Shutdown(shut)
	}
}

// serveLimitFlags are serve's time limits and connection caps
// (docs/OPERATIONS.md, "Running a hub").
func serveLimitFlags(fs *flag.FlagSet) (*server.Options, *hub.Limits) {
	opt, lim := &server.Options{}, &hub.Limits{}
	d := hub.DefaultLimits()
	fs.DurationVar(&opt.RequestTimeout, "request-timeout", server.DefaultRequestTimeout, "a request other than an upload must be read, served and answered within this")
	fs.DurationVar(&opt.StallTimeout, "stall-timeout", server.DefaultStallTimeout, "an upload whose body makes no progress for this long is cut")
	fs.DurationVar(&lim.HandshakeTimeout, "handshake-timeout", d.HandshakeTimeout, "a TLS handshake must finish within this")
	fs.DurationVar(&lim.HeaderTimeout, "header-timeout", d.HeaderTimeout, "request headers must arrive within this")
	fs.DurationVar(&lim.IdleTimeout, "idle-timeout", d.IdleTimeout, "an idle kept-alive connection is closed after this")
	fs.IntVar(&lim.MaxConns, "max-conns", d.MaxConns, "most open connections (keep under the file-descriptor limit)")
	fs.IntVar(&lim.MaxUnenrolled, "max-unenrolled", d.MaxUnenrolled, "most connections not (yet) shown to be an enrolled terminal")
	fs.IntVar(&lim.MaxUnenrolledPerIP, "max-unenrolled-per-ip", d.MaxUnenrolledPerIP, "most such connections from one address")
	return opt, lim
}

func defaultURL(addr string) string {
	host, port, _ := net.SplitHostPort(addr)
	if host == "" || host == "::" || host == "0.0.0.0" {
		host, _ = os.Hostname()
	}
	return "https://" + net.JoinHostPort(host, port)
}

func cmdEnroll(ctx context.Context, dir string, args []string, e env) error {
	fs := flag.NewFlagSet("enroll", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	agency := fs.String("agency", "", "agency the terminal belongs to (required)")
	ttl := fs.Duration("ttl", 24*time.Hour, "how long the code stays valid")
	url := fs.String("url", "", "hub URL for the terminal (default: the one serve recorded)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *agency == "" {
		return errors.New("--agency is required")
	}
	if *url == "" {
		var s settings
		raw, err := os.ReadFile(settingsPath(dir))
		if err != nil || json.Unmarshal(raw, &s) != nil || s.URL == "" {
			return errors.New("no hub URL known: run serve once, or pass --url")
		}
		*url = s.URL
	}
	if !strings.HasPrefix(*url, "https://") {
		return fmt.Errorf("--url %q: must start with https://", *url)
	}
	h, err := openHub(ctx, dir, e)
	if err != nil {
		return err
	}
	defer h.Close()
	code, err := h.IssueCode(ctx, *url, *agency, *ttl)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, code.String())
	return nil
}

func cmdRevoke(ctx context.Context, dir string, args []string, e env) error {
	if len(args) != 1 {
		return errors.New("revoke takes one terminal id")
	}
	h, err := openHub(ctx, dir, e)
	if err != nil {
		return err
	}
	defer h.Close()
	if err := h.Revoke(ctx, args[0]); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "terminal %s revoked\n", args[0])
	return nil
}

func cmdStats(ctx context.Context, dir string, args []string, e env) error {
	fs := flag.NewFlagSet("stats", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	h, err := openHub(ctx, dir, e)
	if err != nil {
		return err
	}
	defer h.Close()
	s, err := h.Stats(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(e.stdout).Encode(s)
	}
	fmt.Fprintf(e.stdout, "terminals %d (%d revoked)\nevents %d\nblobs %d (%d bytes)\nquarantined forks %d\ndivergences reported %d\nlog size %d\n",
		s.Terminals, s.Revoked, s.Events, s.Blobs, s.Bytes, s.Forks, s.Diverged, s.LogSize)
	return nil
}

func cmdCheck(ctx context.Context, dir string, args []string, e env) error {
	h, err := openHub(ctx, dir, e)
	if err != nil {
		return err
	}
	defer h.Close()
	r, err := h.Check(ctx)
	if err != nil {
		return err
	}
	for _, p := range r.Problems {
		fmt.Fprintf(e.stdout, "BROKEN %s\n", p)
	}
	if !r.OK() {
		return errProblems
	}
	fmt.Fprintf(e.stdout, "ok: %d events, %d blobs, log and checkpoint consistent\n", r.Events, r.Blobs)
	return printForks(ctx, h, e.stdout)
}
