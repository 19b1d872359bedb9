package web_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"lawtrail/casework"
	"lawtrail/hub"
	"lawtrail/hub/hubtest"
	"lawtrail/hub/web"
	"lawtrail/sync/client"
	"lawtrail/terminal"
	"lawtrail/terminal/terminaltest"
)

// benchOfficers is how many officers BenchmarkCredentialPage enrolls
// (LAWTRAIL_BENCH_OFFICERS overrides the 10,000).
func benchOfficers() int {
	if n, err := strconv.Atoi(os.Getenv("LAWTRAIL_BENCH_OFFICERS")); err == nil && n > 0 {
		return n
	}
	return 10_000
}

// Load shape: benchClients keep-alive clients, each asking for
// benchPhase per route.
const (
	benchClients = 8
	benchPhase   = 3 * time.Second
)

// BenchmarkCredentialPage: a terminal enrolls N officers (the admin's own
// action, one signed event each) and syncs them to a real hub, whose read
// model then holds N officers. The hub's web handler is served by a real
// http.Server on loopback; while the terminal keeps enrolling officers and
// syncing them in another goroutine (the sync path writing the same read
// model), 8 keep-alive clients first check credentials — each request a
// different officer's QR token — for a fixed time, then fetch the web's
// stylesheet for the same time. Reported: both request rates and
// page/static (target ≥ 0.25: the page costs a signature check and two
// reads, and must not wait behind the writes). Enrolling the 10,000
// through the terminal, the way an admin does, takes about 7 minutes on 2
// cores; ns/op includes it.
func BenchmarkCredentialPage(b *testing.B) {
	n := benchOfficers()
	for b.Loop() {
		ctx := context.Background()
		th := hubtest.StartWith(b, hub.Options{KDF: hubtest.FastKDF, Now: func() time.Time { return hubNow }})
		f := terminaltest.New(b)
		if _, err := f.Desk.JoinHub(ctx, th.Code(b, terminaltest.Agency)); err != nil {
			b.Fatal(err)
		}
		tokens := enrollMany(b, f, n)
		syncOnce(b, f)
		addr := serveWeb(b, web.New(th.Hub, web.Options{Now: func() time.Time { return hubNow }, Rate: rate.Inf}))

		stop := make(chan struct{})
		written := make(chan int, 1)
		go func() { written <- keepWriting(ctx, f, stop) }()
		page := load(b, addr, func(i int) string { return "/c/" + tokens[i%len(tokens)] })
		static := load(b, addr, func(int) string { return "/static/style.css" })
		close(stop)
		w := <-written
		if w < 0 {
			b.Fatal("the writer failed")
		}
		ratio := page / static
		b.ReportMetric(page, "page-req/s")
		b.ReportMetric(static, "static-req/s")
		b.ReportMetric(ratio, "page/static")
		b.Logf("FIGURE credential page %.0f req/s, static file %.0f req/s, ratio %.2f (target ≥ 0.25); %d officers in the read model, %d more enrolled and synced meanwhile, %d clients × %v per route",
			page, static, ratio, n+1, w, benchClients, benchPhase)
	}
}

// enrollMany enrolls officers o-b00000… on f by its admin and returns
// their card tokens, the QR's signed tokens.
func enrollMany(b *testing.B, f *terminaltest.Fixture, n int) []string {
	b.Helper()
	ctx := context.Background()
	tokens := make([]string, 0, n)
	for i := range n {
		id := fmt.Sprintf("o-b%05d", i)
		if _, err := f.Admin.EnrollOfficer(ctx, terminal.NewOfficer{ID: id, Name: "执法员" + strconv.Itoa(i), CredentialNo: fmt.Sprintf("3502%07d", i),
			ValidUntil: "2027-12-31", Roles: []casework.Role{casework.RoleOfficer}, PIN: []byte("246803")}); err != nil {
			b.Fatal(err)
		}
		tok, err := f.Desk.CardToken(ctx, id)
		if err != nil {
			b.Fatal(err)
		}
		tokens = append(tokens, tok)
	}
	return tokens
}

func syncOnce(b *testing.B, f *terminaltest.Fixture) {
	b.Helper()
	c, err := f.Desk.SyncClient(context.Background(), client.Options{})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := c.Once(context.Background()); err != nil {
		b.Fatal(err)
	}
}

// keepWriting enrolls an officer and syncs, again and again until stop: the
// hub accepts each through the sync path and applies it to the read model.
// It returns how many it wrote, or -1 on an error.
func keepWriting(ctx context.Context, f *terminaltest.Fixture, stop <-chan struct{}) int {
	c, err := f.Desk.SyncClient(ctx, client.Options{})
	if err != nil {
		return -1
	}
	for i := 0; ; i++ {
		select {
		case <-stop:
			return i
		default:
		}
		id := fmt.Sprintf("o-w%05d", i)
		if _, err := f.Admin.EnrollOfficer(ctx, terminal.NewOfficer{ID: id, Name: "新进人员" + strconv.Itoa(i), CredentialNo: fmt.Sprintf("3503%07d", i),
			Roles: []casework.Role{casework.RoleOfficer}, PIN: []byte("246803")}); err != nil {
			return -1
		}
		if _, err := c.Once(ctx); err != nil {
			return -1
		}
	}
}

// serveWeb serves h by a real http.Server on a loopback port until the
// benchmark ends and returns its address.
func serveWeb(b *testing.B, h http.Handler) string {
	b.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(l)
	b.Cleanup(func() { srv.Close() })
	return l.Addr().String()
}

// load runs benchClients keep-alive clients against addr for benchPhase,
// each asking for path(i) on its i-th request, and returns the requests
// answered 200 per second. Any other answer fails the benchmark.
func load(b *testing.B, addr string, path func(int) string) float64 {
	b.Helper()
	var done atomic.Int64
	var failed atomic.Value
	deadline := time.Now().Add(benchPhase)
	var wg sync.WaitGroup
	start := time.Now()
	for c := range benchClients {
		wg.Go(func() {
			hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1, DisableCompression: true}}
			defer hc.CloseIdleConnections()
			for i := c; time.Now().Before(deadline); i += benchClients {
				res, err := hc.Get("http://" + addr + path(i))
				if err != nil {
					failed.Store(err.Error())
					return
				}
				_, err = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if err != nil || res.StatusCode != http.StatusOK {
					failed.Store(fmt.Sprintf("%s: %d %v", path(i), res.StatusCode, err))
					return
				}
				done.Add(1)
			}
		})
	}
	wg.Wait()
	if msg := failed.Load(); msg != nil {
		b.Fatal(msg)
	}
	return float64(done.Load()) / time.Since(start).Seconds()
}

// benchDecisions is how many publications BenchmarkDecisionList makes
// (LAWTRAIL_BENCH_DECISIONS overrides the 10,000).
func benchDecisions() int {
	if n, err := strconv.Atoi(os.Getenv("LAWTRAIL_BENCH_DECISIONS")); err == nil && n > 0 {
		return n
	}
	return 10_000
}

// BenchmarkDecisionList: a terminal makes N publications the way an agency
// does — an officer opens a case and finalizes a 行政处罚决定书 fining an
// individual, the publisher publishes it masked, each a signed event — and
// syncs them to a real hub, whose read model then holds N published
// decisions. The hub's web handler is served by a real http.Server on
// loopback; while the terminal keeps enrolling officers and syncing them in
// another goroutine (the sync path writing the read model in its accepting
// transactions), 8 keep-alive clients first fetch the list pages visitors
// open (the newest decisions and the next four pages, the first page of
// each filter: 13 addresses in turn) for a fixed time, then the web's
// stylesheet for the same time, then the list again from a second server
// without the list cache. Reported, each on a FIGURE line: list/static
// with the exact list cache (target ≥ 0.25: each request reads the hub's
// publication generation, and a page is rendered again only when what it
// shows changed — the officers enrolled meanwhile change nothing it shows;
// its reads must not wait behind the writes), and uncached/static, when
// every request reads the hub and renders. ns/op includes the setup:
// making 10,000 publications through the terminal takes about a minute on
// 2 cores, syncing them about another (both logged).
func BenchmarkDecisionList(b *testing.B) {
	n := benchDecisions()
	for b.Loop() {
		ctx := context.Background()
		th := hubtest.StartWith(b, hub.Options{KDF: hubtest.FastKDF, Now: func() time.Time { return publicNow }})
		f := terminaltest.New(b)
		if _, err := f.Desk.JoinHub(ctx, th.Code(b, terminaltest.Agency)); err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		pub := newPublisher(b, f)
		for i := range n {
			publishFine(b, f, pub, fmt.Sprintf("示市监立〔2026〕%d号", i))
		}
		made := time.Since(start)
		syncOnce(b, f)
		synced := time.Since(start) - made
		page, err := th.Hub.PublicDecisions(ctx, hub.DecisionQuery{})
		if err != nil || page.Total != n {
			b.Fatalf("the read model holds %d publications, want %d: %v", page.Total, n, err)
		}
		addr := serveWeb(b, web.New(th.Hub, web.Options{Rate: rate.Inf}))
		uncached := serveWeb(b, web.New(th.Hub, web.Options{Rate: rate.Inf, NoListCache: true}))

		stop := make(chan struct{})
		written := make(chan int, 1)
		go func() { written <- keepWriting(ctx, f, stop) }()
		entry := listEntries()
		path := func(i int) string { return entry[i%len(entry)] }
		list := load(b, addr, path)
		static := load(b, addr, func(int) string { return "/static/style.css" })
		raw := load(b, uncached, path)
		close(stop)
		w := <-written
		if w < 0 {
			b.Fatal("the writer failed")
		}
		ratio := list / static
		b.ReportMetric(list, "list-req/s")
		b.ReportMetric(static, "static-req/s")
		b.ReportMetric(ratio, "list/static")
		b.ReportMetric(raw/static, "uncached/static")
		b.Logf("FIGURE decision list, exact cache (by publication generation): %.0f req/s, static file %.0f req/s, ratio %.2f (target ≥ 0.25); %d published decisions in the read model (made through the terminal in %v, synced in %v), %d officers enrolled and synced meanwhile, %d clients × %v per route",
			list, static, ratio, n, made.Round(time.Second), synced.Round(time.Second), w, benchClients, benchPhase)
		b.Logf("FIGURE decision list, uncached (every request reads the hub and renders): %.0f req/s, static file %.0f req/s, ratio %.2f (target ≥ 0.25), same run",
			raw, static, raw/static)
	}
}

// listEntries are the list pages visitors open: the newest decisions, the
// next few pages, and the first page of each filter.
func listEntries() []string {
	paths := []string{"/decisions", "/decisions?page=2", "/decisions?page=3", "/decisions?page=4", "/decisions?page=5",
		"/decisions?year=2026", "/decisions?agency=" + url.QueryEscape(terminaltest.Agency), "/decisions?act=penalty&year=2026"}
	for _, a := range casework.ActTypes {
		paths = append(paths, "/decisions?act="+string(a))
	}
	return paths
}

// newPublisher enrolls a publisher on f and logs them in.
func newPublisher(b *testing.B, f *terminaltest.Fixture) *terminal.Session {
	f.Enroll(b, "o-pub", "公示管理员", "35019999999", "246809", casework.RolePublisher)
	return f.Login(b, "o-pub", "246809")
}

// publishFine opens a case numbered number, finalizes a fine on an
// individual in it by the admin and publishes it by pub.
func publishFine(b *testing.B, f *terminaltest.Fixture, pub *terminal.Session, number string) {
	c := f.OpenCase(b, f.Admin, number, "销售过期食品")
	f.PublishDoc(b, pub, f.FineOnIndividual(b, f.Admin, c, "200", "2026-11-20 10:00"))
}
