package terminal_test

import (
	"context"
	"net"
	"testing"
	"time"

	"lawtrail/casework"
	"lawtrail/hub/hubtest"
	hublive "lawtrail/hub/live"
	"lawtrail/live"
	"lawtrail/sync/faultproxy"
	"lawtrail/sync/server"
	"lawtrail/terminal"
	"lawtrail/terminal/terminaltest"
)

// liveHub serves a hub's sync handler with the SFU mounted (as
// lawtrail-hub serve --live-udp does) and returns an enrollment code for
// that listener, and the SFU.
func liveHub(t *testing.T) (code string, sfu *hublive.SFU) {
	t.Helper()
	th := hubtest.Start(t)
	iceConn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sfu, err = hublive.New(hublive.Config{ICE: iceConn, Record: th.Hub, Grace: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sfu.Close() })
	addr := th.Serve(t, server.Options{Live: sfu.TerminalHandler()})
	c, err := th.IssueCode(context.Background(), "https://"+addr, terminaltest.Agency, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return c.String(), sfu
}

func waitLive(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	end := time.Now().Add(d)
	for !cond() {
		if time.Now().After(end) {
			t.Fatalf("waited %s for %s", d, what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// A terminal that joined a hub publishes to its SFU over the mTLS link;
// cut for 10 s, the link comes back by itself under the same session; Stop
// ends the session at the hub and ingests the recording.
func TestGoLiveThroughTheHub(t *testing.T) {
	ctx := context.Background()
	f := terminaltest.New(t)
	code, sfu := liveHub(t)
	if _, err := f.Desk.JoinHub(ctx, code); err != nil {
		t.Fatal(err)
	}
	caseID := f.OpenCase(t, f.Admin, "某市监罚〔2026〕18号", "经枢纽直播")
	step, err := f.Admin.RecordStep(ctx, terminal.NewStep{Case: caseID, Kind: casework.StepOnSiteInspection,
		Start: f.Clock.T.Add(-time.Hour), End: f.Clock.T.Add(-time.Hour + time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	lossy, err := faultproxy.NewLossyNet()
	if err != nil {
		t.Fatal(err)
	}
	ls, err := f.Admin.GoLive(ctx, terminal.LiveOptions{Source: "pattern:320x240@15", Case: caseID, Step: step.Step, Net: lossy,
		Disconnected: 2 * time.Second, StatusEvery: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	hubSees := func() bool {
		info, ok := sfu.Session(ls.ID())
		return ok && info.Status.Connected && ls.Status().Link == live.LinkConnected && ls.Status().HubSeesLink
	}
	waitLive(t, 20*time.Second, "the hub to take the stream", hubSees)
	info, _ := sfu.Session(ls.ID())
	if info.Offer.Officer != terminaltest.AdminID || info.Offer.Case != caseID || info.Offer.Step != step.Step || info.Offer.Source != "pattern" {
		t.Errorf("the hub's session: %+v", info.Offer)
	}
	sent := ls.Status().PacketsSent

	lossy.Cut(true)
	waitLive(t, 20*time.Second, "the terminal to notice the cut", func() bool { return ls.Status().Link != live.LinkConnected })
	time.Sleep(10 * time.Second)
	lossy.Cut(false)
	waitLive(t, 40*time.Second, "the link back after the cut", hubSees)
	if st := ls.Status(); st.PacketsSent <= sent || st.Attempts < 2 {
		t.Errorf("after the cut: %+v", st)
	}

	res, err := ls.Stop(ctx)
	if err != nil || res.EndErr != nil {
		t.Fatalf("stop: %v, %+v", err, res)
	}
	if _, ok := sfu.Session(ls.ID()); ok {
		t.Error("the hub still has the session after Stop")
	}
	if res.Footage.IsZero() || res.Linked != step.Step {
		t.Errorf("result %+v", res)
	}
	rep, err := f.Terminal.Store().Check(ctx, mustTrusted(t, f))
	if err != nil || !rep.OK() {
		t.Fatalf("check: %+v, %v", rep, err)
	}
}
