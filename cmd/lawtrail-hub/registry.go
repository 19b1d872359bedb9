package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"

	"lawtrail/evidence"
	"lawtrail/sync/protocol"
)

// cmdKey prints the hub's public key in every form a verifier of case files
// needs: the district publishes it so courts can check checkpoints.
func cmdKey(ctx context.Context, dir string, args []string, e env) error {
	fs := flag.NewFlagSet("key", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	asJSON := fs.Bool("json", false, "one JSON object")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return errors.New("usage: key [--json]")
	}
	h, err := openHub(ctx, dir, e)
	if err != nil {
		return err
	}
	defer h.Close()
	pub := h.PublicKey()
	vkey, err := protocol.NoteVerifierKey(pub)
	if err != nil {
		return err
	}
	k := struct {
		ID          string `json:"key_id"`
		Origin      string `json:"origin"`
		Raw         string `json:"public_key"`
		PEM         string `json:"public_key_pem"`
		VerifierKey string `json:"note_verifier_key"`
	}{evidence.KeyID(pub), protocol.LogOrigin(pub), base64.StdEncoding.EncodeToString(pub), evidence.PublicKeyPEM(pub), vkey}
	if *asJSON {
		return json.NewEncoder(e.stdout).Encode(k)
	}
	fmt.Fprintf(e.stdout, "hub key %s\nlog origin %s\nEd25519 public key (base64) %s\nsigned-note verifier key %s\n%s",
		k.ID, k.Origin, k.Raw, k.VerifierKey, k.PEM)
	return nil
}

// cmdTerminals prints the register of terminals: the key each terminal's
// events and case files must verify under.
func cmdTerminals(ctx context.Context, dir string, args []string, e env) error {
	fs := flag.NewFlagSet("terminals", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	asJSON := fs.Bool("json", false, "one JSON object per line")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return errors.New("usage: terminals [--json]")
	}
	h, err := openHub(ctx, dir, e)
	if err != nil {
		return err
	}
	defer h.Close()
	list, err := h.Terminals(ctx)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(e.stdout)
	for _, t := range list {
		if *asJSON {
			if err := enc.Encode(t); err != nil {
				return err
			}
			continue
		}
		state := "active"
		if t.RevokedAt != "" {
			state = "revoked " + t.RevokedAt
		}
		fmt.Fprintf(e.stdout, "%s  %s  %q  %q  enrolled %s  %s\n", t.ID, base64.StdEncoding.EncodeToString(t.PublicKey),
			t.Name, t.Agency, t.EnrolledAt, state)
	}
	return nil
}
