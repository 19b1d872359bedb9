package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// hubWebURL is the public web address the hub process recorded.
func (h *hubProcess) webURL(t testing.TB) string {
	t.Helper()
	var s struct {
		WebURL string `json:"web_url"`
	}
	raw, err := os.ReadFile(filepath.Join(h.dir, "hub.json"))
	if err != nil || json.Unmarshal(raw, &s) != nil || s.WebURL == "" {
		t.Fatalf("hub.json: %v %s", err, raw)
	}
	return s.WebURL
}

// curlPage fetches url with curl and returns the HTTP status and body.
func curlPage(t *testing.T, url string) (string, string) {
	t.Helper()
	out, err := exec.Command("curl", "-sS", "-w", "\n%{http_code}", url).Output()
	if err != nil {
		t.Fatalf("curl %s: %v", url, err)
	}
	i := strings.LastIndex(string(out), "\n")
	return string(out[i+1:]), string(out[:max(i, 0)])
}

// browserStatus opens url in headless Chromium and reads the status the
// page shows.
func browserStatus(t *testing.T, url string) string {
	t.Helper()
	chrome, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("chromium is not installed: run `make deps` (Debian's chromium drives the browser test)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chrome), chromedp.NoSandbox,
		chromedp.WindowSize(390, 844)) // a phone
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		t.Fatalf("browser on %s: %v", url, err)
	}
	status, err := chromedp.Run(ctx, chromedp.Text("#status"))
	if err != nil {
		t.Fatalf("browser on %s: status: %v", url, err)
	}
	name, err := chromedp.Run(ctx, chromedp.Text("#name"))
	if err != nil {
		t.Fatalf("browser on %s: name: %v", url, err)
	}
	scripts, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.scripts.length`))
	if err != nil {
		t.Fatalf("browser on %s: %v", url, err)
	}
	if scripts != 0 {
		t.Errorf("the page has %d scripts", scripts)
	}
	return strings.TrimSpace(status) + " " + strings.TrimSpace(name)
}

// The credential card's QR, end to end: a hub serving --web, a terminal
// that joins and syncs, `officer card` prints the address, curl and a real
// browser read 有效; the officer revoked on the terminal and synced, the
// same address reads 已注销. Unknown routes and a tampered token are 404.
func TestCredentialCardQR(t *testing.T) {
	h := startHubProcess(t, "--web", "127.0.0.1:0")
	web := h.webURL(t)
	code, rc := h.run(t, "enroll", "--agency", "某区市场监督管理局", "--ttl", "1h")
	if rc != 0 {
		t.Fatalf("enroll: %d %q", rc, code)
	}
	dir := initTerminal(t)
	if r := ctl(t, pass, "--data", dir, "officer", "card", "o-001"); r.code != 2 || !strings.Contains(r.stderr, "--base") {
		t.Fatalf("card before the terminal knows the web: %d %s %s", r.code, r.stdout, r.stderr)
	}
	withPIN := map[string]string{"LAWTRAIL_NEW_PIN": "975310"}
	for k, v := range pass {
		withPIN[k] = v
	}
	if r := ctl(t, withPIN, "--data", dir, "officer", "add", "--id", "o-002", "--name", "李四", "--credential", "35010000002", "--roles", "officer"); r.code != 0 {
		t.Fatalf("officer add: %d %s", r.code, r.stderr)
	}
	if r := ctl(t, pass, "--data", dir, "hub", "join", strings.TrimSpace(code)); r.code != 0 {
		t.Fatalf("join: %d %s", r.code, r.stderr)
	}
	sync := func() {
		t.Helper()
		if r := ctl(t, pass, "--data", dir, "sync", "--once"); r.code != 0 {
			t.Fatalf("sync: %d %s %s", r.code, r.stdout, r.stderr)
		}
	}
	sync()
	card := func(id string) string {
		t.Helper()
		r := ctl(t, pass, "--data", dir, "officer", "card", id)
		url := strings.TrimSpace(r.stdout)
		if r.code != 0 || !strings.HasPrefix(url, web+"/c/") {
			t.Fatalf("officer card %s: %d %q %s (web %s)", id, r.code, r.stdout, r.stderr, web)
		}
		return url
	}
	admin, officer := card("o-001"), card("o-002")
	for url, want := range map[string]string{admin: "张三", officer: "李四"} {
		status, body := curlPage(t, url)
		if status != "200" || !strings.Contains(body, `role="status">有效<`) || !strings.Contains(body, want) {
			t.Fatalf("curl %s: %s\n%s", url, status, body)
		}
	}
	if got := browserStatus(t, officer); got != "有效 李四" {
		t.Fatalf("browser before revocation: %q", got)
	}
	if r := ctl(t, pass, "--data", dir, "officer", "revoke", "o-002", "--reason", "调离执法岗位"); r.code != 0 {
		t.Fatalf("revoke: %d %s", r.code, r.stderr)
	}
	sync()
	status, body := curlPage(t, officer)
	if status != "200" || !strings.Contains(body, `role="status">已注销<`) || strings.Contains(body, "调离") {
		t.Fatalf("curl after revocation: %s\n%s", status, body)
	}
	if got := browserStatus(t, officer); got != "已注销 李四" {
		t.Fatalf("browser after revocation: %q", got)
	}
	// The same token with --base: the terminal signs the same bytes.
	if r := ctl(t, pass, "--data", dir, "officer", "card", "o-002", "--base", "https://zf.example.gov.cn/"); r.code != 0 ||
		strings.TrimSpace(r.stdout) != "https://zf.example.gov.cn"+strings.TrimPrefix(officer, web) {
		t.Fatalf("card --base: %d %q", r.code, r.stdout)
	}
	for _, path := range []string{"/verify/officer?officer=o-002", "/c/" + strings.TrimPrefix(officer, web+"/c/")[1:]} {
		if status, body := curlPage(t, web+path); status != "404" || strings.Contains(body, "李四") {
			t.Fatalf("%s: %s\n%s", path, status, body)
		}
	}
	// The hub's check compares the read model with a rebuild; rebuild restores it.
	if out, rc := h.run(t, "check"); rc != 0 {
		t.Fatalf("hub check: %d %s", rc, out)
	}
	// An insider un-revokes the officer in the read model: check names the
	// row, and rebuild puts back what the events say.
	if out, err := exec.Command("sqlite3", filepath.Join(h.dir, "hub.db"), "UPDATE rm_officers SET revoked = 0 WHERE officer = 'o-002'").CombinedOutput(); err != nil {
		t.Fatalf("sqlite3: %v %s", err, out)
	}
	if _, body := curlPage(t, officer); !strings.Contains(body, `role="status">有效<`) {
		t.Fatalf("the edit did not reach the page:\n%s", body)
	}
	if out, rc := h.run(t, "check"); rc != 1 || !strings.Contains(out, `BROKEN read model officer ["某区市场监督管理局","o-002"`) {
		t.Fatalf("hub check of an edited read model: %d %s", rc, out)
	}
	if out, rc := h.run(t, "rebuild"); rc != 0 || !strings.Contains(out, "2 officers") {
		t.Fatalf("hub rebuild: %d %s", rc, out)
	}
	if out, rc := h.run(t, "check"); rc != 0 {
		t.Fatalf("hub check after rebuild: %d %s", rc, out)
	}
	if _, body := curlPage(t, officer); !strings.Contains(body, `role="status">已注销<`) {
		t.Fatalf("after rebuild:\n%s", body)
	}
}
