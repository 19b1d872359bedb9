package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"lawtrail/live"
	"lawtrail/sync/protocol"
	"lawtrail/terminal"
)

// cmdLive streams a source to the hub (实时回传) while recording it, until
// --duration passes or SIGINT/SIGTERM; then ingests the recording as
// footage with custody, linked to the step when one is named.
func cmdLive() *command {
	c := newCommand("live", "--source DEVICE|URL|FILE [--case CASE --step STEP] [--duration D]",
		"stream live to the hub while recording; the recording is ingested as footage when it stops (SIGINT/SIGTERM or --duration)", 0)
	c.detail = `--source is a camera (/dev/video0), an RTSP URL (rtsp://, rtsps://: H.264 forwarded as is),
"pattern" or "pattern:WxH@FPS" (a test pattern with a tone), or a media file played in real time.
The officer logs in as for other acts and must be allowed to record footage. Without a joined hub,
or while the hub is out of reach, the session records and keeps trying. Prints the session id,
each change of the link and of the viewers, and at the end the footage digest(s) ingested.
Needs ffmpeg (make deps).`
	source := c.flags.String("source", "", "what to stream: DEVICE, URL or FILE (required)")
	caseID := c.flags.String("case", "", "the case of the act streamed (with --step)")
	step := c.flags.String("step", "", "the step the footage is linked to (with --case)")
	duration := c.flags.Duration("duration", 0, "stop after this long (default: at SIGINT/SIGTERM)")
	c.run = func(ctx context.Context, x *call, _ []string) error {
		switch {
		case *source == "":
			return usagef("--source is required")
		case (*caseID == "") != (*step == ""):
			return usagef("--case and --step go together")
		case *duration < 0:
			return usagef("--duration must be positive")
		}
		return liveRun(ctx, x, terminal.LiveOptions{Source: *source, Case: *caseID, Step: *step}, *duration)
	}
	return c
}

func liveRun(ctx context.Context, x *call, o terminal.LiveOptions, duration time.Duration) error {
	s, err := x.session(ctx, "")
	if err != nil {
		return err
	}
	changes := make(chan live.Status, 16)
	o.OnChange = func(st live.Status) {
		select {
		case changes <- st:
		default: // the printer is behind; the next change carries the state
		}
	}
	ls, err := s.GoLive(ctx, o)
	if err != nil {
		return err
	}
	for _, r := range ls.Recovered {
		printLiveResult(x, "recovered", r)
	}
	tprintf(x.e.stdout, "session %s\n", ls.ID())
	watchLive(ctx, x, ls, changes, duration)
	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
	defer cancel()
	res, err := ls.Stop(stopCtx)
	if err != nil {
		return err
	}
	printLiveResult(x, "footage", res)
	if res.EndErr != nil {
		tprintf(x.e.stdout, "hub not told the session ended: %v\n", res.EndErr)
	}
	if res.SourceErr != nil {
		return fmt.Errorf("the source ended by itself (what came before is ingested): %w", res.SourceErr)
	}
	return nil
}

// watchLive prints the link state and the viewers as they change, until
// ctx ends, duration passes or the source ends.
func watchLive(ctx context.Context, x *call, ls *terminal.LiveSession, changes <-chan live.Status, duration time.Duration) {
	var end <-chan time.Time
	if duration > 0 {
		t := time.NewTimer(duration)
		defer t.Stop()
		end = t.C
	}
	tick := time.NewTicker(time.Second) // a change the printer missed shows within a second
	defer tick.Stop()
	var link string
	var viewers []string
	show := func(st live.Status) {
		if st.Link != link {
			link = st.Link
			if st.LastError != "" && st.Link == live.LinkReconnecting {
				tprintf(x.e.stdout, "link %s (%s)\n", st.Link, st.LastError)
			} else {
				tprintf(x.e.stdout, "link %s\n", st.Link)
			}
		}
		if v := viewerNames(st.Viewers); !slices.Equal(v, viewers) {
			viewers = v
			tprintf(x.e.stdout, "viewers %d: %s\n", len(v), strings.Join(v, ", "))
		}
	}
	show(ls.Status())
	for {
		select {
		case <-ctx.Done():
			return
		case <-end:
			return
		case <-ls.SourceEnded():
			return
		case st := <-changes:
			show(st)
		case <-tick.C:
			show(ls.Status())
		}
	}
}

func viewerNames(vs []protocol.LiveViewer) []string {
	out := make([]string, 0, len(vs))
	for _, v := range vs {
		out = append(out, fmt.Sprintf("%s (%s)", v.Name, v.Account))
	}
	return out
}

func printLiveResult(x *call, what string, r terminal.LiveResult) {
	tprintf(x.e.stdout, "%s %s %d bytes session %s %s – %s\n", what, r.Footage, r.Size, r.Session,
		r.Start.Format(time.RFC3339), r.End.Format(time.RFC3339))
	if !r.Talkback.IsZero() {
		tprintf(x.e.stdout, "talkback %s session %s\n", r.Talkback, r.Session)
	}
	if r.Linked != "" {
		tprintf(x.e.stdout, "linked to step %s\n", r.Linked)
	}
}
