package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"lawtrail/hub"
	"lawtrail/hub/console"
	"lawtrail/hub/postgrestest"
)

const asMainEnv = "LAWTRAIL_HUB_TEST_AS_MAIN"

// TestMain lets the test binary stand in for lawtrail-hub as a child
// process.
func TestMain(m *testing.M) {
	if os.Getenv(asMainEnv) == "1" {
		os.Exit(run(context.Background(), os.Args[1:], env{stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}))
	}
	os.Exit(postgrestest.Run(m))
}

// hubDBs are the PostgreSQL databases of the tests' data folders, when
// LAWTRAIL_TEST_HUB_DB=postgres: every command on one folder uses one.
var hubDBs sync.Map // data folder → URL

// dataArgs are the global flags for the hub in dir: --data, and --db on
// PostgreSQL (postgrestest.HubDB).
func dataArgs(t *testing.T, dir string) []string {
	t.Helper()
	if u, ok := hubDBs.Load(dir); ok {
		return []string{"--data", dir, "--db", u.(string)}
	}
	u := postgrestest.HubDB(t)
	if u == "" {
		return []string{"--data", dir}
	}
	hubDBs.Store(dir, u)
	return []string{"--data", dir, "--db", u}
}

// hubDB is the Options.DB of the hub in dir, as dataArgs chose it.
func hubDB(dir string) string {
	u, _ := hubDBs.Load(dir)
	s, _ := u.(string)
	return s
}

// hubCommand runs lawtrail-hub --data dir args… as its own process, with
// the console password password ("" for none) and standard input not a
// terminal, and returns its output and exit code.
func hubCommand(t *testing.T, dir, password string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return hubRun(t, password, append(dataArgs(t, dir), args...)...)
}

// hubRun runs lawtrail-hub args… as its own process with the hub's
// passphrase and the console password password, and returns its output
// and exit code.
func hubRun(t *testing.T, password string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), asMainEnv+"=1", "LAWTRAIL_HUB_PASSPHRASE=hub passphrase", "LAWTRAIL_WEB_PASSWORD="+password)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errOut.String(), code
}

// `user add` as a process: a supervisor of every agency and a head of one
// are added with LAWTRAIL_WEB_PASSWORD and sign in with it; an unknown
// role, a head of all agencies, a short password, no password, a missing
// agency and a taken name are refused with exit 2 and a reason; disable
// ends an account, passwd replaces its password.
func TestUserAccounts(t *testing.T) {
	dir := t.TempDir()
	const pw = "a long enough password"
	out, errOut, code := hubCommand(t, dir, pw, "user", "add", "chen.sj", "--role", "supervisor", "--agency", "all")
	if code != 0 || !strings.Contains(out, "console account chen.sj added: supervisor of all agencies") {
		t.Fatalf("add supervisor: exit %d\n%s%s", code, out, errOut)
	}
	out, errOut, code = hubCommand(t, dir, pw, "user", "add", "--role", "head", "--agency", "某区市场监督管理局", "li.head")
	if code != 0 || !strings.Contains(out, "head of 某区市场监督管理局") || !strings.Contains(errOut, "no terminal of agency") {
		t.Fatalf("add head: exit %d\n%s%s", code, out, errOut)
	}
	for name, c := range map[string]struct {
		password string
		args     []string
		want     string
	}{
		"unknown role":       {pw, []string{"user", "add", "x", "--role", "admin", "--agency", "all"}, `unknown role: want supervisor or head: "admin"`},
		"no role":            {pw, []string{"user", "add", "x", "--agency", "all"}, "unknown role"},
		"a head of all":      {pw, []string{"user", "add", "x", "--role", "head", "--agency", "all"}, "a head sees one agency"},
		"short password":     {"elevenchars", []string{"user", "add", "x", "--role", "supervisor", "--agency", "all"}, "at least 12 characters"},
		"no password":        {"", []string{"user", "add", "x", "--role", "supervisor", "--agency", "all"}, "set LAWTRAIL_WEB_PASSWORD"},
		"no agency":          {pw, []string{"user", "add", "x", "--role", "supervisor"}, "--agency is required"},
		"two names":          {pw, []string{"user", "add", "x", "y", "--role", "supervisor", "--agency", "all"}, "takes one account name"},
		"a name with HTML":   {pw, []string{"user", "add", "<b>x</b>", "--role", "supervisor", "--agency", "all"}, "account name is"},
		"a taken name":       {pw, []string{"user", "add", "chen.sj", "--role", "head", "--agency", "甲局"}, "exists"},
		"unknown subcommand": {pw, []string{"user", "remove", "chen.sj"}, `unknown user subcommand "remove"`},
		"no subcommand":      {pw, []string{"user"}, "needs a subcommand"},
		"disable nobody":     {pw, []string{"user", "disable", "nobody"}, "no console account"},
	} {
		out, errOut, code := hubCommand(t, dir, c.password, c.args...)
		if code != 2 || !strings.Contains(errOut, c.want) || out != "" {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit 2 and %q", name, code, out, errOut, c.want)
		}
	}
	out, _, code = hubCommand(t, dir, "", "user", "list", "--json")
	var list []struct{ Name, Role, Agency string }
	if code != 0 || json.Unmarshal([]byte(out), &list) != nil || len(list) != 2 ||
		list[0].Name != "chen.sj" || list[0].Agency != "all" || list[1].Role != "head" || list[1].Agency != "某区市场监督管理局" {
		t.Fatalf("list: exit %d %s", code, out)
	}
	if out, _, code := hubCommand(t, dir, "", "user", "disable", "li.head"); code != 0 || !strings.Contains(out, "disabled") {
		t.Fatalf("disable: %d %s", code, out)
	}
	if out, _, code := hubCommand(t, dir, "another long password", "user", "passwd", "chen.sj"); code != 0 || !strings.Contains(out, "password of console account chen.sj set") {
		t.Fatalf("passwd: %d %s", code, out)
	}
	out, _, _ = hubCommand(t, dir, "", "user", "list")
	if !strings.Contains(out, "li.head") || !strings.Contains(out, "disabled") || !strings.Contains(out, "active") {
		t.Fatalf("list:\n%s", out)
	}

	h, err := hub.Open(context.Background(), dir, []byte("hub passphrase"), hub.Options{DB: hubDB(dir)})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	ctx := context.Background()
	if _, err := h.WebSignIn(ctx, "chen.sj", []byte("another long password")); err != nil {
		t.Fatalf("the supervisor with the new password: %v", err)
	}
	for _, c := range [][2]string{{"chen.sj", pw}, {"li.head", pw}} {
		if _, err := h.WebSignIn(ctx, c[0], []byte(c[1])); !errors.Is(err, hub.ErrSignInFailed) {
			t.Errorf("%s with %q: %v", c[0], c[1], err)
		}
	}
}

// serve --web mounts the console: an anonymous visitor is sent to sign in,
// an account added by `user add` while the hub runs signs in and sees the
// overview, a cross-site form post is refused.
func TestServeConsole(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int)
	data := dataArgs(t, dir)
	go func() {
		done <- run(ctx, append(data, "serve", "--listen", "127.0.0.1:0", "--web", "127.0.0.1:0"),
			env{stdout: pw, stderr: io.Discard, getenv: hubPass})
		pw.Close()
	}()
	t.Cleanup(func() { cancel(); <-done })
	var web string
	sc := bufio.NewScanner(pr)
	for web == "" && sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "public web on "); ok {
			web = rest
		}
	}
	go io.Copy(io.Discard, pr)
	if web == "" {
		t.Fatal("serve printed no web address")
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Get(web + "/console/overdue")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/console/login?next=%2Fconsole%2Foverdue" {
		t.Fatalf("anonymous: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	if _, errOut, code := hubCommand(t, dir, "a long enough password", "user", "add", "chen.sj", "--role", "supervisor", "--agency", "all"); code != 0 {
		t.Fatalf("user add: %d %s", code, errOut)
	}
	post := func(origin string) *http.Response {
		t.Helper()
		r, _ := http.NewRequest(http.MethodPost, web+"/console/login", strings.NewReader("name=chen.sj&password=a+long+enough+password"))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Origin", origin)
		res, err := c.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	if res := post("https://evil.example"); res.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site sign-in: %d", res.StatusCode)
	}
	if res := post(web); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/console/" {
		t.Fatalf("sign-in: %d %v", res.StatusCode, res.Header)
	}
	res, err = c.Get(web + "/console/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(body), "执法监督概览") || res.Header.Get("Content-Security-Policy") != console.CSP {
		t.Fatalf("overview: %d %v\n%s", res.StatusCode, res.Header, body)
	}
}
