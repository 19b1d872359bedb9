package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"lawtrail/casework"
	"lawtrail/terminal"
)

func cmdConfigPublish() *command {
	c := newCommand("config publish", "FILE [--kind K] [--note TEXT]",
		"publish an agency configuration file as the next version of its kind (an admin signs; the hub relays it to the agency's terminals)", 1)
	c.detail = `Kinds: templates (one template file joins the agency's published templates,
replacing the one with its id; a JSON list of templates replaces them all),
av_matters (the AV matters list), holidays (a holiday patch:
{"version":1,"days":[{"date":"YYYY-MM-DD","name":"…","off":true|false}]}),
recorder_profiles (recorder file-name profiles), major_list (the list of major
decisions), retention (how long footage and case files are kept). The kind is told from the
file when --kind is not given. The file is checked by its kind's parser; a
template that changes one in force needs a higher template version.`
	kind := c.flags.String("kind", "", "templates, av_matters, holidays, recorder_profiles, major_list or retention (default: told from the file)")
	note := c.flags.String("note", "", "why this version (shown by config show)")
	c.run = func(ctx context.Context, x *call, args []string) error {
		content, err := readCapped(args[0], "config publish", casework.MaxConfigContent)
		if err != nil {
			return err
		}
		s, err := x.session(ctx, "")
		if err != nil {
			return err
		}
		p, err := s.PublishConfig(ctx, terminal.ConfigFile{Kind: casework.ConfigKind(*kind), Content: content, Note: *note})
		if err != nil {
			return err
		}
		_, err = tprintf(x.e.stdout, "published %s version %d (%d bytes) by %s; it reaches the agency's terminals at their next sync\n",
			p.Kind, p.Version, len(p.Content), s.Officer.ID)
		return err
	}
	return c
}

func cmdConfigShow() *command {
	c := newCommand("config show", "[--json]", "what agency configuration is in force: per kind the bundled file or published version N, by whom", 0)
	asJSON := c.flags.Bool("json", false, "one JSON object per kind per line")
	c.run = func(ctx context.Context, x *call, _ []string) error {
		t, err := x.open(ctx)
		if err != nil {
			return err
		}
		states, err := t.ConfigInForce(ctx)
		if err != nil {
			return err
		}
		if *asJSON {
			enc := json.NewEncoder(x.e.stdout)
			for _, s := range states {
				if err := enc.Encode(s); err != nil {
					return err
				}
			}
			return nil
		}
		tw := tabwriter.NewWriter(x.e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "KIND\tIN FORCE\tBY\tTERMINAL\tAT\tNOTE")
		for _, s := range states {
			if !s.Published {
				fmt.Fprintf(tw, "%s\tbundled\t-\t-\t-\t-\n", s.Kind)
				continue
			}
			if _, err := tprintf(tw, "%s\tpublished version %d\t%s\t%s\t%s\t%s\n", s.Kind, s.Version, s.Officer, s.Terminal, s.At, dash(s.Note)); err != nil {
				return err
			}
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		_, err = tprintf(x.e.stdout, "templates in force: %s\n", strings.Join(states[0].Templates, ", "))
		return err
	}
	return c
}
