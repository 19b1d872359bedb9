package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
)

// command is one entry of the command table: its name ("case step"), the
// synopsis of its arguments and flags, a one-line summary, its own flag
// set, how many positional arguments it takes, and what it does. Each
// command lives in its own file cmd_<name>.go and is built fresh for each
// run (flag sets hold state).
type command struct {
	name     string
	synopsis string // what follows the name in a usage line
	summary  string // one line for `lawtrailctl help`
	detail   string // optional paragraphs for `lawtrailctl COMMAND --help`
	// minArgs..maxArgs positional arguments (maxArgs < 0: no limit);
	// anything beyond is refused as a stray argument.
	minArgs, maxArgs int
	flags            *flag.FlagSet
	run              func(ctx context.Context, x *call, args []string) error
}

// newCommand starts a table entry: its name ("case advance"), the synopsis
// of what follows it ("CASE PHASE"), a one-line summary, and how many
// positional arguments it takes exactly (set maxArgs for more).
func newCommand(name, synopsis, summary string, nargs int) *command {
	c := &command{name: name, synopsis: synopsis, summary: summary, minArgs: nargs, maxArgs: nargs,
		flags: flag.NewFlagSet(name, flag.ContinueOnError)}
	c.flags.SetOutput(io.Discard) // errors are reported once, by run; help goes to stdout
	c.flags.Usage = func() {}
	return c
}

// commandTable is every command, in the order `lawtrailctl help` lists them.
func commandTable() []*command {
	return []*command{
		cmdInit(), cmdLog(), cmdCheck(),
		cmdOfficerAdd(), cmdOfficerList(), cmdOfficerRoles(), cmdOfficerRevoke(), cmdOfficerPIN(), cmdOfficerCard(),
		cmdCaseNew(), cmdCaseList(), cmdCaseShow(), cmdCaseStep(), cmdCaseAdvance(), cmdCaseLink(), cmdCaseTextOnly(), cmdCaseDecision(), cmdCaseExport(),
		cmdDocTemplates(), cmdDocNew(), cmdDocFinalize(), cmdDocShow(), cmdDocPDF(),
		cmdIngest(), cmdDevices(), cmdDock(), cmdLive(), cmdFootageList(), cmdFootageVerify(), cmdFootageFetch(), cmdFootageExport(), cmdFootageCustody(),
		cmdAccessList(),
		cmdReviewSubmit(), cmdReviewList(), cmdReviewShow(), cmdReviewAssign(), cmdReviewExtend(), cmdReviewOpinion(),
		cmdReviewResubmit(), cmdReviewDispute(), cmdReviewResolve(), cmdReviewStats(), cmdReviewPDF(),
		cmdPublicityPublish(), cmdPublicityWithdraw(), cmdPublicityList(),
		cmdRetentionRun(), cmdHoldAdd(), cmdHoldRelease(),
		cmdLedger(), cmdVerifyBundle(),
		cmdHubJoin(), cmdSync(), cmdSyncStatus(), cmdSyncRecover(),
		cmdConfigPublish(), cmdConfigShow(),
	}
}

// usageError is a command line that is wrong: exit code 2.
type usageError struct{ msg string }

func (u *usageError) Error() string { return u.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// lookup finds the command args start with: a two-word name ("case new")
// before a one-word one ("sync"). group is the first word when it names a
// group of commands but no command was found.
func lookup(table []*command, args []string) (c *command, rest []string, group string) {
	if len(args) == 0 {
		return nil, nil, ""
	}
	if len(args) > 1 {
		for _, c := range table {
			if c.name == args[0]+" "+args[1] {
				return c, args[2:], ""
			}
		}
	}
	for _, c := range table {
		if c.name == args[0] {
			return c, args[1:], ""
		}
	}
	for _, c := range table {
		if strings.HasPrefix(c.name, args[0]+" ") {
			return nil, args[1:], args[0]
		}
	}
	return nil, args[1:], ""
}

// parse reads the command's flags and positional arguments, which may come
// in any order ("case step CASE --kind K" and "case step --kind K CASE");
// everything after "--" is positional.
func (c *command) parse(args []string) ([]string, error) {
	var pos []string
	for {
		if err := c.flags.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usagef("%v", err)
		}
		rest := c.flags.Args()
		if len(rest) == 0 {
			break
		}
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			pos = append(pos, rest...)
			break
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
	if len(pos) > c.maxArgs && c.maxArgs >= 0 {
		return nil, usagef("unexpected argument %q", pos[c.maxArgs])
	}
	if len(pos) < c.minArgs {
		return nil, usagef("missing argument: %s", c.synopsis)
	}
	return pos, nil
}

// usageLine is "lawtrailctl [--data DIR] NAME SYNOPSIS".
func (c *command) usageLine() string {
	return strings.TrimSpace("lawtrailctl [--data DIR] " + c.name + " " + c.synopsis)
}

// printHelp writes the command's usage, what it does and its flags.
func (c *command) printHelp(w io.Writer) {
	fmt.Fprintf(w, "usage: %s\n\n%s\n", c.usageLine(), c.summary)
	if c.detail != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(c.detail))
	}
	n := 0
	c.flags.VisitAll(func(*flag.Flag) { n++ })
	if n > 0 {
		fmt.Fprintln(w, "\nflags:")
		c.flags.SetOutput(w)
		c.flags.PrintDefaults()
		c.flags.SetOutput(io.Discard)
	}
	fmt.Fprintf(w, "\nexit codes: see lawtrailctl help\n")
}

// printGroupHelp lists the commands of a group ("lawtrailctl case --help").
func printGroupHelp(w io.Writer, table []*command, group string) {
	fmt.Fprintf(w, "lawtrailctl %s commands:\n", group)
	for _, c := range table {
		if c.name == group || strings.HasPrefix(c.name, group+" ") {
			fmt.Fprintf(w, "  %s\n      %s\n", c.usageLine(), c.summary)
		}
	}
	fmt.Fprintf(w, "\nrun lawtrailctl %s COMMAND --help for one command's flags\n", group)
}

// groupNames lists the subcommands of group, for a usage error.
func groupNames(table []*command, group string) string {
	var names []string
	for _, c := range table {
		if strings.HasPrefix(c.name, group+" ") {
			names = append(names, strings.TrimPrefix(c.name, group+" "))
		}
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// printUsage writes the whole usage: every command, the environment and
// the exit codes.
func printUsage(w io.Writer, table []*command) {
	fmt.Fprint(w, "usage: lawtrailctl [--data DIR] COMMAND [arguments and flags]\n\ncommands:\n")
	for _, c := range table {
		fmt.Fprintf(w, "  %s\n      %s\n", strings.TrimSpace(c.name+" "+c.synopsis), c.summary)
	}
	fmt.Fprint(w, usageTail)
}

const usageTail = `  help [COMMAND]
      this text, or one command's usage (also: lawtrailctl COMMAND --help)

Commands that act sign with the terminal key and the acting officer's key:
the terminal passphrase, then the officer (LAWTRAIL_OFFICER, default the
terminal's first admin) and their PIN. sync, sync recover and hub join need
only the passphrase. Reading commands need the passphrase too: the data
folder is sealed at rest.

environment:
  LAWTRAIL_PASSPHRASE  terminal passphrase (asked when unset and standard input is a terminal)
  LAWTRAIL_OFFICER     officer acting (default: the terminal's first admin enrolled here)
  LAWTRAIL_PIN         the acting officer's PIN (init: the first officer's new PIN; at least 6 digits, not the passphrase)
  LAWTRAIL_NEW_PIN     officer add: the new officer's PIN; officer pin: the new PIN (asked twice at a terminal)
  LAWTRAIL_DATA        default data folder

Other officers present at a step or named in an on-site document co-sign
with their PINs from --pins FILE: lines "officer-id PIN", the file owned
by you and readable by you alone (chmod 600). PINs are never arguments.

exit codes:
  0  done
  1  the record or a case file has problems (check, footage verify, verify-bundle)
  2  usage: unknown command or flag, a missing or malformed argument, a refused
     input file (too large, readable by others), no data folder (run init first)
     or one other users own or can write
  3  sync: this data folder's record diverges from the hub's; nothing was sent
     (run lawtrailctl sync recover)
  4  refused: a rule (role, revoked officer, expired credential, missing
     co-signature, text-only for a mandatory-AV step, ...), invalid field
     values, or something named that does not exist; nothing was stored
  5  could not unlock or log in: wrong passphrase or PIN, officer locked out
     after wrong PINs, officer unknown or not enrolled on this terminal
  6  incomplete: ingest left files undone, sync --once left footage waiting;
     run it again
  7  failed: an I/O, device or network error; what was done is kept
`
