package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"

	"lawtrail/casework"
	"lawtrail/evidence"
	"lawtrail/store"
	"lawtrail/terminal"
)

func cmdInit() *command {
	c := newCommand("init", "--agency NAME --officer-id ID --officer-name NAME [--credential NO] [--valid-until YYYY-MM-DD] [--roles R1,R2]",
		"create a terminal and its first officer, its admin", 0)
	c.detail = `The first officer's new PIN is LAWTRAIL_PIN (at least 6 digits, not the
passphrase), the new terminal passphrase LAWTRAIL_PASSPHRASE; at a terminal
both are asked. A data folder open to other users is made private.`
	f := c.flags
	agency := f.String("agency", "", "agency name, e.g. 某区市场监督管理局 (required)")
	agencyID := f.String("agency-id", "", "agency id (default: derived from the name)")
	officerID := f.String("officer-id", "", "id of the first officer, the terminal's admin (required)")
	officerName := f.String("officer-name", "", "name of the first officer (required)")
	credential := f.String("credential", "", "the first officer's enforcement credential number (执法证号); needed to open cases and record steps")
	validUntil := f.String("valid-until", "", "the credential's last valid day, YYYY-MM-DD (default: no end)")
	roles := f.String("roles", "admin,officer,clerk", "roles of the first officer (must include admin)")
	terminalName := f.String("terminal-name", "", "a name for this terminal, shown in custody records and at the hub (default: the host name)")
	c.run = func(ctx context.Context, x *call, _ []string) error {
		if err := required("agency", *agency, "officer-id", *officerID, "officer-name", *officerName); err != nil {
			return err
		}
		if err := checkID("officer", *officerID); err != nil {
			return err
		}
		parsedRoles, err := parseRoles(*roles)
		if err != nil {
			return err
		}
		if !casework.HasRole(parsedRoles, casework.RoleAdmin) {
			return usagef("--roles %q: the first officer must be an admin (add admin)", *roles)
		}
		if err := checkValidUntil(*validUntil); err != nil {
			return err
		}
		name := *terminalName
		if name == "" {
			if name, err = os.Hostname(); err != nil || name == "" {
				name = "lawtrail"
			}
		}
		dir, err := x.dataDir()
		if err != nil {
			return err
		}
		pass, err := newSecret(x.e, "LAWTRAIL_PASSPHRASE", fmt.Sprintf("New terminal passphrase (at least %d characters): ", store.MinPassphraseChars))
		if err != nil {
			return err
		}
		defer clear(pass)
		// The PIN never defaults to the passphrase: they seal different keys.
		pin, err := newSecret(x.e, "LAWTRAIL_PIN", fmt.Sprintf("New PIN of officer %s (at least %d digits): ", *officerID, store.MinPINDigits))
		if err != nil {
			return err
		}
		defer clear(pin)
		if err := store.CheckSecrets(pass, pin); err != nil {
			return err
		}
		changed, err := store.SecureDataDir(dir)
		if err != nil {
			return err
		}
		for _, c := range changed {
			tprintf(x.e.stdout, "made private: %s\n", c)
		}
		err = terminal.Init(ctx, dir, store.TerminalSetup{
			TerminalName: name, AgencyID: *agencyID, AgencyName: *agency,
			OfficerID: *officerID, OfficerName: *officerName, CredentialNo: *credential, ValidUntil: *validUntil, Roles: parsedRoles,
			Passphrase: pass, PIN: pin, KDF: evidence.DefaultKDFParams, Rand: rand.Reader,
		})
		if err != nil {
			return err
		}
		keys, err := store.TrustedKeys(dir)
		if err != nil {
			return err
		}
		tprintf(x.e.stdout, "terminal %s (%s) initialised in %s\nadmin officer %s (%s), roles %s\n", keys.TerminalIDs()[0], name, dir,
			*officerID, *officerName, *roles)
		return nil
	}
	return c
}

// parseRoles reads a --roles list; unknown roles are a usage error.
func parseRoles(s string) ([]casework.Role, error) {
	roles, err := casework.ParseRoles(s)
	if err != nil {
		return nil, usagef("--roles %q: %v", s, err)
	}
	return roles, nil
}

// checkValidUntil refuses a --valid-until that is not a day YYYY-MM-DD.
func checkValidUntil(s string) error {
	if s == "" {
		return nil
	}
	if _, err := casework.ParseValidUntil(s); err != nil {
		return usagef("--valid-until %q: want the last valid day as YYYY-MM-DD", s)
	}
	return nil
}
