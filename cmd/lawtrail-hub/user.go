package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"text/tabwriter"

	"golang.org/x/term"

	"lawtrail/evidence"
	"lawtrail/hub"
)

const userUsage = `usage: lawtrail-hub --data DIR user SUBCOMMAND

  add NAME --role supervisor|head --agency ID|all
                    add a supervision console account: a supervisor (the district's 司法局) sees every
                    agency (--agency all) or one; a head sees their own agency only
  list [--json]     the accounts: name, role, agency, disabled, created
  disable NAME      disable an account; its sessions end at once
  passwd NAME       set an account's password; its sessions end

The password (at least 12 characters) is typed twice at a terminal without echo, or read from
LAWTRAIL_WEB_PASSWORD. It is stored as an argon2id hash (m=64 MiB, t=3, p=2).
`

// cmdUser administers the supervision console's accounts
// (`lawtrail-hub user add|list|disable|passwd`).
func cmdUser(ctx context.Context, dir string, args []string, e env) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(e.stderr, userUsage)
		if len(args) == 0 {
			return errors.New("user needs a subcommand: add, list, disable or passwd")
		}
		return flag.ErrHelp
	}
	switch args[0] {
	case "add":
		return cmdUserAdd(ctx, dir, args[1:], e)
	case "list":
		return cmdUserList(ctx, dir, args[1:], e)
	case "disable":
		return cmdUserDisable(ctx, dir, args[1:], e)
	case "passwd":
		return cmdUserPasswd(ctx, dir, args[1:], e)
	}
	fmt.Fprint(e.stderr, userUsage)
	return fmt.Errorf("unknown user subcommand %q", args[0])
}

// parseInterspersed parses flags wherever they are among args (NAME
// --role head and --role head NAME alike) and returns the other words.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var words []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return words, nil
		}
		words = append(words, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// oneName is the single account name a subcommand takes.
func oneName(sub string, words []string) (string, error) {
	if len(words) != 1 {
		return "", fmt.Errorf("user %s takes one account name (see lawtrail-hub user --help)", sub)
	}
	return words[0], nil
}

func cmdUserAdd(ctx context.Context, dir string, args []string, e env) error {
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	role := fs.String("role", "", "supervisor or head (required)")
	agency := fs.String("agency", "", "the hub agency the account sees (as enrolled), or all for every agency: supervisor only (required)")
	words, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	name, err := oneName("add", words)
	if err != nil {
		return err
	}
	if *agency == "" {
		return errors.New("--agency is required: an agency id, or all (supervisor only)")
	}
	u := hub.NewWebUser{Name: name, Role: hub.WebRole(*role), Agency: *agency}
	if u.Agency == "all" {
		u.Agency = ""
	}
	if err := hub.CheckWebAccount(u.Name, u.Role, u.Agency); err != nil {
		return err
	}
	if u.Password, err = webPassword(e); err != nil {
		return err
	}
	h, err := openHub(ctx, dir, e)
	if err != nil {
		return err
	}
	defer h.Close()
	if err := h.AddWebUser(ctx, u); err != nil {
		return err
	}
	if u.Agency != "" {
		warnUnknownAgency(ctx, h, u.Agency, e)
	}
	fmt.Fprintf(e.stdout, "console account %s added: %s of %s\n", u.Name, u.Role, agencyWord(u.Agency))
	return nil
}

// warnUnknownAgency says so when no terminal of agency has enrolled yet (a
// typing mistake, or an agency still to come).
func warnUnknownAgency(ctx context.Context, h *hub.Hub, agency string, e env) {
	ts, err := h.Terminals(ctx)
	if err != nil {
		return
	}
	if !slices.ContainsFunc(ts, func(t hub.TerminalRecord) bool { return t.Agency == agency }) {
		fmt.Fprintf(e.stderr, "note: no terminal of agency %q has enrolled yet; the account sees nothing until one does\n", agency)
	}
}

func agencyWord(agency string) string {
	if agency == "" {
		return "all agencies"
	}
	return agency
}

func cmdUserList(ctx context.Context, dir string, args []string, e env) error {
	fs := flag.NewFlagSet("user list", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return errors.New("user list takes no argument")
	}
	h, err := openHub(ctx, dir, e)
	if err != nil {
		return err
	}
	defer h.Close()
	users, err := h.WebUsers(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		type row struct {
			Name     string `json:"name"`
			Role     string `json:"role"`
			Agency   string `json:"agency"` // "all" for every agency
			Disabled bool   `json:"disabled"`
			Created  string `json:"created"`
		}
		out := make([]row, 0, len(users))
		for _, u := range users {
			a := u.Agency
			if a == "" {
				a = "all"
			}
			out = append(out, row{u.Name, string(u.Role), a, u.Disabled, u.Created.UTC().Format("2006-01-02T15:04:05Z")})
		}
		return json.NewEncoder(e.stdout).Encode(out)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tROLE\tAGENCY\tSTATUS\tCREATED")
	for _, u := range users {
		status, a := "active", u.Agency
		if u.Disabled {
			status = "disabled"
		}
		if a == "" {
			a = "all"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", u.Name, u.Role, a, status, u.Created.UTC().Format("2006-01-02 15:04Z"))
	}
	return tw.Flush()
}

func cmdUserDisable(ctx context.Context, dir string, args []string, e env) error {
	name, err := oneName("disable", args)
	if err != nil {
		return err
	}
	h, err := openHub(ctx, dir, e)
	if err != nil {
		return err
	}
	defer h.Close()
	if err := h.DisableWebUser(ctx, name); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "console account %s disabled; its sessions have ended\n", name)
	return nil
}

func cmdUserPasswd(ctx context.Context, dir string, args []string, e env) error {
	name, err := oneName("passwd", args)
	if err != nil {
		return err
	}
	pw, err := webPassword(e)
	if err != nil {
		return err
	}
	h, err := openHub(ctx, dir, e)
	if err != nil {
		return err
	}
	defer h.Close()
	if err := h.SetWebPassword(ctx, name, pw, evidence.KDFParams{}); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "password of console account %s set; its sessions have ended\n", name)
	return nil
}

// webPassword is the account's password: LAWTRAIL_WEB_PASSWORD, or typed
// twice at the terminal without echo.
func webPassword(e env) ([]byte, error) {
	if p := e.getenv("LAWTRAIL_WEB_PASSWORD"); p != "" {
		return []byte(p), hub.CheckWebPassword([]byte(p))
	}
	fd := int(os.Stdin.Fd())
	if !term.IsTerminal(fd) {
		return nil, errors.New("set LAWTRAIL_WEB_PASSWORD (standard input is not a terminal to ask on)")
	}
	fmt.Fprintf(e.stderr, "Console password (at least %d characters): ", hub.MinWebPassword)
	p, err := term.ReadPassword(fd)
	fmt.Fprintln(e.stderr)
	if err != nil {
		return nil, err
	}
	if err := hub.CheckWebPassword(p); err != nil {
		return nil, err
	}
	fmt.Fprint(e.stderr, "Again: ")
	again, err := term.ReadPassword(fd)
	fmt.Fprintln(e.stderr)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(p, again) {
		return nil, errors.New("the two passwords differ")
	}
	return p, nil
}
