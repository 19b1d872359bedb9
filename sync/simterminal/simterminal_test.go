package simterminal

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"lawtrail/hub/hubtest"
	"lawtrail/sync/protocol"
)

// answerLost passes requests on and, for the first events batch, throws
// the hub's answer away: the hub stored the batch, the terminal never
// heard so — as when a hub is killed between its commit and its answer.
type answerLost struct {
	next http.RoundTripper
	lost atomic.Bool
}

func (a *answerLost) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := a.next.RoundTrip(r)
	if err != nil || r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, protocol.PathEvents) || a.lost.Swap(true) {
		return resp, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return nil, errors.New("answer lost on the way back")
}

// A terminal whose last batch was stored but not answered finishes on its
// next Sync: the hub's state, whose last hash is the terminal's own, says
// the events are held. Before, Sync found nothing to send, returned no
// error and never finished (the load test's terminal that tried 52 times).
func TestLostAnswerToTheLastBatch(t *testing.T) {
	h := hubtest.Start(t)
	tm, err := New()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := tm.Join(ctx, h.Code(t, "a1"), "sim", ""); err != nil {
		t.Fatal(err)
	}
	if err := tm.Cases(5); err != nil {
		t.Fatal(err)
	}
	lost := &answerLost{next: tm.http.Transport}
	tm.http.Transport = lost
	if _, err := tm.Sync(ctx, 100); err == nil {
		t.Fatal("a sync whose answer was lost reported no error")
	}
	if tm.Done() {
		t.Fatal("done before any answer came back")
	}
	if _, err := tm.Sync(ctx, 100); err != nil {
		t.Fatal(err)
	}
	if !tm.Done() {
		t.Fatalf("the hub holds all %d events and the terminal is not done", tm.Events())
	}
}
