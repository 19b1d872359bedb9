package hub_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"lawtrail/hub"
)

// A live session is recorded with its views: started, ended, a talk-back
// row; another terminal cannot take its id; the same terminal reopens it.
func TestLiveRecord(t *testing.T) {
	h := openAccountsHub(t)
	ctx := context.Background()
	s := hub.LiveSession{ID: "s1", Terminal: "T1", Agency: "A", Officer: "o1", OfficerName: "张三", Case: "c1", Step: "st1", Source: "camera"}
	if err := h.StartLiveSession(ctx, s); err != nil {
		t.Fatal(err)
	}
	other := s
	other.Terminal = "T2"
	if err := h.StartLiveSession(ctx, other); !errors.Is(err, hub.ErrLiveSessionTaken) {
		t.Fatalf("another terminal's start: %v", err)
	}
	watch, err := h.StartLiveView(ctx, hub.LiveView{Session: "s1", Viewer: "v1", Kind: hub.LiveWatch, Account: "head", Role: hub.WebHead})
	if err != nil {
		t.Fatal(err)
	}
	*h.clock = h.clock.Add(time.Minute)
	talk, err := h.StartLiveView(ctx, hub.LiveView{Session: "s1", Viewer: "v1", Kind: hub.LiveTalk, Account: "head", Role: hub.WebHead})
	if err != nil || talk == watch {
		t.Fatal(talk, watch, err)
	}
	*h.clock = h.clock.Add(time.Minute)
	if err := h.EndLiveView(ctx, talk); err != nil {
		t.Fatal(err)
	}
	*h.clock = h.clock.Add(time.Minute)
	if err := h.EndLiveSession(ctx, "s1"); err != nil {
		t.Fatal(err)
	}
	got, views, found, err := h.LiveSessionRecord(ctx, "s1")
	if err != nil || !found || got.Terminal != "T1" || got.OfficerName != "张三" || got.Ended.Sub(got.Started) != 3*time.Minute {
		t.Fatalf("%+v %v %v", got, found, err)
	}
	if len(views) != 2 || views[0].Kind != hub.LiveWatch || views[0].Ended.Sub(views[0].Started) != 3*time.Minute ||
		views[1].Kind != hub.LiveTalk || views[1].Ended.Sub(views[1].Started) != time.Minute {
		t.Fatalf("views %+v", views)
	}
	if err := h.StartLiveSession(ctx, s); err != nil {
		t.Fatal(err)
	}
	list, err := h.LiveSessions(ctx, hub.Scope{Agency: "A"}, 0)
	if err != nil || len(list) != 1 || !list[0].Ended.IsZero() {
		t.Fatalf("reopened: %+v %v", list, err)
	}
	if list, err := h.LiveSessions(ctx, hub.Scope{Agency: "B"}, 0); err != nil || len(list) != 0 {
		t.Fatalf("agency B sees %+v %v", list, err)
	}
	if log, err := h.LiveViewLog(ctx, hub.Scope{Agency: "A"}, 0); err != nil || len(log) != 2 || log[0].Kind != hub.LiveTalk {
		t.Fatalf("log of A: %+v %v", log, err)
	}
	if log, err := h.LiveViewLog(ctx, hub.Scope{Agency: "B"}, 0); err != nil || len(log) != 0 {
		t.Fatalf("log of B: %+v %v", log, err)
	}
	if _, _, found, err := h.LiveSessionRecord(ctx, "nope"); found || err != nil {
		t.Fatal(found, err)
	}
}
