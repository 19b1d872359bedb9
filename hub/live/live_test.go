package live_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"lawtrail/hub"
	"lawtrail/hub/live"
	"lawtrail/sync/protocol"
)

// A terminal publishes over its mTLS link; two viewers receive video and
// audio; a viewer with talk-back reaches the terminal only while it holds
// push-to-talk; the terminal's connection is cut and it publishes again
// under the same session id: the same viewers receive again without
// reconnecting; a viewer forced through the hub's TURN receives too; the
// record has the session and every view with start and end.
func TestPublishWatchRepublishRelay(t *testing.T) {
	r := newRig(t, live.Config{})
	tm := r.terminal(t, "A")
	src := startSource(t)
	var ice protocol.LiveICE
	if status, pe := tm.call(t, http.MethodGet, protocol.PathLiveICE, nil, &ice); pe != nil || len(ice.Servers) != 1 ||
		ice.Servers[0].Username == "" || ice.Expires.Before(time.Now().Add(50*time.Minute)) {
		t.Fatalf("ICE: %d %v %+v", status, pe, ice)
	}
	pub := tm.publish(t, "s1", src)
	if err := eventually(10*time.Second, func() bool { i, _ := r.sfu.Session("s1"); return i.Status.Connected }); err != nil {
		t.Fatal("the publisher never connected")
	}
	time.Sleep(time.Second) // past the PLI of the publisher's own start
	plis := pub.PLIs.Load()
	head := live.Watcher{Account: "head", Name: "局长", Role: hub.WebHead, Talkback: true}
	v1 := r.watch(t, "s1", head, false)
	v2 := r.watch(t, "s1", live.Watcher{Account: "sup", Name: "监督", Role: hub.WebSupervisor}, false)
	for _, v := range []*viewer{v1, v2} {
		grows(t, "viewer video", v.Video.Load, 50)
		grows(t, "viewer audio", v.Audio.Load, 10)
	}
	if pub.PLIs.Load() <= plis {
		t.Fatalf("no key frame asked for when viewers joined: %d PLIs before, %d after", plis, pub.PLIs.Load())
	}
	var st protocol.LiveStatus
	if _, pe := tm.call(t, http.MethodGet, protocol.PathLive+"s1", nil, &st); pe != nil || !st.Connected || len(st.Viewers) != 2 {
		t.Fatalf("status %+v %v", st, pe)
	}

	// Talk-back: nothing reaches the terminal until push-to-talk is held.
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	go v1.speak(ctx)
	time.Sleep(time.Second)
	if n := pub.Talkback.Load(); n != 0 {
		t.Fatalf("%d talk-back packets before talking", n)
	}
	if err := r.sfu.Talk("s1", v2.id, "sup", true); !errors.Is(err, live.ErrNoTalkback) {
		t.Fatalf("talk without talk-back: %v", err)
	}
	if err := r.sfu.Talk("s1", v1.id, "sup", true); !errors.Is(err, live.ErrNoViewer) {
		t.Fatalf("talk as another account: %v", err)
	}
	if err := r.sfu.Talk("s1", v1.id, "head", true); err != nil {
		t.Fatal(err)
	}
	grows(t, "talk-back at the terminal", pub.Talkback.Load, 10)
	if err := r.sfu.Talk("s1", v1.id, "head", false); err != nil {
		t.Fatal(err)
	}
	stop()

	// A cut: the terminal's connection is gone; it publishes again.
	pub.PC.Close()
	time.Sleep(500 * time.Millisecond)
	tm.publish(t, "s1", src)
	grows(t, "viewer 1 video after the re-publish", v1.Video.Load, 50)
	grows(t, "viewer 2 video after the re-publish", v2.Video.Load, 50)

	relayed := r.watch(t, "s1", live.Watcher{Account: "sup2", Role: hub.WebSupervisor}, true)
	grows(t, "relayed viewer video", relayed.Video.Load, 50)
	assertRelayed(t, relayed)

	if err := r.sfu.Leave("s1", v2.id, "sup"); err != nil {
		t.Fatal(err)
	}
	relayed.PC.Close() // a viewer that goes without a word
	if err := eventually(20*time.Second, func() bool { return r.sfu.Stats().Viewers == 1 }); err != nil {
		t.Fatalf("a closed viewer stays: %+v", r.sfu.Stats())
	}
	if _, pe := tm.call(t, http.MethodDelete, protocol.PathLive+"s1", nil, nil); pe != nil {
		t.Fatal(pe)
	}
	if st := r.sfu.Stats(); st.Sessions != 0 || st.Viewers != 0 {
		t.Fatalf("after the end: %+v", st)
	}
	if err := eventually(10*time.Second, func() bool { return r.sfu.Stats().PeerConnections == 0 }); err != nil {
		t.Fatalf("connections left open: %+v", r.sfu.Stats())
	}
	s, views, found, err := r.hub.LiveSessionRecord(context.Background(), "s1")
	if err != nil || !found || s.Terminal != tm.id || s.Agency != "A" || s.Ended.IsZero() || s.Case != "case-1" {
		t.Fatalf("session record %+v %v %v", s, found, err)
	}
	kinds := map[string]int{}
	for _, v := range views {
		if v.Ended.IsZero() || v.Ended.Before(v.Started) {
			t.Fatalf("view without its end: %+v", v)
		}
		kinds[v.Kind+" "+v.Account]++
	}
	if len(views) != 4 || kinds["watch head"] != 1 || kinds["watch sup"] != 1 || kinds["watch sup2"] != 1 || kinds["talk head"] != 1 {
		t.Fatalf("views %+v", views)
	}
}

// assertRelayed checks that the viewer's selected candidate pair is a
// relay on its side.
func assertRelayed(t *testing.T, v *viewer) {
	t.Helper()
	pair, err := v.PC.SCTP().Transport().ICETransport().GetSelectedCandidatePair()
	if err != nil || pair == nil {
		t.Fatalf("selected pair: %v %v", pair, err)
	}
	if pair.Local.Typ.String() != "relay" {
		t.Fatalf("local candidate %s, want relay", pair.Local)
	}
}
