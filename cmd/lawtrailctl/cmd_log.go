package main

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"lawtrail/evidence"
	"lawtrail/store"
)

// logLine is one event as `log --json` prints it (one JSON object a line).
type logLine struct {
	Terminal string                 `json:"terminal"`
	Seq      uint64                 `json:"seq"`
	Hash     string                 `json:"hash"`
	Prev     string                 `json:"prev"`
	Time     string                 `json:"time"`
	Actor    string                 `json:"actor"`
	Type     string                 `json:"type"`
	Payload  json.RawMessage        `json:"payload"`
	Blobs    []evidence.Digest      `json:"blobs"`
	Body     []byte                 `json:"body"` // the signed bytes, base64
	Sig      []byte                 `json:"sig"`
	CoSigs   []evidence.CoSignature `json:"cosigs"`
	Error    string                 `json:"error,omitempty"`
}

func cmdLog() *command {
	c := newCommand("log", "[--json]", "print the event log: this terminal's events and those of the agency's other terminals", 0)
	asJSON := c.flags.Bool("json", false, "one JSON object per event per line (the signed bytes included)")
	c.run = func(ctx context.Context, x *call, _ []string) error {
		t, err := x.open(ctx)
		if err != nil {
			return err
		}
		return printLog(ctx, t.Store(), x.e, *asJSON)
	}
	return c
}

func printLog(ctx context.Context, s *store.Store, e env, asJSON bool) error {
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	if !asJSON {
		fmt.Fprintln(tw, "SEQ\tTIME\tACTOR\tTYPE\tHASH\tBLOBS")
	}
	enc := json.NewEncoder(e.stdout)
	err := s.Events(ctx, func(se store.StoredEvent) error {
		line := toLogLine(se)
		if asJSON {
			return enc.Encode(line)
		}
		typ := line.Type
		if line.Error != "" {
			typ = "UNREADABLE: " + line.Error
		}
		_, err := tprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\n", line.Seq, line.Time, line.Actor, typ, shortHash(line.Hash), len(line.Blobs))
		return err
	})
	if err != nil {
		return err
	}
	if !asJSON {
		return tw.Flush()
	}
	return nil
}

func toLogLine(se store.StoredEvent) logLine {
	l := logLine{Terminal: se.Terminal, Seq: se.Seq, Hash: se.Event.Hash().String(),
		Body: se.Event.Body, Sig: se.Event.Sig, CoSigs: se.Event.CoSigs}
	if l.CoSigs == nil {
		l.CoSigs = []evidence.CoSignature{}
	}
	b, err := evidence.ParseBody(se.Event.Body)
	if err != nil {
		l.Error = err.Error()
		return l
	}
	l.Prev, l.Time, l.Actor, l.Type, l.Payload, l.Blobs = b.Prev.String(), b.Time.Format(time.RFC3339), b.Actor, b.Type, b.Payload, b.Blobs
	return l
}

func shortHash(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}
