package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"lawtrail/evidence"
	"lawtrail/hub/live"
	"lawtrail/hub/live/livetest"
	"lawtrail/sync/client"
	"lawtrail/sync/protocol"
)

// serve refuses live flags that do not go together, before serving.
func TestServeRefusesBadLiveFlags(t *testing.T) {
	dir := t.TempDir()
	for want, args := range map[string][]string{
		"need --live-udp ADDR": {"--turn", "127.0.0.1:0"},
		"--live-ip \"x\"":      {"--live-udp", "127.0.0.1:0", "--live-ip", "x"},
		"--turn-ip \"y\"":      {"--live-udp", "127.0.0.1:0", "--turn", "127.0.0.1:0", "--turn-ip", "y"},
	} {
		var out, errOut bytes.Buffer
		code := run(context.Background(), slices.Concat(dataArgs(t, dir), []string{"serve", "--listen", "127.0.0.1:0"}, args),
			env{stdout: &out, stderr: &errOut, getenv: hubPass})
		if code != 2 || !strings.Contains(errOut.String(), want) || strings.Contains(out.String(), "serving") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want %q", args, code, out.String(), errOut.String(), want)
		}
	}
}

// serve with --live-udp and --turn: an enrolled terminal gets the TURN
// server with credentials over LAWTRAIL_TURN_SECRET from /v1/live-ice, and
// the TURN server allocates a relay for them (another hub process with the
// same secret could have made them); a credential over another secret is
// refused.
func TestServeLive(t *testing.T) {
	const secret = "shared by the hub processes"
	getenv := func(k string) string {
		return map[string]string{"LAWTRAIL_HUB_PASSPHRASE": "hub passphrase", "LAWTRAIL_TURN_SECRET": secret}[k]
	}
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int)
	dir := t.TempDir()
	data := dataArgs(t, dir)
	go func() {
		done <- run(ctx, append(data, "serve", "--listen", "127.0.0.1:0", "--live-udp", "127.0.0.1:0", "--turn", "127.0.0.1:0",
			"--turn-ip", "127.0.0.1", "--turn-ttl", "10m"), env{stdout: pw, stderr: io.Discard, getenv: getenv})
		pw.Close()
	}()
	t.Cleanup(func() { cancel(); <-done })
	var hubAddr, udp, turnURL string
	sc := bufio.NewScanner(pr)
	for turnURL == "" && sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "lawtrail hub serving on "); ok {
			hubAddr = strings.Fields(rest)[0]
		}
		if rest, ok := strings.CutPrefix(line, "live view on UDP "); ok {
			udp = rest
		}
		if rest, ok := strings.CutPrefix(line, "TURN on "); ok {
			turnURL = rest
		}
	}
	go io.Copy(io.Discard, pr)
	if hubAddr == "" || !strings.HasPrefix(udp, "127.0.0.1:") || !strings.HasPrefix(turnURL, "turn:127.0.0.1:") || !strings.HasSuffix(turnURL, "?transport=udp") {
		t.Fatalf("serve said: hub %q, live %q, TURN %q", hubAddr, udp, turnURL)
	}

	hc := enrolledClient(t, data, hubAddr)
	res, err := hc.Get("https://" + hubAddr + protocol.PathLiveICE)
	if err != nil {
		t.Fatal(err)
	}
	var ice protocol.LiveICE
	err = json.NewDecoder(res.Body).Decode(&ice)
	res.Body.Close()
	if err != nil || res.StatusCode != 200 || len(ice.Servers) != 1 || ice.Servers[0].URLs[0] != turnURL ||
		ice.Expires.After(time.Now().Add(11*time.Minute)) || ice.Expires.Before(time.Now().Add(9*time.Minute)) {
		t.Fatalf("live-ice: %d %+v %v", res.StatusCode, ice, err)
	}
	turnAddr := strings.TrimSuffix(strings.TrimPrefix(turnURL, "turn:"), "?transport=udp")
	if _, err := livetest.TURNAllocate(t, turnAddr, ice.Servers[0].Username, ice.Servers[0].Credential); err != nil {
		t.Fatalf("the terminal's credentials: %v", err)
	}
	user, pass := live.TURNCredential("another secret", "x", time.Now().Add(time.Minute))
	if _, err := livetest.TURNAllocate(t, turnAddr, user, pass); err == nil {
		t.Fatal("TURN allocated for a credential over another secret")
	}
}

// enrolledClient enrolls a new terminal key with a code from `enroll` and
// returns its HTTP client.
func enrolledClient(t *testing.T, data []string, hubAddr string) *http.Client {
	t.Helper()
	var out, errOut bytes.Buffer
	if code := run(context.Background(), append(slices.Clone(data), "enroll", "--agency", "A"), env{stdout: &out, stderr: &errOut, getenv: hubPass}); code != 0 {
		t.Fatalf("enroll: %d %s", code, errOut.String())
	}
	code, err := protocol.ParseEnrollCode(strings.TrimSpace(out.String()))
	if err != nil {
		t.Fatal(err)
	}
	key, err := evidence.GenerateKeyPair(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	clientFor := func(serverName string) *http.Client {
		tc, err := client.TLSConfig(key, code.Fingerprint, serverName)
		if err != nil {
			t.Fatal(err)
		}
		return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: tc}}
	}
	body, _ := json.Marshal(protocol.EnrollRequest{Code: code.Secret, TerminalName: "live"})
	res, err := clientFor(protocol.ServerNameEnroll).Post("https://"+hubAddr+protocol.PathEnroll, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("enroll: %s", res.Status)
	}
	return clientFor(protocol.ServerNameHub)
}
