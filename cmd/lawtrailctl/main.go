// Command lawtrailctl is the headless terminal: the same record the app
// keeps, driven from scripts. Every command takes --data DIR. Commands that
// unseal a key read the passphrase from LAWTRAIL_PASSPHRASE (and an
// officer's PIN from LAWTRAIL_PIN) or, at a terminal, ask for it.
//
// Exit codes: 0 success; 1 the record has problems (check); 2 usage or
// operational error; 3 sync found this data folder's record diverging from
// what the hub holds (restored from a backup, copied, or its tail cut):
// nothing was sent — run `lawtrailctl sync recover`.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"lawtrail/store"
	"lawtrail/sync/client"
)

const usage = `usage: lawtrailctl [--data DIR] COMMAND [flags]

commands:
  init   --agency NAME --officer-id ID --officer-name NAME   create a terminal and its first (admin) officer
  log    [--json]                                           print the event log
  check                                                     verify chain, blobs and database; exit 0 only if all hold
  ingest --from PATH [--officer ID] [--clear never|local|hub] [--progress json] [--clerk ID] [--serial S]
                                                            copy, verify and sign every recorder file; exit 0 only if all are done
  ingest --usb [--serial S] [--password-file F] [--clear …]  the same for the recorders on USB (MTP, mass storage, locked)
  devices [--json] [--sync-time]                            the recorders on USB: kind, VID:PID, serial, identity, state
  dock [--clear …] [--password-file F] [--progress json]    stay running; ingest every recorder that arrives on USB (SIGINT/SIGTERM stop)
  footage list [--json]                                     one line per footage file
  footage verify [DIGEST…]                                  re-hash blobs against their custody records
  case new --number N --title T [--act penalty] | case list | case show ID | case export ID --out DIR|F.zip [--with-footage]
                                                            case export signs case.exported (needs the passphrase)
  ledger --out F.xlsx|F.csv                                  the enforcement ledger (执法台账): cases, documents, footage, AV gaps, deadlines
  verify-bundle [--terminal-key K] [--hub-key K] [--tsa-cert F] DIR|ZIP
                                                            check a case file: files, signed export, chain, derived files, hub proofs, timestamps
  doc templates | doc new --case ID --template NAME --fields FILE.json | doc finalize DOC | doc show DOC | doc pdf DOC --out F.pdf
                                                            enforcement documents: drafts, signed versions, corrections
  hub join CODE                                             enroll with a hub (code from lawtrail-hub enroll)
  sync [--once] [--rate BYTES/s] [--metered]                send events and footage to the hub, fetch receipts
  sync status [--json]                                      what waits, what the hub confirmed, the last error
  sync recover [--json]                                     re-base a restored or copied data folder onto the hub's chain, losing nothing

environment:
  LAWTRAIL_PASSPHRASE  terminal passphrase (non-interactive use)
  LAWTRAIL_PIN         officer PIN (init: the first officer's new PIN; at least 6 digits, not the passphrase)
  LAWTRAIL_OFFICER     officer acting (ingest's clerk, case export; default: the first admin)
  LAWTRAIL_DATA        default data folder
`

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

// exitDiverged is the exit code of a sync that found the data folder's
// record diverging from the hub's.
const exitDiverged = 3

// errProblems marks a command that ran but found the record damaged.
var errProblems = errors.New("problems found")

func run(ctx context.Context, args []string, e env) int {
	global := flag.NewFlagSet("lawtrailctl", flag.ContinueOnError)
	global.SetOutput(e.stderr)
	global.Usage = func() { fmt.Fprint(e.stderr, usage) }
	dataDir := global.String("data", "", "data folder (default: $LAWTRAIL_DATA or the user's data directory)")
	if err := global.Parse(args); err != nil {
		return 2
	}
	if global.NArg() == 0 {
		global.Usage()
		return 2
	}
	dir := *dataDir
	if dir == "" {
		d, err := store.DefaultDir()
		if err != nil {
			fmt.Fprintln(e.stderr, "lawtrailctl:", err)
			return 2
		}
		dir = d
	}
	cmd, rest := global.Arg(0), global.Args()[1:]
	var err error
	switch cmd {
	case "init":
		err = cmdInit(ctx, dir, rest, e)
	case "log":
		err = cmdLog(ctx, dir, rest, e)
	case "check":
		err = cmdCheck(ctx, dir, rest, e)
	case "ingest":
		err = cmdIngest(ctx, dir, rest, e)
	case "devices":
		err = cmdDevices(ctx, rest, e)
	case "dock":
		err = cmdDock(ctx, dir, rest, e)
	case "footage":
		err = cmdFootage(ctx, dir, rest, e)
	case "hub":
		err = cmdHub(ctx, dir, rest, e)
	case "doc":
		err = cmdDoc(ctx, dir, rest, e)
	case "case":
		err = cmdCase(ctx, dir, rest, e)
	case "verify-bundle":
		err = cmdVerifyBundle(ctx, rest, e)
	case "ledger":
		err = cmdLedger(ctx, dir, rest, e)
	case "sync":
		err = cmdSync(ctx, dir, rest, e)
	case "help":
		fmt.Fprint(e.stdout, usage)
		return 0
	default:
		fmt.Fprintf(e.stderr, "lawtrailctl: unknown command %q\n%s", cmd, usage)
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errProblems):
		return 1
	case errors.Is(err, client.ErrDiverged):
		fmt.Fprintf(e.stderr, "lawtrailctl %s: %v\n", cmd, err)
		return exitDiverged
	case errors.Is(err, flag.ErrHelp):
		return 0
	default:
		tprintf(e.stderr, "lawtrailctl %s: %v\n", cmd, err)
		return 2
	}
}
