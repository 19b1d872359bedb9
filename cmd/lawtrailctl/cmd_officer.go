package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"

	"lawtrail/casework"
	"lawtrail/store"
	"lawtrail/terminal"
)

func cmdOfficerAdd() *command {
	c := newCommand("officer add", "--id ID --name NAME [--credential NO] [--valid-until YYYY-MM-DD] --roles R1,R2",
		"enroll an officer on this terminal (by an admin)", 0)
	c.detail = `The acting admin signs (LAWTRAIL_OFFICER, LAWTRAIL_PIN). The new officer
sets their own PIN: typed twice at a terminal, else LAWTRAIL_NEW_PIN. An
officer already known to the agency (enrolled on another terminal) is
enrolled here with the same id, name and credential.
Roles: ` + roleList()
	f := c.flags
	id := f.String("id", "", "the officer's id in the agency, e.g. o-002 (required)")
	name := f.String("name", "", "the officer's name (required)")
	credential := f.String("credential", "", "enforcement credential number (执法证号); officers need one to act")
	validUntil := f.String("valid-until", "", "the credential's last valid day, YYYY-MM-DD (default: no end)")
	roles := f.String("roles", "", "comma-separated roles, e.g. officer or clerk,officer (required)")
	c.run = func(ctx context.Context, x *call, _ []string) error {
		if err := required("id", *id, "name", *name, "roles", *roles); err != nil {
			return err
		}
		if err := checkID("officer", *id); err != nil {
			return err
		}
		parsed, err := parseRoles(*roles)
		if err != nil {
			return err
		}
		if err := checkValidUntil(*validUntil); err != nil {
			return err
		}
		s, err := x.session(ctx, "")
		if err != nil {
			return err
		}
		pin, err := newSecret(x.e, "LAWTRAIL_NEW_PIN", fmt.Sprintf("New PIN of officer %s (at least %d digits): ", *id, store.MinPINDigits))
		if err != nil {
			return err
		}
		defer clear(pin)
		o, err := s.EnrollOfficer(ctx, terminal.NewOfficer{ID: *id, Name: strings.TrimSpace(*name), CredentialNo: strings.TrimSpace(*credential),
			ValidUntil: *validUntil, Roles: parsed, PIN: pin})
		if err != nil {
			return err
		}
		tprintf(x.e.stdout, "officer %s (%s) enrolled on this terminal, roles %s, by %s\n", o.ID, o.Name, joinRoles(o.Roles), s.Officer.ID)
		return nil
	}
	return c
}

// officerListed is one officer of `officer list --json`.
type officerListed struct {
	ID           string          `json:"id"`
	Name         string          `json:"name"`
	CredentialNo string          `json:"credential"`
	ValidUntil   string          `json:"valid_until"`
	Roles        []casework.Role `json:"roles"`
	Revoked      bool            `json:"revoked"`
	RevokeReason string          `json:"revoke_reason,omitempty"`
	Here         bool            `json:"enrolled_here"`
}

func cmdOfficerList() *command {
	c := newCommand("officer list", "[--json]", "the agency's officers as this terminal knows them, with whether each is enrolled here", 0)
	asJSON := c.flags.Bool("json", false, "one JSON object per officer per line")
	c.run = func(ctx context.Context, x *call, _ []string) error {
		t, err := x.open(ctx)
		if err != nil {
			return err
		}
		rows, err := t.Officers(ctx)
		if err != nil {
			return err
		}
		if *asJSON {
			enc := json.NewEncoder(x.e.stdout)
			for _, o := range rows {
				roles := o.Roles
				if roles == nil {
					roles = []casework.Role{}
				}
				if err := enc.Encode(officerListed{ID: o.ID, Name: o.Name, CredentialNo: o.CredentialNo, ValidUntil: o.ValidUntil,
					Roles: roles, Revoked: o.Revoked, RevokeReason: o.RevokeReason, Here: o.Here}); err != nil {
					return err
				}
			}
			return nil
		}
		tw := tabwriter.NewWriter(x.e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tCREDENTIAL\tVALID UNTIL\tROLES\tREVOKED\tHERE")
		for _, o := range rows {
			revoked := "-"
			if o.Revoked {
				revoked = "revoked: " + o.RevokeReason
			}
			here := "no"
			if o.Here {
				here = "yes"
			}
			tprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", o.ID, o.Name, dash(o.CredentialNo), dash(o.ValidUntil), joinRoles(o.Roles), revoked, here)
		}
		return tw.Flush()
	}
	return c
}

func cmdOfficerRoles() *command {
	c := newCommand("officer roles", "ID R1,R2", "replace an officer's roles (by an admin)", 2)
	c.detail = "Roles: " + roleList()
	c.run = func(ctx context.Context, x *call, args []string) error {
		if err := checkID("officer", args[0]); err != nil {
			return err
		}
		roles, err := parseRoles(args[1])
		if err != nil {
			return err
		}
		s, err := x.session(ctx, "")
		if err != nil {
			return err
		}
		if err := s.SetRoles(ctx, args[0], roles); err != nil {
			return err
		}
		tprintf(x.e.stdout, "officer %s: roles %s, by %s\n", args[0], joinRoles(roles), s.Officer.ID)
		return nil
	}
	return c
}

func cmdOfficerRevoke() *command {
	c := newCommand("officer revoke", "ID --reason TEXT", "end an officer's standing in the agency (by an admin); their past signatures stay valid", 1)
	reason := c.flags.String("reason", "", "why, e.g. 调离执法岗位 (required)")
	c.run = func(ctx context.Context, x *call, args []string) error {
		if err := required("reason", strings.TrimSpace(*reason)); err != nil {
			return err
		}
		if err := checkID("officer", args[0]); err != nil {
			return err
		}
		s, err := x.session(ctx, "")
		if err != nil {
			return err
		}
		if err := s.RevokeOfficer(ctx, args[0], strings.TrimSpace(*reason)); err != nil {
			return err
		}
		tprintf(x.e.stdout, "officer %s revoked by %s: %s\n", args[0], s.Officer.ID, *reason)
		return nil
	}
	return c
}

func cmdOfficerPIN() *command {
	c := newCommand("officer pin", "", "change one's own PIN on this terminal (LAWTRAIL_PIN the old, LAWTRAIL_NEW_PIN the new)", 0)
	c.detail = `The officer is LAWTRAIL_OFFICER (default: the first admin). At a terminal
the old PIN is asked once and the new one twice. The key stays the same,
so every signature stays valid; wrong old PINs count towards the lockout.`
	c.run = func(ctx context.Context, x *call, _ []string) error {
		d, err := x.desk(ctx)
		if err != nil {
			return err
		}
		id := x.e.getenv("LAWTRAIL_OFFICER")
		if id == "" {
			if id, err = firstAdmin(ctx, d.Terminal); err != nil {
				return err
			}
		}
		old, err := secret(x.e, "LAWTRAIL_PIN", fmt.Sprintf("Current PIN of officer %s: ", id))
		if err != nil {
			return err
		}
		defer clear(old)
		pin, err := newSecret(x.e, "LAWTRAIL_NEW_PIN", fmt.Sprintf("New PIN of officer %s (at least %d digits): ", id, store.MinPINDigits))
		if err != nil {
			return err
		}
		defer clear(pin)
		if err := d.ChangePIN(ctx, id, old, pin); err != nil {
			return err
		}
		tprintf(x.e.stdout, "officer %s: PIN changed on this terminal\n", id)
		return nil
	}
	return c
}

func joinRoles(roles []casework.Role) string {
	s := make([]string, len(roles))
	for i, r := range roles {
		s[i] = string(r)
	}
	return strings.Join(s, ",")
}

// roleList names every role for a command's help.
func roleList() string {
	return joinRoles(casework.Roles) + "."
}

func cmdOfficerCard() *command {
	c := newCommand("officer card", "ID [--base URL]", "print the address the QR of an officer's credential card (亮证) carries", 1)
	c.detail = `The address is the hub's public web address, "/c/" and a token this
terminal signs with its key (officer and agency; no secret, not
forgeable, made offline). The web address comes from the hub (it sends it
when it serves --web; sync once), else give it with --base. Needs the
terminal passphrase, no officer PIN. The hub's page shows the officer's
name, credential number, agency and 有效 / 已过期 / 已注销.`
	base := c.flags.String("base", "", "the hub's public web address, e.g. https://zf.example.gov.cn (default: the one the hub sent)")
	c.run = func(ctx context.Context, x *call, args []string) error {
		if err := checkID("officer", args[0]); err != nil {
			return err
		}
		d, err := x.desk(ctx)
		if err != nil {
			return err
		}
		u, err := d.CardURL(ctx, args[0], *base)
		if errors.Is(err, terminal.ErrNoWebURL) {
			return usagef("%v (--base URL)", err)
		}
		if err != nil {
			return err
		}
		fmt.Fprintln(x.e.stdout, u)
		return nil
	}
	return c
}
