package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"lawtrail/sync/client"
)

func cmdSync() *command {
	c := newCommand("sync", "[--once] [--rate BYTES/s] [--metered] [--every D] [--timeout D]",
		"send events and footage to the hub, fetch receipts and the agency's events from other terminals", 0)
	c.detail = `Needs only the terminal passphrase. Without --once it keeps syncing until
SIGINT/SIGTERM. With --once: exit 0 when nothing is left waiting, 6 when
footage still waits (run it again), 3 when this data folder diverges from
the hub (run lawtrailctl sync recover), 7 on a network error.`
	fs := c.flags
	once := fs.Bool("once", false, "one pass, then exit (0 only if nothing is left waiting)")
	rateFlag := fs.String("rate", "", "cap on upload bytes per second (e.g. 1048576, 512k, 2M)")
	metered := fs.Bool("metered", false, "metered link: events and receipts only, no footage")
	every := fs.Duration("every", 30*time.Second, "pause between passes when all went well")
	timeout := fs.Duration("timeout", client.DefaultTimeout, "each request must be answered within this; an upload is cut after this long without progress")
	c.run = func(ctx context.Context, x *call, _ []string) error {
		limit, err := parseRate(*rateFlag)
		if err != nil {
			return err
		}
		if *timeout <= 0 {
			return usagef("--timeout %s: want a positive duration, e.g. 30s", *timeout)
		}
		if *every <= 0 {
			return usagef("--every %s: want a positive duration, e.g. 30s", *every)
		}
		return syncRun(ctx, x, client.Options{RateLimit: limit, Metered: *metered, Timeout: *timeout}, *once, *every)
	}
	return c
}

func syncRun(ctx context.Context, x *call, opt client.Options, once bool, every time.Duration) error {
	d, err := x.desk(ctx)
	if err != nil {
		return err
	}
	c, err := d.SyncClient(ctx, opt)
	if err != nil {
		return err
	}
	e := x.e
	report := func(rep client.Report, err error) {
		tprintf(e.stdout, "%s events sent %d (hub at %d), footage sent %d (%.1f MiB), receipts %d, waiting %d",
			time.Now().Format(time.TimeOnly), rep.EventsSent, rep.HubLastSeq, rep.BlobsSent, float64(rep.BytesSent)/(1<<20), rep.Receipts, rep.BlobsWaiting)
		printAgencyPass(rep.Agency, e.stdout) // case_agency.go
		if err != nil {
			tprintf(e.stdout, "; error: %v", err)
		}
		fmt.Fprintln(e.stdout)
	}
	if once {
		rep, err := c.Once(ctx)
		report(rep, err)
		if err != nil {
			return err
		}
		if rep.BlobsWaiting > 0 && !opt.Metered {
			fmt.Fprintf(e.stdout, "%d footage file(s) still waiting: run sync again\n", rep.BlobsWaiting)
			return errIncomplete
		}
		return nil
	}
	err = c.Run(ctx, every, report)
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

func parseRate(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	num, mult := s, int64(1)
	switch {
	case strings.HasSuffix(s, "k"), strings.HasSuffix(s, "K"):
		num, mult = s[:len(s)-1], 1<<10
	case strings.HasSuffix(s, "M"), strings.HasSuffix(s, "m"):
		num, mult = s[:len(s)-1], 1<<20
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 || n > math.MaxInt64/mult {
		return 0, usagef("--rate %q: want bytes per second, e.g. 1048576 or 512k", s)
	}
	return n * mult, nil
}

func cmdSyncStatus() *command {
	c := newCommand("sync status", "[--json]", "what waits, what the hub confirmed, the agency feed, the last error", 0)
	asJSON := c.flags.Bool("json", false, "print JSON")
	c.run = func(ctx context.Context, x *call, _ []string) error {
		t, err := x.open(ctx)
		if err != nil {
			return err
		}
		s, err := t.SyncStatus(ctx)
		if err != nil {
			return err
		}
		return printSyncStatus(s, x.e, *asJSON)
	}
	return c
}

func printSyncStatus(s client.Status, e env, asJSON bool) error {
	if asJSON {
		return json.NewEncoder(e.stdout).Encode(s)
	}
	if !s.Joined {
		fmt.Fprintln(e.stdout, "not joined to a hub (lawtrailctl hub join CODE)")
	}
	if s.Diverged != "" {
		tprintf(e.stdout, "DIVERGED: %s\n", s.Diverged)
	}
	tprintf(e.stdout, "hub %s\nevents waiting %d (local %d, hub %d)\nfootage waiting %d (%.1f MiB)\nreceipts %d\nlast success %s\nlast error %s %s\n",
		s.Hub, s.PendingEvents, s.LocalLastSeq, s.HubLastSeq, s.PendingBlobs, float64(s.PendingBytes)/(1<<20), s.Receipts,
		dash(s.LastSuccess), dash(s.LastErrorAt), s.LastError)
	printAgencyStatus(s, e.stdout) // case_agency.go
	return nil
}
