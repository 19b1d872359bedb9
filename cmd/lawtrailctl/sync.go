package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"lawtrail/store"
	"lawtrail/sync/client"
)

func cmdHub(ctx context.Context, dir string, args []string, e env) error {
	if len(args) != 2 || args[0] != "join" {
		return errors.New("usage: hub join CODE")
	}
	st, key, err := openForWriting(ctx, dir, e)
	if err != nil {
		return err
	}
	defer st.Close()
	name, _ := os.Hostname()
	resp, err := client.Join(ctx, st, key, args[1], name)
	if err != nil {
		return err
	}
	tprintf(e.stdout, "joined hub for agency %s as terminal %s (log size %d)\n", resp.Agency, resp.Terminal, resp.Checkpoint.Size)
	return nil
}

func cmdSync(ctx context.Context, dir string, args []string, e env) error {
	if len(args) > 0 && args[0] == "status" {
		return syncStatus(ctx, dir, args[1:], e)
	}
	if len(args) > 0 && args[0] == "recover" {
		return syncRecover(ctx, dir, args[1:], e)
	}
	fs := flag.NewFlagSet("sync", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	once := fs.Bool("once", false, "one pass, then exit (0 only if nothing is left waiting)")
	rateFlag := fs.String("rate", "", "cap on upload bytes per second (e.g. 1048576, 512k, 2M)")
	metered := fs.Bool("metered", false, "metered link: events and receipts only, no footage")
	every := fs.Duration("every", 30*time.Second, "pause between passes when all went well")
	timeout := fs.Duration("timeout", client.DefaultTimeout, "each request must be answered within this; an upload is cut after this long without progress")
	if err := fs.Parse(args); err != nil {
		return err
	}
	limit, err := parseRate(*rateFlag)
	if err != nil {
		return err
	}
	if *timeout <= 0 {
		return fmt.Errorf("--timeout %s: want a positive duration, e.g. 30s", *timeout)
	}
	st, key, err := openForWriting(ctx, dir, e)
	if err != nil {
		return err
	}
	defer st.Close()
	c, err := client.New(ctx, st, key, client.Options{RateLimit: limit, Metered: *metered, Timeout: *timeout})
	if err != nil {
		return err
	}
	report := func(rep client.Report, err error) {
		tprintf(e.stdout, "%s events sent %d (hub at %d), footage sent %d (%.1f MiB), receipts %d, waiting %d",
			time.Now().Format(time.TimeOnly), rep.EventsSent, rep.HubLastSeq, rep.BlobsSent, float64(rep.BytesSent)/(1<<20), rep.Receipts, rep.BlobsWaiting)
		if err != nil {
			tprintf(e.stdout, "; error: %v", err)
		}
		fmt.Fprintln(e.stdout)
	}
	if *once {
		rep, err := c.Once(ctx)
		report(rep, err)
		if err != nil {
			return err
		}
		if rep.BlobsWaiting > 0 && !*metered {
			return errProblems
		}
		return nil
	}
	err = c.Run(ctx, *every, report)
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
		return 0, fmt.Errorf("--rate %q: want bytes per second, e.g. 1048576 or 512k", s)
	}
	return n * mult, nil
}

func syncStatus(ctx context.Context, dir string, args []string, e env) error {
	fs := flag.NewFlagSet("sync status", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	st, err := store.OpenExisting(ctx, dir, store.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	keys, err := store.TrustedKeys(dir)
	if err != nil {
		return err
	}
	s, err := client.ReadStatus(ctx, st, keys.TerminalIDs()[0])
	if err != nil {
		return err
	}
	if *asJSON {
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
