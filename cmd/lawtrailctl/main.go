// Command lawtrailctl is the headless terminal: the same record the app
// keeps, driven from scripts. It is a thin front end over the action layer
// (package terminal): each command, one file cmd_<name>.go in its table,
// turns its flags into one call there and prints the result; the rules of
// every act run inside the store's append, as for the app. Every command
// takes --data DIR, has --help, and refuses stray arguments. Commands that
// act unlock the terminal with LAWTRAIL_PASSPHRASE and log the officer in
// (LAWTRAIL_OFFICER, default the first admin; LAWTRAIL_PIN), or ask at a
// terminal.
//
// Exit codes, one scheme for every command:
//
//	0  done
//	1  the record or a case file has problems (check, footage verify, verify-bundle)
//	2  usage: unknown command or flag, missing or malformed argument, refused input file, no data folder or one not private
//	3  sync found this data folder's record diverging from the hub's: nothing was sent (sync recover)
//	4  refused by a rule (legal review required, a reviewer who must recuse, …) or invalid values, or something named does not exist: nothing stored
//	5  could not unlock or log in: wrong passphrase or PIN, locked out, officer unknown here
//	6  incomplete: ingest left files undone, sync --once left footage waiting
//	7  failed: I/O, device or network error
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"lawtrail/casefile"
	"lawtrail/casework"
	"lawtrail/device/unlock"
	"lawtrail/device/usb"
	"lawtrail/store"
	"lawtrail/sync/client"
	"lawtrail/terminal"
)

// Exit codes (see the package doc and docs/OPERATIONS.md).
const (
	exitOK         = 0
	exitProblems   = 1
	exitUsage      = 2
	exitDiverged   = 3
	exitRefused    = 4
	exitSecret     = 5
	exitIncomplete = 6
	exitFailed     = 7
)

// env is what a command reads from its surroundings; tests supply their own.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv})
	stop()
	os.Exit(code)
}

var (
	// errProblems marks a command that ran but found the record damaged.
	errProblems = errors.New("problems found")
	// errIncomplete marks a command that did part of its work and should
	// be run again (files left undone, footage still waiting).
	errIncomplete = errors.New("incomplete")
)

func run(ctx context.Context, args []string, e env) int {
	table := commandTable()
	global := flag.NewFlagSet("lawtrailctl", flag.ContinueOnError)
	global.SetOutput(io.Discard)
	dataDir := global.String("data", "", "data folder (default: $LAWTRAIL_DATA or the user's data directory)")
	if err := global.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printUsage(e.stdout, table)
			return exitOK
		}
		fmt.Fprintf(e.stderr, "lawtrailctl: %v\n", err)
		return exitUsage
	}
	args = global.Args()
	if len(args) == 0 {
		printUsage(e.stderr, table)
		return exitUsage
	}
	if args[0] == "help" {
		return help(table, args[1:], e)
	}
	c, rest, group := lookup(table, args)
	if c == nil {
		switch {
		case group != "" && len(rest) > 0 && (rest[0] == "-h" || rest[0] == "--help" || rest[0] == "-help"):
			printGroupHelp(e.stdout, table, group)
			return exitOK
		case group != "" && len(rest) > 0:
			fmt.Fprintf(e.stderr, "lawtrailctl %s: unknown command %q (want one of: %s)\n", group, rest[0], groupNames(table, group))
		case group != "":
			fmt.Fprintf(e.stderr, "lawtrailctl %s: which one? %s\n", group, groupNames(table, group))
		default:
			fmt.Fprintf(e.stderr, "lawtrailctl: unknown command %q (lawtrailctl help lists them)\n", args[0])
		}
		return exitUsage
	}
	pos, err := c.parse(rest)
	if errors.Is(err, flag.ErrHelp) {
		c.printHelp(e.stdout)
		return exitOK
	}
	if err == nil {
		x := &call{dataFlag: *dataDir, e: e}
		err = c.run(ctx, x, pos)
		x.close()
	}
	code := codeOf(err)
	var fields casework.FieldErrors
	if errors.As(err, &fields) {
		for _, f := range fields {
			tprintf(e.stdout, "FIELD %s\n", f)
		}
	}
	switch {
	case err == nil:
	case code == exitUsage:
		tprintf(e.stderr, "lawtrailctl %s: %v\nusage: %s (lawtrailctl %s --help)\n", c.name, err, c.usageLine(), c.name)
	case errors.Is(err, errProblems), errors.Is(err, errIncomplete):
		// the command printed what is wrong or left
	default:
		tprintf(e.stderr, "lawtrailctl %s: %v\n", c.name, err)
	}
	return code
}

// help is `lawtrailctl help [COMMAND]`.
func help(table []*command, args []string, e env) int {
	if len(args) == 0 {
		printUsage(e.stdout, table)
		return exitOK
	}
	c, rest, group := lookup(table, args)
	switch {
	case c != nil && len(rest) == 0:
		c.printHelp(e.stdout)
		return exitOK
	case group != "" && len(rest) == 0:
		printGroupHelp(e.stdout, table, group)
		return exitOK
	}
	fmt.Fprintf(e.stderr, "lawtrailctl help: no command %q\n", strings.Join(args, " "))
	return exitUsage
}

// codeOf maps what a command returned to the exit-code scheme.
func codeOf(err error) int {
	var usage *usageError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &usage), errors.Is(err, store.ErrDataDirUnsafe), errors.Is(err, store.ErrDataDirNotOwned),
		errors.Is(err, usb.ErrNeedPassword), errors.Is(err, unlock.ErrWrongPassword):
		return exitUsage
	case errors.Is(err, errProblems), errors.Is(err, errBadCaseFile), errors.Is(err, casefile.ErrBadArchive), errors.Is(err, casefile.ErrRecordDamaged):
		return exitProblems
	case errors.Is(err, errIncomplete):
		return exitIncomplete
	case errors.Is(err, client.ErrDiverged):
		return exitDiverged
	case errors.Is(err, store.ErrInitialized), errors.Is(err, store.ErrNoCase), errors.Is(err, store.ErrNoDocument),
		errors.Is(err, store.ErrNoHub), errors.Is(err, store.ErrNoFootage), errors.Is(err, client.ErrNotOnHub):
		return exitRefused
	}
	switch terminal.Code(err) {
	case terminal.CodeWrongPassphrase, terminal.CodeWrongPIN, terminal.CodeLocked, terminal.CodeNoOfficer, terminal.CodeNotEnrolledHere:
		return exitSecret
	case terminal.CodeRevoked, terminal.CodeCredentialExpired, terminal.CodeRole, terminal.CodeNotCoSigned, terminal.CodeFields,
		terminal.CodeRule, terminal.CodeBadInput, terminal.CodeSecrets, terminal.CodeReviewRequired, terminal.CodeRecused:
		return exitRefused
	case terminal.CodeNotTerminal:
		return exitUsage
	}
	return exitFailed
}
