package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"os"

	"lawtrail/casework"
	"lawtrail/evidence"
	"lawtrail/store"
)

func cmdInit(ctx context.Context, dir string, args []string, e env) error {
	fs := flag.NewFlagSet("init", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	agency := fs.String("agency", "", "agency name, e.g. 某区市场监督管理局 (required)")
	agencyID := fs.String("agency-id", "", "agency id (default: derived from the name)")
	officerID := fs.String("officer-id", "", "id of the first officer, the terminal's admin (required)")
	officerName := fs.String("officer-name", "", "name of the first officer (required)")
	credential := fs.String("credential", "", "the first officer's enforcement credential number (执法证号)")
	roles := fs.String("roles", "admin,officer", "roles of the first officer (must include admin)")
	terminalName := fs.String("terminal-name", "", "a name for this terminal (default: the host name)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if *agency == "" || *officerID == "" || *officerName == "" {
		return errors.New("--agency, --officer-id and --officer-name are required")
	}
	parsedRoles, err := casework.ParseRoles(*roles)
	if err != nil {
		return fmt.Errorf("--roles: %w", err)
	}
	if *terminalName == "" {
		if *terminalName, err = os.Hostname(); err != nil || *terminalName == "" {
			*terminalName = "lawtrail"
		}
	}
	pass, err := secret(e, "LAWTRAIL_PASSPHRASE", fmt.Sprintf("New terminal passphrase (at least %d characters): ", store.MinPassphraseChars))
	if err != nil {
		return err
	}
	// The PIN never defaults to the passphrase: they seal different keys.
	pin, err := secret(e, "LAWTRAIL_PIN", fmt.Sprintf("New PIN of officer %s (at least %d digits): ", *officerID, store.MinPINDigits))
	if err != nil {
		return err
	}
	if err := store.CheckSecrets(pass, pin); err != nil {
		return err
	}
	changed, err := store.SecureDataDir(dir)
	if err != nil {
		return err
	}
	for _, c := range changed {
		fmt.Fprintf(e.stdout, "made private: %s\n", c)
	}
	key, err := store.InitTerminal(ctx, dir, store.TerminalSetup{
		TerminalName: *terminalName, AgencyID: *agencyID, AgencyName: *agency,
		OfficerID: *officerID, OfficerName: *officerName, CredentialNo: *credential, Roles: parsedRoles,
		Passphrase: pass, PIN: pin, KDF: evidence.DefaultKDFParams, Rand: rand.Reader,
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "terminal %s initialised in %s\nadmin officer %s (%s)\n", key.ID(), dir, *officerID, *officerName)
	return nil
}
